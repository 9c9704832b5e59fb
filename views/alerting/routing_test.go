package alerting

import (
	"errors"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/viewstest"
)

const routingViewConfig = `route:
  receiver: chat
  routes:
    - receiver: pager
      matchers: ['severity="critical"']
      continue: true
    - receiver: team-shop
      matchers: ['job="shop"']
receivers:
  - name: chat
  - name: pager
  - name: team-shop
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [job]
`

func routingAlerts() []query.Alert {
	return []query.Alert{
		{Name: "Down", Severity: "critical", State: query.StateFiring, Fingerprint: "f1", Source: query.SourceAlertmanager,
			Labels: amLabels("alertname", "Down", "job", "shop", "severity", "critical"), ActiveAt: viewstest.FixedNow.Add(-10 * 60e9)},
		{Name: "Slow", Severity: "warning", State: query.StateInhibited, Fingerprint: "f2", Source: query.SourceAlertmanager,
			Labels: amLabels("alertname", "Slow", "job", "shop", "severity", "warning"), InhibitedBy: []string{"f1"},
			Receivers: []string{"team-shop"}, ActiveAt: viewstest.FixedNow.Add(-5 * 60e9)},
		{Name: "Evil", Severity: "warning", State: query.StateInhibited, Fingerprint: "f3", Source: query.SourceAlertmanager,
			Labels: amLabels("alertname", "Evil", "job", "shop", "severity", "warning", "note", hostile), InhibitedBy: []string{"f1", "ffff"},
			ActiveAt: viewstest.FixedNow.Add(-4 * 60e9)},
		{Name: "Quiet", Severity: "info", State: query.StateFiring, Fingerprint: "f4", Source: query.SourceAlertmanager,
			Labels: amLabels("alertname", "Quiet", "job", "blog", "severity", "info"), ActiveAt: viewstest.FixedNow.Add(-3 * 60e9)},
	}
}

func routingAlertsScreen(t *testing.T, w, h int, msg views.AlertsMsg) *Alerts {
	t.Helper()
	a := NewAlerts(viewstest.Context(t, "dark"), views.WithAuthor(func() string { return "oncall@box" }))
	a.SetSize(w, h)
	msg.Alerts, msg.Silences, msg.At = routingAlerts(), []query.Silence{}, viewstest.FixedNow
	a.Update(msg)
	return a
}

func byName(n string) func(query.Alert) bool {
	return func(a query.Alert) bool { return a.Name == n }
}

