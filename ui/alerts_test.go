package ui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
)

// countingAM is an AlertSource for unit tests of the root's key handling:
// it serves fixed alerts and counts the silences it is asked to create.
// The write paths themselves are tested against a real Alertmanager.
type countingAM struct {
	mu      sync.Mutex
	alerts  []query.Alert
	creates int
}

func (c *countingAM) Alerts(context.Context) ([]query.Alert, error)     { return c.alerts, nil }
func (c *countingAM) Silences(context.Context) ([]query.Silence, error) { return nil, nil }
func (c *countingAM) Silence(context.Context, string) (query.Silence, error) {
	return query.Silence{State: query.SilenceActive}, nil
}
func (c *countingAM) CreateSilence(context.Context, query.SilenceSpec) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.creates++
	return "0000", nil
}
func (c *countingAM) FindDuplicate(context.Context, query.SilenceSpec) (string, bool, error) {
	return "", false, nil
}
func (c *countingAM) ExpireSilence(context.Context, string) error { return errors.New("unused") }
func (c *countingAM) ExtendSilence(context.Context, query.Silence, time.Time) (string, error) {
	return "", errors.New("unused")
}
func (c *countingAM) Peers() []alertmanager.PeerStatus                     { return nil }
func (c *countingAM) CheckPeers(context.Context) []alertmanager.PeerStatus { return nil }
func (c *countingAM) created() int                                         { c.mu.Lock(); defer c.mu.Unlock(); return c.creates }

// press sends keys as the program does: Update, then View, running the
// commands (and feeding their messages back) after each.
func amPress(m *Model, ks ...string) []tea.Msg {
	var out []tea.Msg
	for _, k := range ks {
		_, cmd := m.Update(keyMsg(k))
		m.View()
		out = append(out, drain(m, cmd)...)
	}
	return out
}

// drain runs a command tree, feeds the messages back into the model and
// returns them; ticks are dropped.
func drain(m *Model, cmd tea.Cmd) []tea.Msg {
	var out []tea.Msg
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0 && n < 100; n++ {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		switch msg := msg.(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case tickMsg, nil:
		default:
			out = append(out, msg)
			_, next := m.Update(msg)
			m.View()
			queue = append(queue, next)
		}
	}
	return out
}

func isQuit(msgs []tea.Msg) bool {
	for _, msg := range msgs {
		if _, ok := msg.(tea.QuitMsg); ok {
			return true
		}
	}
	return false
}

// alertsModel is a root model with one firing alert from a counting
// Alertmanager, on the alerts screen.
func alertsModel(t *testing.T) (*Model, *countingAM) {
	t.Helper()
	am := &countingAM{alerts: []query.Alert{{
		Name: "HighErrorRate", Severity: "critical", State: query.StateFiring, Source: query.SourceAlertmanager,
		Labels:      map[string]string{"alertname": "HighErrorRate", "severity": "critical", "path": "/api/checkout"},
		Annotations: map[string]string{"summary": "checkout failing"},
	}}}
	m, _ := newModel(t, &scripted{ov: sample()}, func(o *Options) { o.Alertmanager = am })
	drain(m, partOf[*alertsPart](m).refresh())
	amPress(m, "2")
	if !strings.Contains(screen(m), "HighErrorRate") {
		t.Fatalf("no alert on screen:\n%s", screen(m))
	}
	return m, am
}

