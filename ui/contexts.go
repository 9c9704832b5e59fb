package ui

import (
	"context"
	"fmt"
	"image/color"
	"reflect"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/vigilterm/vigil/themes"
	alertingview "github.com/vigilterm/vigil/views/alerting"
	"github.com/vigilterm/vigil/views/keys"
	"github.com/vigilterm/vigil/views/text"
)

// ContextSpec is one context of a console of several (the default one and
// each [[contexts]] of the configuration).
type ContextSpec struct {
	Name string
	// Refresh is how often the count of its firing alerts is asked while
	// it is not shown.
	Refresh time.Duration
	// Timeout bounds one count.
	Timeout time.Duration
	// Build makes the context's console (its clients, the detection of its
	// metrics' shape): called once, in a command, the first time the
	// context is shown; the console is kept from then on.
	Build func() (*Model, error)
	// Count asks the number of its firing alerts with one request
	// (Alertmanager's, else Prometheus's ALERTS); nil: unknown.
	Count func(ctx context.Context) (int, error)
	// Alerts reads its alerts for the list of all contexts (A): every
	// peer of its Alertmanager cluster, else its Prometheus; nil: unknown.
	Alerts ListAlerts
}

// ctxState is what is known of a context not shown: its last count.
type ctxState struct {
	known    bool // a count answered
	firing   int
	err      error // the last count failed
	inflight bool
	asked    time.Time // when the last count was started
}

// Contexts is the root model of a console of several contexts: it holds
// one *Model per context, built the first time it is shown and kept, and
// forwards messages to the one shown. The others run no pollers but a
// count of their firing alerts once per refresh, for the header and the
// list of contexts (C). The messages of each context's commands are tagged
// with the context, so that an answer reaches the console that asked.
type Contexts struct {
	specs    []ContextSpec
	models   []*Model
	building []bool
	buildErr []error
	state    []ctxState
	active   int
	width    int
	height   int
	now      func() time.Time

	picking bool // the list of contexts is open
	cursor  int

	// The alerts of all contexts (ui/contexts_all.go).
	all      *alertingview.AllAlerts
	allOpen  bool
	allState []ctxState
	waiting  *focusWait // an alert to open once its context is built
}

// ctxMsg is a message of context i's commands.
type ctxMsg struct {
	i   int
	msg tea.Msg
}

// ctxBuiltMsg is a context's console, built.
type ctxBuiltMsg struct {
	i   int
	m   *Model
	err error
}

// ctxCountMsg is the answer of a context's count of firing alerts.
type ctxCountMsg struct {
	i   int
	n   int
	err error
}

// ctxTickMsg is the root's heartbeat: it starts the counts that are due.
type ctxTickMsg time.Time

// NewContexts builds the root of a console of several contexts. first is
// the console of specs[active], built already (so that its errors stop
// vigil before the screen opens).
func NewContexts(specs []ContextSpec, active int, first *Model) *Contexts {
	r := &Contexts{
		specs: specs, active: active,
		models: make([]*Model, len(specs)), building: make([]bool, len(specs)),
		buildErr: make([]error, len(specs)), state: make([]ctxState, len(specs)),
		now: time.Now, width: 80, height: 24,
	}
	r.install(active, first)
	return r
}

// install keeps a built console.
func (r *Contexts) install(i int, m *Model) {
	r.models[i] = m
	m.join(siblingsOf{r: r, self: i})
	if i != r.active {
		m.hide()
	}
	m.SetSize(r.width, r.height)
	r.now = m.now
}

// The console's side of Contexts: Contexts tells a console it has
// siblings, hides it and shows it again, and never sets its fields.

// join tells the console of the other contexts' consoles.
func (m *Model) join(o siblings) { m.others = o }

// hide stops the console's polls while something else is shown (another
// context, or all contexts' alerts); its screens keep their state.
func (m *Model) hide() { m.hidden = true }

// reveal shows the console again at the size given and refreshes it at
// once. With a Team, what its shared pollers heard while it was hidden
// comes first.
func (m *Model) reveal(width, height int) tea.Cmd {
	m.hidden = false
	m.SetSize(width, height)
	return tea.Batch(m.takeShared(), m.pollAll(m.now(), true))
}

// siblings is what one context's console knows of the others' (nil with
// one context): the header's summary of them, and their unsent work, so
// that a quit asks about it too.
type siblings interface {
	summary() string
	unsent() string
}

// siblingsOf are the consoles of r other than self.
type siblingsOf struct {
	r    *Contexts
	self int
}

