package grafana

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// A static server answering Grafana's documented envelope of
// GET /api/dashboards/uid/<uid> (no Grafana runs here), checking the
// bearer token.
func grafanaServer(t *testing.T) *httptest.Server {
	t.Helper()
	b, err := os.ReadFile("testdata/modern.json")
	if err != nil {
		t.Fatal(err)
	}
	body := `{"meta": {"type": "db", "slug": "flask-service-modern", "url": "/d/flask-modern/flask-service-modern", "version": 3}, "dashboard": ` + string(b) + `}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"message":"Unauthorized"}`))
			return
		}
		if r.URL.Path != "/api/dashboards/uid/flask-modern" {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"message":"Dashboard not found"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

func TestFetchEnvelope(t *testing.T) {
	srv := grafanaServer(t)
	d, err := Fetch(context.Background(), bearer{"s3cret"}, srv.URL+"/api/dashboards/uid/flask-modern", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if d.UID != "flask-modern" || len(d.Panels) < 10 {
		t.Errorf("%+v", d)
	}
	_, err = Fetch(context.Background(), bearer{"wrong"}, srv.URL+"/api/dashboards/uid/flask-modern", 5*time.Second)
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "check the token") {
		t.Errorf("401: %v", err)
	}
	_, err = Fetch(context.Background(), bearer{"s3cret"}, srv.URL+"/api/dashboards/uid/nope", 5*time.Second)
	if err == nil || !strings.Contains(err.Error(), "no dashboard of that UID") {
		t.Errorf("404: %v", err)
	}
	u := strings.Replace(srv.URL, "http://", "http://user:pw@", 1)
	srv.Close()
	_, err = Fetch(context.Background(), nil, u+"/api/dashboards/uid/flask-modern", 5*time.Second)
	if err == nil || strings.Contains(err.Error(), "pw") {
		t.Errorf("closed: %v", err)
	}
}
