package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	promconfig "github.com/prometheus/common/config"

	vigil "github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
)

// The built binary against the real Prometheus and Alertmanager behind
// --web.config.file (TLS, client certificates required, basic auth).

const binSecret = "bin-S3CRET-planted-5521" // must never be printed

func TestSnapshotTLSAndAuthThroughTheBinary(t *testing.T) {
	t.Parallel()
	sec := demotest.NewSecured(t, "vigil", binSecret)
	dir, pki, other := sec.Dir, sec.PKI, sec.Other
	good := promconfig.DefaultHTTPClientConfig
	good.BasicAuth = &promconfig.BasicAuth{Username: "vigil", Password: promconfig.Secret(binSecret)}
	good.TLSConfig = promconfig.TLSConfig{CAFile: pki.CA, CertFile: pki.ClientCert, KeyFile: pki.ClientKey}
	rt, err := query.NewTransport(good, "demo")
	if err != nil {
		t.Fatal(err)
	}
	stack := demotest.Start(t, demo.StackOptions{Alertmanagers: 1, WebConfig: sec.WebConfig, WebTransport: rt})
	promURL, amURL := stack.PrometheusURL, stack.AlertmanagerURLs[0]
	bin := vigilBinary(t)

	pwFile := filepath.Join(dir, "password")
	if err := os.WriteFile(pwFile, []byte(binSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tlsTable := func(server, ca string) string {
		return fmt.Sprintf("[%s.http.tls_config]\nca_file = %q\ncert_file = %q\nkey_file = %q\n", server, ca, pki.ClientCert, pki.ClientKey)
	}
	auth := func(server, password string) string {
		if password == "" {
			return fmt.Sprintf("[%s.http.basic_auth]\nusername = \"vigil\"\npassword_file = %q\n", server, pwFile)
		}
		return fmt.Sprintf("[%s.http.basic_auth]\nusername = \"vigil\"\npassword = %q\n", server, password)
	}
	servers := fmt.Sprintf("[prometheus]\nurl = %q\n[alertmanager]\nurls = [%q]\n", promURL, amURL)
	n := 0
	config := func(mode os.FileMode, parts ...string) string {
		n++
		p := filepath.Join(dir, fmt.Sprintf("config-%d.toml", n))
		if err := os.WriteFile(p, []byte(servers+strings.Join(parts, "")), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	run := func(args ...string) (string, string, int) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"snapshot"}, args...)...)
		cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+dir, "VIGIL_HTTP_CONFIG=", "NO_COLOR=1")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{stdout.String(), stderr.String()} {
			if strings.Contains(s, binSecret) || strings.Contains(s, "S3CRET") {
				t.Fatalf("the secret was printed:\nstdout: %s\nstderr: %s", stdout.String(), stderr.String())
			}
			if strings.Contains(s, "goroutine ") || strings.Contains(s, "panic:") {
				t.Fatalf("crash:\n%s", s)
			}
		}
		return stdout.String(), stderr.String(), code
	}
	expect := func(what string, args []string, wantCode int, wantErr ...string) string {
		t.Helper()
		_, stderr, code := run(args...)
		t.Logf("%s: exit %d, stderr: %s", what, code, stderr)
		if code != wantCode {
			t.Fatalf("%s: exit code %d, want %d; stderr: %s", what, code, wantCode, stderr)
		}
		for _, w := range wantErr {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s: stderr lacks %q: %s", what, w, stderr)
			}
		}
		return stderr
	}
	lastLine := func(s string) string {
		ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
		return ls[len(ls)-1]
	}

	// A wrong inline password in a world-readable file: the warning first,
	// then one line naming Prometheus and the 401.
	bad := config(0o644, auth("prometheus", "wrong-S3CRET-0001"), tlsTable("prometheus", pki.CA))
	stderr := expect("wrong password", []string{"--config", bad}, 1,
		"warning: "+bad, "chmod 600 "+bad, "password_file", "prometheus "+promURL, "401 Unauthorized")
	if !strings.HasPrefix(lastLine(stderr), "vigil: prometheus "+promURL) {
		t.Errorf("the error is not one line: %q", stderr)
	}

	expect("unknown CA", []string{"--config", config(0o600, auth("prometheus", ""), tlsTable("prometheus", other.CA))}, 1,
		"prometheus "+promURL, "certificate signed by unknown authority", "tls_config.ca_file")

	noCert := fmt.Sprintf("[prometheus.http.tls_config]\nca_file = %q\n", pki.CA)
	expect("no client certificate", []string{"--config", config(0o600, auth("prometheus", ""), noCert)}, 1,
		"prometheus "+promURL, "client certificate", "tls_config.cert_file")

	expect("CA file missing", []string{"--config", config(0o600, auth("prometheus", ""), tlsTable("prometheus", filepath.Join(dir, "nope.crt")))}, 2,
		"prometheus.http.tls_config.ca_file", "nope.crt", "no such file")

	// A contradiction next to an inline secret: exit 2, the key named, the
	// secret not.
	both := fmt.Sprintf("[prometheus.http.basic_auth]\nusername = \"vigil\"\npassword = %q\npassword_file = %q\n", binSecret, pwFile)
	expect("password and password_file", []string{"--config", config(0o600, both)}, 2,
		"prometheus.http.basic_auth.password_file", "not both")

	// Prometheus right, Alertmanager with a wrong password.
	amBad := config(0o600, auth("prometheus", ""), tlsTable("prometheus", pki.CA), auth("alertmanager", "nope-S3CRET-0002"), tlsTable("alertmanager", pki.CA))
	expect("alertmanager wrong password", []string{"--config", amBad}, 1, "alertmanager "+amURL, "401")

	// Fixed: both work, the secret from a file, no warning.
	fixed := config(0o644, auth("prometheus", ""), tlsTable("prometheus", pki.CA), auth("alertmanager", ""), tlsTable("alertmanager", pki.CA))
	stdout, stderr, code := run("--config", fixed, "--format", "json")
	if code != 0 || stderr != "" {
		t.Fatalf("fixed config: exit %d, stderr %s", code, stderr)
	}
	if !strings.Contains(stdout, `"endpoints"`) {
		t.Fatalf("no overview: %s", stdout)
	}

	// The same through an amtool/Prometheus YAML file: it replaces the
	// TOML tables (here wrong on purpose).
	yml := filepath.Join(dir, "http.yml")
	if err := os.WriteFile(yml, []byte(fmt.Sprintf("basic_auth:\n  username: vigil\n  password_file: %s\ntls_config:\n  ca_file: %s\n  cert_file: %s\n  key_file: %s\n",
		pwFile, pki.CA, pki.ClientCert, pki.ClientKey)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := run("--config", amBad, "--http-config", yml); code != 0 {
		t.Fatalf("--http-config: exit %d: %s", code, stderr)
	}
	badYML := filepath.Join(dir, "bad.yml")
	if err := os.WriteFile(badYML, []byte("basic_auth:\n  username: vigil\n  pasword: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	expect("bad --http-config", []string{"--config", fixed, "--http-config", badYML}, 2, "flag --http-config: "+badYML+":3:", "pasword")
}

// prometheus.recording_rules and prometheus.max_concurrent_queries reach
// the client the console uses.
func TestPrometheusClientTakesRulesAndConcurrency(t *testing.T) {
	cfg, err := vigil.Parse([]byte("[prometheus]\nurl = \"http://127.0.0.1:1\"\nrecording_rules = \"off\"\nmax_concurrent_queries = 2\n"), "vigil.toml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := newPrometheus(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if !p.RulesOff() || p.MaxConcurrent() != 2 {
		t.Errorf("rules off %v, max concurrent %d: want true, 2", p.RulesOff(), p.MaxConcurrent())
	}
	def := vigil.Defaults()
	q, err := newPrometheus(&def)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if q.RulesOff() || q.MaxConcurrent() != 0 {
		t.Errorf("defaults: rules off %v, max concurrent %d", q.RulesOff(), q.MaxConcurrent())
	}
}
