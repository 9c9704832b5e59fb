package overview

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/alerting"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// Column widths of the overview table, in cells.
const (
	markerW = 2
	rpsW    = 7
	errW    = 7
	latW    = 6
	excW    = 8  // EXC*/30s
	trendW  = 10 // the narrowest TREND; a wide terminal has up to query.TrendPoints
	errsW   = 7  // 5XX/S, shown on wide terminals
	chgW    = 7
	minName = 10
)

// Screen is the per-endpoint table: worst endpoints first.
type Screen struct {
	views.NoWork
	ctx    *views.Context
	width  int
	height int

	title string // "" for the overview itself
	// doctor is the metrics doctor's line, "" when it found nothing.
	doctor string

	data  *query.Overview
	stale int // endpoints of data with no fresh series, counted on arrival
	// list holds the rows, filtered and sorted, and the cursor: until the
	// user moves it, it stays on the top row, the worst endpoint, whatever
	// it is; then it follows the endpoint chosen.
	list *widget.List[query.Endpoint]

	sortKey query.SortKey
	reverse bool

	// compare adds the ΔERR column: each endpoint's error ratio now minus
	// the same window a day or a week earlier.
	compare query.Compare

	filter     string
	filterNeg  bool // the filter starts with !: hide the matching rows
	filterRe   *regexp.Regexp
	filterNote string

	alerting map[string]int // row → number of firing alerts naming it (or one of its paths)
	// firing is the number of firing alerts by endpoint label value, as
	// the alerts name them; alerting is it mapped to the rows.
	firing map[string]int

	// svcs are the services, filtered and sorted, while the data spans
	// several (overview_services.go).
	svcs *widget.List[query.Service]
	// scope is the selector asked and the service opened; selPrompt
	// edits the selector, selNote says why the typed one was refused.
	scope     ScopeMsg
	selPrompt widget.Prompt
	selNote   string

	// levels paints a cell by its level, built once from the styles.
	levels [themes.LevelUnknown + 1]views.Painter

	// layout, computed in SetSize
	nameW, fixedW                        int
	trendW                               int  // the TREND column's cells
	showErrs                             bool // the 5XX/S column (wide terminals)
	nameCap                              int  // the widest name seen, with room for its marks
	longestName                          int  // the widest endpoint name, for the ⟳ marks
	showTrend, showP50, showExc, showChg bool
}

// New returns the overview screen.
func New(ctx *views.Context, opts ...views.Option) *Screen {
	ti := textinput.New()
	ti.Prompt = "/"
	ti.Placeholder = "text or regular expression"
	ti.CharLimit = 256
	o := &Screen{ctx: ctx, sortKey: query.SortWorst, title: views.Applied(opts).Title}
	o.list = widget.NewList(func(e query.Endpoint) string { return e.Name }, o.tableHeight)
	o.list.StayOnTop()
	o.list.Prompt.In = ti
	o.svcs = widget.NewList(func(s query.Service) string { return s.Name }, o.tableHeight)
	o.svcs.StayOnTop()
	o.selPrompt = widget.NewPrompt(1024)
	o.selPrompt.In.Prompt = "selector {"
	o.selPrompt.In.Placeholder = `job="flask"  (empty: everything)`
	o.scope.Selector = ctx.Settings.Selector
	for l := range o.levels {
		o.levels[l] = views.NewPainter(ctx.Styles.Level(themes.Level(l)))
	}
	o.SetSize(80, 20)
	return o
}

// Title implements views.Screen.
func (o *Screen) Title() string {
	if o.title != "" {
		return o.title
	}
	return "Overview"
}

// DoctorSummaryMsg is the metrics doctor's line under the table.
type DoctorSummaryMsg struct{ Text string }

// Capturing implements views.Screen.
func (o *Screen) Capturing() bool { return o.list.Prompt.IsOpen() || o.selPrompt.IsOpen() }

