package alerting

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/prometheus/alertmanager/pkg/labels"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/rulecheck"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/keys"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/viewstest"
)

// hostile is a value that tries to set the title, clear the screen, open a
// hyperlink and write the clipboard.
const hostile = "\x1b]0;pwned\x07\x1b[2J\x1b]8;;http://evil.example\x07x\x1b]52;c;ZXZpbA==\x07"

func amLabels(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// sampleAlerts covers every state and severity, a multiline description,
// runbooks (one hostile), an alert without runbook and hostile values.
func sampleAlerts() []query.Alert {
	return []query.Alert{
		{
			Name: "HighLatency", Severity: "warning", State: query.StatePending,
			Labels:      amLabels("alertname", "HighLatency", "severity", "warning", "job", "shop", "path", "/api/search", "instance", "10.0.0.2:8000"),
			Annotations: amLabels("summary", "p99 above 1s on /api/search"),
			ActiveAt:    viewstest.FixedNow.Add(-3 * time.Minute), Source: query.SourcePrometheus, Value: "1.42",
		},
		{
			Name: "HighErrorRate", Severity: "critical", State: query.StateFiring,
			Labels: amLabels("alertname", "HighErrorRate", "severity", "critical", "job", "shop", "path", "/api/checkout", "instance", "10.0.0.1:8000"),
			Annotations: amLabels("summary", "31% of /api/checkout requests fail",
				"description", "The error ratio of /api/checkout has been above 5% for 10 minutes.\nCheck the payment provider and the last deploy.",
				"runbook_url", "https://runbooks.example.com/high-error-rate?endpoint=checkout",
				"dashboard", "https://grafana.example.com/d/shop"),
			ActiveAt: viewstest.FixedNow.Add(-2*time.Hour - 13*time.Minute), Source: query.SourceBoth,
			GeneratorURL: "http://prometheus:9090/graph?g0.expr=job%3Ashop%3Aerror_ratio+%3E+0.05",
			Receivers:    []string{"team-shop"}, Fingerprint: "a1",
		},
		{
			Name: "HighErrorRate", Severity: "critical", State: query.StateFiring,
			Labels:      amLabels("alertname", "HighErrorRate", "severity", "critical", "job", "shop", "path", "/api/search", "instance", "10.0.0.2:8000"),
			Annotations: amLabels("summary", "7% of /api/search requests fail", "runbook_url", "https://runbooks.example.com/high-error-rate"),
			ActiveAt:    viewstest.FixedNow.Add(-35 * time.Minute), Source: query.SourceAlertmanager,
		},
		{
			Name: "HighLatency", Severity: "warning", State: query.StateSilenced,
			Labels:      amLabels("alertname", "HighLatency", "severity", "warning", "job", "shop", "path", "/login", "instance", "10.0.0.3:8000"),
			Annotations: amLabels("summary", "p99 above 1s on /login"),
			ActiveAt:    viewstest.FixedNow.Add(-time.Hour), Source: query.SourceAlertmanager, SilencedBy: []string{"sil-login"},
		},
		{
			Name: "TargetDown", Severity: "warning", State: query.StateInhibited,
			Labels:      amLabels("alertname", "TargetDown", "severity", "warning", "job", "payments", "instance", "10.0.1.9:9100"),
			Annotations: amLabels("summary", "payments target is down"),
			ActiveAt:    viewstest.FixedNow.Add(-20 * time.Minute), Source: query.SourceAlertmanager, InhibitedBy: []string{"b7"},
		},
		{
			Name: "Evil" + hostile, Severity: "info", State: query.StateFiring,
			Labels: amLabels("alertname", "Evil"+hostile, "severity", "info", "job", "blog", "path", "/blog/"+hostile, "note", hostile),
			Annotations: amLabels("summary", "summary "+hostile, "description", "line one\n"+hostile+"\nline three",
				"runbook_url", "https://evil.example/"+hostile, "extra", hostile),
			ActiveAt: viewstest.FixedNow.Add(-5 * time.Minute), Source: query.SourceAlertmanager,
			GeneratorURL: "javascript:alert(1)",
		},
	}
}

func mustMatcher(t labels.MatchType, n, v string) *labels.Matcher {
	m, err := labels.NewMatcher(t, n, v)
	if err != nil {
		panic(err)
	}
	return m
}

func sampleSilences() []query.Silence {
	return []query.Silence{
		{
			ID: "sil-login", State: query.SilenceActive, CreatedBy: "alice@ops", Comment: "login deploy, OPS-1234",
			Matchers: labels.Matchers{mustMatcher(labels.MatchEqual, "alertname", "HighLatency"), mustMatcher(labels.MatchEqual, "path", "/login")},
			StartsAt: viewstest.FixedNow.Add(-time.Hour), EndsAt: viewstest.FixedNow.Add(45 * time.Minute), UpdatedAt: viewstest.FixedNow.Add(-time.Hour),
		},
		{
			ID: "sil-batch", State: query.SilencePending, CreatedBy: "bob@ops", Comment: "nightly batch window",
			Matchers: labels.Matchers{mustMatcher(labels.MatchRegexp, "job", "batch.*")},
			StartsAt: viewstest.FixedNow.Add(10 * time.Minute), EndsAt: viewstest.FixedNow.Add(2 * time.Hour),
		},
		{
			ID: "sil-old", State: query.SilenceExpired, CreatedBy: "carol@ops", Comment: "old maintenance",
			Matchers: labels.Matchers{mustMatcher(labels.MatchEqual, "alertname", "Old")},
			StartsAt: viewstest.FixedNow.Add(-3 * time.Hour), EndsAt: viewstest.FixedNow.Add(-30 * time.Minute),
		},
		{
			ID: "sil-evil", State: query.SilenceActive, CreatedBy: "mallory" + hostile, Comment: "comment " + hostile + "\nsecond line",
			Matchers: labels.Matchers{mustMatcher(labels.MatchEqual, "job", "blog"), mustMatcher(labels.MatchEqual, "note", hostile)},
			StartsAt: viewstest.FixedNow.Add(-10 * time.Minute), EndsAt: viewstest.FixedNow.Add(3 * time.Hour),
		},
	}
}

func sampleAlertsMsg() views.AlertsMsg {
	return views.AlertsMsg{Alerts: sampleAlerts(), Silences: sampleSilences(), At: viewstest.FixedNow}
}

func newTestAlerts(t testing.TB, w, h int) *Alerts {
	t.Helper()
	a := NewAlerts(viewstest.Context(t, "dark"), views.WithAuthor(func() string { return "oncall@box" }))
	a.SetSize(w, h)
	a.Update(sampleAlertsMsg())
	return a
}

// send presses keys on a screen and returns the messages the last one's
// command produces. Like the program, it draws the screen after each key.
func send(s views.Screen, ks ...string) []tea.Msg {
	var cmd tea.Cmd
	for _, k := range ks {
		_, cmd = s.Update(viewstest.Key(k))
		s.View()
	}
	return viewstest.Run(cmd)
}

// sendUnseen presses keys without drawing the screen in between.
func sendUnseen(s views.Screen, ks ...string) []tea.Msg {
	var cmd tea.Cmd
	for _, k := range ks {
		_, cmd = s.Update(viewstest.Key(k))
	}
	return viewstest.Run(cmd)
}

// filterBy opens the filter prompt of s, checks that it owns the
// keyboard, replaces its text with txt and presses enter.
func filterBy(t *testing.T, s views.Screen, txt string) {
	t.Helper()
	send(s, "/")
	if !s.Capturing() {
		t.Fatal("the prompt should own the keyboard")
	}
	send(s, "ctrl+u")
	typeText(s, txt)
	send(s, "enter")
}

// typeText types text one character at a time, drawing after each.
func typeText(s views.Screen, txt string) {
	for _, r := range txt {
		if r == ' ' {
			s.Update(viewstest.Key("space"))
		} else {
			s.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
		}
		s.View()
	}
}

func noRequest(t *testing.T, msgs []tea.Msg) {
	t.Helper()
	for _, m := range msgs {
		if _, ok := m.(views.SilenceRequestMsg); ok {
			t.Fatalf("a request was emitted: %#v", m)
		}
	}
}

func alertNames(as []query.Alert) []string {
	var out []string
	for _, a := range as {
		out = append(out, text.Sanitize(a.Name))
	}
	return out
}

func TestAlertsSortedBySeverityThenAge(t *testing.T) {
	a := newTestAlerts(t, 120, 30)
	want := sampleAlerts()
	query.SortAlerts(want)
	got := a.Alerts()
	if len(got) != len(want) {
		t.Fatalf("%d alerts shown", len(got))
	}
	for i := range want {
		if got[i].Key() != want[i].Key() {
			t.Fatalf("row %d: %q, want %q", i, got[i].Name, want[i].Name)
		}
	}
	// Critical first, the oldest of them first.
	if got[0].Labels["path"] != "/api/checkout" || got[1].Labels["path"] != "/api/search" || got[0].Severity != "critical" {
		t.Fatalf("order: %v", alertNames(got))
	}
	sel, ok := a.SelectedAlert()
	if !ok || sel.Key() != got[0].Key() {
		t.Fatal("the first alert should be selected")
	}
}

func TestAlertsColumns(t *testing.T) {
	a := newTestAlerts(t, 120, 30)
	v := ansi.Strip(a.View())
	for _, col := range []string{"SEVERITY", "ALERT", "STATE", "FOR", "LABELS", "SUMMARY"} {
		if !strings.Contains(strings.Split(v, "\n")[0], col) {
			t.Errorf("header lacks %s: %q", col, strings.Split(v, "\n")[0])
		}
	}
	row := lineWith(t, v, "/api/checkout")
	for _, want := range []string{"critical", "HighErrorRate", "firing", "2h13m", "path=/api/checkout", "instance=10.", "31% of /api/checkout"} {
		if !strings.Contains(row, want) {
			t.Errorf("row lacks %q: %q", want, row)
		}
	}
	// job=shop is shared by both HighErrorRate alerts: it tells nothing apart.
	if strings.Contains(row, "job=shop") {
		t.Errorf("a label every alert of the name shares is shown: %q", row)
	}
	if strings.Contains(row, "alertname=") || strings.Contains(row, "severity=") {
		t.Errorf("alertname/severity repeated in labels: %q", row)
	}
	for _, st := range []string{"pending", "silenced", "inhibited"} {
		if !strings.Contains(v, st) {
			t.Errorf("state %s not shown", st)
		}
	}
	// 80 columns: short severity, still the summary.
	a.SetSize(80, 21)
	v = ansi.Strip(a.View())
	if h := strings.Split(v, "\n")[0]; !strings.HasPrefix(h, "SEV ") || !strings.Contains(h, "SUMMARY") {
		t.Errorf("80 columns header: %q", h)
	}
	if row := lineWith(t, v, "HighErrorRate"); !strings.HasPrefix(row, "crit ") {
		t.Errorf("80 columns row: %q", row)
	}
}

// selectAlert moves the cursor to the first alert pred accepts.
func selectAlert(t *testing.T, a *Alerts, pred func(query.Alert) bool) query.Alert {
	t.Helper()
	send(a, "g")
	for range a.Alerts() {
		if s, ok := a.SelectedAlert(); ok && pred(s) {
			return s
		}
		send(a, "j")
	}
	t.Fatal("no such alert")
	return query.Alert{}
}

func byPath(p string) func(query.Alert) bool {
	return func(a query.Alert) bool { return a.Labels["path"] == p && !strings.HasPrefix(a.Name, "Evil") }
}

func lineWith(t *testing.T, v, s string) string {
	t.Helper()
	for _, l := range strings.Split(v, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	t.Fatalf("no line with %q in:\n%s", s, v)
	return ""
}

func TestAlertsStateAndSeverityStyled(t *testing.T) {
	a := newTestAlerts(t, 120, 30)
	a.list.Move(1) // the styled cells are those of unselected rows
	st := a.ctx.Styles
	v := a.View()
	if !strings.Contains(v, st.Severity("critical").Render(text.Fit("critical", alertSevFullW))) {
		t.Error("critical not styled as critical")
	}
	if !strings.Contains(v, st.AlertState("pending").Render(text.Fit("pending", alertStateW))) {
		t.Error("pending not styled as pending")
	}
}

func TestAlertsFilter(t *testing.T) {
	a := newTestAlerts(t, 120, 30)
	filterBy(t, a, "login")
	if a.Capturing() || len(a.Alerts()) != 1 || a.Alerts()[0].Labels["path"] != "/login" {
		t.Fatalf("text filter: %v", alertNames(a.Alerts()))
	}
	if !strings.Contains(ansi.Strip(a.View()), "1 of 6 alerts") {
		t.Error("filter line missing")
	}

	// A label matcher, with Alertmanager's semantics (anchored regex).
	filterBy(t, a, `severity="critical" path=~"/api/.*"`)
	if got := a.Alerts(); len(got) != 2 || got[0].Name != "HighErrorRate" || got[1].Name != "HighErrorRate" {
		t.Fatalf("matcher filter: %v", alertNames(got))
	}
	filterBy(t, a, `path=~"/api"`)
	if got := a.Alerts(); len(got) != 0 {
		t.Fatalf("anchored regex should match nothing: %v", alertNames(got))
	}

	// A bad matcher: the error shows under the prompt, the text is kept,
	// the prompt stays open and the last good filter stays applied.
	filterBy(t, a, `path=~"(unclosed"`)
	if !a.Capturing() {
		t.Fatal("enter on a bad filter should keep the prompt open")
	}
	if a.list.Prompt.In.Value() != `path=~"(unclosed"` {
		t.Fatalf("text not kept: %q", a.list.Prompt.In.Value())
	}
	v := ansi.Strip(a.View())
	if !strings.Contains(v, "✕ filter:") || !strings.Contains(v, "path=~") {
		t.Fatalf("no parse error under the prompt:\n%s", v)
	}
	// esc clears everything.
	send(a, "esc")
	if a.Capturing() || a.Filter() != "" || len(a.Alerts()) != 6 {
		t.Fatalf("esc should clear: %q %d", a.Filter(), len(a.Alerts()))
	}
}

func TestAlertsGrouping(t *testing.T) {
	a := newTestAlerts(t, 120, 30)
	send(a, "j") // the second alert
	sel, _ := a.SelectedAlert()
	msgs := send(a, "v")
	if !a.Grouped() {
		t.Fatal("v should group")
	}
	viewstest.Only[views.FlashMsg](t, msgs)
	v := ansi.Strip(a.View())
	if !strings.Contains(v, "▾ HighErrorRate  2 alerts: 2 firing") {
		t.Fatalf("no group header:\n%s", v)
	}
	if !strings.Contains(v, "▾ HighLatency  2 alerts: 1 pending, 1 silenced") {
		t.Fatalf("no HighLatency header:\n%s", v)
	}
	// Alerts of a group are together.
	got := alertNames(a.Alerts())
	if got[2] != "HighLatency" || got[3] != "HighLatency" {
		t.Fatalf("grouped order: %v", got)
	}
	if now, _ := a.SelectedAlert(); now.Key() != sel.Key() {
		t.Fatal("grouping lost the selection")
	}
	// Headers are not selectable: moving down goes from alert to alert.
	send(a, "g")
	send(a, "j", "j")
	if s, _ := a.SelectedAlert(); s.Name != "HighLatency" {
		t.Fatalf("after two downs: %s", s.Name)
	}
	send(a, "v")
	if a.Grouped() || strings.Contains(ansi.Strip(a.View()), "▾") {
		t.Fatal("v again should ungroup")
	}
}

func TestAlertsDetailEnterAndEsc(t *testing.T) {
	a := newTestAlerts(t, 120, 40)
	selectAlert(t, a, func(x query.Alert) bool { return x.State == query.StatePending })
	send(a, "j")
	send(a, "k")
	sel, _ := a.SelectedAlert()
	send(a, "enter")
	if a.Detail() == nil || a.Title() != "Alerts" {
		t.Fatal("enter should open the detail inside the alerts screen")
	}
	if a.Capturing() {
		t.Fatal("the detail does not capture the keyboard")
	}
	v := ansi.Strip(a.View())
	for _, want := range []string{"HighLatency", "pending", "prometheus only", "p99 above 1s on /api/search", "instance  = 10.0.0.2:8000", "value", "1.42"} {
		if !strings.Contains(v, want) {
			t.Errorf("detail lacks %q:\n%s", want, v)
		}
	}
	send(a, "esc")
	if a.Detail() != nil {
		t.Fatal("esc should return to the list")
	}
	if now, _ := a.SelectedAlert(); now.Key() != sel.Key() {
		t.Fatal("the selection changed")
	}
}

func TestAlertDetailContent(t *testing.T) {
	a := newTestAlerts(t, 120, 60)
	send(a, "enter") // HighErrorRate on /api/checkout
	v := a.View()
	plain := ansi.Strip(v)
	for _, want := range []string{
		"firing", "critical", "for 2h13m", "since 2026-11-24 00:47:00 UTC", "both (alertmanager and prometheus)",
		"The error ratio of /api/checkout has been above 5% for 10 minutes.", "Check the payment provider",
		"https://runbooks.example.com/high-error-rate?endpoint=checkout", "team-shop",
		"dashboard", "SILENCED BY (0)", "path      = /api/checkout",
	} {
		if !strings.Contains(plain, want) {
			t.Errorf("detail lacks %q:\n%s", want, plain)
		}
	}
	// The runbook and the generator URL are OSC 8 hyperlinks.
	if !strings.Contains(v, ansi.SetHyperlink("https://runbooks.example.com/high-error-rate?endpoint=checkout")) {
		t.Error("runbook is not a hyperlink")
	}
	if !strings.Contains(v, ansi.SetHyperlink("http://prometheus:9090/graph?g0.expr=job%3Ashop%3Aerror_ratio+%3E+0.05")) {
		t.Error("generator URL is not a hyperlink")
	}
	// The silenced alert lists its silence with author, comment and end.
	send(a, "esc")
	selectAlert(t, a, byPath("/login"))
	send(a, "enter")
	plain = ansi.Strip(a.View())
	for _, want := range []string{"SILENCED BY (1)", "sil-login", "alice@ops", "login deploy, OPS-1234", "ends in 45m"} {
		if !strings.Contains(plain, want) {
			t.Errorf("silenced detail lacks %q:\n%s", want, plain)
		}
	}
}

func TestAlertDetailScrolls(t *testing.T) {
	a := newTestAlerts(t, 60, 8)
	send(a, "enter")
	d := a.Detail()
	first := ansi.Strip(a.View())
	send(a, "j")
	if d.Offset() != 1 {
		t.Fatalf("j: offset %d", d.Offset())
	}
	send(a, "pgdown")
	if d.Offset() <= 1 {
		t.Fatalf("pgdown: offset %d", d.Offset())
	}
	if ansi.Strip(a.View()) == first {
		t.Fatal("scrolling did not change the view")
	}
	send(a, "G")
	last := d.Offset()
	send(a, "j")
	if d.Offset() != last {
		t.Fatal("scrolled past the end")
	}
	send(a, "pgup", "pgup", "pgup", "pgup", "pgup", "g")
	if d.Offset() != 0 {
		t.Fatalf("g: offset %d", d.Offset())
	}
	if !strings.Contains(ansi.Strip(a.View()), "lines (j/k, pgup/pgdn)") {
		t.Error("no scroll hint")
	}
}

func TestAlertsDetailFollowsRefresh(t *testing.T) {
	a := newTestAlerts(t, 120, 40)
	send(a, "enter")
	key := a.Detail().Alert().Key()
	m := sampleAlertsMsg()
	m.Alerts = m.Alerts[2:] // the selected alert resolved
	a.Update(m)
	if a.Detail() == nil || !a.Detail().Gone() || a.Detail().Alert().Key() != key {
		t.Fatal("the detail should stay, marked gone")
	}
	if !strings.Contains(ansi.Strip(a.View()), "no longer active") {
		t.Error("gone not shown")
	}
}

func TestAlertsRunbookOpenAndCopy(t *testing.T) {
	a := newTestAlerts(t, 120, 30)
	open := viewstest.Only[views.OpenURLMsg](t, send(a, "o"))
	if open.URL != "https://runbooks.example.com/high-error-rate?endpoint=checkout" {
		t.Fatalf("open %q", open.URL)
	}
	cp := viewstest.Only[views.CopyMsg](t, send(a, "y"))
	if cp.Text != open.URL || cp.What != "runbook URL" {
		t.Fatalf("copy %#v", cp)
	}
	// From the detail too.
	send(a, "enter")
	viewstest.Only[views.OpenURLMsg](t, send(a, "o"))
	viewstest.Only[views.CopyMsg](t, send(a, "y"))
	send(a, "esc")
	// An alert without runbook: a flash says so.
	selectAlert(t, a, byPath("/login"))
	fl := viewstest.Only[views.FlashMsg](t, send(a, "o"))
	if !strings.Contains(fl.Text, "no runbook_url") {
		t.Fatalf("flash %q", fl.Text)
	}
	fl = viewstest.Only[views.FlashMsg](t, send(a, "y"))
	if !strings.Contains(fl.Text, "no runbook_url") {
		t.Fatalf("flash %q", fl.Text)
	}
}

func TestAlertsHostileRunbookNotOpened(t *testing.T) {
	a := newTestAlerts(t, 120, 30)
	selectAlert(t, a, func(x query.Alert) bool { return strings.HasPrefix(x.Name, "Evil") })
	fl := viewstest.Only[views.FlashMsg](t, send(a, "o"))
	if !fl.Error || strings.Contains(fl.Text, "\x1b") || strings.Contains(fl.Text, "\x07") {
		t.Fatalf("flash %q", fl.Text)
	}
}

func TestAlertsJumpToEndpoint(t *testing.T) {
	a := newTestAlerts(t, 120, 30)
	j := viewstest.Only[views.JumpToEndpointMsg](t, send(a, "J"))
	if j.Endpoint != "/api/checkout" {
		t.Fatalf("jump %q", j.Endpoint)
	}
	send(a, "enter")
	j = viewstest.Only[views.JumpToEndpointMsg](t, send(a, "J"))
	if j.Endpoint != "/api/checkout" {
		t.Fatalf("jump from detail %q", j.Endpoint)
	}
	send(a, "esc")
	// TargetDown has no path label.
	selectAlert(t, a, func(x query.Alert) bool { return x.Name == "TargetDown" })
	fl := viewstest.Only[views.FlashMsg](t, send(a, "J"))
	if !strings.Contains(fl.Text, "no path label") {
		t.Fatalf("flash %q", fl.Text)
	}
}

func TestFiringByEndpoint(t *testing.T) {
	got := FiringByEndpoint(sampleAlerts(), "path")
	if got["/api/checkout"] != 1 || got["/api/search"] != 1 || got["/login"] != 0 {
		t.Fatalf("%v", got) // pending and silenced alerts do not count
	}
	if len(FiringByEndpoint(nil, "path")) != 0 || len(FiringByEndpoint(sampleAlerts(), "")) != 0 {
		t.Fatal("empty input")
	}
}

// sizedAndWaiting gives s an 80x20 area before any data and checks that
// it says it is waiting.
func sizedAndWaiting(t *testing.T, s views.Screen) {
	t.Helper()
	s.SetSize(80, 20)
	if !strings.Contains(s.View(), "waiting") {
		t.Fatal("no waiting note")
	}
}

func TestAlertsErrors(t *testing.T) {
	a := NewAlerts(viewstest.Context(t, "dark"))
	sizedAndWaiting(t, a)
	// An error before any data fills the content area, sanitised.
	a.Update(views.AlertsMsg{Err: errors.New("Get \"http://am:9093/api/v2/alerts\": dial tcp: connection refused" + hostile)})
	v := a.View()
	if !strings.Contains(ansi.Strip(v), "cannot list alerts") || !strings.Contains(ansi.Strip(v), "connection") || !strings.Contains(ansi.Strip(v), "refused") {
		t.Fatalf("error not shown:\n%s", v)
	}
	assertNoRawEscapes(t, v)
	// Data, then a failed refresh: the data stays with one error line.
	a.Update(sampleAlertsMsg())
	a.Update(views.AlertsMsg{Err: errors.New("context deadline exceeded")})
	v = ansi.Strip(a.View())
	if len(a.Alerts()) != 6 || !strings.Contains(v, "HighErrorRate") || strings.Count(v, "context deadline exceeded") != 1 {
		t.Fatalf("old data not kept with one error line:\n%s", v)
	}
	// Recovery clears it.
	a.Update(sampleAlertsMsg())
	if strings.Contains(ansi.Strip(a.View()), "deadline") {
		t.Fatal("error line stayed")
	}
	// No alerts at all.
	a.Update(views.AlertsMsg{At: viewstest.FixedNow, Alerts: []query.Alert{}})
	if !strings.Contains(ansi.Strip(a.View()), "no alerts") {
		t.Fatal("no empty note")
	}
	if _, ok := a.SelectedAlert(); ok {
		t.Fatal("nothing to select")
	}
	for _, k := range []string{"enter", "s", "a", "o", "y", "J", "j", "G", "v", "v"} {
		send(a, k)
	}
}

func readOnlyContext(t *testing.T) *views.Context {
	ctx := viewstest.Context(t, "dark")
	ctx.Settings.ReadOnly = true
	ctx.Keys = keys.New(true)
	return ctx
}

func TestAlertsReadOnly(t *testing.T) {
	a := NewAlerts(readOnlyContext(t))
	a.SetSize(120, 30)
	a.Update(sampleAlertsMsg())
	for _, k := range []string{"s", "a", "x", "e"} {
		fl := viewstest.Only[views.FlashMsg](t, send(a, k))
		if !strings.HasPrefix(fl.Text, "read-only: ") || !fl.Error {
			t.Fatalf("%s: flash %q", k, fl.Text)
		}
		if a.Form() != nil || a.Capturing() {
			t.Fatalf("%s opened the form in read-only mode", k)
		}
	}
	// From the detail too; reading still works.
	send(a, "enter")
	fl := viewstest.Only[views.FlashMsg](t, send(a, "s"))
	if !strings.HasPrefix(fl.Text, "read-only: ") {
		t.Fatalf("detail: %q", fl.Text)
	}
	viewstest.Only[views.OpenURLMsg](t, send(a, "o"))
	// Help lists no writing key.
	for _, b := range append(a.ShortHelp(), flatten(a.FullHelp())...) {
		if b.Enabled() && (b.Help().Key == "s" || b.Help().Key == "a") {
			t.Fatalf("help lists %s in read-only mode", b.Help().Key)
		}
	}
}

func TestAlertsHostileValuesNeverRaw(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {200, 60}} {
		a := newTestAlerts(t, sz[0], sz[1])
		assertNoRawEscapes(t, a.View())
		send(a, "v")
		assertNoRawEscapes(t, a.View())
		send(a, "v")
		selectAlert(t, a, func(x query.Alert) bool { return strings.HasPrefix(x.Name, "Evil") })
		assertNoRawEscapes(t, a.View())
		send(a, "enter")
		v := a.View()
		assertNoRawEscapes(t, v)
		if !strings.Contains(ansi.Strip(v), "(not a link)") {
			t.Errorf("hostile runbook and javascript: URL must not be links:\n%s", ansi.Strip(v))
		}
		// sil-evil covers it: its silence first (hostile author, comment
		// and matchers), then s again for the form.
		send(a, "s")
		if a.Silenced() == nil {
			t.Fatal("s did not show the silence that covers the alert")
		}
		assertNoRawEscapes(t, a.View())
		send(a, "e")
		assertNoRawEscapes(t, a.View())
		send(a, "esc", "s")
		assertNoRawEscapes(t, a.View())
		typeText(a, "looking")
		send(a, "enter")
		if a.Form() == nil || !a.Form().Confirming() {
			t.Fatalf("confirm step not reached: %v", a.Form().Errors())
		}
		assertNoRawEscapes(t, a.View())
		send(a, "enter")
		a.Update(views.SilenceResultMsg{Request: views.SilenceRequestMsg{Op: views.OpCreate, Spec: a.Form().Spec()}, Err: errors.New("bad request: " + hostile)})
		if a.Form() == nil || a.Form().SendError() == "" {
			t.Fatal("the error should be kept in the form")
		}
		assertNoRawEscapes(t, a.View())
	}
}

// osc8 matches the hyperlinks vigil writes itself.
var osc8 = regexp.MustCompile("\x1b]8;;([^\x07\x1b]*)\x07")

// assertNoRawEscapes fails when a control sequence other than styling and
// vigil's own hyperlinks (to safe URLs only) reaches the screen.
func assertNoRawEscapes(t *testing.T, v string) {
	t.Helper()
	for _, m := range osc8.FindAllStringSubmatch(v, -1) {
		if m[1] == "" {
			continue // the end of a link
		}
		if safe, ok := text.SafeURL(m[1]); !ok || safe != m[1] {
			t.Errorf("hyperlink to an unsafe URL: %q", m[1])
		}
		if strings.Contains(m[1], "evil") {
			t.Errorf("hostile URL linked: %q", m[1])
		}
	}
	rest := osc8.ReplaceAllString(v, "")
	for _, bad := range []string{"\x1b]", "\x07", "\x1b[2J", "\x9b", "\x9d"} {
		if strings.Contains(rest, bad) {
			i := strings.Index(rest, bad)
			t.Fatalf("raw %q reached the screen near %q", bad, rest[max(i-40, 0):min(i+40, len(rest))])
		}
	}
}

// assertFits fails when the view is wider or taller than the area.
func assertFits(t *testing.T, name string, v string, w, h int) {
	t.Helper()
	if w <= 0 || h <= 0 {
		if v != "" {
			t.Errorf("%s %dx%d: want nothing, got %q", name, w, h, v)
		}
		return
	}
	lines := strings.Split(v, "\n")
	if len(lines) > h {
		t.Errorf("%s %dx%d: %d lines", name, w, h, len(lines))
	}
	for _, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Errorf("%s %dx%d: line of width %d: %q", name, w, h, lw, ansi.Strip(l))
		}
	}
}