func (s siblingsOf) summary() string { return s.r.othersText(s.self) }
func (s siblingsOf) unsent() string  { return s.r.unsentElsewhere(s.self) }

// unsentElsewhere names the first unsent work of a context other than
// self: "the silence form's comment in prod-us".
func (r *Contexts) unsentElsewhere(self int) string {
	for i, m := range r.models {
		if i == self || m == nil {
			continue
		}
		if w := m.ownUnsentWork(); w != "" {
			return w + " in " + r.specs[i].Name
		}
	}
	return ""
}

// Active is the name of the context shown.
func (r *Contexts) Active() string { return r.specs[r.active].Name }

// Discarded names the unsent work a quit threw away, in any context (the
// console that quit names the others' too).
func (r *Contexts) Discarded() string {
	var out []string
	for _, m := range r.models {
		if m != nil && m.Discarded() != "" {
			out = append(out, m.Discarded())
		}
	}
	return strings.Join(out, "; ")
}

// Init starts the shown console and the root's heartbeat.
func (r *Contexts) Init() tea.Cmd {
	return tea.Batch(tagCmd(r.active, r.models[r.active].Init()), r.heartbeat())
}

func (r *Contexts) heartbeat() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return ctxTickMsg(t) })
}

// teaPkg is bubbletea's package: its messages (quit, a sequence, the
// clipboard) are for the program, never tagged.
var teaPkg = reflect.TypeFor[tea.QuitMsg]().PkgPath()

// tagCmd makes cmd's message (and those of a batch it returns) context i's.
func tagCmd(i int, cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg {
		msg := cmd()
		switch msg := msg.(type) {
		case nil:
			return nil
		case tea.BatchMsg:
			out := make(tea.BatchMsg, 0, len(msg))
			for _, c := range msg {
				if c != nil {
					out = append(out, tagCmd(i, c))
				}
			}
			return out
		}
		t := reflect.TypeOf(msg)
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.PkgPath() == teaPkg {
			return msg
		}
		return ctxMsg{i: i, msg: msg}
	}
}

// forward gives msg to context i's console.
func (r *Contexts) forward(i int, msg tea.Msg) tea.Cmd {
	m := r.models[i]
	if m == nil {
		return nil
	}
	_, cmd := m.Update(msg)
	return tagCmd(i, cmd)
}

// Update routes: a context's messages to its console, sizes to every
// console, C to the list of contexts, the rest to the console shown.
func (r *Contexts) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case ctxMsg:
		return r, r.forward(msg.i, msg.msg)
	case ctxBuiltMsg:
		r.building[msg.i] = false
		if msg.err != nil {
			r.buildErr[msg.i] = msg.err
			return r, nil
		}
		r.install(msg.i, msg.m)
		cmd := tagCmd(msg.i, msg.m.Init())
		if w := r.waiting; w != nil && w.i == msg.i {
			r.waiting = nil
			cmd = tea.Batch(cmd, r.focus(w.i, w.key))
		}
		return r, cmd
	case allAnswerMsg:
		return r, r.onAllAnswer(msg)
	case alertingview.OpenContextAlertMsg:
		return r, r.openAlert(msg)
	case ctxCountMsg:
		s := &r.state[msg.i]
		s.inflight = false
		s.err = msg.err
		if msg.err == nil {
			s.known, s.firing = true, msg.n
		}
		return r, nil
	case ctxTickMsg:
		if r.allOpen {
			return r, tea.Batch(r.heartbeat(), r.allDue(time.Time(msg)))
		}
		return r, tea.Batch(r.heartbeat(), r.countsDue(time.Time(msg)))
	case tea.WindowSizeMsg:
		r.width, r.height = msg.Width, msg.Height
		if r.all != nil {
			r.all.SetSize(msg.Width, msg.Height)
		}
		var cmds []tea.Cmd
		for i, m := range r.models {
			if m != nil {
				cmds = append(cmds, r.forward(i, msg))
			}
		}
		return r, tea.Batch(cmds...)
	case tea.PasteMsg:
		if r.allOpen {
			return r, r.all.Update(msg)
		}
	case tea.KeyPressMsg:
		if r.picking {
			return r, r.pickKey(msg)
		}
		if r.allOpen {
			return r, r.allKey(msg)
		}
		m := r.models[r.active]
		if m == nil {
			// The context is starting or failed: C and quit still work.
			switch {
			case key.Matches(msg, r.keys().Contexts):
				r.openPicker()
			case key.Matches(msg, r.keys().Quit, r.keys().Interrupt):
				return r, tea.Quit
			}
			return r, nil
		}
		if key.Matches(msg, m.ctx.Keys.Contexts) && !m.capturing() {
			r.openPicker()
			return r, nil
		}
		if key.Matches(msg, m.ctx.Keys.AllAlerts) && !m.capturing() {
			return r, r.openAll()
		}
	}
	return r, r.forward(r.active, msg)
}

