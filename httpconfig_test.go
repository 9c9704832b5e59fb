package vigil

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const planted = "pl4nted-S3CRET-7781" // must never appear in a message

func writeFile(t *testing.T, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func noSecret(t *testing.T, s string) {
	t.Helper()
	if strings.Contains(s, planted) || strings.Contains(s, "S3CRET") {
		t.Fatalf("a secret shows: %s", s)
	}
}

func TestHTTPTablesConvertToPrometheusClientConfig(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "pw", "x", 0o600)
	writeFile(t, dir, "ca.crt", "x", 0o600)
	writeFile(t, dir, "c.crt", "x", 0o600)
	writeFile(t, dir, "c.key", "x", 0o600)
	writeFile(t, dir, "tok", "x", 0o600)
	doc := `
[prometheus]
url = "https://prom.example:9090"
[prometheus.http]
proxy_url = "http://proxy.example:3128"
http_headers = { "X-Scope-OrgID" = { values = ["team-a"] } }
[prometheus.http.basic_auth]
username = "vigil"
password_file = "pw"
[prometheus.http.tls_config]
ca_file = "ca.crt"
cert_file = "c.crt"
key_file = "c.key"
server_name = "prom.internal"

[alertmanager]
urls = ["https://am.example:9093"]
[alertmanager.http.authorization]
credentials_file = "tok"
`
	p := writeFile(t, dir, "config.toml", doc, 0o600)
	cfg, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ph, err := cfg.PrometheusHTTP()
	if err != nil {
		t.Fatal(err)
	}
	c := ph.Config
	if ph.Zero || c.BasicAuth == nil || c.BasicAuth.Username != "vigil" || c.BasicAuth.PasswordFile != filepath.Join(dir, "pw") {
		t.Fatalf("basic auth: %+v", c.BasicAuth)
	}
	if c.TLSConfig.CAFile != filepath.Join(dir, "ca.crt") || c.TLSConfig.CertFile != filepath.Join(dir, "c.crt") ||
		c.TLSConfig.KeyFile != filepath.Join(dir, "c.key") || c.TLSConfig.ServerName != "prom.internal" {
		t.Fatalf("tls: %+v", c.TLSConfig)
	}
	if c.ProxyURL.URL == nil || c.ProxyURL.Host != "proxy.example:3128" || c.ProxyFromEnvironment {
		t.Fatalf("proxy: %+v", c.ProxyConfig)
	}
	if c.HTTPHeaders == nil || c.HTTPHeaders.Headers["X-Scope-OrgID"].Values[0] != "team-a" {
		t.Fatalf("headers: %+v", c.HTTPHeaders)
	}
	if !c.FollowRedirects || !c.EnableHTTP2 {
		t.Fatalf("prometheus/common's defaults are lost: %+v", c)
	}
	ah, err := cfg.AlertmanagerHTTP()
	if err != nil {
		t.Fatal(err)
	}
	if a := ah.Config.Authorization; a == nil || a.Type != "Bearer" || a.CredentialsFile != filepath.Join(dir, "tok") {
		t.Fatalf("authorization: %+v", a)
	}
	if !ah.Config.ProxyFromEnvironment {
		t.Fatal("without proxy_url the environment's proxy must apply")
	}

	// The defaults configure nothing: vigil's own transport.
	d := Defaults()
	if h, err := d.PrometheusHTTP(); err != nil || !h.Zero {
		t.Fatalf("defaults: %+v %v", h, err)
	}
}

func TestHTTPTableUnknownKeysNameFileLineColumn(t *testing.T) {
	cases := []struct{ doc, want string }{
		{"[prometheus.http.basic_auth]\nusername = \"u\"\npasword = \"x\"\n", "f.toml:3:1: prometheus.http.basic_auth.pasword: unknown key"},
		{"[alertmanager.http]\ntls = {}\n", "f.toml:2:1: alertmanager.http.tls: unknown key"},
		// Inside inline tables the decoder names the key less fully, but
		// the position is exact.
		{"[prometheus]\nhttp = { tls_config = { ca_fil = \"x\" } }\n", "f.toml:2:25: prometheus.ca_fil: unknown key"},
		{"[prometheus.http.http_headers]\nX-A = { value = [\"x\"] }\n", "f.toml:2:9: prometheus.http.http_headers.value: unknown key"},
		{"[prometheus.http.tls_config]\ninsecure_skip_verify = \"yes\"\n", "f.toml:2:"},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.doc), "f.toml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.doc, err, c.want)
		}
	}
}