func knownRouting(t *testing.T) *alertmanager.Routing {
	t.Helper()
	r, err := alertmanager.ParseRouting(routingViewConfig)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAlertDetailPagesAndInhibitions(t *testing.T) {
	a := routingAlertsScreen(t, 80, 60, views.AlertsMsg{Routing: knownRouting(t)})
	selectAlert(t, a, byName("Down"))
	send(a, "enter")
	v := a.View()
	plain := ansi.Strip(v)
	for _, want := range []string{
		`pages        pager, team-shop (route: {severity="critical"} → pager,`,
		`continue → {job="shop"} → team-shop)`,
		"INHIBITS (2)",
		`Slow {job="shop", severity="warning"}`,
		`rule {severity="critical"} inhibits {severity="warning"} with equal job`,
	} {
		if !strings.Contains(plain, want) {
			t.Errorf("critical detail lacks %q:\n%s", want, plain)
		}
	}
	for _, raw := range []string{"\x1b]0;pwned", "\x1b]52;", "\x1b[2J", "\x1b]8;;http://evil"} {
		if strings.Contains(v, raw) {
			t.Errorf("a hostile label reaches the terminal raw: %q", raw)
		}
	}

	send(a, "esc")
	selectAlert(t, a, byName("Slow"))
	send(a, "enter")
	plain = ansi.Strip(a.View())
	for _, want := range []string{
		"pages        nobody while inhibited; it routes to team-shop (route:",
		`{job="shop"} → team-shop)`,
		"INHIBITED BY (1)",
		`Down {job="shop", severity="critical"}`,
		`rule {severity="critical"} inhibits {severity="warning"} with equal job`,
		"inhibits     no current alert (1 inhibit rule)",
	} {
		if !strings.Contains(plain, want) {
			t.Errorf("inhibited detail lacks %q:\n%s", want, plain)
		}
	}

	// An inhibitor Alertmanager names that is not in the list says so.
	send(a, "esc")
	selectAlert(t, a, byName("Evil"))
	send(a, "enter")
	plain = ansi.Strip(a.View())
	if !strings.Contains(plain, "INHIBITED BY (2)") || !strings.Contains(plain, "fingerprint ffff (not among the current alerts)") {
		t.Errorf("unresolved inhibitor not shown:\n%s", plain)
	}
}

// What vigil cannot know reads as unknown with the reason, never blank.
func TestAlertDetailRoutingUnknown(t *testing.T) {
	_, parseErr := alertmanager.ParseRouting("route: [")
	for _, tc := range []struct {
		name string
		msg  views.AlertsMsg
		want string
	}{
		{"status failed", views.AlertsMsg{RoutingErr: errors.New("alertmanager 127.0.0.1:9093: read status: connection refused")},
			"receivers unknown: alertmanager 127.0.0.1:9093: read status: connection refused"},
		{"unparsable", views.AlertsMsg{RoutingErr: parseErr}, "receivers unknown: cannot read the configuration"},
		{"not read yet", views.AlertsMsg{}, "receivers unknown: Alertmanager's configuration not read yet"},
		{"no alertmanager", views.AlertsMsg{NoAlertmanager: true}, "receivers unknown: Alertmanager not configured"},
	} {
		a := routingAlertsScreen(t, 160, 60, tc.msg)
		selectAlert(t, a, byName("Slow"))
		send(a, "enter")
		plain := ansi.Strip(a.View())
		if !strings.Contains(plain, "pages        "+tc.want) {
			t.Errorf("%s: detail lacks %q:\n%s", tc.name, tc.want, plain)
		}
		if !strings.Contains(plain, "(Alertmanager lists team-shop)") {
			t.Errorf("%s: the receivers Alertmanager lists are not shown:\n%s", tc.name, plain)
		}
		if !strings.Contains(plain, "inhibits     unknown (see pages)") {
			t.Errorf("%s: inhibits not unknown:\n%s", tc.name, plain)
		}
		// The inhibitor is still named: it comes from the alert list.
		if !strings.Contains(plain, `Down {job="shop", severity="critical"}`) {
			t.Errorf("%s: inhibitor not named:\n%s", tc.name, plain)
		}
	}
}

// A refresh that brings the routing updates an open detail and form; one
// whose routing call failed turns it unknown.
func TestSilenceFormPreviewReceivers(t *testing.T) {
	a := routingAlertsScreen(t, 80, 24, views.AlertsMsg{Routing: knownRouting(t)})
	selectAlert(t, a, byName("Down"))
	send(a, "s")
	plain := ansi.Strip(a.View())
	if !strings.Contains(plain, "routes to pager (1 alert), team-shop (1)") {
		t.Errorf("form preview lacks the receivers:\n%s", plain)
	}
	// Matching the whole job: three alerts, two receivers.
	send(a, "tab", "tab") // comment → created by → matchers
	send(a, "down", "down", "space", "up", "up", "space")
	plain = ansi.Strip(a.View())
	if !strings.Contains(plain, "matches 3 current alerts") || !strings.Contains(plain, "routes to pager (1 alert), team-shop (3)") {
		t.Errorf("form preview after removing severity:\n%s", plain)
	}
	a.Update(views.AlertsMsg{Alerts: routingAlerts(), Silences: []query.Silence{}, At: viewstest.FixedNow, RoutingErr: errors.New("read status: 503 Service Unavailable")})
	plain = ansi.Strip(a.View())
	if !strings.Contains(plain, "receivers unknown: read status: 503 Service Unavailable") {
		t.Errorf("form preview after a failed status read:\n%s", plain)
	}
	if strings.Contains(plain, "routes to") {
		t.Errorf("old receivers kept after the status read failed:\n%s", plain)
	}
}

func TestPackLines(t *testing.T) {
	parts := []string{"pager, audit (route: {a=\"1\"} → pager", ", continue → {b=\"2\"} → audit)"}
	got := packLines(parts, 40)
	want := []string{"pager, audit (route: {a=\"1\"} → pager,", "continue → {b=\"2\"} → audit)"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("packLines\n got %q\nwant %q", got, want)
	}
	if got := packLines(parts, 200); len(got) != 1 {
		t.Errorf("wide: %q", got)
	}
	for _, w := range []int{1, 5, 12} {
		for _, l := range packLines(parts, w) {
			if text.Width(l) > w {
				t.Errorf("width %d: line %q too wide", w, l)
			}
		}
	}
}

// An alert Alertmanager has not got notifies nobody yet: the line says so
// before where it will go.
func TestPagesTextNotInAlertmanager(t *testing.T) {
	ri := routingInfo{r: knownRouting(t)}
	ls := amLabels("alertname", "Down", "job", "blog", "severity", "warning")
	for _, tc := range []struct {
		a    query.Alert
		want string
	}{
		{query.Alert{Labels: ls, State: query.StatePending, Source: query.SourcePrometheus},
			"nobody yet (pending: Alertmanager has not got it); when it fires: chat (route: default → chat)"},
		{query.Alert{Labels: ls, State: query.StateFiring, Source: query.SourcePrometheus},
			"nobody yet (Alertmanager has not got it); when it does: chat (route: default → chat)"},
		{query.Alert{Labels: ls, State: query.StateFiring, Source: query.SourceBoth}, "chat (route: default → chat)"},
		{query.Alert{Labels: ls, State: query.StateSilenced, Source: query.SourceAlertmanager, Receivers: []string{"pager"}},
			"nobody while silenced; it routes to chat (route: default → chat) — Alertmanager lists pager (its configuration changed since the alert was routed?)"},
	} {
		if got := strings.Join(pagesText(ri, tc.a), ""); got != tc.want {
			t.Errorf("%s/%s\n got %s\nwant %s", tc.a.State, tc.a.Source, got, tc.want)
		}
	}
}

// The silence form opened with + on the Silences screen knows the routing:
// its preview names the receivers of the alerts its matchers hit.
func TestFreeSilenceFormPreviewReceivers(t *testing.T) {
	s := NewSilences(viewstest.Context(t, "dark"))
	s.SetSize(100, 30)
	s.Update(views.AlertsMsg{Alerts: routingAlerts(), Silences: []query.Silence{}, At: viewstest.FixedNow, Routing: knownRouting(t)})
	send(s, "+")
	if s.FormOpen() == nil {
		t.Fatal("+ opened no form")
	}
	typeText(s, `alertname="Down"`)
	if plain := ansi.Strip(s.View()); !strings.Contains(plain, "routes to pager (1 alert)") {
		t.Errorf("the + form's preview lacks the receivers:\n%s", plain)
	}
}
