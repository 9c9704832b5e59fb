package alerting

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// Silences is the silences screen: active and pending silences (expired
// ones on request), whoever made them, with expire and extend.
type Silences struct {
	views.NoWork
	ctx     *views.Context
	routing routingInfo // who the alerts notify, for the forms' previews
	ackErr  error       // why acks kept until resolved are unknown (ackuntil.go)
	width   int
	height  int

	all      []query.Silence
	alerts   []query.Alert
	counts   map[string]int    // silence id → current alerts it matches
	mtext    map[string]string // silence id → its matchers, FormatMatchers
	mshow    map[string]string // silence id → its matchers as shown: the ones that tell the rows apart first
	at       time.Time
	haveData bool
	err      error
	noAM     bool // no Alertmanager configured

	// list holds the silences shown (filtered, expired ones on request)
	// and the cursor, on the selected silence's id.
	list        *widget.List[query.Silence]
	showExpired bool

	filter string
	terms  silenceFilter // filter parsed: by:, expiring: and words
	// filterErr is why the filter typed does not apply.
	filterErr string
	pending   map[string]inflight // requests in flight, by silence id

	// detail holds the selected silence in full while it is open; ask
	// the question or chooser drawn under the list or the detail (expire?
	// extend by?).
	detail views.Stack
	ask    views.Stack

	// Marked silences for one expire of them all, the bulk expire in
	// flight, the silence form opened here, the author of a new silence
	// (silences_bulk.go).
	marked map[string]bool
	bulk   *bulkExpire
	form   views.Stack
	whoami func() string

	// layout, computed in SetSize
	matchW, byW, commentW, endsW, countW, stateW int
}

// UnsentWork implements views.Screen: the silence being typed in the form
// opened here.
func (s *Silences) UnsentWork() string { return s.form.UnsentWork() }

// NewSilences returns the silences screen.
func NewSilences(ctx *views.Context, opts ...views.Option) *Silences {
	s := &Silences{ctx: ctx, whoami: views.Applied(opts).Whoami, pending: map[string]inflight{}, marked: map[string]bool{}}
	s.list = widget.NewList(func(si query.Silence) string { return si.ID }, s.tableHeight)
	s.SetSize(80, 20)
	return s
}

// Title implements views.Screen.
func (s *Silences) Title() string { return "Silences" }

// Capturing implements views.Screen: the filter prompt, the expire question and
// the extend prompt own the keyboard.
func (s *Silences) Capturing() bool {
	return s.list.Prompt.IsOpen() || s.ask.Capturing() || s.form.Capturing()
}

// Extending is the extend chooser while it is open, or nil.
func (s *Silences) Extending() *ExtendChooser { c, _ := views.Find[*ExtendChooser](&s.ask); return c }

// DetailOpen reports whether the selected silence is shown in full.
func (s *Silences) DetailOpen() bool { return !s.detail.Empty() }

// Rows returns the silences as shown.
func (s *Silences) Rows() []query.Silence { return s.list.Items() }

// Selected returns the silence under the cursor.
func (s *Silences) Selected() (query.Silence, bool) { return s.list.Selected() }

// ShowingExpired reports whether expired silences are listed.
func (s *Silences) ShowingExpired() bool { return s.showExpired }