// fitStep sends keys, types text, then names the view that must fit.
type fitStep struct {
	name  string
	keys  []string
	typed string
}

// fitsAfterEach takes s through steps, checking after each that its view
// fits the w x h area.
func fitsAfterEach(t *testing.T, s views.Screen, w, h int, steps []fitStep) {
	t.Helper()
	for _, st := range steps {
		send(s, st.keys...)
		typeText(s, st.typed)
		assertFits(t, st.name, s.View(), w, h)
	}
}

var testSizes = [][2]int{{80, 24}, {120, 45}, {200, 60}, {60, 15}, {40, 10}, {20, 5}, {10, 3}, {1, 1}, {0, 0}}

func TestAlertsNeverWrap(t *testing.T) {
	for _, sz := range testSizes {
		w, h := sz[0], sz[1]
		a := newTestAlerts(t, w, h)
		fitsAfterEach(t, a, w, h, []fitStep{
			{"list", nil, ""},
			{"grouped", []string{"v"}, ""},
			{"prompt", []string{"/"}, `path=~"(`},
			{"detail", []string{"esc", "v", "enter"}, ""},
			{"form", []string{"pgdown", "G", "esc", "s"}, ""},
			{"form tabbed", []string{"tab", "tab", "tab"}, ""},
			{"confirm", []string{"esc", "a"}, ""},
		})
		// Resizing with everything open.
		a.SetSize(20, 5)
		assertFits(t, "confirm resized", a.View(), 20, 5)
		a.SetSize(w, h)
		assertFits(t, "confirm back", a.View(), w, h)
	}
}

