package views

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/ui/text"
	"github.com/vigilterm/vigil/views/widget"
)

// Column widths of the silences table, in cells.
const (
	silByW      = 16
	silEndsW    = 13 // "ended 59m ago"
	silMatchesW = 7  // "MATCHES"
	silStateW   = 8  // "expired"
	silMinMatch = 16
)

// Silences is the silences screen: active and pending silences (expired
// ones on request), whoever made them, with expire and extend.
type Silences struct {
	noWork
	ctx    *Context
	width  int
	height int

	all      []query.Silence
	alerts   []query.Alert
	counts   map[string]int    // silence id → current alerts it matches
	mtext    map[string]string // silence id → its matchers, FormatMatchers
	at       time.Time
	haveData bool
	err      error
	noAM     bool // no Alertmanager configured

	rows        []query.Silence // shown: filtered, expired ones on request
	cursor      int
	offset      int
	selID       string
	showExpired bool

	filter    string
	prompt    textinput.Model
	prompting bool

	expiring  *query.Silence      // the silence the expire question is about
	extending *ExtendChooser      // the extend prompt, while open
	pending   map[string]inflight // requests in flight, by silence id

	detail       bool // the selected silence in full
	detailOffset int

	// layout, computed in SetSize
	matchW, byW, commentW, endsW, countW, stateW int
}

var _ Screen = (*Silences)(nil)

// NewSilences returns the silences screen.
func NewSilences(ctx *Context) *Silences {
	s := &Silences{ctx: ctx, prompt: widget.NewInput(256), pending: map[string]inflight{}}
	s.SetSize(80, 20)
	return s
}

// Title implements Screen.
func (s *Silences) Title() string { return "Silences" }

// SetAlertmanagerConfigured tells the screen whether an Alertmanager is
// configured (it assumes one until told).
func (s *Silences) SetAlertmanagerConfigured(ok bool) { s.noAM = !ok }

// Capturing implements Screen: the filter prompt, the expire question and
// the extend prompt own the keyboard.
func (s *Silences) Capturing() bool {
	return s.prompting || s.expiring != nil || s.extending != nil
}

// Rows returns the silences as shown.
func (s *Silences) Rows() []query.Silence { return s.rows }

// Selected returns the silence under the cursor.
func (s *Silences) Selected() (query.Silence, bool) {
	if s.cursor < 0 || s.cursor >= len(s.rows) {
		return query.Silence{}, false
	}
	return s.rows[s.cursor], true
}

// ShowingExpired reports whether expired silences are listed.
func (s *Silences) ShowingExpired() bool { return s.showExpired }

// SetSize implements Screen and decides which columns fit.
func (s *Silences) SetSize(w, h int) {
	s.width, s.height = max(w, 0), max(h, 0)
	s.layout()
	s.clampScroll()
}

func (s *Silences) layout() {
	s.byW, s.endsW, s.countW, s.stateW = silByW, silEndsW, silMatchesW, 0
	if s.showExpired {
		s.stateW = silStateW
	}
	if s.width < 100 {
		s.byW = 10
	}
	fixed := func() int {
		n := 0
		for _, w := range []int{s.byW, s.endsW, s.countW, s.stateW} {
			if w > 0 {
				n += w + 1
			}
		}
		return n
	}
	flex := s.width - fixed()
	// Narrow: drop the state, the author, the match count, then the end.
	for _, drop := range []*int{&s.stateW, &s.byW, &s.countW, &s.endsW} {
		if flex >= silMinMatch+12 {
			break
		}
		*drop = 0
		flex = s.width - fixed()
	}
	flex = max(flex, 1)
	if flex >= silMinMatch+12 {
		s.matchW = max(flex*60/100, silMinMatch)
		s.commentW = flex - s.matchW - 1
	} else {
		s.matchW, s.commentW = flex, 0
	}
}

