// Package ui is the console's root model. It routes messages to the
// screens, lays out the header and footer, and composes the pollers that
// keep the screens' data fresh. Each screen's file declares its spec (see
// screens in spec.go) and owns its messages and its polls; all I/O runs in
// tea.Cmds under a poller's deadline.
package ui

import (
	"log/slog"
	"net/url"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/views"
	alertingview "github.com/vigilterm/vigil/views/alerting"
	"github.com/vigilterm/vigil/views/keys"
)

// MinWidth and MinHeight are the smallest usable terminal size; below it
// the console shows a "too small" note instead of a broken screen.
const (
	MinWidth  = 40
	MinHeight = 10
)

// flashTTL is how long a flash message stays in the footer.
const flashTTL = 5 * time.Second

// Model is the root model.
type Model struct {
	ctx *views.Context
	// cfg is the configuration of the console's context; the screens get
	// its values as ctx.Settings.
	cfg    *vigil.Config
	log    *slog.Logger
	opts   Options // the sources, for the screens' parts
	width  int
	height int

	tabs   []*tab
	active int
	parts  []part
	// overlays open over any screen and take the keys first while open
	// (ui/overlay.go): the help, the PromQL and note prompts, the confirm.
	overlays []overlay

	// keysLine draws the footer's keys.
	keysLine help.Model
	// pausedAt is when r paused the refreshes; zero while they run.
	pausedAt time.Time
	// flash is the footer's passing message.
	flash flash

	// quitting is the question an interrupt asks before it discards work.
	quitting quitState

	// hidden is set while another context is shown (ui/contexts.go): the
	// heartbeat then starts no polls. others are the other contexts'
	// consoles; nil with one context.
	hidden bool
	others siblings

	// link ties the console to its Team (ui/team*.go); nil alone.
	link *teamLink

	// refused is why a key that opens a place to type in was refused;
	// while set, keys are dropped (ui/refused.go).
	refused string
}

// New builds the root model.
func New(o Options) *Model {
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if o.Identity == "" {
		o.Identity = alertingview.SystemUser()
	}
	if o.Config == nil {
		d := vigil.Defaults()
		o.Config = &d
	}
	o.Context.Settings = ViewSettings(o.Config)
	m := &Model{ctx: o.Context, cfg: o.Config, log: logger, keysLine: help.New()}
	m.linkTeam(&o) // ui/teammodel.go
	m.opts = o
	confirm := newConfirmPart(m)
	o.Context.HeldWrite = confirm.held
	if p := o.Principal; p != nil {
		// The silence service signs a served person's silences with
		// their key's name: the form shows that name, not a field.
		o.Context.SignedBy = func() string { return p.Current().Name }
	}
	if !o.Context.Keys.HasScreens() { // a context made with keys.New
		setScreenKeys(o.Context.Keys)
	}
	m.buildTabs()
	m.overlays = []overlay{&helpPart{m: m}, newPromQL(m, o), newNotePart(m), confirm}
	for _, o := range m.overlays {
		m.parts = append(m.parts, o)
	}
	m.parts = append(m.parts, outside{m: m, inTmux: o.InTmux})
	st := o.Context.Styles
	m.keysLine.Styles.ShortKey, m.keysLine.Styles.ShortDesc, m.keysLine.Styles.ShortSeparator = st.HelpKey, st.HelpDesc, st.Muted
	m.SetSize(80, 24)
	return m
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return u.Host + strings.TrimSuffix(u.Path, "/")
}

// tickMsg is the heartbeat: once a second it clears flashes and starts the
// polls that are due.
type tickMsg time.Time

func (m *Model) now() time.Time { return m.ctx.Now() }

// Init starts the first polls and the heartbeat.
func (m *Model) Init() tea.Cmd {
	// With a Team, only what is due: a console that joins starts from
	// what the others' shared pollers last heard (ui/teampoll.go).
	return tea.Batch(m.pollAll(m.now(), !m.link.shares()), heartbeat(), m.teamWait())
}

func heartbeat() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// Update routes messages: sizes, the heartbeat and keys to the root, a
// part's messages to the part, the rest to the screen shown.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := m.update(msg)
	m.syncWhere() // ui/teammodel.go
	return m, cmd
}

func (m *Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m.isTooSmall() {
		// Nothing but the "too small" note is on screen: keys and pastes
		// must not act on what cannot be seen. Only quit and help act.
		switch msg := msg.(type) {
		case tea.KeyPressMsg:
			return m, m.tooSmallKey(msg)
		case tea.PasteMsg, tea.PasteStartMsg, tea.PasteEndMsg:
			return m, nil
		}
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.SetSize(msg.Width, msg.Height)
		return m, nil
	case tickMsg:
		now := m.now()
		if m.flash.text != "" && now.After(m.flash.expire) {
			m.flash = flash{}
		}
		cmds := []tea.Cmd{heartbeat()}
		if !m.paused() && !m.hidden {
			cmds = append(cmds, m.pollAll(now, false))
		}
		return m, tea.Batch(cmds...)
	case tea.KeyPressMsg:
		return m, m.onKey(msg)
	case views.FlashMsg:
		m.setFlash(msg.Text, msg.Error)
		return m, nil
	case teamWokeMsg:
		return m, m.onTeamWoke(msg)
	}
	for _, p := range m.parts {
		if cmd, ok := p.update(msg); ok {
			return m, cmd
		}
	}
	// Anything else (cursor blinks, pastes) goes to the screen shown.
	return m, m.activeTab().update(msg)
}