// keys are the key bindings of the first console built.
func (r *Contexts) keys() *keys.KeyMap {
	for _, m := range r.models {
		if m != nil {
			return m.ctx.Keys
		}
	}
	return nil
}

func (r *Contexts) openPicker() {
	r.picking, r.cursor = true, r.active
}

func (r *Contexts) pickKey(msg tea.KeyPressMsg) tea.Cmd {
	k := r.keys()
	switch {
	case key.Matches(msg, k.Interrupt):
		r.picking = false
		return r.forward(r.active, msg)
	case key.Matches(msg, k.Back, k.Contexts, k.Quit):
		r.picking = false
	case key.Matches(msg, k.Up):
		r.cursor = (r.cursor + len(r.specs) - 1) % len(r.specs)
	case key.Matches(msg, k.Down):
		r.cursor = (r.cursor + 1) % len(r.specs)
	case key.Matches(msg, k.Open):
		r.picking = false
		return r.Switch(r.cursor)
	case key.Matches(msg, k.AllAlerts):
		r.picking = false
		return r.openAll()
	}
	return nil
}

// Switch shows context i: at once when its console is built (its screens,
// cursor and filter as they were; a refresh is started), else once it is.
func (r *Contexts) Switch(i int) tea.Cmd {
	if i < 0 || i >= len(r.specs) || i == r.active {
		return nil
	}
	if old := r.models[r.active]; old != nil {
		old.hide()
	}
	r.active = i
	m := r.models[i]
	if m == nil {
		if r.building[i] {
			return nil
		}
		r.building[i], r.buildErr[i] = true, nil
		build := r.specs[i].Build
		return func() tea.Msg {
			m, err := build()
			return ctxBuiltMsg{i: i, m: m, err: err}
		}
	}
	return tagCmd(i, m.reveal(r.width, r.height))
}

// countsDue starts the count of each context not shown whose last one is
// a refresh old.
func (r *Contexts) countsDue(now time.Time) tea.Cmd {
	var cmds []tea.Cmd
	for i, sp := range r.specs {
		s := &r.state[i]
		if i == r.active || sp.Count == nil || s.inflight || now.Sub(s.asked) < sp.Refresh {
			continue
		}
		s.inflight, s.asked = true, now
		count, timeout := sp.Count, sp.Timeout
		cmds = append(cmds, request(timeout, func(ctx context.Context) tea.Msg {
			n, err := count(ctx)
			return ctxCountMsg{i: i, n: n, err: err}
		}))
	}
	return tea.Batch(cmds...)
}

// summary is context i's state and firing count: ● live, ✕ down, ? not
// known yet; the count is -1 when not known.
func (r *Contexts) summary(i int) (mark string, firing int) {
	if i == r.active {
		if m := r.models[i]; m != nil {
			return m.liveMark(), m.firingCount()
		}
	}
	s := r.state[i]
	switch {
	case s.err != nil:
		return "✕", -1
	case s.known:
		return "●", s.firing
	}
	return "?", -1
}

// othersText is the header's summary of the contexts not shown, from the
// console of context self: " │ prod-us ●3 staging ✕".
func (r *Contexts) othersText(self int) string {
	m := r.models[self]
	if m == nil || len(r.specs) < 2 {
		return ""
	}
	st := m.ctx.Styles
	var b strings.Builder
	b.WriteString(st.Muted.Render(" │"))
	for i, sp := range r.specs {
		if i == self {
			continue
		}
		mark, n := r.summary(i)
		b.WriteString(" " + st.Muted.Render(text.Sanitize(sp.Name)+" "))
		switch {
		case mark == "✕":
			b.WriteString(st.StateDown.Render("✕"))
		case mark == "?":
			b.WriteString(st.Muted.Render("?"))
		case n > 0:
			b.WriteString(st.Firing.Render(fmt.Sprintf("●%d", n)))
		default:
			b.WriteString(st.StateLive.Render(fmt.Sprintf("●%d", n)))
		}
	}
	return b.String()
}

