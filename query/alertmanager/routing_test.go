package alertmanager

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/query"
)

const routingTestConfig = `route:
  receiver: chat
  routes:
    - receiver: payments
      matchers: ['service="payments"']
      routes:
        - receiver: pager
          matchers: ['severity="critical"']
          continue: true
        - receiver: audit
          matchers: ['severity=~"critical|warning"']
    - receiver: pager
      matchers: ['severity="critical"']
receivers:
  - name: chat
  - name: payments
  - name: pager
  - name: audit
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [service]
`

func TestRoutingPathsAndFormat(t *testing.T) {
	r, err := ParseRouting(routingTestConfig)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		labels map[string]string
		want   string
	}{
		{map[string]string{"service": "payments", "severity": "critical"},
			`pager, audit (route: {service="payments"} › {severity="critical"} → pager, continue → {service="payments"} › {severity=~"critical|warning"} → audit)`},
		{map[string]string{"service": "payments", "severity": "info"}, `payments (route: {service="payments"} → payments)`},
		{map[string]string{"service": "search", "severity": "critical"}, `pager (route: {severity="critical"} → pager)`},
		{map[string]string{}, `chat (route: default → chat)`},
	}
	for _, tc := range cases {
		if got := FormatRoute(r.Route(tc.labels)); got != tc.want {
			t.Errorf("%v\n got %s\nwant %s", tc.labels, got, tc.want)
		}
	}
	if FormatRoute(nil) != "" {
		t.Error("no paths formats as something")
	}
	var nilR *Routing
	if nilR.Route(map[string]string{"a": "b"}) != nil || nilR.Inhibits(query.Alert{}, nil) != nil || nilR.Rules() != nil {
		t.Error("a nil routing answers")
	}
}

func TestRoutingUnparsable(t *testing.T) {
	for _, tc := range []struct{ name, cfg, want string }{
		{"empty", "  \n", "no configuration text"},
		{"yaml", "route: [", "cannot read the configuration"},
		{"unknown receiver", "route:\n  receiver: nowhere\nreceivers:\n  - name: chat\n", `"nowhere"`},
		{"unknown field", "route:\n  receiver: chat\n  frobnicate: true\nreceivers:\n  - name: chat\n", "frobnicate"},
	} {
		r, err := ParseRouting(tc.cfg)
		if err == nil || r != nil {
			t.Errorf("%s: parsed: %v", tc.name, r)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want it to say %q", tc.name, err, tc.want)
		}
	}
}

func TestInhibitsByRules(t *testing.T) {
	r, err := ParseRouting(routingTestConfig)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(src string, st query.AlertState, kv ...string) query.Alert {
		ls := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			ls[kv[i]] = kv[i+1]
		}
		return query.Alert{Labels: ls, Name: ls["alertname"], Source: src, State: st, Fingerprint: ls["alertname"] + ls["service"]}
	}
	crit := mk(query.SourceAlertmanager, query.StateFiring, "alertname", "Down", "service", "payments", "severity", "critical")
	warnSame := mk(query.SourceBoth, query.StateInhibited, "alertname", "Slow", "service", "payments", "severity", "warning")
	warnOther := mk(query.SourceAlertmanager, query.StateFiring, "alertname", "Slow", "service", "search", "severity", "warning")
	pendingWarn := mk(query.SourcePrometheus, query.StatePending, "alertname", "Slower", "service", "payments", "severity", "warning")
	all := []query.Alert{crit, warnSame, warnOther, pendingWarn}

	got := r.Inhibits(crit, all)
	if len(got) != 1 || got[0].Target.Key() != warnSame.Key() {
		t.Fatalf("inhibits %v, want only the payments warning", got)
	}
	if s := got[0].Rule.String(); s != `{severity="critical"} inhibits {severity="warning"} with equal service` {
		t.Errorf("rule %q", s)
	}
	// A pending source has not reached Alertmanager: it inhibits nothing.
	pendingCrit := crit
	pendingCrit.State, pendingCrit.Source = query.StatePending, query.SourcePrometheus
	if got := r.Inhibits(pendingCrit, all); len(got) != 0 {
		t.Errorf("a pending alert inhibits %v", got)
	}

	warnSame.InhibitedBy = []string{crit.Fingerprint, "0123abcd"}
	found, missing := Inhibitors(warnSame, all)
	if len(found) != 1 || found[0].Name != "Down" || len(missing) != 1 || missing[0] != "0123abcd" {
		t.Errorf("Inhibitors: %v, missing %v", found, missing)
	}
}

// An alert that matches both sides of a rule is not inhibited by another
// that matches both sides too (Alertmanager's rule).
func TestInhibitsTwoSided(t *testing.T) {
	r, err := ParseRouting(`route:
  receiver: x
receivers:
  - name: x
inhibit_rules:
  - source_matchers: ['team="a"']
    target_matchers: ['team="a"']
`)
	if err != nil {
		t.Fatal(err)
	}
	a := query.Alert{Labels: map[string]string{"alertname": "A", "team": "a"}, Source: query.SourceAlertmanager, State: query.StateFiring}
	b := query.Alert{Labels: map[string]string{"alertname": "B", "team": "a"}, Source: query.SourceAlertmanager, State: query.StateFiring}
	if got := r.Inhibits(a, []query.Alert{a, b}); len(got) != 0 {
		t.Errorf("two-sided alert inhibits %v", got)
	}
}

// An Alertmanager whose configuration this version of Alertmanager's
// library cannot read (a newer or older Alertmanager): the routing is
// unknown with the library's reason. A real Alertmanager 0.25 only serves
// configurations it loaded, so this one is served by hand.
func TestRoutingConfigUnreadable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v2/status" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"cluster":     map[string]any{"status": "disabled", "peers": []any{}},
			"config":      map[string]any{"original": "route:\n  receiver: chat\n  some_future_option: 3\nreceivers:\n  - name: chat\n"},
			"uptime":      time.Now().UTC().Format(time.RFC3339),
			"versionInfo": map[string]any{"branch": "x", "buildDate": "x", "buildUser": "x", "goVersion": "x", "revision": "x", "version": "9.9.9"},
		})
	}))
	defer srv.Close()
	c := newTestAM(t, 2*time.Second, srv.URL)
	r, err := c.Routing(testCtx(t, 10*time.Second), false)
	if err == nil || r != nil {
		t.Fatalf("Routing: %v, %v", r, err)
	}
	if !strings.Contains(err.Error(), "cannot read the configuration") || !strings.Contains(err.Error(), "some_future_option") {
		t.Errorf("the error does not say why: %v", err)
	}
}
