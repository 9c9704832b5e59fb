package demo_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// alertingTool returns the path of promtool or amtool; without it the test
// is skipped, or fails under CI=true.
func alertingTool(t *testing.T, name string) string {
	t.Helper()
	demotest.RequireTools(t, name)
	p, err := demo.Tool(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// alertingRun runs a tool with a deadline and fails the test, with the
// tool's output, unless it exits 0.
func alertingRun(t *testing.T, dir, tool string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, alertingTool(t, tool), args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func alertingWrite(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// alertingRuleFile is the part of a Prometheus rule file the tests look at.
type alertingRuleFile struct {
	Groups []struct {
		Name     string         `yaml:"name"`
		Interval string         `yaml:"interval"`
		Rules    []alertingRule `yaml:"rules"`
	} `yaml:"groups"`
}

type alertingRule struct {
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

func alertingParse(t *testing.T, name string, b []byte) map[string]alertingRule {
	t.Helper()
	var f alertingRuleFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, b)
	}
	out := map[string]alertingRule{}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if _, dup := out[r.Alert]; dup {
				t.Fatalf("%s: alert %s defined twice", name, r.Alert)
			}
			out[r.Alert] = r
		}
	}
	return out
}

func alertingDuration(t *testing.T, s string) time.Duration {
	t.Helper()
	d, err := model.ParseDuration(s)
	if err != nil {
		t.Fatalf("duration %q: %v", s, err)
	}
	return time.Duration(d)
}

func TestRuleFilesPassPromtoolCheck(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{
		"shipped-" + demo.ReferenceRulesFile: demo.ReferenceRules(),
		"shipped-" + demo.CorrectedRulesFile: demo.CorrectedRules(),
	}
	for name, b := range demo.DemoRules() {
		files["demo-"+name] = b
	}
	var names []string
	for name, b := range files {
		alertingWrite(t, dir, name, b)
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		out := alertingRun(t, dir, "promtool", "check", "rules", name)
		if !strings.Contains(out, "SUCCESS") {
			t.Errorf("promtool check rules %s: no SUCCESS\n%s", name, out)
		}
	}
}

func TestCorrectedRulesUnitTests(t *testing.T) {
	// rule_files in the tests are relative to the test file.
	out := alertingRun(t, "rules", "promtool", "test", "rules", "corrected_test.yml", "reference_test.yml")
	if strings.Count(out, "SUCCESS") != 2 {
		t.Errorf("promtool test rules: expected two SUCCESS\n%s", out)
	}
	t.Log(out)
}

func TestAlertmanagerConfigPassesAmtool(t *testing.T) {
	dir := t.TempDir()
	cfg := demo.AlertmanagerConfig("http://127.0.0.1:9/")
	p := alertingWrite(t, dir, "alertmanager.yml", cfg)
	out := alertingRun(t, dir, "amtool", "check-config", p)
	for _, want := range []string{"SUCCESS", " - 1 inhibit rules", " - 3 receivers"} {
		if !strings.Contains(out, want) {
			t.Errorf("amtool check-config: no %q\n%s\nconfig:\n%s", want, out, cfg)
		}
	}
	for _, want := range []string{
		"url: http://127.0.0.1:9/pager\n",
		"url: http://127.0.0.1:9/chat\n",
		`severity="critical"`,
		`severity="warning"`,
	} {
		if !bytes.Contains(cfg, []byte(want)) {
			t.Errorf("config lacks %q:\n%s", want, cfg)
		}
	}
}

func TestAlertmanagerConfigRoutes(t *testing.T) {
	var cfg struct {
		Route struct {
			Receiver       string   `yaml:"receiver"`
			GroupWait      string   `yaml:"group_wait"`
			GroupInterval  string   `yaml:"group_interval"`
			RepeatInterval string   `yaml:"repeat_interval"`
			GroupBy        []string `yaml:"group_by"`
			Routes         []struct {
				Receiver string   `yaml:"receiver"`
				Matchers []string `yaml:"matchers"`
			} `yaml:"routes"`
		} `yaml:"route"`
		Receivers []struct {
			Name           string `yaml:"name"`
			WebhookConfigs []struct {
				URL string `yaml:"url"`
			} `yaml:"webhook_configs"`
		} `yaml:"receivers"`
	}
	raw := demo.AlertmanagerConfig("http://127.0.0.1:4242")
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	if cfg.Route.Receiver != demo.ChatReceiver {
		t.Errorf("default receiver %q, want %q", cfg.Route.Receiver, demo.ChatReceiver)
	}
	routes := map[string]string{}
	for _, r := range cfg.Route.Routes {
		if k := strings.Join(r.Matchers, ","); routes[k] == "" {
			routes[k] = r.Receiver // the first route of these matchers
		}
	}
	if routes[`severity="critical"`] != demo.PagerReceiver || routes[`severity="warning"`] != demo.ChatReceiver {
		t.Errorf("routes %v", routes)
	}
	urls := map[string]string{}
	for _, r := range cfg.Receivers {
		for _, w := range r.WebhookConfigs {
			urls[r.Name] = w.URL
		}
	}
	if urls[demo.PagerReceiver] != "http://127.0.0.1:4242/pager" || urls[demo.ChatReceiver] != "http://127.0.0.1:4242/chat" {
		t.Errorf("webhooks %v", urls)
	}
	if d := alertingDuration(t, cfg.Route.GroupWait); d > 5*time.Second {
		t.Errorf("group_wait %s is long for the demo", d)
	}
	if d := alertingDuration(t, cfg.Route.GroupInterval); d > 10*time.Second {
		t.Errorf("group_interval %s is long for the demo", d)
	}
	if d := alertingDuration(t, cfg.Route.RepeatInterval); d > 5*time.Minute {
		t.Errorf("repeat_interval %s is long for the demo", d)
	}
}

// The reference rules are the ones of docs/flask-metrics.md, word for word.
func TestReferenceRulesAsWritten(t *testing.T) {
	rules := alertingParse(t, demo.ReferenceRulesFile, demo.ReferenceRules())
	want := map[string]alertingRule{
		demo.AlertHighErrorRate: {
			Alert:  demo.AlertHighErrorRate,
			Expr:   `rate(flask_http_request_total{status=~"5.."}[5m]) > 0.05`,
			For:    "2m",
			Labels: map[string]string{"severity": "critical"},
			Annotations: map[string]string{
				"summary":     "Error rate above 5% for 2 minutes",
				"runbook_url": "https://wiki.mirahlabs.com/runbooks/high-error-rate",
			},
		},
		demo.AlertSlowAPIResponses: {
			Alert:  demo.AlertSlowAPIResponses,
			Expr:   `histogram_quantile(0.99, flask_http_request_duration_seconds_bucket) > 2`,
			For:    "5m",
			Labels: map[string]string{"severity": "warning"},
		},
	}
	if len(rules) != len(want) {
		t.Fatalf("%d rules, want %d", len(rules), len(want))
	}
	for name, w := range want {
		g := rules[name]
		if g.Expr != w.Expr || g.For != w.For || !alertingSameMap(g.Labels, w.Labels) || !alertingSameMap(g.Annotations, w.Annotations) {
			t.Errorf("%s:\n got %+v\nwant %+v", name, g, w)
		}
	}
}

// Every corrected rule has a severity, the three annotations, and the labels
// the console needs to jump to an endpoint.
func TestCorrectedRulesShape(t *testing.T) {
	rules := alertingParse(t, demo.CorrectedRulesFile, demo.CorrectedRules())
	want := map[string]struct {
		severity string
		by       string
	}{
		demo.AlertHighErrorRate:         {"critical", "sum by (job)"},
		demo.AlertHighEndpointErrorRate: {"warning", "sum by (job, path)"},
		demo.AlertSlowAPIResponses:      {"warning", "sum by (job, path, le)"},
	}
	if len(rules) != len(want) {
		t.Fatalf("%d rules, want %d", len(rules), len(want))
	}
	for name, w := range want {
		r, ok := rules[name]
		if !ok {
			t.Errorf("no rule %s", name)
			continue
		}
		if r.Labels["severity"] != w.severity {
			t.Errorf("%s: severity %q, want %q", name, r.Labels["severity"], w.severity)
		}
		if !strings.Contains(r.Expr, w.by) || !strings.Contains(r.Expr, "rate(") {
			t.Errorf("%s: expr lacks %q or rate():\n%s", name, w.by, r.Expr)
		}
		for _, a := range []string{"summary", "description", "runbook_url"} {
			if strings.TrimSpace(r.Annotations[a]) == "" {
				t.Errorf("%s: no %s annotation", name, a)
			}
		}
		if !strings.HasPrefix(r.Annotations["runbook_url"], "https://") {
			t.Errorf("%s: runbook_url %q", name, r.Annotations["runbook_url"])
		}
	}
}

func TestDemoRulesShortenAndLabel(t *testing.T) {
	refBefore, corBefore := demo.ReferenceRules(), demo.CorrectedRules()
	got := demo.DemoRules()

	shipped := map[string][]byte{
		demo.ReferenceRulesFile: refBefore,
		demo.CorrectedRulesFile: corBefore,
	}
	rulesets := map[string]string{
		demo.ReferenceRulesFile: demo.RulesetReference,
		demo.CorrectedRulesFile: demo.RulesetCorrected,
	}
	window := model.Duration(5 * time.Minute / demo.DemoWindowDivisor).String()
	if w := alertingDuration(t, window); w > time.Minute {
		t.Errorf("demo windows of %s are too long for alerts to resolve in the calm of the script", w)
	}
	if len(got) != len(shipped) {
		t.Fatalf("DemoRules has %d files, want %d", len(got), len(shipped))
	}
	for name, src := range shipped {
		b, ok := got[name]
		if !ok {
			t.Fatalf("DemoRules has no %s", name)
		}
		orig := alertingParse(t, name, src)
		fast := alertingParse(t, "demo "+name, b)
		if len(orig) != len(fast) {
			t.Fatalf("%s: %d rules in the demo copy, %d shipped", name, len(fast), len(orig))
		}
		var f alertingRuleFile
		if err := yaml.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		for _, g := range f.Groups {
			if g.Interval != "1s" {
				t.Errorf("%s: group %s interval %q, want 1s", name, g.Name, g.Interval)
			}
		}
		for alert, o := range orig {
			d, ok := fast[alert]
			if !ok {
				t.Errorf("%s: %s missing from the demo copy", name, alert)
				continue
			}
			of, df := alertingDuration(t, o.For), alertingDuration(t, d.For)
			if want := of / demo.DemoForDivisor; df != want.Round(time.Second) {
				t.Errorf("%s %s: for %s, want %s", name, alert, df, want)
			}
			// Alerts must be able to fire within a minute of an incident.
			if df > 20*time.Second {
				t.Errorf("%s %s: demo for %s is too long", name, alert, df)
			}
			// The shipped rules use [5m] windows only.
			if want := strings.ReplaceAll(o.Expr, "[5m]", "["+window+"]"); d.Expr != want {
				t.Errorf("%s %s: demo expr\n%s\nwant\n%s", name, alert, d.Expr, want)
			}
			if d.Labels[demo.RulesetLabel] != rulesets[name] {
				t.Errorf("%s %s: %s=%q, want %q", name, alert, demo.RulesetLabel, d.Labels[demo.RulesetLabel], rulesets[name])
			}
			delete(d.Labels, demo.RulesetLabel)
			if !alertingSameMap(o.Labels, d.Labels) || !alertingSameMap(o.Annotations, d.Annotations) {
				t.Errorf("%s %s: labels or annotations changed:\n%v %v\n%v %v", name, alert, o.Labels, o.Annotations, d.Labels, d.Annotations)
			}
		}
	}

	// The shipped files are untouched, on disk and as returned, and callers
	// get copies.
	for name, b := range shipped {
		disk, err := os.ReadFile(filepath.Join("rules", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(disk, b) {
			t.Errorf("%s: embedded copy differs from rules/%s", name, name)
		}
	}
	if !bytes.Equal(refBefore, demo.ReferenceRules()) || !bytes.Equal(corBefore, demo.CorrectedRules()) {
		t.Error("DemoRules changed the shipped rules")
	}
	r := demo.ReferenceRules()
	r[0] ^= 0xff
	if !bytes.Equal(refBefore, demo.ReferenceRules()) {
		t.Error("ReferenceRules returns the embedded slice itself")
	}
	got[demo.CorrectedRulesFile][0] ^= 0xff
	if bytes.Equal(got[demo.CorrectedRulesFile], demo.DemoRules()[demo.CorrectedRulesFile]) {
		t.Error("DemoRules returns shared slices")
	}
}

func alertingSameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