// View draws the console shown, or the list of contexts over it.
func (r *Contexts) View() tea.View {
	m := r.models[r.active]
	if r.allOpen && !r.picking {
		v := tea.NewView(r.all.View())
		v.AltScreen = true
		v.WindowTitle = "vigil · alerts of all contexts"
		return v
	}
	if !r.picking && m != nil {
		return m.View()
	}
	v := tea.NewView(r.render())
	v.AltScreen = true
	v.WindowTitle = "vigil"
	return v
}

func (r *Contexts) render() string {
	var st *themes.Styles
	for _, m := range r.models {
		if m != nil {
			st = m.ctx.Styles
			break
		}
	}
	w, h := max(r.width, 1), max(r.height, 1)
	var lines []string
	if !r.picking {
		sp := r.specs[r.active]
		l := "vigil · " + text.Sanitize(sp.Name) + ": starting…"
		if err := r.buildErr[r.active]; err != nil {
			l = "vigil · " + text.Sanitize(sp.Name) + ": cannot start: " + text.Sanitize(err.Error())
			lines = append(lines, st.Error.Render(text.Fit(l, w)))
		} else {
			lines = append(lines, st.Muted.Render(text.Fit(l, w)))
		}
		lines = append(lines, st.Muted.Render(text.Fit(keys.Name(r.keys().Contexts)+" lists the contexts · "+keys.Name(r.keys().Quit)+" quits", w)))
		return strings.Join(lines, "\n")
	}
	k := r.keys()
	lines = append(lines, st.Title.Render(text.Fit("Contexts", w)))
	lines = append(lines, st.Muted.Render(text.Fit(keys.Name(k.Open)+" switches · "+keys.Name(k.AllAlerts)+" alerts of all · "+keys.Name(k.Back)+" closes · ● live ✕ down ? unknown · ●N firing", w)))
	for i, sp := range r.specs {
		mark, n := r.summary(i)
		count := "firing ?"
		if n >= 0 {
			count = fmt.Sprintf("firing %d", n)
		}
		state := map[string]string{"●": "● live", "✕": "✕ down", "?": "? unknown"}[mark]
		if i == r.active && mark == "?" && r.models[i] == nil {
			state = "? starting"
		}
		// The cause gets the next line, whole (wrapped), under the row.
		var cause string
		if err := r.buildErr[i]; err != nil {
			state, cause = "✕ cannot start", err.Error()
		} else if err := r.state[i].err; err != nil && i != r.active {
			state, cause = "✕ down", err.Error()
		}
		cur := "  "
		if i == r.cursor {
			cur = "▸ "
		}
		shown := ""
		if i == r.active {
			shown = " (shown)"
		}
		l := fmt.Sprintf("%s%-16s %-10s %s%s", cur, text.Sanitize(sp.Name), count, text.Sanitize(state), shown)
		l = text.Fit(l, w)
		switch {
		case i == r.cursor:
			l = st.RowSelected.Render(l)
		case strings.HasPrefix(state, "✕"):
			l = st.StateDown.Render(l)
		}
		lines = append(lines, l)
		if cause != "" {
			for _, c := range text.WrapWords(text.Sanitize(cause), max(w-4, 10)) {
				lines = append(lines, st.StateDown.Render(text.Fit("    "+c, w)))
			}
		}
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	return strings.Join(lines, "\n")
}

// contextName is the context's name in the header: in the critical colour
// when it is protected, in its accent colour when it has one.
func (m *Model) contextName() string {
	cfg, st := m.cfg, m.ctx.Styles
	name := text.Sanitize(cfg.Context)
	switch {
	case cfg.Protected:
		return st.Crit.Bold(true).Render(name)
	case cfg.Accent != "":
		// Only where the theme has colours (not mono, not NO_COLOR).
		if _, none := st.Accent.GetForeground().(lipgloss.NoColor); !none {
			var c color.Color = lipgloss.Color(cfg.Accent)
			return st.Accent.Foreground(c).Render(name)
		}
	}
	return name
}

// capturing reports whether a prompt, a form or help owns the keyboard.
func (m *Model) capturing() bool {
	return m.top() != nil || m.activeTab().top().Capturing()
}

// liveMark is the console's connection state: ● live, ✕ down, ? not yet.
func (m *Model) liveMark() string {
	switch m.figures().conn() {
	case connLive:
		return "●"
	case connStale, connDown:
		return "✕"
	}
	return "?"
}

// firingCount is the number of firing alerts the console shows, -1 while
// no source has answered.
func (m *Model) firingCount() int { return m.alertsOf().firing() }