func TestAlertsRendersOnlyVisibleRows(t *testing.T) {
	a := NewAlerts(viewstest.Context(t, "dark"))
	a.SetSize(120, 10)
	a.Update(views.AlertsMsg{Alerts: manyAlerts(5000), At: viewstest.FixedNow})
	if n := strings.Count(a.View(), "AlertNo"); n != 9 {
		t.Fatalf("%d rows rendered in a 10-line area", n)
	}
	send(a, "G")
	sel, _ := a.SelectedAlert()
	if !strings.Contains(a.View(), text.Sanitize(sel.Name)) {
		t.Fatal("G should show the last row")
	}
}

func manyAlerts(n int) []query.Alert {
	sevs := []string{"critical", "warning", "info"}
	states := []query.AlertState{query.StateFiring, query.StatePending, query.StateSilenced, query.StateInhibited}
	out := make([]query.Alert, n)
	for i := range out {
		name := fmt.Sprintf("AlertNo%d", i%40)
		path := fmt.Sprintf("/api/item/%d", i%200)
		out[i] = query.Alert{
			Name: name, Severity: sevs[i%3], State: states[i%4],
			Labels:      amLabels("alertname", name, "severity", sevs[i%3], "job", "shop", "path", path, "instance", fmt.Sprintf("10.0.%d.%d:8000", i/250, i%250)),
			Annotations: amLabels("summary", fmt.Sprintf("something is wrong with %s (%d)", path, i), "runbook_url", "https://runbooks.example.com/"+name),
			ActiveAt:    viewstest.FixedNow.Add(-time.Duration(i) * time.Minute),
		}
	}
	return out
}

