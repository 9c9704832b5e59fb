package alerting

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
	"github.com/vigilterm/vigil/query/rulecheck"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// DetailKeyWidth is the width of the field names in the alert detail and
// the other details drawn like it (a timeline event).
const DetailKeyWidth = 14

// AlertDetail shows one alert in full: state, labels, annotations, links,
// and the silences that silence it. It lives inside the alerts screen,
// which handles esc and the keys that act on the alert.
type AlertDetail struct {
	views.NoWork
	ctx      *views.Context
	alert    query.Alert
	silences []query.Silence
	gone     bool // no longer in the last refresh
	routing  routingInfo
	all      []query.Alert // every alert of the last refresh, for inhibitions
	ackErr   error         // why an ack kept until resolved is unknown (ackuntil.go)
	width    int
	height   int
	scr      widget.Scroll
	total    int // lines, as of the last render

	// The alert's firings per hour of the last day: read when the detail
	// opens and again on a refresh at most every AlertHistoryEvery.
	history    *query.AlertHistory
	historyErr error
	historyAt  time.Time // when it was last asked for
	historyRun bool      // an answer is on its way
	// claimOf says who is on the alert (WithClaims); nil: nobody can.
	claimOf func(key string) string
	// rules is the newest rules check; the backtest of the alert's rule is
	// asked for once, when a finding is first shown (views/rulecheck.go).
	rules    *views.RulesCheck
	rulesErr error
	backtest *rulecheck.Backtest
	btErr    error
	btRun    bool
	btAsked  string // RuleKey asked for
}

// AlertHistoryEvery is how often, at most, an open alert detail reads the
// alert's history again.
const AlertHistoryEvery = time.Minute

// AlertHistoryWantMsg asks the root model to read an alert's history
// (query.ReadAlertHistory: one range query).
type AlertHistoryWantMsg struct{ Alert query.Alert }

// AlertHistoryMsg is the answer to an AlertHistoryWantMsg; Key is the
// alert's Key.
type AlertHistoryMsg struct {
	Key     string
	History *query.AlertHistory
	Err     error
}

// WantHistory asks for the alert's history unless an answer is on its
// way or the last ask is less than AlertHistoryEvery old.
func (d *AlertDetail) WantHistory() tea.Cmd {
	now := d.ctx.Now()
	if d.historyRun || (!d.historyAt.IsZero() && now.Sub(d.historyAt) < AlertHistoryEvery) {
		return nil
	}
	d.historyAt, d.historyRun = now, true
	al := d.alert
	return func() tea.Msg { return AlertHistoryWantMsg{Alert: al} }
}

// wantBacktest asks once for the backtest of the alert's rule, when the
// rule has a finding.
func (d *AlertDetail) wantBacktest() tea.Cmd {
	r, fs, ok := d.rules.RuleOf(d.alert)
	if !ok || len(fs) == 0 || d.btAsked == views.RuleKey(r) {
		return nil
	}
	d.btAsked, d.btRun, d.backtest, d.btErr = views.RuleKey(r), true, nil, nil
	fix := fixOf(fs)
	return func() tea.Msg { return views.BacktestWantMsg{Rule: r, Fix: fix} }
}

// NewAlertDetail returns the detail of an alert; silences are those of the
// last refresh (the ones that silence it are picked out).
func NewAlertDetail(ctx *views.Context, a query.Alert, silences []query.Silence) *AlertDetail {
	d := &AlertDetail{ctx: ctx, alert: a, silences: silences}
	d.SetSize(80, 20)
	return d
}

// Alert returns the alert shown.
func (d *AlertDetail) Alert() query.Alert { return d.alert }

// Gone reports whether the alert was missing from the last refresh.
func (d *AlertDetail) Gone() bool { return d.gone }

// SetData updates the alert after a refresh; gone marks an alert that is no
// longer active.
func (d *AlertDetail) SetData(a query.Alert, silences []query.Silence, gone bool) {
	d.alert, d.silences, d.gone = a, silences, gone
	d.total = len(d.lines())
	d.clamp()
}

