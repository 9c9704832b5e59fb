package query

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	promconfig "github.com/prometheus/common/config"
)

// recorder is a Prometheus stand-in that answers an empty vector and keeps
// the headers of every request.
type recorder struct {
	mu      sync.Mutex
	headers []http.Header
	hosts   []string
	want    string // the Authorization header it accepts; empty: any
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	rc.headers = append(rc.headers, r.Header.Clone())
	rc.hosts = append(rc.hosts, r.URL.Host)
	rc.mu.Unlock()
	if rc.want != "" && r.Header.Get("Authorization") != rc.want {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[]}}`))
}

func (rc *recorder) last() http.Header {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.headers[len(rc.headers)-1]
}

func promOver(t *testing.T, u string, c promconfig.HTTPClientConfig) *Prometheus {
	t.Helper()
	rt, err := NewTransport(c, "prometheus")
	if err != nil {
		t.Fatalf("NewTransport: %v", err)
	}
	p, err := NewPrometheus(PrometheusOptions{URL: u, Timeout: 5 * time.Second, RoundTripper: rt})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// credentials_file is read on every request: a token rotated between two
// requests goes out with the second, through the same transport.
func TestTransportCredentialsFileRotates(t *testing.T) {
	rc := &recorder{want: "Bearer token-two"}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("token-one\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := promconfig.DefaultHTTPClientConfig
	c.Authorization = &promconfig.Authorization{Type: "Bearer", CredentialsFile: tok}
	p := promOver(t, srv.URL, c)
	_, _, err := p.Query(context.Background(), "up", time.Time{})
	if err == nil || !strings.Contains(err.Error(), "401 Unauthorized") || !strings.Contains(err.Error(), srv.URL) {
		t.Fatalf("first request: want 401 naming %s, got %v", srv.URL, err)
	}
	if strings.Contains(err.Error(), "token-one") {
		t.Fatalf("the error shows the token: %v", err)
	}
	if got := rc.last().Get("Authorization"); got != "Bearer token-one" {
		t.Fatalf("first request sent %q", got)
	}
	if err := os.WriteFile(tok, []byte("token-two\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.Query(context.Background(), "up", time.Time{}); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	if got := rc.last().Get("Authorization"); got != "Bearer token-two" {
		t.Fatalf("second request sent %q", got)
	}
}

func TestTransportHeadersAndUserAgent(t *testing.T) {
	rc := &recorder{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	c := promconfig.DefaultHTTPClientConfig
	c.HTTPHeaders = &promconfig.Headers{Headers: map[string]promconfig.Header{
		"X-Scope-OrgID": {Values: []string{"team-a"}},
		"X-Api-Key":     {Secrets: []promconfig.Secret{"k-123"}},
	}}
	p := promOver(t, srv.URL, c)
	if _, _, err := p.Query(context.Background(), "up", time.Time{}); err != nil {
		t.Fatal(err)
	}
	h := rc.last()
	if h.Get("X-Scope-OrgID") != "team-a" || h.Get("X-Api-Key") != "k-123" {
		t.Fatalf("headers: %v", h)
	}
	if h.Get("User-Agent") != UserAgent {
		t.Fatalf("User-Agent %q", h.Get("User-Agent"))
	}
}

func TestTransportProxyURL(t *testing.T) {
	proxy := &recorder{}
	psrv := httptest.NewServer(proxy)
	defer psrv.Close()
	pu, _ := url.Parse(psrv.URL)
	c := promconfig.DefaultHTTPClientConfig
	c.ProxyURL = promconfig.URL{URL: pu}
	// The target does not exist: only the proxy can answer.
	p := promOver(t, "http://prometheus.invalid:9090", c)
	if _, _, err := p.Query(context.Background(), "up", time.Time{}); err != nil {
		t.Fatalf("through the proxy: %v", err)
	}
	if got := proxy.hosts[len(proxy.hosts)-1]; got != "prometheus.invalid:9090" {
		t.Fatalf("the proxy saw host %q", got)
	}
}

func TestNewTransportRejectsBadConfig(t *testing.T) {
	c := promconfig.DefaultHTTPClientConfig
	c.BasicAuth = &promconfig.BasicAuth{Username: "u", Password: "s3cr3t-zz", PasswordFile: "/x"}
	_, err := NewTransport(c, "prometheus")
	if err == nil || !strings.HasPrefix(err.Error(), "prometheus: ") || strings.Contains(err.Error(), "s3cr3t-zz") {
		t.Fatalf("got %v", err)
	}
	c = promconfig.DefaultHTTPClientConfig
	c.TLSConfig.CAFile = filepath.Join(t.TempDir(), "missing-ca.crt")
	_, err = NewTransport(c, "alertmanager")
	if err == nil || !strings.Contains(err.Error(), "missing-ca.crt") {
		t.Fatalf("got %v", err)
	}
}

func TestTLSHintKeepsTheCause(t *testing.T) {
	cause := errors.New("x")
	e := &TLSHintError{Err: cause, Hint: "h"}
	if !errors.Is(e, cause) || e.Error() != "x (h)" {
		t.Fatalf("%v", e)
	}
}
