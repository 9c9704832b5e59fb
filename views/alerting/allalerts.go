package alerting

import (
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// The alerts of every context in one list, tagged with the context, each
// alert once per Alertmanager cluster however many of its peers hold it
// (karma's multi-cluster view). A context that did not answer is named
// with why above the list: its alerts are unknown, never "none".

// ContextAlertsMsg is one context's answer for the list of all contexts.
type ContextAlertsMsg struct {
	// Index is the context's place in the configuration.
	Index int
	// Alerts are those of its Alertmanager cluster, merged over its peers;
	// FromPrometheus is set for a context without an Alertmanager, whose
	// alerts are Prometheus's own (no silenced or inhibited states).
	Alerts         alertmanager.ClusterAlerts
	FromPrometheus bool
	Err            error
	At             time.Time
}

// OpenContextAlertMsg asks the root to show context Index's alert (by its
// label set) on that context's alerts screen.
type OpenContextAlertMsg struct {
	Index int
	Key   string
}

// contextAlerts is what is known of one context's alerts.
type contextAlerts struct {
	name    string
	answer  *ContextAlertsMsg // the last answer that worked
	err     error             // the last answer's failure
	errAt   time.Time
	answers int
}

// allRow is one alert of one context.
type allRow struct {
	ctx int
	alertmanager.ClusterAlert
}

func allRowKey(r allRow) string { return fmt.Sprintf("%d\x00%s", r.ctx, r.Key()) }

// AllAlerts is the list of every context's alerts.
type AllAlerts struct {
	ctx      *views.Context
	contexts []contextAlerts
	list     *widget.List[allRow]
	filter   alertListFilter
	width    int
	height   int
}

// NewAllAlerts returns the list for the contexts named, in their order.
func NewAllAlerts(ctx *views.Context, names []string) *AllAlerts {
	a := &AllAlerts{ctx: ctx, width: 80, height: 24}
	for _, n := range names {
		a.contexts = append(a.contexts, contextAlerts{name: n})
	}
	a.list = widget.NewList(allRowKey, a.tableHeight)
	return a
}

// SetSize sets the screen's size.
func (a *AllAlerts) SetSize(w, h int) {
	a.width, a.height = max(w, 1), max(h, 1)
	a.list.Clamp()
}

// Filter is the filter applied, as typed.
func (a *AllAlerts) Filter() string { return a.filter.filter.String() }

// Capturing reports whether the filter prompt owns the keyboard.
func (a *AllAlerts) Capturing() bool { return a.list.Prompt.IsOpen() }

// Rows returns the alerts as shown: context name, alert.
func (a *AllAlerts) Rows() []string {
	out := make([]string, 0, a.list.Len())
	for _, r := range a.list.Items() {
		out = append(out, a.contexts[r.ctx].name+" "+r.Name)
	}
	return out
}

// Update takes a context's answer or a key.
func (a *AllAlerts) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case ContextAlertsMsg:
		if msg.Index < 0 || msg.Index >= len(a.contexts) {
			return nil
		}
		c := &a.contexts[msg.Index]
		c.answers++
		if msg.Err != nil {
			c.err, c.errAt = msg.Err, msg.At
		} else {
			m := msg
			c.answer, c.err = &m, nil
		}
		a.rebuild()
	case tea.PasteMsg:
		if a.list.Prompt.IsOpen() {
			return a.list.Prompt.Update(msg, a.setFilter)
		}
	case tea.KeyPressMsg:
		return a.key(msg)
	}
	return nil
}

func (a *AllAlerts) key(msg tea.KeyPressMsg) tea.Cmd {
	k := a.ctx.Keys
	if a.list.Prompt.IsOpen() {
		return a.list.Prompt.Key(msg, k, a.setFilter)
	}
	if _, ok := a.list.Key(msg, k, a.filter.filter.String(), a.setFilter); ok {
		return nil
	}
	if key.Matches(msg, k.Open) {
		if r, ok := a.list.Selected(); ok {
			return func() tea.Msg { return OpenContextAlertMsg{Index: r.ctx, Key: r.Key()} }
		}
	}
	return nil
}

// setFilter applies a filter typed at the prompt: words and matchers as
// on the alerts screen, with the context's name as a label "context".
func (a *AllAlerts) setFilter(s string, _ bool) bool { return a.filter.apply(s, a.rebuild) }