// SetSize implements views.Screen and decides which columns fit.
func (s *Silences) SetSize(w, h int) {
	s.width, s.height = max(w, 0), max(h, 0)
	s.layout()
	s.ask.SetSize(s.width, s.height)
	s.form.SetSize(s.width, s.height)
	s.list.Clamp()
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

// Update implements views.Screen.
func (s *Silences) Update(msg tea.Msg) (views.Component, tea.Cmd) {
	switch msg := msg.(type) {
	case views.SourcesMsg:
		s.noAM = !msg.Alertmanager
		return s, nil
	case views.AlertsMsg:
		s.ackErr = ackErr(msg) // ackuntil.go
		s.onAlerts(msg)
		s.routing = routingFrom(msg)
		return s, s.form.Broadcast(alertsData{all: s.alerts, silences: s.all, routing: s.routing})
	case views.SilenceResultMsg:
		if cmd, ok := s.onBulkResult(msg); ok {
			return s, cmd
		}
		return s, tea.Batch(s.onResult(msg), s.form.Broadcast(msg))
	case tea.KeyPressMsg:
		switch {
		case !s.form.Empty():
			return s, s.form.Update(msg)
		case !s.ask.Empty():
			return s, s.ask.Update(msg)
		case s.list.Prompt.IsOpen():
			return s, s.list.Prompt.Key(msg, s.ctx.Keys, s.applyFilter)
		case !s.detail.Empty():
			if cmd, ok := s.actionKey(msg); ok {
				return s, cmd
			}
			return s, s.detail.Update(msg)
		}
		return s, s.handleKey(msg)
	}
	switch {
	case !s.form.Empty():
		return s, s.form.Update(msg)
	case !s.ask.Empty():
		return s, s.ask.Update(msg) // a paste cannot confirm
	case s.list.Prompt.IsOpen():
		return s, s.list.Prompt.Update(msg, s.applyFilter)
	}
	return s, nil
}

func (s *Silences) onAlerts(msg views.AlertsMsg) {
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
	query.SortSilences(s.all)
	s.at = msg.At
	for id := range s.pending {
		s.busy(id) // forgets the stale ones
	}
	s.haveData = true
	s.forgetGoneMarks()
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

func (s *Silences) onResult(msg views.SilenceResultMsg) tea.Cmd {
	req := msg.Request
	if req.Op != views.OpExpire && req.Op != views.OpExtend {
		return nil
	}
	id := text.Sanitize(req.Silence.ID)
	delete(s.pending, req.Silence.ID)
	verified := ""
	if !msg.Verified {
		verified = " (not verified: could not read it back)"
	}
	if req.Op == views.OpExpire {
		if msg.Err != nil {
			return views.Flash("expire "+id+" failed: "+text.Sanitize(msg.Err.Error()), true)
		}
		return views.Flash("expired: "+id+verified, false)
	}
	if msg.Err != nil {
		return views.Flash("extend "+id+" failed: "+text.Sanitize(msg.Err.Error()), true)
	}
	newID := text.Sanitize(msg.ID)
	if msg.ID != "" && msg.ID != req.Silence.ID {
		if s.list.SelectedKey() == req.Silence.ID {
			s.list.Follow(msg.ID) // the replacement, after the next refresh
		}
		return views.Flash("extended: new id "+newID+" replaces "+id+verified, false)
	}
	return views.Flash("extended: "+id+" until "+formatClock(s.ctx.Now(), req.NewEnd)+verified, false)
}

// applyFilter is the prompt's: every text is a filter, but expiring:
// needs a duration.
func (s *Silences) applyFilter(f string, _ bool) bool {
	pf, err := parseSilenceFilter(f)
	if err != nil {
		// The last good filter stays applied.
		s.filterErr = text.Sanitize(err.Error())
		return false
	}
	s.filter, s.terms, s.filterErr = strings.TrimSpace(f), pf, ""
	s.rebuild()
	return true
}

// matches reports whether a silence passes the text filter: every word in
// its matchers, author, comment or id, ignoring case.
func (s *Silences) matches(si *query.Silence) bool {
	if s.filter == "" {
		return true
	}
	if !s.terms.matchesTerms(si, s.ctx.Now()) {
		return false
	}
	hay := strings.ToLower(s.matcherText(si) + "\x00" + si.CreatedBy + "\x00" + si.Comment + "\x00" + si.ID)
	for _, w := range s.terms.words {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

func (s *Silences) rebuild() {
	rows := make([]query.Silence, 0, len(s.all))
	for i := range s.all {
		si := &s.all[i]
		if si.Expired() && !s.showExpired {
			continue
		}
		if s.matches(si) {
			rows = append(rows, *si)
		}
	}
	s.mshow = make(map[string]string, len(rows))
	for id, ms := range varyingMatchersFirst(rows) {
		s.mshow[id] = query.FormatMatchers(ms)
	}
	was := s.list.SelectedKey()
	s.list.SetItems(rows)
	if s.list.SelectedKey() != was {
		s.detail.Clear() // the silence shown in full is gone
	}
	if si, ok := s.list.Selected(); ok {
		s.detail.Broadcast(silenceShown{si: si, alerts: s.alerts, ackErr: s.ackErr})
	}
	s.layout()
	s.list.Clamp()
}

func (s *Silences) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.ctx.Keys
	if _, ok := s.list.Key(msg, k, s.filter, s.applyFilter); ok {
		return nil
	}
	switch {
	case key.Matches(msg, k.Mark):
		return s.toggleMark()
	case key.Matches(msg, k.NewSilence):
		return s.openNewSilence()
	case key.Matches(msg, k.Expire) && len(s.marked) > 0:
		return s.startBulkExpire()
	case key.Matches(msg, k.ShowExpired):
		return views.Toggle(&s.showExpired, s.rebuild, "showing expired silences too", "hiding expired silences")
	case key.Matches(msg, k.Open):
		if si, ok := s.Selected(); ok {
			d := newSilenceDetail(s.ctx, si, s.alerts)
			d.ackErr = s.ackErr
			s.detail.Push(d)
		}
	default:
		cmd, _ := s.actionKey(msg)
		return cmd
	}
	return nil
}

// actionKey handles the keys that act on the selected silence, the same in
// the list and in its detail: expire, extend, copy its id; a writing key
// in read-only mode is refused with a flash. ok is false for other keys.
func (s *Silences) actionKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := s.ctx.Keys
	switch {
	case key.Matches(msg, k.Expire):
		return s.startExpire(), true
	case key.Matches(msg, k.Extend):
		return s.startExtend(), true
	case key.Matches(msg, k.Copy):
		if si, ok := s.Selected(); ok {
			id := si.ID
			return func() tea.Msg { return views.CopyMsg{Text: id, What: "silence id"} }, true
		}
		return nil, true
	}
	cmd := readOnlyRefusal(k, msg)
	return cmd, cmd != nil
}

// inflight is a request sent and not answered yet.
type inflight struct {
	op views.SilenceOp
	at time.Time
}

// busy reports whether a request about the silence is still awaited. The
// root answers every request within its deadline; one unanswered for much
// longer is forgotten, so that the silence never stays locked.
func (s *Silences) busy(id string) (views.SilenceOp, bool) {
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
	return 2*s.ctx.Settings.AlertmanagerTimeout + 5*time.Second
}

func (s *Silences) startExpire() tea.Cmd {
	si, cmd, ok := s.target("expiring silences", func(si query.Silence) tea.Cmd {
		if si.Expired() {
			return views.Flash("silence "+text.Sanitize(si.ID)+" has already expired", false)
		}
		return nil
	})
	if ok {
		ask := "expire silence " + text.Sanitize(si.ID) + " " + text.Sanitize(query.FormatMatchers(si.Matchers))
		s.ask.Push(newConfirm(s.ctx, ask, func() tea.Cmd { return s.send(views.SilenceRequestMsg{Op: views.OpExpire, Silence: si}) }))
	}
	return cmd
}

// target is the selected silence a write would act on, or the flash that
// refuses it: read-only mode, check's refusal, a request about it still
// on its way.
func (s *Silences) target(what string, check func(query.Silence) tea.Cmd) (query.Silence, tea.Cmd, bool) {
	if s.ctx.Settings.ReadOnly {
		return query.Silence{}, views.Flash("read-only: "+what+" is disabled (ui.read_only)", true), false
	}
	si, ok := s.Selected()
	if !ok {
		return si, nil, false
	}
	if check != nil {
		if cmd := check(si); cmd != nil {
			return si, cmd, false
		}
	}
	if op, busy := s.busy(si.ID); busy {
		return si, views.Flash(fmt.Sprintf("silence %s: %s already on its way", text.Sanitize(si.ID), op), false), false
	}
	return si, nil, true
}

// send notes a request as in flight and sends it.
func (s *Silences) send(req views.SilenceRequestMsg) tea.Cmd {
	s.pending[req.Silence.ID] = inflight{op: req.Op, at: s.ctx.Now()}
	return func() tea.Msg { return req }
}

func (s *Silences) startExtend() tea.Cmd {
	si, cmd, ok := s.target("extending silences", nil)
	if ok {
		s.ask.Push(NewExtendChooser(s.ctx, si, s.send))
	}
	return cmd
}

// Notes implements views.Screen.
func (s *Silences) Notes() []string {
	k, key := s.ctx.Keys, widget.Key
	return []string{
		"Active and pending silences, from anyone; " + key(k.ShowExpired) + " lists the expired ones too.",
		"MATCHES is how many current alerts the silence's matchers select.",
		key(k.Expire) + " expires a silence after a confirmation. " + key(k.Extend) + " extends it: " + widget.Arrows(k.PresetPrev, k.PresetNext) +
			" pick a preset (+15m, +1h, +4h, +1d) or type a duration; the new end shows before " + key(k.Apply) + " sends it.",
		"Alertmanager may replace an extended silence with a new id: the flash says so.",
		key(k.Mark) + " marks silences; " + key(k.Expire) + " then expires every marked one after one confirmation naming how many.",
		key(k.NewSilence) + " makes a silence from matchers alone (amtool's syntax); the preview says what they select now, none included.",
		"The filter takes words (in matchers, author, comment, id), by:TEXT (author contains TEXT) and expiring:DURATION (active, ending within it), all at once: by:alice expiring:1h.",
	}
}

// ShortHelp implements help.KeyMap.
func (s *Silences) ShortHelp() []key.Binding {
	k := s.ctx.Keys
	switch {
	case !s.form.Empty():
		return s.form.Top().ShortHelp()
	case !s.ask.Empty():
		return s.ask.Top().ShortHelp()
	case s.list.Prompt.IsOpen():
		return []key.Binding{k.Apply, k.Cancel}
	case !s.detail.Empty():
		return s.detail.Top().ShortHelp()
	}
	return []key.Binding{k.Filter, k.Expire, k.Mark, k.NewSilence, k.Extend, k.ShowExpired, k.Open, k.Help}
}

// FullHelp implements help.KeyMap.
func (s *Silences) FullHelp() [][]key.Binding {
	k := s.ctx.Keys
	if !s.form.Empty() {
		return s.form.Top().FullHelp()
	}
	return [][]key.Binding{
		k.Navigation(),
		{k.Filter, k.Back, k.ShowExpired, k.Open, k.Copy},
		{k.Expire, k.Mark, k.Extend, k.NewSilence},
	}
}