func manySilences(n int) []query.Silence {
	out := make([]query.Silence, n)
	for i := range out {
		out[i] = query.Silence{
			ID: fmt.Sprintf("sil-%04d", i), State: query.SilenceActive, CreatedBy: "bot@ci",
			Comment:  fmt.Sprintf("deploy %d", i),
			Matchers: labels.Matchers{mustMatcher(labels.MatchEqual, "path", fmt.Sprintf("/api/item/%d", i%200)), mustMatcher(labels.MatchRegexp, "alertname", "AlertNo1.*")},
			StartsAt: viewstest.FixedNow.Add(-time.Hour), EndsAt: viewstest.FixedNow.Add(time.Duration(i) * time.Minute),
		}
	}
	return out
}

func TestAlertsHelp(t *testing.T) {
	a := newTestAlerts(t, 120, 30)
	keysOf := func(bs []key.Binding) string {
		var out []string
		for _, b := range bs {
			out = append(out, b.Help().Key)
		}
		return strings.Join(out, " ")
	}
	if got := keysOf(flatten(a.FullHelp())); !strings.Contains(got, "J") || !strings.Contains(got, "v") || !strings.Contains(got, "s") {
		t.Fatalf("full help: %s", got)
	}
	send(a, "s")
	if got := keysOf(a.ShortHelp()); !strings.Contains(got, "tab") || !strings.Contains(got, "esc") {
		t.Fatalf("form help: %s", got)
	}
	if len(a.Notes()) == 0 {
		t.Fatal("no notes")
	}
}

