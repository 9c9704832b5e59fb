package alertmanager

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
)

// TestRoutingOnDemoStack reads the routing of the demo's running
// Alertmanager from its status, routes alerts posted to it, and checks the
// receivers against those Alertmanager itself reports for each alert; and
// that the inhibitions computed from the inhibit rules are the ones
// Alertmanager applies.
func TestRoutingOnDemoStack(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{Alertmanagers: 1, AlertmanagerConfig: demo.AlertmanagerConfig})
	amURL := stack.AlertmanagerURLs[0]
	crit := map[string]string{"alertname": "RoutingCrit", "job": "routing", "severity": "critical"}
	warn := map[string]string{"alertname": "RoutingCrit", "job": "routing", "severity": "warning", "path": "/api/checkout"}
	other := map[string]string{"alertname": "RoutingWarn", "job": "routing", "severity": "warning"}
	info := map[string]string{"alertname": "RoutingInfo", "job": "routing", "severity": "info"}
	for _, ls := range []map[string]string{crit, warn, other, info} {
		demotest.PostAlert(t, amURL, ls, map[string]string{"summary": "routing test"})
	}

	rt := &countingRT{}
	c, err := New(Options{URLs: []string{amURL}, Timeout: 5 * time.Second, RoundTripper: rt})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t, 60*time.Second)

	var all []query.Alert
	demotest.EventuallyTrue(t, 20*time.Second, "four alerts with receivers, the warning RoutingCrit inhibited", func() bool {
		all, err = c.Alerts(ctx)
		if err != nil {
			t.Fatalf("Alerts: %v", err)
		}
		n := 0
		inhibited := false
		for _, a := range all {
			if a.Labels["job"] == "routing" && len(a.Receivers) > 0 {
				n++
			}
			if a.Labels["alertname"] == "RoutingCrit" && a.Severity == "warning" && a.State == query.StateInhibited {
				inhibited = true
			}
		}
		return n == 4 && inhibited
	})

	r, err := c.Routing(ctx, false)
	if err != nil {
		t.Fatalf("Routing: %v", err)
	}
	if r.Hash == "" || r.At.IsZero() {
		t.Errorf("routing without hash or time: %+v", r)
	}

	// What vigil computes is what Alertmanager itself did with each alert.
	for _, a := range all {
		if a.Labels["job"] != "routing" {
			continue
		}
		got := Receivers(r.Route(a.Labels))
		want := append([]string(nil), a.Receivers...)
		gs := append([]string(nil), got...)
		slices.Sort(gs)
		slices.Sort(want)
		if !slices.Equal(gs, want) {
			t.Errorf("%v: computed receivers %v, Alertmanager reports %v", a.Labels, got, a.Receivers)
		}
	}

	cases := []struct {
		labels map[string]string
		want   string
	}{
		{crit, `pager, audit (route: {severity="critical"} → pager, continue → {severity="critical"} → audit)`},
		{warn, `chat (route: {severity="warning"} → chat)`},
		{info, `chat (route: default → chat)`},
	}
	for _, tc := range cases {
		if got := FormatRoute(r.Route(tc.labels)); got != tc.want {
			t.Errorf("%v routes\n got %s\nwant %s", tc.labels, got, tc.want)
		}
	}
	paths := r.Route(crit)
	if len(paths) != 2 || !paths[0].Leaf().Continue || paths[1].Leaf().Continue || paths[0].Steps[0].Matchers != "" {
		t.Errorf("critical paths: %+v", paths)
	}

	// Inhibitions: the inhibited alert names its inhibitor, the inhibitor
	// lists its target.
	find := func(ls map[string]string) query.Alert {
		for _, a := range all {
			if a.Key() == (query.Alert{Labels: ls}).Key() {
				return a
			}
		}
		t.Fatalf("no alert %v in %d alerts", ls, len(all))
		return query.Alert{}
	}
	critA, warnA, otherA := find(crit), find(warn), find(other)
	found, missing := Inhibitors(warnA, all)
	if len(found) != 1 || found[0].Key() != critA.Key() || len(missing) != 0 {
		t.Errorf("inhibitors of the warning: found %v missing %v (inhibitedBy %v, critical's fingerprint %s)", found, missing, warnA.InhibitedBy, critA.Fingerprint)
	}
	targets := r.Inhibits(critA, all)
	if len(targets) != 1 || targets[0].Target.Key() != warnA.Key() {
		t.Errorf("the critical inhibits %v, want only %v", targets, warn)
	} else if rule := targets[0].Rule.String(); rule != `{severity="critical"} inhibits {severity="warning"} with equal alertname, job` {
		t.Errorf("rule %q", rule)
	}
	if got := r.Inhibits(otherA, all); len(got) != 0 {
		t.Errorf("a warning inhibits %v", got)
	}
	// Every alert Alertmanager says is inhibited is one some alert inhibits
	// by the rules, and no other.
	for _, a := range all {
		byRules := false
		for _, s := range all {
			for _, in := range r.Inhibits(s, all) {
				if in.Target.Key() == a.Key() {
					byRules = true
				}
			}
		}
		if byRules != (len(a.InhibitedBy) > 0) {
			t.Errorf("%v: inhibited by the rules %v, by Alertmanager %v", a.Labels, byRules, a.InhibitedBy)
		}
	}

	// The status is read once, then kept: a second call asks nothing.
	status := func() int {
		rt.mu.Lock()
		defer rt.mu.Unlock()
		return rt.n[http.MethodGet+" /api/v2/status"]
	}
	n := status()
	r2, err := c.Routing(ctx, false)
	if err != nil || r2 != r || status() != n {
		t.Errorf("second Routing: %v, same %v, status reads %d → %d", err, r2 == r, n, status())
	}
	r3, err := c.Routing(ctx, true)
	if err != nil || status() != n+1 {
		t.Errorf("forced Routing: %v, status reads %d → %d", err, n, status())
	}
	if r3 != r {
		t.Errorf("the same configuration was parsed again (hash %s → %s)", r.Hash, r3.Hash)
	}
}

// TestRoutingUnknown: when the status cannot be read, the routing is
// unknown with the reason, not empty.
func TestRoutingUnknown(t *testing.T) {
	c := newTestAM(t, 2*time.Second, demotest.ClosedURL(t))
	r, err := c.Routing(testCtx(t, 10*time.Second), false)
	if err == nil || r != nil {
		t.Fatalf("Routing on a closed port: %v, %v", r, err)
	}
	if !strings.Contains(err.Error(), "status") {
		t.Errorf("the error does not say what failed: %v", err)
	}
}