// setRouting gives the detail the routing and every current alert, for
// its pages line and its inhibitions.
func (d *AlertDetail) setRouting(ri routingInfo, all []query.Alert) {
	d.routing, d.all = ri, all
	d.total = len(d.lines())
	d.clamp()
}

// SetSize gives the size of the content area.
func (d *AlertDetail) SetSize(w, h int) {
	d.width, d.height = max(w, 0), max(h, 0)
	d.total = len(d.lines())
	d.clamp()
}

// Offset is the first line shown.
func (d *AlertDetail) Offset() int { return d.scr.Offset }

func (d *AlertDetail) clamp() {
	d.scr.Clamp(d.total, d.height)
}

// Update implements views.Component: it scrolls, follows the alert across
// refreshes, and is done on esc. The keys that act on the alert are the
// alerts screen's.
func (d *AlertDetail) Update(msg tea.Msg) (views.Component, tea.Cmd) {
	switch msg := msg.(type) {
	case alertsData:
		al, gone := d.alert, true
		k := al.Key()
		for i := range msg.all {
			if msg.all[i].Key() == k {
				al, gone = msg.all[i], false
				break
			}
		}
		d.all, d.routing, d.ackErr = msg.all, msg.routing, msg.ackErr
		d.SetData(al, msg.silences, gone)
		return d, tea.Batch(d.WantHistory(), d.wantBacktest())
	case views.RulesCheckMsg:
		d.rulesErr = msg.Err
		if msg.Check != nil {
			d.rules = msg.Check
			d.total = len(d.lines())
			d.clamp()
		}
		return d, d.wantBacktest()
	case views.BacktestMsg:
		if msg.Key == d.btAsked {
			d.backtest, d.btErr, d.btRun = msg.Backtest, msg.Err, false
			d.total = len(d.lines())
			d.clamp()
		}
	case AlertHistoryMsg:
		if msg.Key == d.alert.Key() {
			d.history, d.historyErr, d.historyRun = msg.History, msg.Err, false
			d.total = len(d.lines())
			d.clamp()
		}
	case tea.KeyPressMsg:
		if key.Matches(msg, d.ctx.Keys.Back) {
			return nil, nil
		}
		d.scroll(msg)
	}
	return d, nil
}

// Capturing implements views.Component: the global keys still act.
func (d *AlertDetail) Capturing() bool { return false }

// FullHelp implements views.Component: the alerts screen's keys apply.
func (d *AlertDetail) FullHelp() [][]key.Binding { return nil }

func (d *AlertDetail) scroll(msg tea.KeyPressMsg) {
	d.scr.Key(msg, d.ctx.Keys, d.total, d.height)
}

// ShortHelp is the detail's keys.
func (d *AlertDetail) ShortHelp() []key.Binding {
	k := d.ctx.Keys
	return []key.Binding{k.Back, k.Silence, k.Ack, k.Browse, k.Copy, k.Jump, k.Help}
}

// View renders the visible part of the detail.
func (d *AlertDetail) View() string {
	if d.width <= 0 || d.height <= 0 {
		return ""
	}
	all := d.lines()
	d.total = len(all)
	d.clamp()
	lines := append([]string(nil), d.scr.Window(all, d.height)...)
	end := d.scr.Offset + len(lines)
	if d.total > d.height && len(lines) > 0 {
		// Say there is more, on the last line.
		k := d.ctx.Keys
		more := fmt.Sprintf(" ↕ %d–%d of %d lines (%s, %s) ", d.scr.Offset+1, end, d.total, widget.Keys(k.Down, k.Up), widget.Keys(k.PageUp, k.PageDown))
		lines[len(lines)-1] = d.ctx.Styles.Muted.Render(text.PadLeft(more, d.width))
	}
	return text.ClipLines(lines, d.width, d.height)
}