// SetSize implements views.Screen and decides which columns fit.
func (o *Screen) SetSize(w, h int) {
	o.width, o.height = max(w, 0), max(h, 0)
	o.list.Prompt.In.SetWidth(max(w-4, 1))
	o.selPrompt.In.SetWidth(max(w-12, 1))
	o.layout()
}

// wideName is the width from which the name column stops at the widest
// name seen, and the figures sit next to the names.
const wideName = 32

// layout decides which columns fit the width: on a narrow terminal the
// TREND, P50 and EXC go first; on a wide one the name column stops at the
// widest name (with its marks), the TREND widens to a cell a point, and
// 5XX/S is shown. The name column only grows while the screen is open, so
// the columns do not move from one refresh to the next.
func (o *Screen) layout() {
	o.showTrend, o.showP50, o.showExc = true, true, true
	o.showChg = o.compare != query.CompareOff
	o.trendW, o.showErrs = trendW, false
	fixed := func() int {
		n := markerW + 1 + rpsW + 1 + errW + 1 + latW
		if o.showErrs {
			n += 1 + errsW
		}
		if o.showChg {
			n += 1 + chgW
		}
		if o.showP50 {
			n += 1 + latW
		}
		if o.showExc {
			n += 1 + excW
		}
		if o.showTrend {
			n += 1 + o.trendW
		}
		return n
	}
	for _, drop := range []*bool{&o.showTrend, &o.showP50, &o.showExc} {
		if o.width-fixed() >= minName+8 {
			break
		}
		*drop = false
	}
	name := max(o.nameCap, wideName)
	if o.showTrend && o.width-fixed() > name {
		o.trendW = min(query.TrendPoints, trendW+o.width-fixed()-name)
	}
	if o.width-fixed()-(1+errsW) > name {
		o.showErrs = true
	}
	o.fixedW = fixed()
	o.nameW = max(o.width-o.fixedW, 1)
	if o.nameW > name {
		o.nameW = name
	}
	o.list.Clamp()
}

// Data returns the last overview received, or nil.
func (o *Screen) Data() *query.Overview { return o.data }

// Rows returns the rows as shown: filtered and sorted.
func (o *Screen) Rows() []query.Endpoint { return o.list.Items() }

// Selected returns the endpoint under the cursor ("" when none).
func (o *Screen) Selected() string { return o.list.SelectedKey() }

// SortKey returns the current sort column and direction.
func (o *Screen) SortKey() (query.SortKey, bool) { return o.sortKey, o.reverse }

// CompareOffset is how far back the ΔERR column looks; 0 when it is off.
func (o *Screen) CompareOffset() time.Duration { return o.compare.Offset() }

// Filter returns the applied filter text.
func (o *Screen) Filter() string { return o.filter }

// Update implements views.Screen.
func (o *Screen) Update(msg tea.Msg) (views.Component, tea.Cmd) {
	switch msg := msg.(type) {
	case DoctorSummaryMsg:
		o.doctor = msg.Text
		o.list.Clamp()
		return o, nil
	case views.OverviewMsg:
		o.data, o.stale, o.longestName = msg.Overview, 0, 0
		if o.data != nil {
			for i := range o.data.Endpoints {
				if o.data.Endpoints[i].Stale {
					o.stale++
				}
				o.longestName = max(o.longestName, text.Width(o.nameText(&o.data.Endpoints[i])))
			}
		}
		if c := o.longestName + 6; c > o.nameCap { // ⟳30m after the name
			o.nameCap = c
			o.layout()
		}
		o.mapAlerting()
		o.rebuild()
		return o, nil
	case ScopeMsg:
		o.scope = msg
		return o, nil
	case views.JumpToEndpointMsg:
		if !o.list.Select(o.rowOf(msg.Endpoint)) {
			return o, views.Flash("endpoint "+text.Sanitize(msg.Endpoint)+" is not in the overview (no traffic, or filtered out)", false)
		}
		return o, nil
	case views.AlertsMsg:
		// Endpoints with firing alerts rank first among those of the same
		// level; an unknown list (no source answered) changes nothing.
		if msg.Alerts != nil {
			o.firing = alerting.FiringByEndpoint(msg.Alerts, o.ctx.Settings.EndpointLabel)
			o.mapAlerting()
			o.rebuild()
		}
		return o, nil
	case tea.KeyPressMsg:
		if o.selPrompt.IsOpen() {
			return o, o.selectorKey(msg)
		}
		if o.list.Prompt.IsOpen() {
			return o, o.list.Prompt.Key(msg, o.ctx.Keys, o.applyFilter)
		}
		return o, o.handleKey(msg)
	}
	if o.list.Prompt.IsOpen() {
		return o, o.list.Prompt.Update(msg, o.applyFilter)
	}
	return o, nil
}