// At 20x5 ("terminal too small") enter must not confirm a silence whose
// review is not on screen; back at 80x24 the review is drawn again and
// enter sends exactly one.
func TestTooSmallTerminalKeysDoNotAct(t *testing.T) {
	m, am := alertsModel(t)
	amPress(m, "s")
	for _, r := range "deploy 4711" {
		amPress(m, string(r))
	}
	amPress(m, "enter")
	if f := partOf[*alertsPart](m).screen.Form(); f == nil || !f.Confirming() {
		t.Fatalf("not on the confirm step:\n%s", screen(m))
	}
	m.Update(tea.WindowSizeMsg{Width: 20, Height: 5})
	m.View()
	if !strings.Contains(screen(m), "too small") {
		t.Fatalf("screen:\n%s", screen(m))
	}
	msgs := amPress(m, "enter", "esc", "x", "2", "3")
	if am.created() != 0 || isQuit(msgs) {
		t.Fatalf("keys acted while too small: %d silences, msgs %#v", am.created(), msgs)
	}
	if f := partOf[*alertsPart](m).screen.Form(); f == nil || !f.Confirming() || f.ReviewSeen() {
		t.Fatal("the form should still wait on its confirm step, unseen")
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.View()
	if s := screen(m); !strings.Contains(s, "Create this silence?") {
		t.Fatalf("review not shown again:\n%s", s)
	}
	amPress(m, "enter")
	if am.created() != 1 {
		t.Fatalf("%d silences created, want 1", am.created())
	}
}

// ctrl+c with a silence being typed asks first; another key keeps the
// work; a second ctrl+c quits and the model names what was discarded.
// Quit and help still answer while the terminal is too small.
func TestCtrlCAsksBeforeDiscardingTypedSilence(t *testing.T) {
	m, _ := alertsModel(t)
	amPress(m, "s")
	if !isQuit(amPress(m, "ctrl+c")) || m.Discarded() != "" {
		t.Fatal("ctrl+c on an untouched form should quit at once, discarding nothing")
	}
	m, _ = alertsModel(t)
	amPress(m, "s")
	for _, r := range "rollback" {
		amPress(m, string(r))
	}
	if isQuit(amPress(m, "ctrl+c")) {
		t.Fatal("ctrl+c with typed text quit without asking")
	}
	if s := screen(m); !strings.Contains(s, "ctrl+c again quits and discards") || !strings.Contains(s, "rollback") {
		t.Fatalf("no question:\n%s", s)
	}
	amPress(m, "!")
	if f := partOf[*alertsPart](m).screen.Form(); f == nil || !strings.Contains(partOf[*alertsPart](m).screen.UnsentWork(), "rollback!") {
		t.Fatal("another key should keep the work and type")
	}
	amPress(m, "ctrl+c")
	m.Update(tea.WindowSizeMsg{Width: 20, Height: 5})
	m.View()
	if !isQuit(amPress(m, "ctrl+c")) {
		t.Fatal("a second ctrl+c should quit, even while too small")
	}
	if d := m.Discarded(); !strings.Contains(d, "rollback!") {
		t.Fatalf("Discarded() = %q", d)
	}
}

var _ AlertSource = (*countingAM)(nil)

// g graphs the selected alert's rule, except while the screen captures
// typing: in the filter prompt it is a letter like any other.
func TestGraphKeyIsTypedWhileTheFilterPromptIsOpen(t *testing.T) {
	m, _ := alertsModel(t)
	amPress(m, "/", "H", "i", "g", "h")
	if f := partOf[*alertsPart](m).screen.Filter(); strings.Contains(screen(m), "needs a Prometheus source") || !strings.Contains(screen(m), "High") {
		t.Fatalf("g did not reach the filter prompt (filter %q):\n%s", f, screen(m))
	}
	amPress(m, "esc", "esc")
	amPress(m, "g")
	if !strings.Contains(screen(m), "graphing an alert needs a Prometheus source") {
		t.Fatalf("g on the list did not try to graph:\n%s", screen(m))
	}
}

// failingAM is an Alertmanager that never answers.
type failingAM struct{ countingAM }

func (*failingAM) Alerts(context.Context) ([]query.Alert, error) {
	return nil, errors.New("dial tcp 127.0.0.1:1: connection refused")
}

// Before any alerts source answered, the header's count is unknown (●?),
// never ●0; once one answers with nothing, it is ●0.
func TestAlertBadgeUnknownIsNotZero(t *testing.T) {
	am := &failingAM{}
	m, _ := newModel(t, &scripted{ov: sample()}, func(o *Options) { o.Alertmanager = am; o.Pending = nil })
	drain(m, partOf[*alertsPart](m).refresh())
	head := strings.SplitN(screen(m), "\n", 3)[1]
	if strings.Contains(head, "●0") || !strings.Contains(head, "●?") || !strings.Contains(head, "✕") {
		t.Fatalf("unknown alert count shown as %q", head)
	}
	ok := &countingAM{alerts: []query.Alert{}}
	m, _ = newModel(t, &scripted{ov: sample()}, func(o *Options) { o.Alertmanager = ok; o.Pending = nil })
	drain(m, partOf[*alertsPart](m).refresh())
	if head := strings.SplitN(screen(m), "\n", 3)[1]; !strings.Contains(head, "●0") {
		t.Fatalf("an answered empty list should read ●0: %q", head)
	}
}