// lines builds every line of the detail, each at most the width.
func (d *AlertDetail) lines() []string {
	w := d.width
	if w <= 0 {
		return nil
	}
	st := d.ctx.Styles
	a := d.alert
	now := d.ctx.Now()
	loc := now.Location()
	var out []string
	add := func(s string) { out = append(out, text.Truncate(s, w)) }
	field := func(name, value string) {
		add(st.Muted.Render(text.Fit("  "+name, DetailKeyWidth)) + " " + value)
	}
	valueW := max(w-DetailKeyWidth-1, 1)
	// block writes multiline text under a field, wrapped.
	block := func(name, s string) {
		ls := text.Wrap(text.SanitizeMultiline(s), valueW)
		for i, l := range ls {
			if i == 0 {
				field(name, l)
			} else {
				add(strings.Repeat(" ", DetailKeyWidth+1) + l)
			}
		}
	}

	name := text.Sanitize(a.Name)
	if name == "" {
		name = "(no alertname)"
	}
	title := st.Title.Render(name)
	if d.gone {
		title += st.Muted.Render("  — no longer active (resolved or gone since the last refresh)")
	}
	add(title)

	state := st.AlertState(string(a.State)).Render(string(a.State))
	sev := text.Sanitize(a.Severity)
	if sev == "" {
		sev = views.Dash
	}
	field("state", state+st.Muted.Render(" · severity ")+st.Severity(a.Severity).Render(sev))
	if a.ActiveAt.IsZero() {
		field("active", views.Dash)
	} else {
		field("active", "for "+alertAge(now, a.ActiveAt)+st.Muted.Render(" since "+a.ActiveAt.In(loc).Format("2006-01-02 15:04:05 MST")))
	}
	if d.claimOf != nil {
		if c := d.claimOf(a.Key()); c != "" {
			field("claimed", st.Accent.Render("◆ "+c))
		}
	}
	d.historyLines(field, add, loc)
	if _, fs, ok := d.rules.RuleOf(a); ok && len(fs) > 0 {
		for _, l := range ruleBlock(st, w, fs, d.backtest, d.btErr, d.btRun) {
			add(l)
		}
	} else if d.rules == nil && d.rulesErr != nil {
		// Unknown is not "no finding".
		field("rule", st.Warn.Render("check unknown: "+text.Sanitize(d.rulesErr.Error())))
	}
	src := a.Source
	switch src {
	case query.SourceBoth:
		src = "both (alertmanager and prometheus)"
	case query.SourcePrometheus:
		src = "prometheus only (Alertmanager has not got it)"
	case "":
		src = views.Dash
	}
	field("source", text.Sanitize(src))
	if s := a.Summary(); s != "" {
		block("summary", s)
	}
	if s := a.Description(); s != "" {
		block("description", s)
	}
	if u := a.RunbookURL(); u != "" {
		field("runbook", d.link(u, valueW))
	}
	if a.GeneratorURL != "" {
		field("generator", d.link(a.GeneratorURL, valueW))
	}
	if a.Value != "" {
		field("value", alertValue(a.Value))
	}
	label := d.ctx.Settings.EndpointLabel
	if v, ok := a.Labels[label]; ok && v != "" {
		field("endpoint", text.Sanitize(v)+st.Muted.Render("  ("+widget.Key(d.ctx.Keys.Jump)+" shows it on the overview)"))
	}
	// pagesText is sanitised already; unknown reads as a warning.
	for i, l := range packLines(pagesText(d.routing, a), valueW) {
		if d.routing.r == nil {
			l = st.Warn.Render(l)
		}
		if i == 0 {
			field("pages", l)
		} else {
			add(strings.Repeat(" ", DetailKeyWidth+1) + l)
		}
	}
	d.inhibitsField(field)

	silencing := query.SilencesFor(a, unexpired(d.silences))
	add("")
	add(st.TableHeader.Render(fmt.Sprintf("SILENCED BY (%d)", len(silencing))))
	if len(silencing) == 0 {
		if len(a.SilencedBy) > 0 {
			add("  " + st.Muted.Render("silence ids from Alertmanager: "+text.Sanitize(strings.Join(a.SilencedBy, ", "))))
		} else {
			add("  " + st.Muted.Render("no silence matches this alert"))
		}
	}
	if len(silencing) == 0 {
		for _, l := range d.expiredLines(w) { // expired.go
			add(l)
		}
	}
	for _, s := range silencing {
		line := "  " + st.Accent.Render(text.Sanitize(s.ID)) + " " + st.SilenceState(s.State).Render(text.Sanitize(s.State)) +
			" by " + text.Sanitize(s.CreatedBy) + ", " + silenceEndsIn(now, s)
		add(line)
		if s.UntilResolved() {
			dec := alertmanager.DecideAck(s, d.ackErr == nil && alertmanager.AlertsFiring(s, d.all), d.ackErr, now, ackPolicy(d.ctx))
			for _, l := range text.Wrap(dec.Text(now, now.Location()), max(w-6, 1)) {
				add("    " + styleAck(d.ctx, dec.Action, "⟳ "+text.Sanitize(l)))
			}
		}
		for _, l := range text.Wrap(text.SanitizeMultiline(s.Comment), max(w-4, 1)) {
			add("    " + st.Muted.Render(l))
		}
	}
	d.inhibitions(add)

	add("")
	add(st.TableHeader.Render("LABELS"))
	d.pairs(&out, a.Labels, false)
	var others []string
	for n := range a.Annotations {
		switch n {
		case "summary", "description", "runbook_url":
		default:
			others = append(others, n)
		}
	}
	if len(others) > 0 {
		add("")
		add(st.TableHeader.Render("ANNOTATIONS"))
		ann := make(map[string]string, len(others))
		for _, n := range others {
			ann[n] = a.Annotations[n]
		}
		d.pairs(&out, ann, true)
	}
	return out
}

