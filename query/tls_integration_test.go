package query_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	promconfig "github.com/prometheus/common/config"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
)

// These tests run the real Prometheus and Alertmanager behind
// --web.config.file: TLS with a CA of the test's own, client certificates
// required (mTLS) and basic auth with a bcrypt hash.

const (
	tlsUser     = "vigil"
	tlsPassword = "pw-QX7-d1st1nct1ve-9931" // planted: must never show up in a message
	tlsWrong    = "wrong-QX7-d1st1nct1ve-1208"
)

type securedStack struct {
	stack *demo.Stack
	pki   *demo.TLSFiles
	other *demo.TLSFiles // a CA the servers do not use
	dir   string
}

// goodClientConfig is the configuration that the servers accept.
func (s *securedStack) goodClientConfig() promconfig.HTTPClientConfig {
	c := promconfig.DefaultHTTPClientConfig
	c.BasicAuth = &promconfig.BasicAuth{Username: tlsUser, Password: promconfig.Secret(tlsPassword)}
	c.TLSConfig = promconfig.TLSConfig{CAFile: s.pki.CA, CertFile: s.pki.ClientCert, KeyFile: s.pki.ClientKey}
	return c
}

func startSecuredStack(t *testing.T) *securedStack {
	t.Helper()
	sec := demotest.NewSecured(t, tlsUser, tlsPassword)
	s := &securedStack{pki: sec.PKI, other: sec.Other, dir: sec.Dir}
	rt, err := query.NewTransport(s.goodClientConfig(), "demo")
	if err != nil {
		t.Fatalf("transport: %v", err)
	}
	s.stack = demotest.Start(t, demo.StackOptions{
		App:           demo.AppOptions{Seed: 11},
		Alertmanagers: 1,
		WebConfig:     sec.WebConfig,
		WebTransport:  rt,
	})
	if !strings.HasPrefix(s.stack.PrometheusURL, "https://") || !strings.HasPrefix(s.stack.AlertmanagerURLs[0], "https://") {
		t.Fatalf("the stack is not on https: %s %v", s.stack.PrometheusURL, s.stack.AlertmanagerURLs)
	}
	return s
}

// clients builds both clients over one configuration.
func (s *securedStack) clients(t *testing.T, c promconfig.HTTPClientConfig) (*query.Prometheus, *alertmanager.Client) {
	t.Helper()
	rt, err := query.NewTransport(c, "test")
	if err != nil {
		t.Fatalf("transport: %v", err)
	}
	p, err := query.NewPrometheus(query.PrometheusOptions{URL: s.stack.PrometheusURL, Timeout: 10 * time.Second, RoundTripper: rt})
	if err != nil {
		t.Fatal(err)
	}
	am, err := alertmanager.New(alertmanager.Options{URLs: s.stack.AlertmanagerURLs, Timeout: 10 * time.Second, RoundTripper: rt})
	if err != nil {
		t.Fatal(err)
	}
	return p, am
}

// checkMessage asserts one line naming the server and the cause, without
// any secret.
func checkMessage(t *testing.T, what string, err error, server string, causes ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: succeeded, want a failure", what)
	}
	msg := err.Error()
	t.Logf("%s: %s", what, msg)
	if strings.ContainsAny(msg, "\r\n") {
		t.Errorf("%s: not one line: %q", what, msg)
	}
	if !strings.Contains(msg, server) {
		t.Errorf("%s: %q does not name the server %s", what, msg, server)
	}
	for _, c := range causes {
		if !strings.Contains(msg, c) {
			t.Errorf("%s: %q does not say %q", what, msg, c)
		}
	}
	for _, secret := range []string{tlsPassword, tlsWrong, "QX7"} {
		if strings.Contains(msg, secret) {
			t.Errorf("%s: the message shows a secret: %q", what, msg)
		}
	}
	if strings.Contains(msg, "goroutine ") || strings.Contains(msg, "panic") {
		t.Errorf("%s: %q looks like a crash", what, msg)
	}
}

