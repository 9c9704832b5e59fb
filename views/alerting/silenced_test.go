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

func isLoginLatency(a query.Alert) bool {
	return a.Name == "HighLatency" && a.Labels["path"] == "/login"
}

// s on an alert a silence covers shows that silence, not a fresh form;
// e extends it by a chosen preset, exactly one request per enter.
func TestSilenceOnSilencedAlertShowsItsSilence(t *testing.T) {
	a := newTestAlerts(t, 80, 24)
	selectAlert(t, a, isLoginLatency)
	noRequest(t, send(a, "s"))
	if a.Form() != nil {
		t.Fatal("s opened a fresh form on a silenced alert")
	}
	p := a.Silenced()
	if p == nil || !a.Capturing() {
		t.Fatal("s did not show the existing silence")
	}
	v := ansi.Strip(a.View())
	for _, want := range []string{
		"HighLatency is already silenced (1 silence)",
		"silence sil-login", "alice@ops", "2026-11-24 03:45 UTC (in 45m)", "login deploy, OPS-1234",
		`alertname="HighLatency", path="/login"`,
		"e: extend this silence", "s again: create a new silence anyway",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("the panel lacks %q:\n%s", want, v)
		}
	}
	assertFits(t, "silenced panel", a.View(), 80, 24)

	// e: the shared chooser, at +1h; ↓ picks +4h and shows the new end.
	noRequest(t, send(a, "e"))
	c := p.Chooser()
	if c == nil || c.Value() != "+1h" {
		t.Fatal("e did not open the extend chooser at +1h")
	}
	send(a, "down")
	v = ansi.Strip(a.View())
	if c.Value() != "+4h" || !strings.Contains(v, "new end 2026-11-24 07:45 UTC (in 4h45m)") {
		t.Fatalf("↓: %q\n%s", c.Value(), v)
	}
	req := viewstest.Only[views.SilenceRequestMsg](t, send(a, "enter"))
	if req.Op != views.OpExtend || req.Silence.ID != "sil-login" || !req.NewEnd.Equal(viewstest.FixedNow.Add(45*time.Minute+4*time.Hour)) {
		t.Fatalf("request %#v", req)
	}
	// One write per confirm: enter again while sending sends nothing.
	noRequest(t, send(a, "enter"))
	noRequest(t, send(a, "e"))
	if !p.Sending() || !strings.Contains(ansi.Strip(a.View()), "sending… extend sil-login") {
		t.Fatalf("not sending:\n%s", ansi.Strip(a.View()))
	}
	// A failure stays on the panel; e waits for a refresh.
	a.Update(views.SilenceResultMsg{Request: req, Err: errors.New("connection refused")})
	if a.Silenced() == nil || !strings.Contains(ansi.Strip(a.View()), "✕ extend failed: connection refused") {
		t.Fatalf("failure:\n%s", ansi.Strip(a.View()))
	}
	fl := viewstest.Only[views.FlashMsg](t, send(a, "e"))
	if p.Chooser() != nil || !strings.Contains(fl.Text, "waiting for the next refresh") {
		t.Fatalf("e right after a failure: %q", fl.Text)
	}
	a.Update(sampleAlertsMsg())
	send(a, "e")
	req = viewstest.Only[views.SilenceRequestMsg](t, send(a, "enter"))
	// Success closes the panel (the Silences screen flashes the result).
	a.Update(views.SilenceResultMsg{Request: req, ID: "sil-login", Verified: true})
	if a.Silenced() != nil || a.Capturing() {
		t.Fatal("the panel stayed open after the extend took")
	}
}

// s again makes a new silence, explicitly: the form opens; esc leaves.
func TestSilencedPanelNewAndBack(t *testing.T) {
	a := newTestAlerts(t, 80, 24)
	selectAlert(t, a, isLoginLatency)
	send(a, "s")
	noRequest(t, send(a, "esc"))
	if a.Silenced() != nil || a.Form() != nil || a.Capturing() {
		t.Fatal("esc did not leave the panel")
	}
	send(a, "s", "e", "esc")
	if a.Silenced() == nil || a.Silenced().Chooser() != nil {
		t.Fatal("esc in the chooser should go back to the panel")
	}
	noRequest(t, send(a, "s"))
	if a.Silenced() != nil || a.Form() == nil {
		t.Fatal("s again did not open the silence form")
	}
	// An alert nothing silences still opens the form at once.
	send(a, "esc")
	a = newTestAlerts(t, 80, 24)
	selectAlert(t, a, func(al query.Alert) bool { return al.Name == "HighErrorRate" && al.Labels["path"] == "/api/checkout" })
	send(a, "s")
	if a.Form() == nil || a.Silenced() != nil {
		t.Fatal("s on an unsilenced alert should open the form")
	}
}

// Alertmanager names a silence the list lacks: the panel says its details
// are unknown, e cannot extend it, s again still makes a new one.
func TestSilencedPanelUnknownSilence(t *testing.T) {
	a := newTestAlerts(t, 80, 24)
	m := sampleAlertsMsg()
	m.Silences = []query.Silence{}
	a.Update(m)
	selectAlert(t, a, isLoginLatency)
	send(a, "s")
	v := ansi.Strip(a.View())
	if a.Silenced() == nil || !strings.Contains(v, "sil-login") || !strings.Contains(v, "details are unknown") {
		t.Fatalf("unknown silence:\n%s", v)
	}
	fl := viewstest.Only[views.FlashMsg](t, send(a, "e"))
	if !fl.Error || a.Silenced().Chooser() != nil {
		t.Fatalf("e on an unknown silence: %q", fl.Text)
	}
}

// The chooser must be on screen for enter to extend; the panel fits every
// size.
func TestSilencedPanelSizes(t *testing.T) {
	a := newTestAlerts(t, 80, 24)
	selectAlert(t, a, isLoginLatency)
	send(a, "s", "e")
	for _, sz := range [][2]int{{80, 24}, {40, 10}, {20, 5}, {120, 3}, {1, 1}} {
		a.SetSize(sz[0], sz[1])
		assertFits(t, "chooser", a.View(), sz[0], sz[1])
	}
	a.SetSize(20, 2)
	a.View()
	msgs := send(a, "enter")
	noRequest(t, msgs)
	if fl := viewstest.Only[views.FlashMsg](t, msgs); !strings.Contains(fl.Text, "not on screen") {
		t.Fatalf("flash %q", fl.Text)
	}
	a.SetSize(80, 24)
	a.View() // the program draws after a resize
	viewstest.Only[views.SilenceRequestMsg](t, send(a, "enter"))
}
