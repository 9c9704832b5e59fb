package ui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query/alertmanager"
	"github.com/vigilterm/vigil/views"
	alertingview "github.com/vigilterm/vigil/views/alerting"
)

// The alerts of every context in one list (A): while it is open, each
// context's alerts are read once per refresh from every peer of its
// Alertmanager cluster (or from its Prometheus when it has none), and no
// context runs its console's pollers; the firing counts of the header
// come from those answers.

// ListAlerts reads one context's alerts for the list of all contexts;
// fromPrometheus is set when they are Prometheus's own (no Alertmanager).
type ListAlerts func(ctx context.Context) (alerts alertmanager.ClusterAlerts, fromPrometheus bool, err error)

// allAnswerMsg is a context's answer for the list.
type allAnswerMsg struct{ alertingview.ContextAlertsMsg }

// focusWait is an alert to open in a context once its console is built.
type focusWait struct {
	i   int
	key string
}

// openAll shows the list of all contexts' alerts and asks every context.
func (r *Contexts) openAll() tea.Cmd {
	ctx := r.viewContext()
	if ctx == nil || len(r.specs) < 2 {
		return nil
	}
	if r.all == nil {
		names := make([]string, len(r.specs))
		for i, sp := range r.specs {
			names[i] = sp.Name
		}
		r.all = alertingview.NewAllAlerts(ctx, names)
		r.allState = make([]ctxState, len(r.specs))
	}
	r.all.SetSize(r.width, r.height)
	r.allOpen = true
	if m := r.models[r.active]; m != nil {
		m.hide()
	}
	for i := range r.allState {
		r.allState[i].asked = time.Time{}
	}
	return r.allDue(r.now())
}

// closeAll goes back to the context shown, refreshed at once.
func (r *Contexts) closeAll() tea.Cmd {
	r.allOpen = false
	m := r.models[r.active]
	if m == nil {
		return nil
	}
	return tagCmd(r.active, m.reveal(r.width, r.height))
}

// viewContext is the views' context of the first console built.
func (r *Contexts) viewContext() *views.Context {
	if m := r.models[r.active]; m != nil {
		return m.ctx
	}
	for _, m := range r.models {
		if m != nil {
			return m.ctx
		}
	}
	return nil
}

// allDue asks each context whose last answer is a refresh old.
func (r *Contexts) allDue(now time.Time) tea.Cmd {
	var cmds []tea.Cmd
	for i, sp := range r.specs {
		s := &r.allState[i]
		if sp.Alerts == nil || s.inflight || (!s.asked.IsZero() && now.Sub(s.asked) < sp.Refresh) {
			continue
		}
		s.inflight, s.asked = true, now
		list, timeout, clock := sp.Alerts, 2*sp.Timeout+time.Second, r.now
		cmds = append(cmds, request(timeout, func(ctx context.Context) tea.Msg {
			a, prom, err := list(ctx)
			return allAnswerMsg{alertingview.ContextAlertsMsg{Index: i, Alerts: a, FromPrometheus: prom, Err: err, At: clock()}}
		}))
	}
	return tea.Batch(cmds...)
}

// onAllAnswer hands an answer to the list and keeps the context's firing
// count for the header.
func (r *Contexts) onAllAnswer(msg allAnswerMsg) tea.Cmd {
	i := msg.Index
	r.allState[i].inflight = false
	s := &r.state[i]
	s.err = msg.Err
	if msg.Err == nil {
		s.known, s.firing = true, alertmanager.CountFiringOf(msg.Alerts.Alerts)
	}
	return r.all.Update(msg.ContextAlertsMsg)
}

// allKey handles a key while the list is open: A or esc close it (esc
// clears a filter first), quit is
// the shown console's (it asks about unsent work), the rest is the list's.
func (r *Contexts) allKey(msg tea.KeyPressMsg) tea.Cmd {
	k := r.keys()
	if !r.all.Capturing() {
		switch {
		case key.Matches(msg, k.Back) && r.all.Filter() != "":
			return r.all.Update(msg) // clears the filter first
		case key.Matches(msg, k.AllAlerts, k.Back):
			return r.closeAll()
		case key.Matches(msg, k.Quit, k.Interrupt):
			if r.models[r.active] == nil {
				return tea.Quit
			}
			// The console shown asks about unsent work: it is shown again,
			// refreshing, whatever the answer.
			r.allOpen = false
			return tea.Batch(r.forward(r.active, msg), tagCmd(r.active, r.models[r.active].reveal(r.width, r.height)))
		}
	}
	return r.all.Update(msg)
}

// openAlert shows context i's alert: its console, its alerts screen, the
// alert's detail (once the console is built and the alerts read).
func (r *Contexts) openAlert(msg alertingview.OpenContextAlertMsg) tea.Cmd {
	cmd := r.closeAll()
	if msg.Index == r.active {
		return tea.Batch(cmd, r.focus(msg.Index, msg.Key))
	}
	sw := r.Switch(msg.Index)
	if r.models[msg.Index] == nil {
		r.waiting = &focusWait{i: msg.Index, key: msg.Key}
		return tea.Batch(cmd, sw)
	}
	return tea.Batch(cmd, sw, r.focus(msg.Index, msg.Key))
}

// focus opens alert k on context i's alerts screen.
func (r *Contexts) focus(i int, k string) tea.Cmd {
	m := r.models[i]
	if m == nil {
		return nil
	}
	return tagCmd(i, m.toParts(focusAlertMsg{key: k}))
}