func flatten(bss [][]key.Binding) []key.Binding {
	var out []key.Binding
	for _, bs := range bss {
		out = append(out, bs...)
	}
	return out
}

func TestAlertsGolden(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 45}} {
		w, h := sz[0], sz[1]-3 // the header and footer take three lines
		a := newTestAlerts(t, w, h)
		viewstest.Golden(t, fmt.Sprintf("alerts-%dx%d", sz[0], sz[1]), ansi.Strip(a.View())+"\n")
		send(a, "v")
		viewstest.Golden(t, fmt.Sprintf("alerts-grouped-%dx%d", sz[0], sz[1]), ansi.Strip(a.View())+"\n")
		send(a, "v", "enter")
		viewstest.Golden(t, fmt.Sprintf("alertdetail-%dx%d", sz[0], sz[1]), ansi.Strip(a.View())+"\n")
	}
}

func BenchmarkAlertsView1000(b *testing.B) {
	benchAlertsView(b, NewAlerts(viewstest.Context(b, "dark")))
}

// benchAlertsView draws a screen at 200x60 after a refresh of 1000 alerts
// and 500 silences.
func benchAlertsView(b *testing.B, s views.Screen) {
	s.SetSize(200, 60)
	s.Update(views.AlertsMsg{Alerts: manyAlerts(1000), Silences: manySilences(500), At: viewstest.FixedNow})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = s.View()
	}
}

