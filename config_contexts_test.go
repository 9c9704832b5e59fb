package vigil

import (
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo/demotest"
)

func TestContextsConfig(t *testing.T) {
	doc, ok := demotest.Uncomment(DefaultTOML, "[[contexts]]")
	if !ok {
		t.Fatal("no [[contexts]] example in config.toml")
	}
	cfg, err := Parse(doc, "config.toml")
	if err != nil {
		t.Fatalf("the shipped example does not load: %v", err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("the shipped example does not validate: %v", err)
	}
	if got := strings.Join(cfg.ContextNames(), ","); got != "default,prod-us,staging" {
		t.Fatalf("context names %q", got)
	}
	prod, err := cfg.ForContext("prod-us")
	if err != nil {
		t.Fatal(err)
	}
	if prod.Context != "prod-us" || !prod.Protected || prod.Accent != "#ff5f00" || prod.Prometheus.URL != "https://prometheus.prod-us.example:9090" ||
		prod.Prometheus.Timeout.D() != 15*time.Second || len(prod.Alertmanager.URLs) != 2 || prod.Metrics.Selector != `job="shop"` ||
		prod.Metrics.EndpointLabel != "url_rule" {
		t.Errorf("prod-us resolved as %+v", prod)
	}
	// Thresholds it leaves unset are the top-level ones.
	if th := prod.Thresholds; th.P99Warn.D() != 500*time.Millisecond || th.P99Crit.D() != time.Second || th.ErrorRatioWarn != 0.01 || th.ErrorRatioCrit != 0.05 {
		t.Errorf("prod-us thresholds %+v", th)
	}
	stg, err := cfg.ForContext("staging")
	if err != nil {
		t.Fatal(err)
	}
	if stg.Prometheus.Timeout.D() != 10*time.Second || stg.Protected || stg.UI.Theme != "dark" || len(stg.Prometheus.HTTP.HTTPHeaders) != 1 {
		t.Errorf("staging resolved as %+v", stg)
	}
	if hc, err := stg.PrometheusHTTP(); err != nil || hc.Zero {
		t.Errorf("staging's connection settings: %+v %v", hc, err)
	}
	def, err := cfg.ForContext("default")
	if err != nil || def.Prometheus.URL != "http://127.0.0.1:9090" || def.Protected {
		t.Errorf("default: %+v %v", def, err)
	}
	if _, err := cfg.ForContext("prod"); err == nil || !strings.Contains(err.Error(), `unknown context "prod": the known contexts are default, prod-us, staging`) {
		t.Errorf("unknown context: %v", err)
	}

	ctx := func(body string) string {
		return "[[contexts]]\nname = \"a\"\n[contexts.prometheus]\nurl = \"http://a:9090\"\n" + body
	}
	top := func(keys string) string {
		return "[[contexts]]\nname = \"a\"\n" + keys + "prometheus = { url = \"http://a:9090\" }\n"
	}
	checkValidateFails(t, []validateCase{
		{"bad prometheus url", "[[contexts]]\nname = \"a\"\nprometheus = { url = \"http://a:9090\" }\n[[contexts]]\nname = \"b\"\n[contexts.prometheus]\nurl = \"ftp://b\"\n",
			[]string{"f.toml:7:1", "contexts[2].prometheus.url", "scheme must be http or https"}},
		{"no prometheus", "[[contexts]]\nname = \"a\"\n", []string{"f.toml:1:", "contexts[1].prometheus.url", "every context needs its Prometheus"}},
		{"no name", "[[contexts]]\nprometheus = { url = \"http://a:9090\" }\n", []string{"contexts[1].name", "needs a name"}},
		{"duplicate", ctx("") + "[[contexts]]\nname = \"a\"\nprometheus = { url = \"http://b:9090\" }\n",
			[]string{"f.toml:6:1", "contexts[2].name", `"a" is also the name of context 1`}},
		{"same as default", "context = \"prod\"\n[[contexts]]\nname = \"prod\"\nprometheus = { url = \"http://b:9090\" }\n",
			[]string{"f.toml:3:1", "contexts[1].name", "the default context"}},
		{"all", "[[contexts]]\nname = \"all\"\nprometheus = { url = \"http://b:9090\" }\n", []string{"contexts[1].name", "every context"}},
		{"bad am url", ctx("[contexts.alertmanager]\nurls = [\"http://am:9093\", \"nope\"]\n"), []string{"f.toml:6:1", "contexts[1].alertmanager.urls", "entry 2"}},
		{"bad selector", top("selector = '{job=\"x\"}'\n"), []string{"f.toml:3:1", "contexts[1].selector", "without braces"}},
		{"bad label", "[[contexts]]\nname = \"a\"\nendpoint_label = \"a-b\"\nprometheus = { url = \"http://a:9090\" }\n", []string{"f.toml:3:1", "contexts[1].endpoint_label"}},
		{"threshold below top-level warn", "[thresholds]\np99_warn = \"3s\"\np99_crit = \"5s\"\n" + ctx("[contexts.thresholds]\np99_crit = \"2s\"\n"),
			[]string{"f.toml:9:1", "contexts[1].thresholds.p99_crit", "below p99_warn 3s"}},
		{"theme", top("theme = \"neon\"\n"), []string{"f.toml:3:1", "contexts[1].theme", "unknown theme"}},
		{"accent", top("accent = \"orange\"\n"), []string{"f.toml:3:1", "contexts[1].accent", "#rrggbb"}},
		{"accent number", top("accent = \"300\"\n"), []string{"contexts[1].accent"}},
		{"http contradiction", ctx("[contexts.prometheus.http.basic_auth]\nusername = \"u\"\npassword = \"p\"\npassword_file = \"/x\"\n"),
			[]string{"f.toml:", "contexts[1].prometheus.http.basic_auth"}},
		{"zero timeout", ctx("timeout = \"0s\"\n"), []string{"f.toml:5:1", "contexts[1].prometheus.timeout", "above 0"}},
	}, nil)

	for _, c := range []struct{ doc, want string }{
		{ctx("urll = \"x\"\n"), "f.toml:5:1: contexts.prometheus.urll: unknown key"},
		{ctx("timeout = 5\n"), "f.toml:5:11: contexts.prometheus.timeout: 5 needs a unit"},
		{"context = \"x\"\n[[context]]\nname = \"a\"\n", "f.toml:2:"},
	} {
		if _, err := Parse([]byte(c.doc), "f.toml"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.doc, err, c.want)
		}
	}
}