// rebuild merges the contexts' alerts: firing first, then by severity, by
// context in configuration order, by name.
func (a *AllAlerts) rebuild() {
	var rows []allRow
	for i, c := range a.contexts {
		if c.answer == nil || c.err != nil {
			// A context that failed its last read: its alerts are unknown
			// now, and its line says so; an older list is not shown as
			// current.
			continue
		}
		for _, al := range c.answer.Alerts.Alerts {
			if !a.filter.filter.Empty() {
				probe := al.Alert
				probe.Labels = maps.Clone(al.Labels)
				probe.Labels["context"] = c.name
				if !a.filter.filter.Match(probe) {
					continue
				}
			}
			rows = append(rows, allRow{ctx: i, ClusterAlert: al})
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		x, y := rows[i], rows[j]
		if sx, sy := allStateRank(x.State), allStateRank(y.State); sx != sy {
			return sx < sy
		}
		if sx, sy := query.SeverityRank(x.Severity), query.SeverityRank(y.Severity); sx != sy {
			return sx < sy
		}
		if x.ctx != y.ctx {
			return x.ctx < y.ctx
		}
		if x.Name != y.Name {
			return x.Name < y.Name
		}
		return x.Key() < y.Key()
	})
	a.list.SetItems(rows)
	a.list.Clamp()
}

// allStateRank orders states: those that notify first.
func allStateRank(s query.AlertState) int {
	switch s {
	case query.StateFiring:
		return 0
	case query.StatePending:
		return 1
	case query.StateInhibited:
		return 2
	case query.StateSilenced:
		return 3
	}
	return 4
}

// contextLines say, one line per context, what is known of its alerts:
// "eu      ● 3 firing, 1 silenced · 2/2 peers", "us ✕ unknown: <why>".
func (a *AllAlerts) contextLines() []string {
	st := a.ctx.Styles
	now := a.ctx.Now()
	nameW := 0
	for _, c := range a.contexts {
		nameW = max(nameW, text.Width(text.Sanitize(c.name)))
	}
	nameW = min(nameW, 16)
	var out []string
	for _, c := range a.contexts {
		name := text.Fit(text.Sanitize(c.name), nameW)
		switch {
		case c.err != nil:
			l := name + " ✕ alerts unknown: " + text.Sanitize(c.err.Error())
			if c.answer != nil {
				l += " (last read " + views.FormatDuration(now.Sub(c.answer.At).Truncate(time.Second)) + " ago)"
			}
			// The cause whole, on up to three lines.
			wrapped := text.WrapWords(l, max(a.width, 10))
			if len(wrapped) > 3 {
				wrapped = wrapped[:3]
				wrapped[2] = text.Fit(wrapped[2]+"…", a.width)
			}
			for _, x := range wrapped {
				out = append(out, st.StateDown.Render(text.Fit(x, a.width)))
			}
		case c.answer == nil:
			out = append(out, st.Muted.Render(text.Fit(name+" ? not read yet", a.width)))
		default:
			out = append(out, text.Fit(name+" "+a.summary(c.answer), a.width))
		}
	}
	return out
}

// summary is one context's counts and where they come from.
func (a *AllAlerts) summary(m *ContextAlertsMsg) string {
	n := map[query.AlertState]int{}
	for _, al := range m.Alerts.Alerts {
		n[al.State]++
	}
	var parts []string
	for _, s := range []query.AlertState{query.StateFiring, query.StatePending, query.StateSilenced, query.StateInhibited} {
		if n[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[s], s))
		}
	}
	counts := "● no alerts held"
	if len(parts) > 0 {
		counts = "● " + strings.Join(parts, ", ")
	}
	if m.FromPrometheus {
		return counts + " · from Prometheus (no Alertmanager: silenced and inhibited unknown)"
	}
	src := fmt.Sprintf(" · %d/%d peers answered", m.Alerts.Answered(), m.Alerts.Peers)
	if len(m.Alerts.Failed) > 0 {
		src += " (" + text.Sanitize(m.Alerts.Failed[0].Error()) + ")"
	}
	return counts + src
}

// tableHeight is the number of alert rows that fit.
func (a *AllAlerts) tableHeight() int {
	return max(a.height-2-len(a.contextLines())-len(a.statusLines()), 0)
}

