package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
)

// After a viewer's refused n, the note typed on is not run as keys: p
// does not pause, q does not quit, digits do not change screen; esc ends
// it and p pauses again.
func TestRefusedNoteIsNotKeys(t *testing.T) {
	p := &query.Principal{Name: "ann", Role: query.RoleViewer, RoleSource: "/etc/vigil/keys:2"}
	m, _ := newModel(t, &scripted{ov: sample()}, func(o *Options) { o.Principal = p })
	active := m.active
	amPress(m, "n")
	if s := screen(m); !strings.Contains(s, "viewer: writes are not allowed") || !strings.Contains(s, "not run as keys") {
		t.Fatalf("no refusal on screen:\n%s", s)
	}
	if isQuit(typeKeys(m, "paused 3 pods, q?")) {
		t.Fatal("q quit")
	}
	if m.paused() || m.active != active || partOf[*helpPart](m).open || partOf[*notePart](m).open {
		t.Fatalf("the typed note ran as keys: paused %v, tab %d (was %d), help %v, note open %v", m.paused(), m.active, active, partOf[*helpPart](m).open, partOf[*notePart](m).open)
	}
	amPress(m, "esc")
	if strings.Contains(screen(m), "not run as keys") {
		t.Fatalf("esc did not end the refusal:\n%s", screen(m))
	}
	amPress(m, "p")
	if !m.paused() {
		t.Fatal("p does not pause after esc")
	}
}

// In read-only mode, s on the Alerts screen (a screen whose keys open a
// form, views.FormOpener) is refused, and the comment typed after it is
// not run as keys; on the Overview, which opens no form, s is no refusal.
func TestRefusedSilenceKeyIsNotKeys(t *testing.T) {
	m, _ := newModel(t, &scripted{ov: sample()}, func(o *Options) {
		for _, b := range o.Context.Keys.Dangerous() {
			o.Context.Keys.Disable(b, "read-only: silencing alerts is disabled (ui.read_only)")
		}
	})
	amPress(m, "s")
	if strings.Contains(screen(m), "not run as keys") {
		t.Fatalf("s refused on the Overview, which opens no form:\n%s", screen(m))
	}
	amPress(m, "2")
	active := m.active
	amPress(m, "s")
	if s := screen(m); !strings.Contains(s, "silencing alerts is disabled") || !strings.Contains(s, "not run as keys") {
		t.Fatalf("no refusal on the Alerts screen:\n%s", s)
	}
	if quit := isQuit(typeKeys(m, "deploy 1 p q")); quit || m.paused() || m.active != active {
		t.Fatalf("the typed comment ran as keys: quit %v, paused %v, tab %d (was %d)", quit, m.paused(), m.active, active)
	}
}

// typeKeys presses each character of s as a key, and returns the messages.
func typeKeys(m *Model, s string) []tea.Msg {
	var msgs []tea.Msg
	for _, r := range s {
		msgs = append(msgs, amPress(m, string(r))...)
	}
	return msgs
}