// isTooSmall reports whether the terminal is below the usable size.
func (m *Model) isTooSmall() bool { return m.width < MinWidth || m.height < MinHeight }

// tooSmallKey handles a key while the terminal is too small: quit and
// help; every other key is dropped.
func (m *Model) tooSmallKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.ctx.Keys
	switch {
	case key.Matches(msg, k.Interrupt, k.Quit):
		return m.quit()
	default:
		for _, o := range m.overlays {
			if t, ok := o.(toggler); ok && t.toggle(msg) {
				break
			}
		}
	}
	m.quitting.asked = false
	return nil
}

// quit ends the program, unless that would throw away unsent work (a
// silence being typed) and the person has not been asked yet: then it
// asks, and the next interrupt quits.
func (m *Model) quit() tea.Cmd {
	work := m.unsentWork()
	if work != "" && !m.quitting.asked {
		m.quitting.asked = true
		return nil
	}
	m.quitting.discarded = work
	return tea.Quit
}

// Discarded names the unsent work the quit threw away, or "": the program
// exits with an error then, so that it never looks like a clean exit.
func (m *Model) Discarded() string { return m.quitting.discarded }

// quitState: asked is set by an interrupt that would discard unsent work;
// a second one quits, any other key keeps the work. discarded names the
// work a quit threw away, for the exit status.
type quitState struct {
	asked     bool
	discarded string
}

func (m *Model) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.ctx.Keys
	if key.Matches(msg, k.Interrupt) {
		return m.quit()
	}
	// Any other key keeps the work and does what it does.
	m.quitting.asked = false
	if m.refused != "" {
		return m.refusedKey(msg)
	}
	if o := m.top(); o != nil {
		return o.key(msg)
	}
	t := m.activeTab()
	if !t.top().Capturing() {
		if why, ok := m.typingRefused(msg); ok {
			m.refuseTyping(why)
			return nil
		}
		switch {
		case key.Matches(msg, k.Quit):
			return m.quit()
		case key.Matches(msg, k.Refresh):
			if m.figures().status().Inflight {
				m.setFlash("a refresh is still running", false)
				return nil
			}
			return m.pollAll(m.now(), true)
		case key.Matches(msg, k.Pause):
			return m.togglePause()
		case key.Matches(msg, k.NextScreen):
			return m.show((m.active + 1) % len(m.tabs))
		case key.Matches(msg, k.Contexts):
			// With several contexts the root (ui/contexts.go) takes C first.
			m.setFlash("one context only: add [[contexts]] tables to config.toml to switch", false)
			return nil
		}
		for _, o := range m.overlays {
			if cmd, ok := o.opens(msg); ok {
				return cmd
			}
		}
		if cmd, ok := m.teamKeyPress(msg); ok {
			return cmd
		}
		for i, x := range m.tabs {
			if key.Matches(msg, x.key) {
				return m.show(i)
			}
		}
	}
	return t.update(msg)
}

func (m *Model) togglePause() tea.Cmd {
	if !m.paused() {
		m.pausedAt = m.now()
		m.setFlash("paused: data frozen; "+keys.Name(m.ctx.Keys.Pause)+" resumes", false)
		return m.toParts(pausedMsg{paused: true, at: m.pausedAt})
	}
	at := m.pausedAt
	m.pausedAt = time.Time{}
	m.setFlash("resumed", false)
	return tea.Batch(m.toParts(pausedMsg{at: at}), m.takeShared(), m.pollAll(m.now(), true))
}

// paused reports whether r paused the refreshes.
func (m *Model) paused() bool { return !m.pausedAt.IsZero() }

// flash is a passing message in the footer, an error or not, until expire.
type flash struct {
	text   string
	err    bool
	expire time.Time
}

func (m *Model) setFlash(s string, isErr bool) {
	m.flash = flash{text: s, err: isErr, expire: m.now().Add(flashTTL)}
}

// SetSize lays the screens out for a terminal of w×h cells.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = max(w, 0), max(h, 0)
	m.keysLine.SetWidth(m.width)
	ch := max(m.height-3, 0) // two header lines and the footer
	if m.figures().err() != nil {
		ch = max(ch-1, 0)
	}
	if m.targetLine() != "" {
		ch = max(ch-1, 0)
	}
	ch = max(ch-len(m.overlayLines(m.width)), 0)
	ch = max(ch-len(m.refusedLines(m.width)), 0)
	ch = max(ch-len(m.alarmLines()), 0)
	for _, t := range m.tabs {
		for _, s := range t.stack {
			s.SetSize(m.width, ch)
		}
	}
	for _, o := range m.overlays {
		o.setSize(m.width, ch)
	}
}

// View draws the whole screen.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "vigil"
	return v
}

// unsentWork names what was typed on any open component and would be lost
// by a quit now ("" when nothing was), asking each through the contract;
// then the other contexts' (ui/contexts.go).
func (m *Model) unsentWork() string {
	if w := m.ownUnsentWork(); w != "" {
		return w
	}
	if m.others != nil {
		return m.others.unsent()
	}
	return ""
}

// ownUnsentWork is unsentWork in this console alone.
func (m *Model) ownUnsentWork() string {
	for _, o := range m.overlays {
		if w := o.unsent(); w != "" {
			return w
		}
	}
	for _, t := range m.tabs {
		for _, c := range t.stack {
			if w := c.UnsentWork(); w != "" {
				return w
			}
		}
	}
	return ""
}
