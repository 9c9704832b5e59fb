package query

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// Build information as each engine sends it (read from the real ones).
func TestEngineOf(t *testing.T) {
	tests := []struct {
		body   string
		header http.Header
		want   string
		kind   EngineKind
	}{
		{`{"status":"success","data":{"version":"2.42.0","revision":"","branch":"debian/sid","buildUser":"x","buildDate":"20230409","goVersion":"go1.19.8"}}`, nil, "Prometheus 2.42.0", EnginePrometheus},
		// go install leaves the version empty.
		{`{"status":"success","data":{"version":"","revision":"abc","branch":"","buildUser":"","buildDate":"","goVersion":"go1.26.8"}}`, nil, "Prometheus, version unknown", EnginePrometheus},
		{`{"status":"success","data":{"version":"2.24.0"}}`, nil, "VictoriaMetrics, version unknown (reports Prometheus 2.24.0)", EngineVictoriaMetrics},
		{`{"status":"success","data":{"application":"Grafana Mimir","version":"2.17.0","revision":"r","branch":"b","goVersion":"go1.25.9","features":{}}}`, nil, "Grafana Mimir 2.17.0", EngineMimir},
	}
	for _, tt := range tests {
		resp := &http.Response{StatusCode: 200, Header: tt.header}
		if resp.Header == nil {
			resp.Header = http.Header{}
		}
		e, err := engineOf(resp, []byte(tt.body))
		if err != nil || e.String() != tt.want || e.Kind != tt.kind {
			t.Errorf("%s: %+v %q %v, want %q", tt.body, e, e.String(), err, tt.want)
		}
	}
	if _, err := engineOf(&http.Response{StatusCode: 200, Header: http.Header{}}, []byte(`<html>`)); err == nil {
		t.Error("an HTML page read as build information")
	}
}

// Thanos puts the same partial-response warning on every query of a
// refresh: it shows once, counting the stores.
func TestPartialResponseWarningsFoldIntoOne(t *testing.T) {
	w1 := `fetch series for {replica="1"} Addr: 127.0.0.1:20901 MinTime: 1 MaxTime: 2: rpc error: code = Unavailable desc = connection refused`
	w2 := `receive series from Addr: 127.0.0.1:20902 MinTime: 1 MaxTime: 2: rpc error: code = Unavailable desc = EOF`
	qs := []NamedQuery{{Name: "rps"}, {Name: "errors"}, {Name: "p99"}}
	res := []queryResult{
		{warnings: []string{w1}},
		{warnings: []string{w1, "some other warning"}},
		{warnings: []string{w1, w2}},
	}
	_, got := collectProblems(qs, res)
	want := []string{"partial data: 2 stores unreachable", "errors: some other warning"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("warnings %q, want %q", got, want)
	}
	_, got = collectProblems(qs[:1], res[:1])
	if len(got) != 1 || got[0] != "partial data: 1 store unreachable" {
		t.Errorf("one store: %q", got)
	}
	_, got = collectProblems(qs[:1], []queryResult{{warnings: []string{"plain warning"}}})
	if len(got) != 1 || got[0] != "rps: plain warning" {
		t.Errorf("no partial response: %q", got)
	}
}

// prometheus.partial_response and prometheus.dedup go with every query and
// range query, and with nothing else. The server records what it was sent.
func TestThanosParamsSent(t *testing.T) {
	var mu sync.Mutex
	got := map[string]url.Values{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		got[r.URL.Path] = r.Form
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/query":
			_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[]}}`))
		case "/api/v1/query_range":
			_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"matrix","result":[]}}`))
		default:
			_, _ = w.Write([]byte(`{"status":"success","data":[]}`))
		}
	}))
	defer srv.Close()
	p, err := NewPrometheus(PrometheusOptions{URL: srv.URL, Params: ThanosParams("false", "true")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, _, err := p.Query(ctx, "up", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.QueryRange(ctx, "up", v1.Range{Start: time.Now().Add(-time.Minute), End: time.Now(), Step: time.Second}); err != nil {
		t.Fatal(err)
	}
	if _, err := MetricNames(ctx, p.API()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, path := range []string{"/api/v1/query", "/api/v1/query_range"} {
		if f := got[path]; f.Get("partial_response") != "false" || f.Get("dedup") != "true" || f.Get("query") != "up" {
			t.Errorf("%s sent %v", path, f)
		}
	}
	if f, ok := got["/api/v1/label/__name__/values"]; !ok || f.Has("partial_response") {
		t.Errorf("label values sent %v (asked: %v)", f, ok)
	}
	if v := ThanosParams("", ""); len(v) != 0 {
		t.Errorf("empty settings send %v", v)
	}
}

// A base URL that already ends in /prometheus gets no hint to add it.
func TestNotFoundHintOnlyWithoutPrometheusPath(t *testing.T) {
	e404 := &v1.Error{Type: v1.ErrClient, Msg: "client error: 404", Detail: "404 page not found"}
	with := (&ServerError{URL: "http://m:8080/prometheus", Op: "query", Err: e404}).Error()
	without := (&ServerError{URL: "http://m:8080", Op: "query", Err: e404}).Error()
	if strings.Contains(with, "Mimir") || !strings.Contains(without, "Mimir's ends in /prometheus") {
		t.Errorf("with /prometheus: %q\nwithout: %q", with, without)
	}
}