// inhibitions adds what inhibits the alert and what it inhibits.
func (d *AlertDetail) inhibitions(add func(string)) {
	st, w := d.ctx.Styles, d.width
	by, inhibits, _ := inhibitionLines(d.routing, d.alert, d.all)
	list := func(es []inhibitEntry) {
		for _, e := range es {
			for i, part := range text.Wrap(e.alert, max(w-4, 1)) {
				if i == 0 {
					add("  " + part)
				} else {
					add("    " + part)
				}
			}
			if e.rule != "" {
				for _, part := range text.Wrap("rule "+e.rule, max(w-4, 1)) {
					add("    " + st.Muted.Render(part))
				}
			}
		}
	}
	if len(by) > 0 {
		add("")
		add(st.TableHeader.Render(fmt.Sprintf("INHIBITED BY (%d)", len(by))))
		list(by)
	}
	if len(inhibits) > 0 {
		add("")
		add(st.TableHeader.Render(fmt.Sprintf("INHIBITS (%d)", len(inhibits))))
		list(inhibits)
	}
}

// inhibitsField is the one line under pages when the alert inhibits no
// other: why not, or that it is unknown.
func (d *AlertDetail) inhibitsField(field func(name, value string)) {
	_, inhibits, note := inhibitionLines(d.routing, d.alert, d.all)
	if len(inhibits) == 0 {
		field("inhibits", d.ctx.Styles.Muted.Render(note))
	}
}

// pairs adds name = value lines, sorted by name; multiline values (only
// annotations) are wrapped under their name.
func (d *AlertDetail) pairs(out *[]string, m map[string]string, multiline bool) {
	st := d.ctx.Styles
	names := make([]string, 0, len(m))
	keyW := 0
	for n := range m {
		names = append(names, n)
		keyW = max(keyW, text.Width(text.Sanitize(n)))
	}
	sort.Strings(names)
	keyW = min(keyW, max(d.width/3, 8))
	valueW := max(d.width-keyW-5, 1)
	for _, n := range names {
		var vs []string
		if multiline {
			vs = text.Wrap(text.SanitizeMultiline(m[n]), valueW)
		} else {
			vs = []string{text.Sanitize(m[n])}
		}
		for i, v := range vs {
			k := strings.Repeat(" ", keyW)
			if i == 0 {
				k = text.Fit(text.Sanitize(n), keyW)
			}
			*out = append(*out, text.Truncate("  "+st.LabelKey.Render(k)+" = "+st.LabelValue.Render(v), d.width))
		}
	}
}