func (a *AllAlerts) statusLines() []string {
	st := a.ctx.Styles
	k := a.ctx.Keys
	if l := a.filter.lines(a.ctx, &a.list.Prompt, a.width, `text, or name="v", context="us"`, fmt.Sprintf("%d alerts", a.list.Len())); l != nil {
		return l
	}
	lines := []string{st.Muted.Render(widget.Key(k.Open) + " opens it in its context · " + widget.Key(k.Filter) + " filters · " +
		widget.Key(k.AllAlerts) + "/" + widget.Key(k.Back) + " closes")}
	if a.height >= 16 {
		lines = append([]string{st.Muted.Render("PEERS n/m: held by n of the cluster's m peers · ? a peer did not answer · ! peers disagree")}, lines...)
	}
	return lines
}

// View draws the list.
func (a *AllAlerts) View() string {
	st := a.ctx.Styles
	w := a.width
	title := st.Title.Render("Alerts · all contexts")
	body := a.contextLines()
	ctxW := 0
	for _, c := range a.contexts {
		ctxW = max(ctxW, text.Width(text.Sanitize(c.name)))
	}
	ctxW = min(max(ctxW, 7), 12)
	stateW, sevW, peersW := 9, 4, 5
	nameW := min(max(w/4, 10), 28)
	restW := max(w-ctxW-stateW-sevW-peersW-nameW-5, 0)
	hdr := text.Fit("CONTEXT", ctxW) + " " + text.Fit("STATE", stateW) + " " + text.Fit("SEV", sevW) + " " +
		text.Fit("ALERT", nameW) + " " + text.Fit("PEERS", peersW) + " " + text.Fit("SUMMARY", restW)
	body = append(body, st.TableHeader.Render(text.Fit(hdr, w)))
	if a.list.Len() == 0 {
		body = append(body, st.Muted.Render(text.Fit(a.emptyText(), w)))
	}
	body = append(body, a.list.Render(func(r *allRow, sel bool) string {
		peers := "prom"
		if !a.contexts[r.ctx].answer.FromPrometheus && r.Source != query.SourcePrometheus {
			// Held by On of the cluster's peers; "?" when a peer did not
			// answer (unknown there), "!" when one that answered lacks it
			// or disagrees on its state.
			all := a.contexts[r.ctx].answer.Alerts.Peers
			peers = fmt.Sprintf("%d/%d", r.On, all)
			switch {
			case r.Disagree || r.On < r.Of:
				peers += "!"
			case r.Of < all:
				peers += "?"
			}
		}
		sev := shortSeverity(text.Sanitize(r.Severity))
		summary := text.Sanitize(r.Summary())
		if summary == "" {
			summary = compactLabels(st, nil, r.Labels, a.ctx.Settings.EndpointLabel, restW, true)
		}
		l := text.Fit(text.Sanitize(a.contexts[r.ctx].name), ctxW) + " " + text.Fit(string(r.State), stateW) + " " +
			text.Fit(text.Sanitize(sev), sevW) + " " + text.Fit(text.Sanitize(r.Name), nameW) + " " +
			text.Fit(peers, peersW) + " " + text.Fit(summary, restW)
		l = text.Fit(l, w)
		switch {
		case sel:
			return st.RowSelected.Render(l)
		case r.State == query.StateFiring:
			return st.Firing.Render(l)
		case r.State == query.StateSilenced || r.State == query.StateInhibited:
			return st.Muted.Render(l)
		}
		return l
	})...)
	return widget.Frame(text.Fit(title, w), body, a.height-1-len(a.statusLines()), a.statusLines(), w, a.height)
}

// emptyText says why the list is empty: no context answered yet, every
// context failed, the filter, or no alert held by those that answered.
func (a *AllAlerts) emptyText() string {
	answered, failed := 0, 0
	for _, c := range a.contexts {
		switch {
		case c.err != nil:
			failed++
		case c.answer != nil:
			answered++
		}
	}
	switch {
	case answered == 0 && failed == 0:
		return "reading the alerts of every context…"
	case answered == 0:
		return "no context answered: alerts unknown (see above)"
	case !a.filter.filter.Empty():
		return "no alert matches the filter"
	case failed > 0:
		return fmt.Sprintf("no alerts held by the %d context(s) that answered; %d context(s) unknown (see above)", answered, failed)
	}
	return "no alerts held by any context"
}