// What vigil cannot know is never shown as "nothing is firing": with no
// Alertmanager and Prometheus failing, the screen names both causes and no
// age; "nothing is firing" only when a source answered with nothing.
func TestAlertsUnknownIsNotNone(t *testing.T) {
	a := NewAlerts(viewstest.Context(t, "dark"))
	a.SetSize(100, 20)
	a.SetAlertmanagerConfigured(false)
	promErr := errors.New(`prometheus alerts: Get "http://127.0.0.1:1/api/v1/alerts": dial tcp 127.0.0.1:1: connect: connection refused`)
	a.Update(views.AlertsMsg{At: viewstest.FixedNow, NoAlertmanager: true, PrometheusErr: promErr, Err: promErr})
	v := strings.Join(strings.Fields(ansi.Strip(a.View())), " ")
	for _, want := range []string{"cannot list alerts", "Alertmanager not configured", "Prometheus unreachable", "connection refused"} {
		if !strings.Contains(v, want) {
			t.Errorf("lacks %q:\n%s", want, v)
		}
	}
	for _, bad := range []string{"nothing is firing", "showing data from", " ago"} {
		if strings.Contains(v, bad) {
			t.Errorf("says %q:\n%s", bad, v)
		}
	}
	if fl := viewstest.Only[views.FlashMsg](t, send(a, "s")); !strings.Contains(fl.Text, "Alertmanager not configured") || !fl.Error {
		t.Errorf("s without Alertmanager: %q", fl.Text)
	}
	// Prometheus answers with nothing: now "nothing is firing" is true.
	a.Update(views.AlertsMsg{At: viewstest.FixedNow, NoAlertmanager: true, Alerts: []query.Alert{}})
	v = strings.Join(strings.Fields(ansi.Strip(a.View())), " ")
	if !strings.Contains(v, "nothing is firing") || !strings.Contains(v, "Alertmanager not configured") {
		t.Errorf("Prometheus answered empty:\n%s", v)
	}
	// And with no alerting rule loaded, nothing can fire: it says so.
	a.Update(views.RulesCheckMsg{Check: &views.RulesCheck{Rules: []rulecheck.Rule{{Kind: rulecheck.KindRecord, Name: "x:rate1m"}}}})
	v = strings.Join(strings.Fields(ansi.Strip(a.View())), " ")
	if !strings.Contains(v, "Prometheus has no alerting rule loaded") || strings.Contains(v, "nothing is firing") {
		t.Errorf("no alerting rule:\n%s", v)
	}
	// Alertmanager answers with nothing, Prometheus fails.
	b := NewAlerts(viewstest.Context(t, "dark"))
	b.SetSize(100, 20)
	b.Update(views.AlertsMsg{At: viewstest.FixedNow, Alerts: []query.Alert{}, Silences: []query.Silence{}, PrometheusErr: promErr, Err: promErr})
	v = strings.Join(strings.Fields(ansi.Strip(b.View())), " ")
	if !strings.Contains(v, "pending alerts unknown") || !strings.Contains(v, "Prometheus unreachable") || strings.Contains(v, "nothing is firing or pending") {
		t.Errorf("Alertmanager empty, Prometheus down:\n%s", v)
	}
	// With an Alertmanager, s opens the form and a silence is requested.
	c := newTestAlerts(t, 120, 40)
	selectAlert(t, c, byPath("/api/checkout"))
	send(c, "a")
	if c.Form() == nil {
		t.Fatal("a should open the ack form with an Alertmanager")
	}
}