func TestIntegrationTLSAndAuth(t *testing.T) {
	s := startSecuredStack(t)
	promURL, amURL := s.stack.PrometheusURL, s.stack.AlertmanagerURLs[0]
	ctx := context.Background()
	shape := query.DemoShape(time.Minute)

	// Post an alert straight to Alertmanager (Prometheus has no
	// credentials for it) so that the list is not empty.
	goodRT, err := query.NewTransport(s.goodClientConfig(), "test")
	if err != nil {
		t.Fatal(err)
	}
	body := `[{"labels":{"alertname":"TLSCheck","severity":"warning"},"annotations":{"summary":"posted over mTLS"}}]`
	req, _ := http.NewRequest(http.MethodPost, amURL+"/api/v2/alerts", bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Transport: goodRT, Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("post alert: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("post alert: %s", resp.Status)
	}

	t.Run("wrong password", func(t *testing.T) {
		c := s.goodClientConfig()
		c.BasicAuth.Password = tlsWrong
		p, am := s.clients(t, c)
		_, err := p.Overview(ctx, shape)
		checkMessage(t, "prometheus", err, promURL, "401 Unauthorized")
		if !query.IsUnreachable(err) {
			t.Errorf("a refused login should count as unreachable: %v", err)
		}
		_, err = am.Alerts(ctx)
		checkMessage(t, "alertmanager", err, amURL, "Unauthorized", "401")
	})

	t.Run("no credentials", func(t *testing.T) {
		c := s.goodClientConfig()
		c.BasicAuth = nil
		p, am := s.clients(t, c)
		_, err := p.Overview(ctx, shape)
		checkMessage(t, "prometheus", err, promURL, "401 Unauthorized")
		_, err = am.Alerts(ctx)
		checkMessage(t, "alertmanager", err, amURL, "401")
	})

	t.Run("unknown CA", func(t *testing.T) {
		c := s.goodClientConfig()
		c.TLSConfig.CAFile = s.other.CA
		p, am := s.clients(t, c)
		_, err := p.Overview(ctx, shape)
		checkMessage(t, "prometheus", err, promURL, "certificate signed by unknown authority", "tls_config.ca_file")
		var he *query.TLSHintError
		if !errors.As(err, &he) {
			t.Errorf("no TLS hint in %v", err)
		}
		_, err = am.Alerts(ctx)
		checkMessage(t, "alertmanager", err, amURL, "certificate signed by unknown authority", "tls_config.ca_file")
		if !alertmanager.IsTransportError(err) {
			t.Errorf("a TLS failure is a transport error: %v", err)
		}
	})

	t.Run("system roots", func(t *testing.T) {
		c := s.goodClientConfig()
		c.TLSConfig.CAFile = ""
		p, _ := s.clients(t, c)
		_, err := p.Overview(ctx, shape)
		checkMessage(t, "prometheus", err, promURL, "certificate signed by unknown authority")
	})

	t.Run("missing client certificate", func(t *testing.T) {
		c := s.goodClientConfig()
		c.TLSConfig.CertFile, c.TLSConfig.KeyFile = "", ""
		p, am := s.clients(t, c)
		_, err := p.Overview(ctx, shape)
		// The server's alert, or the connection it cut (TLS 1.3 checks
		// the client certificate after the client is done): the message
		// names the setting either way.
		checkMessage(t, "prometheus", err, promURL, "client certificate", "tls_config.cert_file")
		_, err = am.Alerts(ctx)
		checkMessage(t, "alertmanager", err, amURL, "client certificate", "tls_config.cert_file")
	})

	t.Run("client certificate of another CA", func(t *testing.T) {
		c := s.goodClientConfig()
		c.TLSConfig.CertFile, c.TLSConfig.KeyFile = s.other.ClientCert, s.other.ClientKey
		p, _ := s.clients(t, c)
		_, err := p.Overview(ctx, shape)
		checkMessage(t, "prometheus", err, promURL, "client certificate", "tls_config.cert_file")
	})

	t.Run("plain http against https", func(t *testing.T) {
		p, err := query.NewPrometheus(query.PrometheusOptions{URL: strings.Replace(promURL, "https://", "http://", 1), Timeout: 5 * time.Second, RoundTripper: goodRT})
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Overview(ctx, shape)
		checkMessage(t, "prometheus", err, "127.0.0.1", "400")
	})

	t.Run("fixed configuration works", func(t *testing.T) {
		p, am := s.clients(t, s.goodClientConfig())
		ov, err := p.Overview(ctx, shape)
		if err != nil {
			t.Fatalf("overview: %v", err)
		}
		if len(ov.Errors) > 0 {
			t.Fatalf("overview errors: %+v", ov.Errors)
		}
		alerts, err := am.Alerts(ctx)
		if err != nil {
			t.Fatalf("alerts: %v", err)
		}
		found := false
		for _, a := range alerts {
			found = found || a.Name == "TLSCheck"
		}
		if !found {
			t.Fatalf("the posted alert is not listed: %+v", alerts)
		}
		if _, err := query.PrometheusAlerts(ctx, p.API()); err != nil {
			t.Fatalf("prometheus alerts: %v", err)
		}
	})

	// prometheus/common reads password_file on every request: a password
	// rotated between two requests is used by the second without a new
	// transport.
	t.Run("password_file rotates", func(t *testing.T) {
		pwFile := filepath.Join(s.dir, "password")
		if err := os.WriteFile(pwFile, []byte(tlsWrong+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		c := s.goodClientConfig()
		c.BasicAuth = &promconfig.BasicAuth{Username: tlsUser, PasswordFile: pwFile}
		p, am := s.clients(t, c)
		_, err := p.Overview(ctx, shape)
		checkMessage(t, "prometheus before rotation", err, promURL, "401 Unauthorized")
		if err := os.WriteFile(pwFile, []byte(tlsPassword+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Overview(ctx, shape); err != nil {
			t.Fatalf("after rotation: %v", err)
		}
		if _, err := am.Alerts(ctx); err != nil {
			t.Fatalf("alertmanager after rotation: %v", err)
		}
	})
}
