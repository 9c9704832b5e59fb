package alerting

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/viewstest"
)

// ctrl+r on the ack's confirm step marks the silence "until resolved": the
// comment gets the marker with the end, to the second, and the review says
// so; a second ctrl+r takes it back off. The plain silence form has no
// such toggle.
func TestAckFormUntilResolvedToggle(t *testing.T) {
	a := newTestAlerts(t, 80, 24)
	selectAlert(t, a, byPath("/api/search"))
	send(a, "a")
	f := a.Form()
	if f == nil || f.UntilResolved() {
		t.Fatal("the ack form should open with until resolved off (the default)")
	}
	if v := ansi.Strip(a.View()); !strings.Contains(v, "for 15m only") {
		t.Fatalf("review without until resolved:\n%s", v)
	}
	send(a, "ctrl+r")
	if !f.UntilResolved() || !f.Confirming() {
		t.Fatal("ctrl+r should turn until resolved on and stay on the review")
	}
	v := ansi.Strip(a.View())
	if !strings.Contains(v, "until resolved: extended while the alert fires, at most 24h") {
		t.Fatalf("review with until resolved:\n%s", v)
	}
	req := viewstest.Only[views.SilenceRequestMsg](t, send(a, "enter"))
	_, cmd := a.Update(views.SilenceResultMsg{Request: req, ID: "ack1", Verified: true})
	if fl := viewstest.Only[views.FlashMsg](t, viewstest.Run(cmd)); !strings.HasSuffix(fl.Text, "— ack until resolved") {
		t.Fatalf("flash %q", fl.Text)
	}
	base, kept, ok := query.ParseAckMarker(req.Spec.Comment)
	if !ok || base != "ack by oncall@box" || !kept.Equal(req.Spec.EndsAt) || req.Spec.EndsAt.Sub(viewstest.FixedNow) != 15*time.Minute {
		t.Fatalf("request comment %q ends %s", req.Spec.Comment, req.Spec.EndsAt)
	}

	a = newTestAlerts(t, 80, 24)
	selectAlert(t, a, byPath("/api/search"))
	send(a, "a", "ctrl+r", "ctrl+r")
	req = viewstest.Only[views.SilenceRequestMsg](t, send(a, "enter"))
	if req.Spec.Comment != "ack by oncall@box" {
		t.Fatalf("toggled off, the comment is %q", req.Spec.Comment)
	}

	// On the edit step (esc from the review) ctrl+r works too, and says so.
	a = newTestAlerts(t, 80, 24)
	selectAlert(t, a, byPath("/api/search"))
	send(a, "a", "esc")
	if v := ansi.Strip(a.View()); !strings.Contains(v, "keep       for the duration only") {
		t.Fatalf("edit step:\n%s", v)
	}
	send(a, "ctrl+r")
	if v := ansi.Strip(a.View()); !strings.Contains(v, "keep       until resolved") {
		t.Fatalf("edit step after ctrl+r:\n%s", v)
	}
	req = viewstest.Only[views.SilenceRequestMsg](t, send(a, "enter", "enter"))
	if !(query.Silence{Comment: req.Spec.Comment}).UntilResolved() {
		t.Fatalf("marked on the edit step, the comment is %q", req.Spec.Comment)
	}

	a = openForm(t, 80, 24)
	send(a, "ctrl+r")
	if a.Form().UntilResolved() {
		t.Fatal("the silence form (s) is no ack: ctrl+r must not mark it")
	}
}

// silence.ack_until_resolved = true opens the ack with it on.
func TestAckFormUntilResolvedConfigured(t *testing.T) {
	ctx := viewstest.Context(t, "dark")
	ctx.Settings.Silence.AckUntilResolved = true
	a := NewAlerts(ctx, views.WithAuthor(func() string { return "oncall@box" }))
	a.SetSize(80, 24)
	a.Update(sampleAlertsMsg())
	selectAlert(t, a, byPath("/api/search"))
	send(a, "a")
	if f := a.Form(); f == nil || !f.UntilResolved() {
		t.Fatal("configured on, the ack form should open with until resolved on")
	}
}