func TestHTTPTableValidationNamesKey(t *testing.T) {
	dir := t.TempDir()
	pw := writeFile(t, dir, "pw", "x", 0o600)
	cases := []validateCase{
		{"password and file", fmt.Sprintf("[prometheus.http.basic_auth]\nusername = \"u\"\npassword = %q\npassword_file = %q\n", planted, pw),
			[]string{"f.toml:4:1", "prometheus.http.basic_auth.password_file", "not both"}},
		{"no username", fmt.Sprintf("[alertmanager.http.basic_auth]\npassword = %q\n", planted),
			[]string{"alertmanager.http.basic_auth.username", "needs a username"}},
		{"missing ca", "[prometheus.http.tls_config]\nca_file = \"/nonexistent/ca.crt\"\n",
			[]string{"f.toml:2:1", "prometheus.http.tls_config.ca_file", "/nonexistent/ca.crt", "no such file"}},
		{"missing ca inline table", "[prometheus]\nhttp = { tls_config = { ca_file = \"/nonexistent/ca.crt\" } }\n",
			[]string{"f.toml:2:1", "prometheus.http.tls_config.ca_file"}},
		{"cert without key", fmt.Sprintf("[prometheus.http.tls_config]\ncert_file = %q\n", pw),
			[]string{"prometheus.http.tls_config.key_file", "needs its key_file"}},
		{"basic type", fmt.Sprintf("[prometheus.http.authorization]\ntype = \"Basic\"\ncredentials = %q\n", planted),
			[]string{"f.toml:2:1", "prometheus.http.authorization.type", "use basic_auth"}},
		{"both auths", fmt.Sprintf("[prometheus.http.basic_auth]\nusername = \"u\"\n[prometheus.http.authorization]\ncredentials = %q\n", planted),
			[]string{"prometheus.http.authorization", "not both"}},
		{"missing token file", "[alertmanager.http.authorization]\ncredentials_file = \"/nonexistent/tok\"\n",
			[]string{"alertmanager.http.authorization.credentials_file", "no such file"}},
		{"reserved header", fmt.Sprintf("[prometheus.http.http_headers]\nAuthorization = { secrets = [%q] }\n", planted),
			[]string{"prometheus.http.http_headers.Authorization", "use basic_auth or authorization"}},
		{"empty header", "[prometheus.http.http_headers]\nX-Scope-OrgID = {}\n",
			[]string{"prometheus.http.http_headers.X-Scope-OrgID", "give values"}},
		{"proxy scheme", fmt.Sprintf("[prometheus.http]\nproxy_url = \"ftp://u:%s@proxy:21\"\n", planted),
			[]string{"f.toml:2:1", "prometheus.http.proxy_url", "http, https or socks5"}},
	}
	checkValidateFails(t, cases, noSecret)
}

func TestSecretsDoNotPrint(t *testing.T) {
	doc := fmt.Sprintf("[prometheus.http.basic_auth]\nusername = \"u\"\npassword = %q\n[alertmanager.http.authorization]\ncredentials = %q\n[alertmanager.http.http_headers]\nX-Key = { secrets = [%q] }\n", planted, planted, planted)
	cfg, err := Parse([]byte(doc), "f.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg.Prometheus.HTTP), fmt.Sprint(cfg.Alertmanager.HTTP)} {
		noSecret(t, s)
	}
	h, err := cfg.PrometheusHTTP()
	if err != nil {
		t.Fatal(err)
	}
	noSecret(t, h.Config.String())
	if string(h.Config.BasicAuth.Password) != planted || cfg.Prometheus.HTTP.BasicAuth.Password.Reveal() != planted {
		t.Fatal("the secret itself is lost")
	}
}