// applyFilter is the prompt's: every text is a filter.
func (o *Screen) applyFilter(s string, _ bool) bool {
	o.setFilter(s)
	return true
}

func (o *Screen) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := o.ctx.Keys
	if o.title == "" && key.Matches(msg, k.Selector) {
		return o.openSelector()
	}
	if o.servicesMode() {
		return o.serviceKey(msg)
	}
	if o.scope.Service != "" && o.filter == "" && key.Matches(msg, k.Back) {
		return func() tea.Msg { return OpenServiceMsg{} }
	}
	if cmd, ok := o.list.Key(msg, k, o.filter, o.applyFilter); ok {
		return cmd
	}
	switch {
	case key.Matches(msg, k.Compare):
		o.compare = o.compare.Next()
		o.SetSize(o.width, o.height)
		if o.compare == query.CompareOff && o.sortKey == query.SortChange {
			o.sortKey = query.SortWorst
		}
		o.rebuild()
		if o.compare == query.CompareOff {
			return views.Flash("comparison off", false)
		}
		return views.Flash("ΔERR: error ratio now minus "+o.compare.String()+" (from the next refresh); "+widget.Key(k.Sort)+" sorts by it", false)
	case key.Matches(msg, k.Sort):
		o.sortKey = o.sortKey.Next()
		if o.sortKey == query.SortChange && o.compare == query.CompareOff {
			o.sortKey = o.sortKey.Next()
		}
		o.reverse = false
		o.rebuild()
		return views.Flash("sorted by "+o.sortKey.String(), false)
	case key.Matches(msg, k.Reverse):
		o.reverse = !o.reverse
		o.rebuild()
	case key.Matches(msg, k.Open):
		e, ok := o.list.Selected()
		switch {
		case !ok || e.Name == "":
		case e.Group:
			// A group lists its members; a member opens its detail.
			return func() tea.Msg { return views.OpenGroupMsg{Group: e.Name, Members: e.Members} }
		default:
			name := e.Name
			return func() tea.Msg { return views.OpenEndpointMsg{Endpoint: name} }
		}
	}
	return nil
}

// setFilter applies a filter: a case-insensitive regular expression, or a
// plain substring when the text is not a valid expression. A leading !
// negates it: !blog hides the rows that match blog.
func (o *Screen) setFilter(s string) {
	o.filter = s
	o.filterRe, o.filterNote = nil, ""
	pat := s
	o.filterNeg = strings.HasPrefix(pat, "!")
	if o.filterNeg {
		pat = pat[1:]
	}
	if pat != "" {
		re, err := regexp.Compile("(?i)" + pat)
		if err != nil {
			o.filterNote = "not a valid regular expression: matching as text"
		} else {
			o.filterRe = re
		}
	}
	o.rebuild()
}

func (o *Screen) matches(name string) bool {
	pat := o.filter
	if o.filterNeg {
		pat = pat[1:]
	}
	if pat == "" {
		return true
	}
	var hit bool
	if o.filterRe != nil {
		hit = o.filterRe.MatchString(name)
	} else {
		hit = strings.Contains(strings.ToLower(name), strings.ToLower(pat))
	}
	return hit != o.filterNeg
}