// An alert with no summary shows its description, or "(no summary)";
// never a bare dash.
func TestAlertsNoSummary(t *testing.T) {
	a := NewAlerts(viewstest.Context(t, "dark"))
	a.SetSize(120, 20)
	mk := func(path string, ann map[string]string) query.Alert {
		ls := amLabels("alertname", "SlowAPIResponses", "severity", "warning", "job", "flask", "instance", "app:8000", "path", path)
		return query.Alert{Name: "SlowAPIResponses", Severity: "warning", State: query.StateFiring, Labels: ls, Annotations: ann, ActiveAt: viewstest.FixedNow.Add(-time.Minute)}
	}
	a.Update(views.AlertsMsg{At: viewstest.FixedNow, Alerts: []query.Alert{
		mk("/api/search", map[string]string{"description": "p99 above 2s for 5m"}),
		mk("/api/checkout", nil),
	}})
	v := ansi.Strip(a.View())
	if row := lineWith(t, v, "path=/api/search"); !strings.Contains(row, "p99 above 2s") || strings.Contains(row, "job=") {
		t.Errorf("description row: %q", row)
	}
	if row := lineWith(t, v, "path=/api/checkout"); !strings.Contains(row, "(no summary)") || strings.Contains(row, "instance=") {
		t.Errorf("no-annotation row: %q", row)
	}
	got := AlertLabelTexts(a.All(), "path")
	if len(got) != 2 || got[0] == got[1] || strings.Contains(got[0], "job=") || !strings.HasPrefix(got[0], "path=") {
		t.Errorf("AlertLabelTexts: %q", got)
	}
}