// Update implements Screen.
func (s *Silences) Update(msg tea.Msg) (Component, tea.Cmd) {
	switch msg := msg.(type) {
	case AlertsMsg:
		s.onAlerts(msg)
		return s, nil
	case SilenceResultMsg:
		return s, s.onResult(msg)
	case tea.KeyPressMsg:
		switch {
		case s.expiring != nil:
			return s, s.expireKey(msg)
		case s.extending != nil:
			return s, s.extendKey(msg)
		case s.prompting:
			return s, s.updatePrompt(msg)
		}
		return s, s.handleKey(msg)
	}
	switch {
	case s.extending != nil:
		_, cmd := s.extending.Update(msg) // a paste cannot confirm
		return s, cmd
	case s.prompting:
		var cmd tea.Cmd
		s.prompt, cmd = s.prompt.Update(msg)
		s.setFilter(s.prompt.Value())
		return s, cmd
	}
	return s, nil
}

func (s *Silences) onAlerts(msg AlertsMsg) {
	// This screen's error is the silences call's, not the alerts call's.
	s.err = msg.SilencesErr
	s.noAM = msg.NoAlertmanager
	if msg.Alerts != nil {
		s.alerts = msg.Alerts
	}
	if msg.Silences == nil {
		// Not configured, or the silences call failed: keep what we had
		// and never show an unknown list as empty.
		if msg.Alerts != nil {
			s.recount()
		}
		return
	}
	s.all = append(s.all[:0:0], msg.Silences...)
	sortSilenceList(s.all)
	s.at = msg.At
	for id := range s.pending {
		s.busy(id) // forgets the stale ones
	}
	s.haveData = true
	s.recount()
}

// recount counts, per silence, the current alerts it matches, and formats
// the matchers: once per refresh, not per frame.
func (s *Silences) recount() {
	s.counts = make(map[string]int, len(s.all))
	s.mtext = make(map[string]string, len(s.all))
	for _, si := range s.all {
		s.mtext[si.ID] = query.FormatMatchers(si.Matchers)
		if !si.Expired() {
			s.counts[si.ID] = query.SilenceMatchCount(si, s.alerts)
		}
	}
	s.rebuild()
}