// rowOf is the row an endpoint label value is shown in: its group's, or
// its own.
func (o *Screen) rowOf(v string) string {
	if o.data == nil {
		return v
	}
	return query.RowNamer(o.data.GroupRules)(v)
}

// mapAlerting counts the firing alerts by row: an alert naming a path of a
// group counts for the group's row.
func (o *Screen) mapAlerting() {
	name := func(v string) string { return v }
	if o.data != nil {
		name = query.RowNamer(o.data.GroupRules)
	}
	o.alerting = make(map[string]int, len(o.firing))
	for v, n := range o.firing {
		o.alerting[name(v)] += n
	}
}

// rebuild filters and sorts the rows and puts the cursor back on the
// selected endpoint.
func (o *Screen) rebuild() {
	rows := o.list.Items()[:0] // the last rows' room, refreshed in place
	if o.data != nil {
		for _, e := range o.data.Endpoints {
			if o.matches(e.Name) {
				e.FiringAlerts = o.alerting[e.Name]
				rows = append(rows, e)
			}
		}
	}
	query.SortEndpoints(rows, o.sortKey, o.reverse, o.ctx.Thresholds())
	o.list.SetItems(rows)
	o.rebuildServices()
}

// tableHeight is the number of body rows that fit.
func (o *Screen) tableHeight() int {
	return max(o.height-1-len(o.statusLines()), 0)
}

// statusLines are the lines under the table: prompt, filter, query errors.
func (o *Screen) statusLines() []string {
	st := o.ctx.Styles
	var lines []string
	if o.data != nil {
		for _, e := range o.data.Errors {
			lines = append(lines, st.Error.Render("✕ "+e.Name+": "+text.Sanitize(e.Err.Error())))
		}
		for _, w := range o.data.Warnings {
			lines = append(lines, st.Warn.Render("⚠ "+text.Sanitize(w)))
		}
	}
	if len(lines) > 3 {
		lines = append(lines[:2], st.Muted.Render(fmt.Sprintf("… and %d more problems", len(lines)-2)))
	}
	if o.data != nil && o.data.Totals.Unknown != "" {
		// Wrapped, never cut: the reason is what explains the ?s.
		wrapped := text.WrapWords("? figures unknown: "+text.Sanitize(o.data.Totals.Unknown), max(o.width, 10))
		var unknown []string
		for _, l := range wrapped[:min(len(wrapped), 3)] {
			unknown = append(unknown, st.Warn.Render(l))
		}
		lines = append(unknown, lines...)
	}
	if o.doctor != "" && o.title == "" {
		lines = append(lines, st.Warn.Render(text.Fit(o.doctor, o.width)))
	}
	if note := o.rowNote(); note != "" && !o.servicesMode() {
		lines = append(lines, st.Warn.Render(text.Fit(note, o.width)))
	}
	if note := o.serviceNote(); note != "" {
		lines = append(lines, st.Warn.Render(text.Fit(note, o.width)))
	}
	switch {
	case o.selPrompt.IsOpen():
		if o.selNote != "" {
			lines = append(lines, st.Error.Render(text.Fit("✕ "+o.selNote, o.width)))
		}
		lines = append(lines, o.selPrompt.In.View())
	case o.list.Prompt.IsOpen():
		lines = append(lines, o.list.Prompt.In.View())
	case o.filter != "":
		f := widget.FilterLine(o.ctx.Keys, o.filter, o.countText())
		if o.filterNote != "" {
			f += "  " + o.filterNote
		}
		lines = append(lines, st.Accent.Render(f))
	case o.data != nil && !o.servicesMode():
		lines = append(lines, st.Muted.Render(o.countText()))
	}
	if o.title == "" {
		lines = append(lines, st.Muted.Render(text.Fit(o.scopeLine(), o.width)))
	}
	return lines
}