// Grafana Mimir's alerts API lists its ruler's alerts only: the screen
// says whose pending alerts it shows, and never that nothing is pending
// on its word alone.
func TestAlertsSayWhosePendingAlertsMimirLists(t *testing.T) {
	a := NewAlerts(viewstest.Context(t, "dark"))
	a.SetSize(100, 20)
	a.Update(views.AlertsMsg{At: viewstest.FixedNow, Alerts: []query.Alert{}, PendingScope: query.MimirPendingText})
	s := ansi.Strip(a.View())
	if strings.Contains(s, "nothing is firing or pending") || !strings.Contains(s, "nothing pending in the engine's ruler") {
		t.Errorf("no alerts from Mimir's ruler:\n%s", s)
	}
	if !strings.Contains(s, "ⓘ pending alerts are those of Grafana Mimir's ruler only") {
		t.Errorf("no line saying whose pending alerts these are:\n%s", s)
	}
	msg := sampleAlertsMsg()
	msg.PendingScope = query.MimirPendingText
	a.Update(msg)
	if s := ansi.Strip(a.View()); !strings.Contains(s, "ⓘ pending alerts are those of Grafana Mimir's ruler only") {
		t.Errorf("alerts listed without the line:\n%s", s)
	}
	a.Update(sampleAlertsMsg())
	if s := ansi.Strip(a.View()); strings.Contains(s, "Mimir") {
		t.Errorf("Prometheus's alerts with Mimir's line:\n%s", s)
	}
}

// The alert detail shows its rule's findings and fix, or says the check is
// unknown when it could not run: never nothing, as if the rule were fine.
func TestAlertDetailRuleBlock(t *testing.T) {
	a := query.Alert{Name: "HighErrorRate", State: query.StateFiring,
		Labels: map[string]string{"alertname": "HighErrorRate", "severity": "critical"}}
	d := NewAlertDetail(viewstest.Context(t, "dark"), a, nil)
	d.SetSize(80, 60)
	d.Update(views.RulesCheckMsg{Err: errors.New("prometheus rules: timeout")})
	if v := ansi.Strip(d.View()); !strings.Contains(v, "check unknown: prometheus rules: timeout") {
		t.Errorf("no unknown line:\n%s", v)
	}
	_, cmd := d.Update(views.RulesCheckMsg{Check: viewstest.RulesCheck(t)})
	v := ansi.Strip(d.View())
	for _, want := range []string{"⚠ this rule: errors per second, not a ratio", "fix: sum by (job)", "backtest: reading ALERTS"} {
		if !strings.Contains(v, want) {
			t.Errorf("the detail lacks %q:\n%s", want, v)
		}
	}
	if cmd == nil {
		t.Fatal("no backtest asked for")
	}
	want, ok := cmd().(views.BacktestWantMsg)
	if !ok || want.Rule.Name != "HighErrorRate" || !strings.Contains(want.Fix, "/ sum by (job)") {
		t.Fatalf("asked %+v", want)
	}
	d.Update(views.BacktestMsg{Key: views.RuleKey(want.Rule), Backtest: &rulecheck.Backtest{Rule: "HighErrorRate",
		Ranges: []rulecheck.BacktestRange{{Range: 24 * time.Hour, Data: 24 * time.Hour, Original: rulecheck.Firing{Times: 1, Duration: 23*time.Hour + 59*time.Minute}, Fixed: &rulecheck.Firing{}}}}})
	if v := ansi.Strip(d.View()); !strings.Contains(v, "backtest last 24h: fired 1 time, 23h59m firing; the fixed rule: 0 times") {
		t.Errorf("no backtest line:\n%s", v)
	}
}
