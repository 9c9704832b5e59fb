package vigil

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestDashboardsConfig(t *testing.T) {
	doc := `
[[dashboards]]
file = "boards/flask.json"

[[dashboards]]
grafana = { url = "https://grafana.example/", uid = "flask-modern", http = { authorization = { credentials = "tok" } } }
`
	cfg, err := Parse([]byte(doc), "/etc/vigil/config.toml")
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.AddDashboardFlags([]string{"here.json"}, []string{"job=flask", "path=/a", "path=/b"}); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := cfg.DashboardFile(0); got != filepath.Join("/etc/vigil", "boards/flask.json") {
		t.Errorf("file relative to the config: %s", got)
	}
	if got := cfg.DashboardFile(2); got != "here.json" {
		t.Errorf("--dashboard relative to the working directory: %s", got)
	}
	if got := cfg.DashboardURL(1); got != "https://grafana.example/api/dashboards/uid/flask-modern" {
		t.Errorf("url: %s", got)
	}
	hc, err := cfg.DashboardHTTP(1)
	if err != nil || hc.Config.Authorization == nil || hc.Config.Authorization.Type != "Bearer" {
		t.Errorf("bearer: %+v %v", hc.Config.Authorization, err)
	}
	if v := cfg.DashboardVars["path"]; len(v) != 2 || cfg.DashboardVars["job"][0] != "flask" {
		t.Errorf("vars: %v", cfg.DashboardVars)
	}
	if err := cfg.AddDashboardFlags(nil, []string{"novalue"}); err == nil || !strings.Contains(err.Error(), "name=value") {
		t.Errorf("--var without =: %v", err)
	}
}

func TestDashboardsConfigErrors(t *testing.T) {
	checkValidateFails(t, []validateCase{
		{"neither", "[[dashboards]]\n", []string{"dashboards[0]", "set file"}},
		{"both", "[[dashboards]]\nfile = \"a.json\"\ngrafana = { url = \"http://g\", uid = \"x\" }\n", []string{"dashboards[0]", "not both"}},
		{"bad uid", "[[dashboards]]\ngrafana = { url = \"http://g\", uid = \"a/b\" }\n", []string{"dashboards[0].grafana.uid", "not a dashboard UID"}},
		{"bad url", "[[dashboards]]\ngrafana = { url = \"ftp://g\", uid = \"x\" }\n", []string{"dashboards[0].grafana.url", "scheme"}},
	}, nil)
	if _, err := Parse([]byte("[[dashboards]]\nfiel = \"a.json\"\n"), "f.toml"); err == nil || !strings.Contains(err.Error(), "f.toml:2:1: dashboards.fiel: unknown key") {
		t.Errorf("unknown key: %v", err)
	}
}