// untilResolvedMsg is the sample refresh with the /api/search error alert
// acked until resolved by alice, ending in 10m.
func untilResolvedMsg() (views.AlertsMsg, query.Alert) {
	msg := sampleAlertsMsg()
	var al query.Alert
	for _, x := range msg.Alerts {
		if x.Name == "HighErrorRate" && x.Labels["path"] == "/api/search" {
			al = x
		}
	}
	end := viewstest.FixedNow.Add(10 * time.Minute)
	msg.Silences = append(msg.Silences, query.Silence{ID: "sil-ack", State: query.SilenceActive, CreatedBy: "alice",
		Comment: query.WithAckMarker("ack by alice", end), Matchers: query.MatchersFromLabels(al.Labels),
		StartsAt: viewstest.FixedNow.Add(-5 * time.Minute), EndsAt: end})
	return msg, al
}

// The alert list says who acked the selected alert until resolved and when
// the next extension is; with Alertmanager unreachable it says the ack is
// unknown, never that it holds; the detail says the same; the silences
// screen marks the silence.
func TestAckedUntilResolvedShown(t *testing.T) {
	msg, al := untilResolvedMsg()
	a := newTestAlerts(t, 80, 24)
	a.Update(msg)
	selectAlert(t, a, func(x query.Alert) bool { return x.Key() == al.Key() })
	v := ansi.Strip(a.View())
	// 10m left, 15m ack: extended once less than 7m30s is left.
	if !strings.Contains(v, "⟳ acked until resolved by alice, next extension 03:02:30 (in 2m30s)") {
		t.Fatalf("list:\n%s", v)
	}
	// The row's state carries ⟳; no other row's does.
	if n := strings.Count(v, "⟳"); n != 2 || !strings.Contains(v, "firing⟳") {
		t.Fatalf("%d ⟳ in the list, want the row's and the line's:\n%s", n, v)
	}
	send(a, "enter")
	if v := ansi.Strip(a.View()); !strings.Contains(v, "acked until resolved by alice, next extension 03:02:30") {
		t.Fatalf("detail:\n%s", v)
	}
	send(a, "esc")

	down := msg
	down.Alerts = nil
	for _, x := range msg.Alerts {
		// What Prometheus alone still knows: its own firing alerts.
		if x.Key() == al.Key() {
			x.Source, x.State, x.SilencedBy = query.SourcePrometheus, query.StateFiring, nil
		}
		if x.Source != query.SourceAlertmanager {
			down.Alerts = append(down.Alerts, x)
		}
	}
	down.Silences, down.AlertmanagerErr = nil, errors.New("dial tcp 127.0.0.1:9093: connection refused")
	a.Update(down)
	selectAlert(t, a, func(x query.Alert) bool { return x.Key() == al.Key() })
	v = ansi.Strip(a.View())
	if strings.Contains(v, "next extension") || !strings.Contains(v, "acked until resolved by alice: unknown whether it holds") {
		t.Fatalf("list with Alertmanager down:\n%s", v)
	}
	send(a, "enter")
	if v := ansi.Strip(a.View()); strings.Contains(v, "resolved, not extended") || !strings.Contains(v, "unknown whether it holds") {
		t.Fatalf("detail with Alertmanager down:\n%s", v)
	}
	send(a, "esc")

	s := NewSilences(viewstest.Context(t, "dark"))
	s.SetSize(120, 24)
	s.Update(msg)
	v = ansi.Strip(s.View())
	if !strings.Contains(v, "⟳ 10m") || !strings.Contains(v, "ack by alice [until resolved]") || strings.Contains(v, "kept to") {
		t.Fatalf("silences:\n%s", v)
	}
	for i := 0; i < 10; i++ {
		if si, ok := s.Selected(); ok && si.ID == "sil-ack" {
			break
		}
		send(s, "j")
	}
	send(s, "enter")
	if v := ansi.Strip(s.View()); !strings.Contains(v, "⟳ acked until resolved by alice, next extension 03:02:30") {
		t.Fatalf("silence detail:\n%s", v)
	}
}