// rowNote explains the marks of the selected row, if any: the member far
// worse than its group (!), figures unknown because a target's processes
// answer in turn (?), a p99 at the top bucket (≥).
func (o *Screen) rowNote() string {
	e, ok := o.list.Selected()
	if !ok || o.data == nil {
		return ""
	}
	var parts []string
	if w := o.outlier(&e, o.ctx.Thresholds()); w != "" {
		parts = append(parts, "! worst member "+w+" · "+widget.Key(o.ctx.Keys.Open)+" lists the members")
	}
	if e.Unknown != "" && e.Unknown != o.data.Totals.Unknown {
		parts = append(parts, "? "+text.Sanitize(e.Unknown))
	}
	if o.data.P99Capped(e.P99) {
		parts = append(parts, "p99 ≥"+views.FormatSeconds(o.data.TopBucket)+": at the top bucket, the true p99 is that or more")
	}
	return strings.Join(parts, " · ")
}

// countText is "N of M endpoints", with how many are stale.
func (o *Screen) countText() string {
	if o.servicesMode() {
		return fmt.Sprintf("%d of %d services", o.svcs.Len(), len(o.data.Services))
	}
	total := 0
	if o.data != nil {
		total = len(o.data.Endpoints)
	}
	s := fmt.Sprintf("%d of %d endpoints", o.list.Len(), total)
	if o.stale > 0 {
		s += fmt.Sprintf(" (%d stale: no fresh series)", o.stale)
	}
	return s
}

// excTitle is EXC, or EXC* when it counts status 500 responses because the
// exceptions counter has no endpoint label.
func (o *Screen) excTitle() string {
	t := "EXC"
	if o.data != nil && !o.data.ExceptionsByEndpoint {
		t = "EXC*"
	}
	// A count over the window: the head says which.
	if o.data != nil && o.data.Window > 0 {
		if w := t + "/" + views.FormatDuration(o.data.Window); text.Width(w) <= excW {
			t = w
		}
	}
	return t
}

// Notes implements views.Screen.
func (o *Screen) Notes() []string {
	notes := []string{
		"With more than one service in the selection (metrics.service_label, job by default), the rows are services, each with its own figures and TARGETS up: an endpoint's row would mix the services' series of one path. Enter opens a service's endpoints; esc goes back to all.",
		"S changes the selector while running; the last line always shows it, and the service opened.",
		"Rows are endpoints; worst first: error ratio, then p99, against the thresholds.",
		"The filter is a case-insensitive regular expression (or text); !blog hides the rows that match blog.",
		"Groups of paths that are one route come from metrics.group_paths. \"" + query.UnmatchedName + "\" holds the requests no route matched.",
		"? in place of figures: they are known wrong (several processes answering one target's scrapes in turn: gunicorn workers without the exporter's multiprocess mode). The totals that would sum them read ? too.",
	}
	if o.data != nil && o.data.LatencyMean {
		notes = append(notes, "MEAN: the latency is a summary with no buckets (default_latency_as_histogram=False): only the mean is known, p99 is —.")
	}
	if o.compare != query.CompareOff {
		notes = append(notes, "ΔERR is each endpoint's error ratio now minus "+o.compare.String()+
			", in percentage points ("+widget.Key(o.ctx.Keys.Compare)+" cycles 1 day, 1 week, off); "+widget.Key(o.ctx.Keys.Sort)+" can rank by it: the regression view.")
	}
	return notes
}

// ShortHelp implements help.KeyMap.
func (o *Screen) ShortHelp() []key.Binding {
	k := o.ctx.Keys
	if o.list.Prompt.IsOpen() {
		return []key.Binding{k.Apply, k.Cancel}
	}
	if o.selPrompt.IsOpen() {
		return []key.Binding{k.Apply, k.Cancel}
	}
	return []key.Binding{k.Filter, k.Sort, k.Open, k.Selector, k.Help, k.Quit}
}

// FullHelp implements help.KeyMap.
func (o *Screen) FullHelp() [][]key.Binding {
	k := o.ctx.Keys
	return [][]key.Binding{
		k.Navigation(),
		{k.Filter, k.Back, k.Sort, k.Reverse, k.Open, k.Compare, k.Selector},
	}
}
