package alerting

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/prometheus/alertmanager/pkg/labels"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/keys"
	"github.com/vigilterm/vigil/views/viewstest"
)

func expiredFixture() views.AlertsMsg {
	al := query.Alert{Name: "HighErrorRate", State: query.StateFiring, Source: query.SourceAlertmanager, Fingerprint: "f1",
		Labels: map[string]string{"alertname": "HighErrorRate", "path": "/api/checkout"}, ActiveAt: viewstest.FixedNow.Add(-5 * time.Minute)}
	return views.AlertsMsg{At: viewstest.FixedNow, Alerts: []query.Alert{al}, Silences: []query.Silence{
		{ID: "sil-recent", State: query.SilenceExpired, CreatedBy: "alice", Comment: "deploy window \x1b[2J",
			Matchers: labels.Matchers{mustMatcher(labels.MatchEqual, "alertname", "HighErrorRate")},
			StartsAt: viewstest.FixedNow.Add(-time.Hour), EndsAt: viewstest.FixedNow.Add(-12 * time.Minute)},
		{ID: "sil-ancient", State: query.SilenceExpired, CreatedBy: "bob", Comment: "old",
			Matchers: labels.Matchers{mustMatcher(labels.MatchEqual, "alertname", "HighErrorRate")},
			StartsAt: viewstest.FixedNow.Add(-5 * time.Hour), EndsAt: viewstest.FixedNow.Add(-3 * time.Hour)},
	}}
}

// An alert that fires again after its silence expired says who made it and
// why, in the list and the detail; R opens the form on that silence's
// matchers and comment.
func TestRecentlyExpiredSilenceShownAndRecreated(t *testing.T) {
	a := NewAlerts(viewstest.Context(t, "dark"))
	a.SetSize(100, 24)
	a.Update(expiredFixture())
	v := ansi.Strip(a.View())
	if !strings.Contains(v, "HighErrorRate: silence expired 12m ago by alice: deploy window �[2J · R recreates it") {
		t.Fatalf("list lacks the expired silence:\n%s", v)
	}
	if strings.Contains(v, "bob") {
		t.Errorf("a silence expired 3h ago is shown:\n%s", v)
	}
	send(a, "enter")
	if v = ansi.Strip(a.View()); !strings.Contains(v, "silence expired 12m ago by alice") || !strings.Contains(v, "R makes it again") {
		t.Fatalf("detail lacks the expired silence:\n%s", v)
	}
	send(a, "R")
	v = ansi.Strip(a.View())
	for _, want := range []string{"Recreate expired silence", `alertname="HighErrorRate"`, "deploy window", "matches 1 current alert"} {
		if !strings.Contains(v, want) {
			t.Errorf("form lacks %q:\n%s", want, v)
		}
	}
	if !a.Capturing() {
		t.Error("the form should own the keyboard")
	}
}

// Outside silence.recently_expired, or with another silence active, or in
// read-only mode: nothing is shown and R says why.
func TestRecentlyExpiredWindowAndReadOnly(t *testing.T) {
	ctx := viewstest.Context(t, "dark")
	ctx.Settings.Silence.RecentlyExpired = 10 * time.Minute
	a := NewAlerts(ctx)
	a.SetSize(100, 24)
	a.Update(expiredFixture())
	if v := ansi.Strip(a.View()); strings.Contains(v, "silence expired") {
		t.Errorf("shown outside the window:\n%s", v)
	}
	fl := viewstest.Only[views.FlashMsg](t, send(a, "R"))
	if !strings.Contains(fl.Text, "no silence of HighErrorRate expired in the last 10m") {
		t.Errorf("flash %q", fl.Text)
	}

	ro := viewstest.Context(t, "dark")
	ro.Settings.ReadOnly = true
	ro.Keys = keys.New(true)
	a = NewAlerts(ro)
	a.SetSize(100, 24)
	a.Update(expiredFixture())
	v := ansi.Strip(a.View())
	if !strings.Contains(v, "silence expired 12m ago by alice") || strings.Contains(v, "recreates") {
		t.Errorf("read-only: the note without the key:\n%s", v)
	}
	fl = viewstest.Only[views.FlashMsg](t, send(a, "R"))
	if !strings.Contains(fl.Text, "read-only") {
		t.Errorf("read-only R: %q", fl.Text)
	}
}