// sortSilenceList orders silences active, pending, then expired; the
// soonest to end first, the most recently ended first among the expired.
func sortSilenceList(ss []query.Silence) {
	rank := func(state string) int {
		switch state {
		case query.SilenceActive:
			return 0
		case query.SilencePending:
			return 1
		case query.SilenceExpired:
			return 3
		}
		return 2
	}
	slices.SortStableFunc(ss, func(a, b query.Silence) int {
		if ra, rb := rank(a.State), rank(b.State); ra != rb {
			return ra - rb
		}
		if c := a.EndsAt.Compare(b.EndsAt); c != 0 {
			if a.State == query.SilenceExpired {
				return -c
			}
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

func (s *Silences) onResult(msg SilenceResultMsg) tea.Cmd {
	req := msg.Request
	if req.Op != OpExpire && req.Op != OpExtend {
		return nil
	}
	id := text.Sanitize(req.Silence.ID)
	delete(s.pending, req.Silence.ID)
	verified := ""
	if !msg.Verified {
		verified = " (not verified: could not read it back)"
	}
	if req.Op == OpExpire {
		if msg.Err != nil {
			return Flash("expire "+id+" failed: "+text.Sanitize(msg.Err.Error()), true)
		}
		return Flash("expired: "+id+verified, false)
	}
	if msg.Err != nil {
		return Flash("extend "+id+" failed: "+text.Sanitize(msg.Err.Error()), true)
	}
	newID := text.Sanitize(msg.ID)
	if msg.ID != "" && msg.ID != req.Silence.ID {
		if s.selID == req.Silence.ID {
			s.selID = msg.ID // follow the replacement after the next refresh
		}
		return Flash("extended: new id "+newID+" replaces "+id+verified, false)
	}
	return Flash("extended: "+id+" until "+formatClock(s.ctx.Now(), req.NewEnd)+verified, false)
}

func (s *Silences) updatePrompt(msg tea.KeyPressMsg) tea.Cmd {
	f, open, cmd := promptKey(&s.prompt, msg, s.ctx.Keys)
	s.prompting = open
	s.setFilter(f)
	return cmd
}

func (s *Silences) setFilter(f string) {
	s.filter = strings.TrimSpace(f)
	s.rebuild()
}

// matches reports whether a silence passes the text filter: every word in
// its matchers, author, comment or id, ignoring case.
func (s *Silences) matches(si *query.Silence) bool {
	if s.filter == "" {
		return true
	}
	hay := strings.ToLower(s.matcherText(si) + "\x00" + si.CreatedBy + "\x00" + si.Comment + "\x00" + si.ID)
	for _, w := range strings.Fields(strings.ToLower(s.filter)) {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

func (s *Silences) rebuild() {
	s.rows = s.rows[:0]
	for i := range s.all {
		si := &s.all[i]
		if si.Expired() && !s.showExpired {
			continue
		}
		if s.matches(si) {
			s.rows = append(s.rows, *si)
		}
	}
	s.cursor = 0
	found := false
	if s.selID != "" {
		for i := range s.rows {
			if s.rows[i].ID == s.selID {
				s.cursor, found = i, true
				break
			}
		}
	}
	if !found {
		s.selID = ""
		if len(s.rows) > 0 {
			s.selID = s.rows[0].ID
		}
	}
	if s.detail && !found {
		s.detail = false
	}
	s.layout()
	s.clampScroll()
}

func (s *Silences) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.ctx.Keys
	if s.detail {
		return s.detailKey(msg)
	}
	if d, ok := navDelta(msg, k, len(s.rows), s.tableHeight()-1); ok {
		s.move(d)
		return nil
	}
	switch {
	case key.Matches(msg, k.Filter):
		s.prompting = true
		s.prompt.SetValue(s.filter)
		s.prompt.CursorEnd()
		s.prompt.Focus()
	case key.Matches(msg, k.Back):
		if s.filter != "" {
			s.prompt.SetValue("")
			s.setFilter("")
		}
	case key.Matches(msg, k.ShowExpired):
		s.showExpired = !s.showExpired
		s.rebuild()
		if s.showExpired {
			return Flash("showing expired silences too", false)
		}
		return Flash("hiding expired silences", false)
	case key.Matches(msg, k.Open):
		if _, ok := s.Selected(); ok {
			s.detail, s.detailOffset = true, 0
		}
	default:
		return s.actionKey(msg)
	}
	return nil
}

func (s *Silences) detailKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.ctx.Keys
	switch {
	case key.Matches(msg, k.Back):
		s.detail = false
	case key.Matches(msg, k.Up):
		s.detailOffset--
	case key.Matches(msg, k.Down):
		s.detailOffset++
	case key.Matches(msg, k.PageUp):
		s.detailOffset -= max(s.height-1, 1)
	case key.Matches(msg, k.PageDown):
		s.detailOffset += max(s.height-1, 1)
	default:
		return s.actionKey(msg)
	}
	return nil
}

// actionKey handles the keys that act on the selected silence, the same in
// the list and in its detail: expire, extend, copy its id; a writing key
// in read-only mode is refused with a flash.
func (s *Silences) actionKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.ctx.Keys
	switch {
	case key.Matches(msg, k.Expire):
		return s.startExpire()
	case key.Matches(msg, k.Extend):
		return s.startExtend()
	case key.Matches(msg, k.Copy):
		if si, ok := s.Selected(); ok {
			id := si.ID
			return func() tea.Msg { return CopyMsg{Text: id, What: "silence id"} }
		}
		return nil
	}
	return readOnlyRefusal(k, msg)
}

func (s *Silences) move(d int) {
	if c := moveCursor(s.cursor, d, len(s.rows)); c >= 0 {
		s.cursor, s.selID = c, s.rows[c].ID
		s.clampScroll()
	}
}

// inflight is a request sent and not answered yet.
type inflight struct {
	op SilenceOp
	at time.Time
}

// busy reports whether a request about the silence is still awaited. The
// root answers every request within its deadline; one unanswered for much
// longer is forgotten, so that the silence never stays locked.
func (s *Silences) busy(id string) (SilenceOp, bool) {
	p, ok := s.pending[id]
	if !ok {
		return "", false
	}
	if s.ctx.Now().Sub(p.at) > s.pendingTTL() {
		delete(s.pending, id)
		return "", false
	}
	return p.op, true
}

func (s *Silences) pendingTTL() time.Duration {
	return 2*s.ctx.Config.Alertmanager.Timeout.D() + 5*time.Second
}

func (s *Silences) startExpire() tea.Cmd {
	if s.ctx.Config.UI.ReadOnly {
		return Flash("read-only: expiring silences is disabled (ui.read_only)", true)
	}
	si, ok := s.Selected()
	if !ok {
		return nil
	}
	if si.Expired() {
		return Flash("silence "+text.Sanitize(si.ID)+" has already expired", false)
	}
	if op, busy := s.busy(si.ID); busy {
		return Flash(fmt.Sprintf("silence %s: %s already on its way", text.Sanitize(si.ID), op), false)
	}
	s.expiring = &si
	return nil
}

func (s *Silences) expireKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.ctx.Keys
	switch {
	case key.Matches(msg, k.Apply):
		si := *s.expiring
		s.expiring = nil
		s.pending[si.ID] = inflight{op: OpExpire, at: s.ctx.Now()}
		req := SilenceRequestMsg{Op: OpExpire, Silence: si}
		return func() tea.Msg { return req }
	case key.Matches(msg, k.Cancel):
		s.expiring = nil
	}
	return nil
}

func (s *Silences) startExtend() tea.Cmd {
	if s.ctx.Config.UI.ReadOnly {
		return Flash("read-only: extending silences is disabled (ui.read_only)", true)
	}
	si, ok := s.Selected()
	if !ok {
		return nil
	}
	if op, busy := s.busy(si.ID); busy {
		return Flash(fmt.Sprintf("silence %s: %s already on its way", text.Sanitize(si.ID), op), false)
	}
	s.extending = NewExtendChooser(s.ctx, si)
	return nil
}

// extendKey passes a key to the extend chooser; enter on a valid duration
// sends one request and closes it.
func (s *Silences) extendKey(msg tea.KeyPressMsg) tea.Cmd {
	act, cmd := s.extending.Update(msg)
	switch act {
	case ExtendConfirm:
		req := s.extending.Request()
		s.extending = nil
		s.pending[req.Silence.ID] = inflight{op: OpExtend, at: s.ctx.Now()}
		return func() tea.Msg { return req }
	case ExtendCancel:
		s.extending = nil
	}
	return cmd
}

func (s *Silences) tableHeight() int {
	return max(s.height-1-len(s.statusLines()), 0)
}

func (s *Silences) clampScroll() {
	s.offset = scrollTo(s.offset, s.cursor, s.cursor, len(s.rows), s.tableHeight())
}

// statusLines are the lines under the table: the refresh error, the
// question or prompt that owns the keyboard, requests in flight, the
// filter.
func (s *Silences) statusLines() []string {
	st := s.ctx.Styles
	var lines []string
	if s.err != nil && s.haveData {
		lines = append(lines, st.Error.Render("✕ Alertmanager unreachable, showing silences from "+
			FormatDuration(s.ctx.Now().Sub(s.at))+" ago: "+text.Sanitize(s.err.Error())))
	}
	if len(s.pending) > 0 {
		ids := make([]string, 0, len(s.pending))
		for id, p := range s.pending {
			ids = append(ids, string(p.op)+" "+text.Sanitize(id))
		}
		slices.Sort(ids)
		lines = append(lines, st.Accent.Render("sending… "+strings.Join(ids, ", ")))
	}
	switch {
	case s.expiring != nil:
		q := fmt.Sprintf("expire silence %s %s? enter confirms, esc cancels",
			text.Sanitize(s.expiring.ID), text.Sanitize(query.FormatMatchers(s.expiring.Matchers)))
		for _, l := range text.Wrap(q, s.width) {
			lines = append(lines, st.Confirm.Render(l))
		}
	case s.extending != nil:
		lines = append(lines, s.extending.Lines(s.width)...)
	case s.prompting:
		lines = append(lines, st.Prompt.Render("/")+widget.InputView(st, &s.prompt, s.width-1, true, "text in matchers, author or comment"))
	case s.filter != "":
		lines = append(lines, st.Accent.Render(fmt.Sprintf("filter /%s  %d shown  (esc clears)", text.Sanitize(s.filter), len(s.rows))))
	}
	return lines
}

// Notes implements Screen.
func (s *Silences) Notes() []string {
	return []string{
		"Active and pending silences, from anyone; E lists the expired ones too.",
		"MATCHES is how many current alerts the silence's matchers select.",
		"x expires a silence after a confirmation. e extends it: ↑/↓ pick a preset (+15m, +1h, +4h, +1d) or type a duration; the new end shows before enter sends it.",
		"Alertmanager may replace an extended silence with a new id: the flash says so.",
	}
}

// ShortHelp implements help.KeyMap.
func (s *Silences) ShortHelp() []key.Binding {
	k := s.ctx.Keys
	switch {
	case s.extending != nil:
		return []key.Binding{k.Apply, k.PresetPrev, k.PresetNext, k.Cancel}
	case s.expiring != nil, s.prompting:
		return []key.Binding{k.Apply, k.Cancel}
	case s.detail:
		return []key.Binding{k.Back, k.Expire, k.Extend, k.Copy}
	}
	return []key.Binding{k.Filter, k.Expire, k.Extend, k.ShowExpired, k.Open, k.Refresh, k.Help, k.Quit}
}

// FullHelp implements help.KeyMap.
func (s *Silences) FullHelp() [][]key.Binding {
	k := s.ctx.Keys
	return [][]key.Binding{
		k.Navigation(),
		{k.Filter, k.Back, k.ShowExpired, k.Open, k.Copy},
		{k.Expire, k.Extend},
	}
}

// View implements Screen. Only the visible rows are rendered.
func (s *Silences) View() string {
	if s.width <= 0 || s.height <= 0 {
		return ""
	}
	if s.detail {
		if si, ok := s.Selected(); ok {
			return s.detailView(si)
		}
	}
	st := s.ctx.Styles
	lines := make([]string, 0, s.height)
	lines = append(lines, s.header())
	body := s.tableHeight()
	switch {
	case s.noAM:
		for _, l := range text.Wrap("Alertmanager not configured: vigil cannot list silences (set --alertmanager or alertmanager.urls)", s.width-2) {
			lines = append(lines, st.Error.Render("  "+l))
		}
	case !s.haveData && s.err != nil:
		lines = append(lines, st.Error.Render("  Alertmanager unreachable: cannot list silences:"))
		for _, l := range text.Wrap(text.Sanitize(s.err.Error()), s.width-4) {
			lines = append(lines, st.Error.Render("    "+l))
		}
	case !s.haveData:
		lines = append(lines, st.Muted.Render(text.Fit("  waiting for the first answer from Alertmanager…", s.width)))
	case len(s.rows) == 0 && s.filter != "":
		lines = append(lines, st.Muted.Render(text.Fit("  no silence matches the filter", s.width)))
	case len(s.rows) == 0:
		note := "  no active or pending silences"
		if !s.showExpired {
			note += " (E shows expired ones)"
		}
		lines = append(lines, st.Muted.Render(text.Fit(note, s.width)))
	default:
		now := s.ctx.Now()
		end := min(s.offset+body, len(s.rows))
		for i := s.offset; i < end; i++ {
			lines = append(lines, s.renderRow(&s.rows[i], i == s.cursor, now))
		}
	}
	if len(lines) > 1+body {
		lines = lines[:1+body]
	}
	for len(lines) < 1+body {
		lines = append(lines, "")
	}
	lines = append(lines, s.statusLines()...)
	return text.ClipLines(lines, s.width, s.height)
}

func (s *Silences) header() string {
	var r widget.Row
	r.Add("MATCHERS", s.matchW, false)
	r.Add("CREATED BY", s.byW, false)
	r.Add("COMMENT", s.commentW, false)
	r.Add("ENDS IN", s.endsW, false)
	r.Add("MATCHES", s.countW, true)
	r.Add("STATE", s.stateW, false)
	return s.ctx.Styles.TableHeader.Render(text.Fit(r.String(), s.width))
}

// matcherText is the silence's matchers as FormatMatchers writes them,
// from the refresh's cache (formatting a matcher is not cheap).
func (s *Silences) matcherText(si *query.Silence) string {
	if t, ok := s.mtext[si.ID]; ok {
		return t
	}
	return query.FormatMatchers(si.Matchers)
}

// endsIn is the ENDS IN cell: "45m", "ended 3m ago", "starts in 10m".
func endsIn(now time.Time, si query.Silence) string {
	switch {
	case si.State == query.SilencePending && si.StartsAt.After(now):
		return "starts in " + FormatDuration(si.StartsAt.Sub(now).Truncate(time.Second))
	case si.EndsAt.IsZero():
		return Dash
	case si.EndsAt.After(now):
		return FormatDuration(si.EndsAt.Sub(now).Truncate(time.Second))
	}
	return "ended " + FormatDuration(now.Sub(si.EndsAt).Truncate(time.Second)) + " ago"
}

func (s *Silences) renderRow(si *query.Silence, selected bool, now time.Time) string {
	st := s.ctx.Styles
	var b strings.Builder
	first := true
	add := func(c string) {
		if !first {
			b.WriteByte(' ')
		}
		first = false
		b.WriteString(c)
	}
	m := text.Fit(text.Sanitize(strings.TrimSuffix(strings.TrimPrefix(s.matcherText(si), "{"), "}")), s.matchW)
	if si.Expired() && !selected {
		m = st.Expired.Render(m)
	}
	add(m)
	if s.byW > 0 {
		add(text.Fit(text.Sanitize(si.CreatedBy), s.byW))
	}
	if s.commentW > 0 {
		add(text.Fit(text.Sanitize(si.Comment), s.commentW))
	}
	if s.endsW > 0 {
		c := text.Fit(endsIn(now, *si), s.endsW)
		if !selected && si.State == query.SilencePending {
			c = st.Pending.Render(c)
		}
		add(c)
	}
	if s.countW > 0 {
		c := Dash
		if !si.Expired() {
			c = fmt.Sprint(s.counts[si.ID])
		}
		add(text.PadLeft(c, s.countW))
	}
	if s.stateW > 0 {
		c := text.Fit(text.Sanitize(si.State), s.stateW)
		if !selected {
			c = st.SilenceState(si.State).Render(c)
		}
		add(c)
	}
	if selected {
		return st.RowSelected.Render(text.Fit(b.String(), s.width))
	}
	return text.Truncate(b.String(), s.width)
}

// detailView shows one silence in full.
func (s *Silences) detailView(si query.Silence) string {
	st := s.ctx.Styles
	w := s.width
	now := s.ctx.Now()
	valW := max(w-formLabelW-1, 1)
	var out []string
	field := func(name, value string) {
		for i, l := range text.Wrap(value, valW) {
			n := ""
			if i == 0 {
				n = name
			}
			out = append(out, st.Muted.Render(text.Fit("  "+n, formLabelW))+" "+l)
		}
	}
	out = append(out, st.Title.Render("Silence "+text.Sanitize(si.ID)))
	field("state", st.SilenceState(si.State).Render(text.Sanitize(si.State))+" · "+silenceEndsIn(now, si))
	for i, m := range si.Matchers {
		name := ""
		if i == 0 {
			name = "matchers"
		}
		if m != nil {
			field(name, text.Sanitize(m.String()))
		}
	}
	field("starts", formatClock(now, si.StartsAt))
	field("ends", formatClock(now, si.EndsAt))
	if !si.UpdatedAt.IsZero() {
		field("updated", formatClock(now, si.UpdatedAt))
	}
	field("created by", text.Sanitize(si.CreatedBy))
	for i, l := range strings.Split(text.SanitizeMultiline(si.Comment), "\n") {
		name := ""
		if i == 0 {
			name = "comment"
		}
		field(name, l)
	}
	hits := query.AlertsMatching(si.Matchers, s.alerts)
	out = append(out, "")
	out = append(out, st.TableHeader.Render(fmt.Sprintf("MATCHES %d CURRENT ALERT%s", len(hits), strings.ToUpper(plural(len(hits))))))
	for _, a := range hits {
		out = append(out, "  "+st.AlertState(string(a.State)).Render(text.Fit(string(a.State), alertStateW))+" "+text.Sanitize(a.Name)+"  "+
			compactLabels(st, nil, a.Labels, s.ctx.Config.Metrics.EndpointLabel, max(w-alertStateW-5-text.Width(text.Sanitize(a.Name)), 1), false))
	}
	s.detailOffset = min(max(s.detailOffset, 0), max(len(out)-s.height, 0))
	status := s.statusLines()
	h := max(s.height-len(status), 0)
	end := min(s.detailOffset+h, len(out))
	lines := append(out[s.detailOffset:end:end], status...)
	return text.ClipLines(lines, w, s.height)
}
