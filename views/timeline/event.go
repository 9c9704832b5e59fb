package timeline

import (
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/alerting"
	"github.com/vigilterm/vigil/views/text"
)

// eventDetail shows one event in full: when, what, from where, its whole
// text and every label, with a notice (an alert no longer active).
type eventDetail struct {
	views.NoWork
	views.ScrollPage
	ctx    *views.Context
	e      query.Event
	notice string
}

func newEventDetail(ctx *views.Context, e query.Event, notice string) *eventDetail {
	return &eventDetail{ScrollPage: views.NewScrollPage(ctx), ctx: ctx, e: e, notice: notice}
}

// Update implements views.Component: it scrolls and is done on esc.
func (d *eventDetail) Update(msg tea.Msg) (views.Component, tea.Cmd) {
	if kp, ok := msg.(tea.KeyPressMsg); ok && d.Key(kp, len(d.lines())) {
		return nil, nil
	}
	return d, nil
}

// ShortHelp implements views.Component.
func (d *eventDetail) ShortHelp() []key.Binding { return []key.Binding{d.ctx.Keys.Back} }

// FullHelp implements views.Component.
func (d *eventDetail) FullHelp() [][]key.Binding {
	return [][]key.Binding{append([]key.Binding{d.ctx.Keys.Back}, d.ctx.Keys.Navigation()...)}
}

// View implements views.Component.
func (d *eventDetail) View() string {
	return d.Window(d.lines())
}

func (d *eventDetail) lines() []string {
	st, w, e := d.ctx.Styles, d.Width(), d.e
	if w <= 0 {
		return nil
	}
	var out []string
	add := func(s string) { out = append(out, text.Truncate(s, w)) }
	valueW := max(w-alerting.DetailKeyWidth-1, 1)
	field := func(name, value string) {
		add(st.Muted.Render(text.Fit("  "+name, alerting.DetailKeyWidth)) + " " + value)
	}
	block := func(name, s string) {
		for i, l := range text.Wrap(text.SanitizeMultiline(s), valueW) {
			if i == 0 {
				field(name, l)
			} else {
				add(strings.Repeat(" ", alerting.DetailKeyWidth+1) + l)
			}
		}
	}
	title := KindName(e.Kind)
	switch e.Kind {
	case query.EventAlertFiring, query.EventAlertPending, query.EventAlertResolved:
		title = text.Sanitize(e.Labels["alertname"]) + " · " + title
	case query.EventNote:
		title = "Note by " + text.Sanitize(e.Labels["author"])
	case query.EventWrite:
		title = "Write to Alertmanager by " + text.Sanitize(e.Labels["user"])
	}
	add(st.Title.Render(title))
	if d.notice != "" {
		for _, l := range text.WrapWords(text.Sanitize(d.notice), max(w-2, 1)) {
			add(st.Warn.Render("  " + l))
		}
	}
	loc := d.ctx.Now().Location()
	field("time", e.Time.In(loc).Format("2006-01-02 15:04:05 MST")+st.Muted.Render(" ("+e.Time.UTC().Format("15:04:05Z")+")"))
	field("kind", d.styleKind(e.Kind).Render(KindName(e.Kind)))
	field("source", text.Sanitize(e.Source))
	what := e.Summary
	if e.Kind == query.EventNote {
		what = strings.TrimPrefix(e.Summary, e.Labels["author"]+": ")
		block("text", what)
	} else {
		block("what", what)
	}
	if len(e.Labels) > 0 {
		add("")
		add(st.TableHeader.Render("LABELS"))
		names := make([]string, 0, len(e.Labels))
		keyW := 0
		for n := range e.Labels {
			names = append(names, n)
			keyW = max(keyW, text.Width(text.Sanitize(n)))
		}
		sort.Strings(names)
		keyW = min(keyW, max(w/3, 8))
		for _, n := range names {
			for i, v := range text.Wrap(text.SanitizeMultiline(e.Labels[n]), max(w-keyW-5, 1)) {
				if i > 0 {
					add("  " + strings.Repeat(" ", keyW+3) + st.LabelValue.Render(v))
					continue
				}
				add("  " + st.LabelKey.Render(text.Fit(text.Sanitize(n), keyW)) + " = " + st.LabelValue.Render(v))
			}
		}
	}
	return out
}

func (d *eventDetail) styleKind(k query.EventKind) lipgloss.Style {
	return (&Screen{ctx: d.ctx}).kindStyle(k)
}