// link renders a URL as an OSC 8 hyperlink when it is a safe http(s) URL,
// else as plain sanitised text.
func (d *AlertDetail) link(raw string, w int) string {
	shown := text.Truncate(text.Sanitize(strings.TrimSpace(raw)), w)
	safe, ok := text.SafeURL(raw)
	if !ok {
		return shown + d.ctx.Styles.Muted.Render(" (not a link)")
	}
	// text.Hyperlink writes the sequence around plain text; the link text
	// is styled here, so the sequence from it is put around the styled
	// text (lipgloss would style the escape sequence itself rune by rune).
	h := text.Hyperlink(safe, shown)
	end := strings.IndexByte(h, '\a') // the end of the opening sequence
	if end < 0 {
		return h
	}
	tail, found := strings.CutPrefix(h[end+1:], shown)
	if !found {
		return h
	}
	return h[:end+1] + d.ctx.Styles.Link.Render(shown) + tail
}

// unexpired returns the silences that still apply.
func unexpired(ss []query.Silence) []query.Silence {
	out := make([]query.Silence, 0, len(ss))
	for _, s := range ss {
		if !s.Expired() {
			out = append(out, s)
		}
	}
	return out
}

// silenceEndsIn is "ends in 45m", "ended 3m ago", or for a pending silence
// "starts in 10m".
func silenceEndsIn(now time.Time, s query.Silence) string {
	switch {
	case s.State == query.SilencePending && s.StartsAt.After(now):
		return "starts in " + views.FormatDuration(s.StartsAt.Sub(now).Truncate(time.Second))
	case s.EndsAt.IsZero():
		return "no end"
	case s.EndsAt.After(now):
		return "ends in " + views.FormatDuration(s.EndsAt.Sub(now).Truncate(time.Second))
	default:
		return "ended " + views.FormatDuration(now.Sub(s.EndsAt).Truncate(time.Second)) + " ago"
	}
}

// historyLines are the alert's firings per hour of the last day: a row
// of 24 cells (· none, ▁ to █ up to the busiest hour), the total, and
// under it the first hour and now.
func (d *AlertDetail) historyLines(field func(name, value string), add func(string), loc *time.Location) {
	st := d.ctx.Styles
	switch {
	case d.historyErr != nil:
		field("history", st.Error.Render("history unknown: "+text.Sanitize(d.historyErr.Error())))
		return
	case d.history == nil:
		field("history", st.Muted.Render("reading the last 24h of firings…"))
		return
	}
	h := d.history
	field("history", HistoryCells(st.Firing.Render, st.Muted.Render, h.Counts[:])+" "+
		fmt.Sprintf("fired %d× in %dh", h.Total, query.AlertHistoryHours))
	// "-24h", not a clock time that would read as later today.
	first := "-" + strconv.Itoa(query.AlertHistoryHours) + "h"
	axis := text.PadRight(first, query.AlertHistoryHours-3) + "now"
	add(strings.Repeat(" ", DetailKeyWidth+1) + st.Muted.Render(axis))
}

// historyBars are the levels of a history cell, lowest first.
var historyBars = []rune("▁▂▃▄▅▆▇█")

// HistoryCells draws counts as one cell each: · for none, else a bar
// from ▁ (one) up to █ (the largest count), bars in on and dots in off.
func HistoryCells(on, off func(...string) string, counts []int) string {
	top := 0
	for _, c := range counts {
		top = max(top, c)
	}
	var b strings.Builder
	for _, c := range counts {
		if c <= 0 {
			b.WriteString(off("·"))
			continue
		}
		i := 0
		if top > 1 {
			i = (c - 1) * (len(historyBars) - 1) / (top - 1)
		}
		b.WriteString(on(string(historyBars[i])))
	}
	return b.String()
}

// alertValue is the alert's value as a person reads it: 1, 0.231, 4.2e+09;
// the text as it came when it is no number.
func alertValue(v string) string {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return text.Sanitize(v)
	}
	return strconv.FormatFloat(f, 'g', 4, 64)
}