func TestHTTPConfigFileReplacesTables(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "ca.crt", "x", 0o600)
	f := writeFile(t, dir, "http.yml", "basic_auth:\n  username: amtool\n  password_file: pw\ntls_config:\n  ca_file: ca.crt\n", 0o600)
	writeFile(t, dir, "pw", "x", 0o600)
	cfg := Defaults()
	cfg.Prometheus.HTTP.BasicAuth.Username = "ignored"
	cfg.Prometheus.HTTPFile, cfg.Alertmanager.HTTPFile = f, f
	cfg.SetOrigin(HTTPConfigKey, "flag --http-config")
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, get := range []func() (HTTPClient, error){cfg.PrometheusHTTP, cfg.AlertmanagerHTTP} {
		h, err := get()
		if err != nil {
			t.Fatal(err)
		}
		if h.Source != f || h.Config.BasicAuth.Username != "amtool" || h.Config.BasicAuth.PasswordFile != filepath.Join(dir, "pw") ||
			h.Config.TLSConfig.CAFile != filepath.Join(dir, "ca.crt") {
			t.Fatalf("%+v", h)
		}
	}
}

func TestHTTPConfigFileErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ name, doc string }{
		{"unknown key", "basic_auth:\n  username: u\n  pasword: x\n"},
		{"secret of the wrong shape", fmt.Sprintf("basic_auth: %q\n", "u:"+planted)},
		{"both password and file", fmt.Sprintf("basic_auth:\n  username: u\n  password: %s\n  password_file: /x\n", planted)},
		{"not yaml", "basic_auth: [\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := writeFile(t, dir, "http.yml", c.doc, 0o600)
			cfg := Defaults()
			cfg.Prometheus.HTTPFile, cfg.Alertmanager.HTTPFile = f, f
			cfg.SetOrigin(HTTPConfigKey, "env VIGIL_HTTP_CONFIG")
			err := cfg.Validate()
			if err == nil {
				t.Fatal("validated")
			}
			msg := err.Error()
			t.Log(msg)
			noSecret(t, msg)
			if !strings.HasPrefix(msg, "env VIGIL_HTTP_CONFIG: "+f) || strings.Contains(msg, "\n") {
				t.Fatalf("%q does not name the file on one line", msg)
			}
		})
	}
	cfg := Defaults()
	cfg.Prometheus.HTTPFile = filepath.Join(dir, "absent.yml")
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "absent.yml: cannot read") {
		t.Fatalf("got %v", err)
	}
}

func TestInlineSecretWarnings(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "pw", "x", 0o600)
	inline := fmt.Sprintf("[prometheus.http.basic_auth]\nusername = \"u\"\npassword = %q\n", planted)
	fromFile := "[prometheus.http.basic_auth]\nusername = \"u\"\npassword_file = \"pw\"\n"
	cases := []struct {
		name, doc string
		mode      os.FileMode
		warn      bool
	}{
		{"inline, world-readable", inline, 0o644, true},
		{"inline, group-readable", inline, 0o640, true},
		{"inline, private", inline, 0o600, false},
		{"file, world-readable", fromFile, 0o644, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, dir, "config.toml", c.doc, c.mode)
			cfg, err := Load(p)
			if err != nil {
				t.Fatal(err)
			}
			ws := cfg.InlineSecretWarnings()
			if !c.warn {
				if len(ws) > 0 {
					t.Fatalf("unexpected warning: %v", ws)
				}
				return
			}
			if len(ws) != 1 {
				t.Fatalf("warnings: %v", ws)
			}
			noSecret(t, ws[0])
			for _, w := range []string{p, "chmod 600 " + p, "password_file", "prometheus.http.basic_auth.password"} {
				if !strings.Contains(ws[0], w) {
					t.Errorf("%q lacks %q", ws[0], w)
				}
			}
		})
	}
	// The --http-config file is checked the same way.
	f := writeFile(t, dir, "http.yml", fmt.Sprintf("authorization:\n  credentials: %s\n", planted), 0o644)
	cfg := Defaults()
	cfg.Prometheus.HTTPFile, cfg.Alertmanager.HTTPFile = f, f
	ws := cfg.InlineSecretWarnings()
	if len(ws) != 1 || !strings.Contains(ws[0], "chmod 600 "+f) || !strings.Contains(ws[0], "authorization.credentials") {
		t.Fatalf("warnings: %v", ws)
	}
}
