// Package ui is the root model of the console: it routes messages to the
// screens, draws the header and footer, and runs the refresh loop. All I/O
// happens in tea.Cmds with a deadline; a refresh still running when the next
// one is due makes it skip.
package ui

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/ui/text"
	"github.com/vigilterm/vigil/views"
)

// MinWidth and MinHeight are the smallest usable terminal size; below it
// the console shows a "too small" note instead of a broken screen.
const (
	MinWidth  = 40
	MinHeight = 10
)

// flashTTL is how long a flash message stays in the footer.
const flashTTL = 5 * time.Second

// firstBackoff is the first wait before a retry when Prometheus is failing.
// The wait doubles and is capped at the refresh interval, so recovery is
// noticed within two intervals.
const firstBackoff = time.Second

// OverviewSource is what the console needs from Prometheus.
type OverviewSource interface {
	Overview(ctx context.Context, s query.Shape) (*query.Overview, error)
	URL() string
}

// BaselineSource is a Prometheus that can also compute a baseline in the
// past, for the overview's ΔERR column.
type BaselineSource interface {
	OverviewAt(ctx context.Context, s query.Shape, at time.Time) (*query.Overview, error)
	BaselineAt(ctx context.Context, s query.Shape, off time.Duration, at time.Time) (*query.Baseline, error)
}

// Options configure the root model.
type Options struct {
	Context    *views.Context
	Prometheus OverviewSource
	// Alertmanager is nil when none is configured.
	Alertmanager AlertSource
	// Pending lists Prometheus's alerts; nil to skip.
	Pending PendingSource
	// Audit records every write to Alertmanager, by AuditUser; nil: none.
	Audit     *query.AuditLog
	AuditUser string
	Logger    *slog.Logger
}

// ScreenID names a top-level screen.
type ScreenID int

// The top-level screens, in tab order.
const (
	ScreenOverview ScreenID = iota
	ScreenAlerts
	ScreenSilences
)

// Conn is the state of the connection to Prometheus.
type Conn int

// Connection states.
const (
	ConnConnecting Conn = iota // no answer yet
	ConnLive                   // the last refresh worked
	ConnStale                  // the last refresh failed; older data is shown
	ConnDown                   // no data at all and the last refresh failed
)

// Model is the root model.
type Model struct {
	ctx    *views.Context
	prom   OverviewSource
	log    *slog.Logger
	width  int
	height int

	screens        []views.Screen
	active         ScreenID
	ov             *views.Overview
	alertsScreen   *views.Alerts
	silencesScreen *views.Silences
	detail         detailState // the endpoint detail screen (ui/detail.go)
	panels         panelsState // the custom panels screen (ui/panels.go)
	promql         promqlState // the PromQL prompt overlay (ui/promql.go)

	// alerts
	am              AlertSource
	pending         PendingSource
	audit           *query.AuditLog
	auditUser       string
	alertsInflight  bool
	lastAlertsStart time.Time
	alertsErr       error
	alerts          []query.Alert
	peers           []query.PeerStatus

	showHelp bool
	help     help.Model

	// refresh loop
	paused     bool
	pausedAt   time.Time
	inflight   bool
	lastStart  time.Time
	lastOK     time.Time
	lastTook   time.Duration
	lastErr    error
	failures   int
	retryAt    time.Time
	skipped    int
	totals     query.Totals
	haveTotals bool
	promHost   string

	flash       string
	flashErr    bool
	flashExpire time.Time

	// quitAsked is set by a ctrl+c that would discard unsent work: a
	// second one quits, any other key keeps the work. discarded names the
	// work a quit threw away, for the exit status.
	quitAsked bool
	discarded string
}

// New builds the root model.
func New(o Options) *Model {
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m := &Model{ctx: o.Context, prom: o.Prometheus, am: o.Alertmanager, pending: o.Pending,
		audit: o.Audit, auditUser: o.AuditUser, log: logger, help: help.New()}
	m.ov = views.NewOverview(o.Context)
	m.alertsScreen = views.NewAlerts(o.Context)
	m.silencesScreen = views.NewSilences(o.Context)
	m.screens = []views.Screen{m.ov, m.alertsScreen, m.silencesScreen}
	m.screens = append(m.screens, m.newPanels())
	for _, s := range m.screens {
		s.Update(views.SourcesMsg{Alertmanager: o.Alertmanager != nil})
	}
	m.initPromQL()
	m.help.Styles.ShortKey = o.Context.Styles.HelpKey
	m.help.Styles.ShortDesc = o.Context.Styles.HelpDesc
	m.help.Styles.ShortSeparator = o.Context.Styles.Muted
	m.help.Styles.FullKey = o.Context.Styles.HelpKey
	m.help.Styles.FullDesc = o.Context.Styles.HelpDesc
	if o.Prometheus != nil {
		m.promHost = hostOf(o.Prometheus.URL())
	}
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

// tickMsg is the heartbeat: once a second it updates ages, clears flashes
// and starts a refresh when one is due.
type tickMsg time.Time

// overviewResult is the answer to one refresh.
type overviewResult struct {
	overview *query.Overview
	err      error
	took     time.Duration
}

func (m *Model) now() time.Time { return m.ctx.Now() }

// Init starts the first refresh and the heartbeat.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.startRefresh(), m.startAlertsRefreshNow(), heartbeat())
}

// startAlertsRefreshNow starts an alerts refresh and notes when.
func (m *Model) startAlertsRefreshNow() tea.Cmd {
	cmd := m.startAlertsRefresh()
	if cmd != nil {
		m.lastAlertsStart = m.now()
	}
	return cmd
}

// alertsDue reports whether the heartbeat should refresh the alerts.
func (m *Model) alertsDue(now time.Time) bool {
	return !m.paused && !m.alertsInflight &&
		now.Sub(m.lastAlertsStart) >= m.ctx.Config.UI.Refresh.D()-50*time.Millisecond
}

func heartbeat() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// refreshDue reports whether the heartbeat should start a refresh now.
func (m *Model) refreshDue(now time.Time) bool {
	if m.paused || m.inflight || m.prom == nil {
		return false
	}
	if m.lastErr != nil {
		return !now.Before(m.retryAt)
	}
	return now.Sub(m.lastStart) >= m.ctx.Config.UI.Refresh.D()-50*time.Millisecond
}

// backoff is the wait before retry number n (1-based): 1s, 2s, 4s… capped at
// the refresh interval.
func (m *Model) backoff(n int) time.Duration {
	d := firstBackoff
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, m.ctx.Config.UI.Refresh.D())
}

// startRefresh starts a refresh unless one is still running, in which case
// this one is skipped.
func (m *Model) startRefresh() tea.Cmd {
	if m.prom == nil {
		return nil
	}
	if m.inflight {
		m.skipped++
		return nil
	}
	m.inflight = true
	m.lastStart = m.now()
	src, shape, fixed := m.prom, m.ctx.Config.Shape(), m.shape()
	baseline, _ := m.prom.(BaselineSource)
	off := m.ov.CompareOffset()
	// The client bounds every query with the configured timeout; this
	// deadline bounds the refresh as a whole.
	deadline := m.ctx.Config.Prometheus.Timeout.D() + time.Second
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		start := time.Now()
		if baseline == nil || off == 0 {
			ov, err := src.Overview(ctx, shape)
			return overviewResult{overview: ov, err: err, took: time.Since(start)}
		}
		// With the comparison on, the baseline's queries run alongside the
		// overview's, evaluated at the same time.
		at := time.Now()
		var b *query.Baseline
		var bErr error
		done := make(chan struct{})
		go func() {
			defer close(done)
			// The baseline is over the window the overview shows.
			b, bErr = baseline.BaselineAt(ctx, fixed, off, at)
		}()
		ov, err := baseline.OverviewAt(ctx, shape, at)
		<-done
		if ov != nil {
			if bErr != nil {
				ov.Errors = append(ov.Errors, query.QueryError{Name: "baseline", Err: bErr})
			} else {
				b.Apply(ov.Endpoints)
				ov.Errors = append(ov.Errors, b.Errors...)
			}
		}
		return overviewResult{overview: ov, err: err, took: time.Since(start)}
	}
}

// Update routes messages.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
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
	if cmd, ok := m.updatePromQL(msg); ok {
		return m, cmd
	}
	if cmd, ok := m.updateDetail(msg); ok {
		return m, cmd
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.SetSize(msg.Width, msg.Height)
		return m, nil
	case tickMsg:
		now := m.now()
		if m.flash != "" && now.After(m.flashExpire) {
			m.flash = ""
		}
		cmds := []tea.Cmd{heartbeat()}
		if m.refreshDue(now) {
			cmds = append(cmds, m.startRefresh())
		}
		if m.alertsDue(now) {
			cmds = append(cmds, m.startAlertsRefreshNow())
		}
		cmds = append(cmds, m.detailTick(now))
		cmds = append(cmds, m.panelsTick(now))
		return m, tea.Batch(cmds...)
	case overviewResult:
		return m, m.onOverview(msg)
	case alertsResult:
		cmd := m.onAlerts(msg)
		m.detailOnAlerts()
		return m, cmd
	case views.SilenceRequestMsg:
		return m, m.runSilence(msg)
	case views.SilenceResultMsg:
		return m, m.onSilenceResult(msg)
	case auditFailed:
		// The write happened; say loudly that it is not in the audit log,
		// after the screens' own confirmation.
		text := "audit log not written: " + msg.err.Error()
		return m, tea.Batch(m.onSilenceResult(msg.res), tea.Tick(2*time.Second, func(time.Time) tea.Msg {
			return views.FlashMsg{Text: text, Error: true}
		}))
	case views.JumpToEndpointMsg:
		m.closeDetail()
		m.active = ScreenOverview
		_, cmd := m.ov.Update(msg)
		return m, cmd
	case views.CopyMsg:
		return m, m.copyText(msg) // ui/alerts.go
	case views.OpenURLMsg:
		return m, m.openURL(msg.URL)
	case views.FlashMsg:
		m.setFlash(msg.Text, msg.Error)
		return m, nil
	case views.OpenEndpointMsg:
		return m, m.openDetail(msg.Endpoint)
	case tea.KeyPressMsg:
		return m, m.onKey(msg)
	}
	// Anything else (cursor blinks, pastes) goes to the active screen.
	_, cmd := m.screens[m.active].Update(msg) // a screen stays in its place
	return m, cmd
}

func (m *Model) onOverview(r overviewResult) tea.Cmd {
	m.inflight = false
	m.lastTook = r.took
	// The error line under the content takes a row while it is shown.
	defer m.SetSize(m.width, m.height)
	if r.err != nil {
		m.failures++
		m.lastErr = r.err
		m.retryAt = m.now().Add(m.backoff(m.failures))
		m.log.Warn("refresh failed", "err", r.err, "failures", m.failures)
		return nil
	}
	if m.lastErr != nil {
		m.log.Info("refresh recovered", "after_failures", m.failures)
	}
	m.failures, m.lastErr = 0, nil
	m.lastOK = m.now()
	if r.overview != nil {
		m.totals, m.haveTotals = r.overview.Totals, true
		for _, e := range r.overview.Errors {
			m.log.Warn("query failed", "name", e.Name, "query", e.Query, "err", e.Err)
		}
	}
	_, cmd := m.ov.Update(views.OverviewMsg{Overview: r.overview})
	return cmd
}

// isTooSmall reports whether the terminal is below the usable size.
func (m *Model) isTooSmall() bool { return m.width < MinWidth || m.height < MinHeight }

// tooSmallKey handles a key while the terminal is too small: quit (ctrl+c,
// or q) and help; every other key is dropped.
func (m *Model) tooSmallKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.ctx.Keys
	switch {
	case msg.String() == "ctrl+c", key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.showHelp = !m.showHelp
	}
	m.quitAsked = false
	return nil
}

// quit ends the program, unless that would throw away unsent work (a
// silence being typed) and the person has not been asked yet: then it
// asks, and the next ctrl+c quits.
func (m *Model) quit() tea.Cmd {
	work := m.unsentWork()
	if work != "" && !m.quitAsked {
		m.quitAsked = true
		return nil
	}
	m.discarded = work
	return tea.Quit
}

// unsentWork is the first screen's unsent work, or "".
func (m *Model) unsentWork() string {
	for _, s := range m.screens {
		if w := s.UnsentWork(); w != "" {
			return w
		}
	}
	return ""
}

// Discarded names the unsent work the quit threw away, or "": the program
// exits with an error then, so that it never looks like a clean exit.
func (m *Model) Discarded() string { return m.discarded }

func (m *Model) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.ctx.Keys
	if msg.String() == "ctrl+c" {
		return m.quit()
	}
	if m.quitAsked {
		// Any other key keeps the work and does what it does.
		m.quitAsked = false
	}
	if m.showHelp {
		if key.Matches(msg, k.Help, k.Back, k.Quit) {
			m.showHelp = false
		}
		return nil
	}
	scr := m.screens[m.active]
	if !scr.Capturing() {
		switch {
		case key.Matches(msg, k.Quit):
			return m.quit()
		case key.Matches(msg, k.Help):
			m.showHelp = true
			return nil
		case key.Matches(msg, k.Refresh):
			if m.inflight {
				m.setFlash("a refresh is still running", false)
				return nil
			}
			m.retryAt = time.Time{}
			return tea.Batch(m.startRefresh(), m.startAlertsRefreshNow(), m.startDetailRefresh(false), m.panelsRefreshKey())
		case key.Matches(msg, k.Pause):
			return m.togglePause()
		case key.Matches(msg, k.Overview):
			m.active = ScreenOverview
			return nil
		case key.Matches(msg, k.Alerts):
			m.active = ScreenAlerts
			return nil
		case key.Matches(msg, k.Silences):
			m.active = ScreenSilences
			return nil
		case key.Matches(msg, k.NextScreen):
			m.active = ScreenID((int(m.active) + 1) % len(m.screens))
			return nil
		}
	}
	off := m.ov.CompareOffset()
	_, cmd := scr.Update(msg) // a screen stays in its place
	if now := m.ov.CompareOffset(); now != off && now != 0 {
		// The comparison was turned on or moved: fetch the baseline now.
		if m.inflight {
			return cmd
		}
		return tea.Batch(cmd, m.startRefresh())
	}
	return cmd
}

func (m *Model) togglePause() tea.Cmd {
	m.paused = !m.paused
	if m.paused {
		m.pausedAt = m.now()
		m.setFlash("paused: data frozen; p resumes", false)
		return m.detailOnPause()
	}
	m.setFlash("resumed", false)
	m.retryAt = time.Time{}
	return tea.Batch(m.startRefresh(), m.startAlertsRefreshNow(), m.detailOnPause())
}

func (m *Model) setFlash(s string, isErr bool) {
	m.flash, m.flashErr = s, isErr
	m.flashExpire = m.now().Add(flashTTL)
}

// SetSize lays the screens out for a terminal of w×h cells.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = max(w, 0), max(h, 0)
	m.help.SetWidth(m.width)
	ch := max(m.height-3, 0) // two header lines and the footer
	if m.lastErr != nil {
		ch = max(ch-1, 0)
	}
	if m.targetLine() != "" {
		ch = max(ch-1, 0)
	}
	for _, s := range m.screens {
		s.SetSize(m.width, ch)
	}
	if m.promql.screen != nil {
		m.promql.screen.SetSize(m.width, ch)
	}
}

// Conn returns the connection state.
func (m *Model) Conn() Conn {
	switch {
	case m.lastErr != nil && m.ov.Data() != nil:
		return ConnStale
	case m.lastErr != nil:
		return ConnDown
	case m.ov.Data() == nil:
		return ConnConnecting
	default:
		return ConnLive
	}
}

// Overview returns the overview screen (for tests and the snapshot).
func (m *Model) Overview() *views.Overview { return m.ov }

// Skipped returns how many refreshes were skipped because one was running.
func (m *Model) Skipped() int { return m.skipped }

// Inflight reports whether a refresh is running.
func (m *Model) Inflight() bool { return m.inflight }

// Paused reports whether refreshing is paused.
func (m *Model) Paused() bool { return m.paused }

// View draws the whole screen.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "vigil"
	return v
}

func (m *Model) render() string {
	if m.width < MinWidth || m.height < MinHeight {
		return m.tooSmall()
	}
	var lines []string
	lines = append(lines, m.headerLines()...)
	var body string
	if m.showHelp {
		body = m.helpView(m.height - len(lines) - 1)
	} else if m.fullScreenDown() {
		body = m.downView(m.height - 3)
	} else {
		body = m.activeView().View()
	}
	lines = append(lines, body)
	if e := m.errorLine(); e != "" {
		lines = append(lines, e)
	}
	lines = append(lines, m.footer())
	return strings.Join(lines, "\n")
}

func (m *Model) tooSmall() string {
	msg := fmt.Sprintf("terminal too small: %dx%d, vigil needs %dx%d", m.width, m.height, MinWidth, MinHeight)
	if m.quitAsked {
		msg = m.quitQuestion() + " — " + msg
	}
	var lines []string
	for _, l := range text.WrapWords(msg, max(m.width, 1)) {
		lines = append(lines, text.Fit(l, m.width))
	}
	if len(lines) > m.height {
		lines = lines[:m.height]
	}
	return strings.Join(lines, "\n")
}

func (m *Model) stateText() string {
	st := m.ctx.Styles
	now := m.now()
	refresh := m.ctx.Config.UI.Refresh.D()
	switch {
	case m.paused:
		return st.StateStale.Render("⏸ paused since " + m.pausedAt.Format("15:04:05"))
	case m.inflight && !m.lastStart.IsZero() && now.Sub(m.lastStart) > refresh && m.Conn() != ConnDown:
		// The figures on screen are older than the interval says.
		return st.StateStale.Render(fmt.Sprintf("↻ refreshing %s…", views.FormatDuration(now.Sub(m.lastStart).Truncate(time.Second))))
	}
	if d := m.ov.Data(); d != nil && m.Conn() == ConnLive && len(d.Targets.Down()) > 0 {
		return st.StateDown.Render("✕ " + views.TargetsDownText(&d.Targets, now))
	}
	switch {
	case m.paused:
		return st.StateStale.Render("⏸ paused since " + m.pausedAt.Format("15:04:05"))
	case m.Conn() == ConnStale:
		return st.StateStale.Render("◐ stale " + views.FormatDuration(now.Sub(m.lastOK)))
	case m.Conn() == ConnDown:
		return st.StateDown.Render("✕ down")
	case m.Conn() == ConnConnecting:
		return st.Muted.Render("… connecting")
	default:
		return st.StateLive.Render("● live") + st.Muted.Render(" "+views.FormatDuration(m.lastTook))
	}
}

// alertBadge counts the alerts in the Alerts tab: ● firing, ◐ pending,
// ◌ silenced or inhibited; ✕ when the last alerts refresh failed.
func (m *Model) alertBadge() string {
	if m.am == nil && m.pending == nil {
		return ""
	}
	st := m.ctx.Styles
	f, p, s := m.alertCounts()
	badge := " " + st.Firing.Render(fmt.Sprintf("●%d", f))
	if p > 0 {
		badge += " " + st.Pending.Render(fmt.Sprintf("◐%d", p))
	}
	if s > 0 {
		badge += " " + st.Silenced.Render(fmt.Sprintf("◌%d", s))
	}
	if m.alertsErr != nil {
		badge += " " + st.StateDown.Render("✕")
	}
	return badge
}

// peersText shows each Alertmanager peer's health: ● healthy, ✕ down.
func (m *Model) peersText() string {
	if len(m.peers) == 0 {
		return ""
	}
	st := m.ctx.Styles
	out := st.Muted.Render("am ")
	for _, p := range m.peers {
		if p.Healthy {
			out += st.StateLive.Render("●")
		} else {
			out += st.StateDown.Render("✕")
		}
	}
	return out + st.Muted.Render(" · ")
}

// windowText is the rate window in use: "5m", or "4s (auto)" once the
// scrape interval is known ("auto" before the first answer).
func (m *Model) windowText() string {
	w := m.ctx.Config.UI.Window
	if !w.Auto {
		return views.FormatDuration(w.D())
	}
	if d := m.ov.Data(); d != nil && d.WindowAuto {
		return views.FormatDuration(d.Window) + " (auto)"
	}
	return "auto"
}

// shape is the metric shape with the window in use, for the screens that
// do not pick the window themselves (detail, panels).
func (m *Model) shape() query.Shape {
	s := m.ctx.Config.Shape()
	if d := m.ov.Data(); d != nil && s.AutoWindow && d.WindowAuto {
		s.Window = d.Window
	}
	s.AutoWindow = false
	return s
}

// targetLine names the down targets behind the selector, under the header,
// while Prometheus answers and says some are down.
func (m *Model) targetLine() string {
	d := m.ov.Data()
	if d == nil || m.lastErr != nil || m.width <= 0 {
		return ""
	}
	down := d.Targets.Down()
	if len(down) == 0 {
		return ""
	}
	msg := "✕ " + views.TargetText(down[0])
	if len(down) > 1 {
		msg += fmt.Sprintf(" · and %d more", len(down)-1)
	}
	return m.ctx.Styles.Error.Render(text.Fit(msg, m.width))
}

func (m *Model) headerLines() []string {
	st := m.ctx.Styles
	cfg := m.ctx.Config
	left := st.Accent.Render("vigil") + st.Muted.Render(" · ") + text.Sanitize(cfg.Context) +
		st.Muted.Render(" · ") + text.Sanitize(m.promHost)
	right := m.peersText() + m.stateText() + st.Muted.Render(fmt.Sprintf(" · every %s · window %s",
		views.FormatDuration(cfg.UI.Refresh.D()), m.windowText()))
	if cfg.UI.ReadOnly {
		right = st.Warn.Render("read-only") + st.Muted.Render(" · ") + right
	}
	l1 := text.Spread(left, right, m.width)

	totals := m.totalsText()
	tabs := m.tabsText(false)
	if text.Width(tabs)+1+text.Width(totals) > m.width {
		// Short of room: the screens not shown collapse to their number.
		tabs = m.tabsText(true)
	}
	l2 := text.Spread(tabs, totals, m.width)
	if tl := m.targetLine(); tl != "" {
		return []string{l1, l2, tl}
	}
	return []string{l1, l2}
}

// tabsText is the tab bar: each screen's number and title, the Alerts tab
// with its counts. Compact leaves only the number of inactive screens.
func (m *Model) tabsText(compact bool) string {
	st := m.ctx.Styles
	var tabs []string
	for i, s := range m.screens {
		t := fmt.Sprintf("%d %s", i+1, s.Title())
		if ScreenID(i) == m.active {
			t = st.TabActive.Render(t)
		} else if compact {
			t = st.Tab.Render(fmt.Sprintf("%d", i+1))
		} else {
			t = st.Tab.Render(t)
		}
		// The badge carries its own styles: never nest styled strings.
		if ScreenID(i) == ScreenAlerts {
			t += m.alertBadge()
		}
		tabs = append(tabs, t)
	}
	return strings.Join(tabs, " ")
}

// totalsText is the figures across the selection, for the header.
func (m *Model) totalsText() string {
	st := m.ctx.Styles
	totals := st.Muted.Render("no data")
	if m.haveTotals {
		t := m.totals
		th := m.ctx.Thresholds()
		totals = st.Muted.Render("req/s ") + views.FormatRPS(t.RPS) +
			st.Muted.Render("  err ") + st.Level(views.ThemeLevel(t.ErrorRatio, th.ErrorLevel(t.ErrorRatio))).Render(views.FormatPercent(t.ErrorRatio)) +
			st.Muted.Render("  p99 ") + st.Level(views.ThemeLevel(t.P99, th.P99Level(t.P99))).Render(views.FormatSeconds(t.P99)) +
			st.Muted.Render("  exc ") + views.FormatCount(t.Exceptions)
	}
	return totals
}

// fullScreenDown is true when the overview has nothing to show but the
// failure: Prometheus has never answered. The other screens (alerts from
// Alertmanager) keep working and show the failure on one line instead.
func (m *Model) fullScreenDown() bool {
	return m.Conn() == ConnDown && m.active == ScreenOverview
}

// errorLine names the failing server and the cause while data is stale, or
// on a screen other than the overview.
func (m *Model) errorLine() string {
	if m.lastErr == nil || m.fullScreenDown() {
		return ""
	}
	msg := "✕ " + text.Sanitize(m.lastErr.Error())
	if wait := m.retryAt.Sub(m.now()); wait > 0 && !m.inflight {
		msg += fmt.Sprintf(" — retry in %s", views.FormatDuration(wait.Round(time.Second)))
	}
	return m.ctx.Styles.Error.Render(text.Fit(msg, m.width))
}

// downView is the full-screen message shown when there is nothing else to
// show: no data has ever arrived and Prometheus is failing.
func (m *Model) downView(h int) string {
	st := m.ctx.Styles
	var lines []string
	lines = append(lines, "", st.StateDown.Render("  Prometheus is not answering"), "")
	for _, l := range text.WrapWords(text.Sanitize(m.lastErr.Error()), max(m.width-4, 10)) {
		lines = append(lines, "  "+l)
	}
	lines = append(lines, "")
	if m.inflight {
		lines = append(lines, st.Muted.Render("  retrying now…"))
	} else if wait := m.retryAt.Sub(m.now()); wait > 0 {
		lines = append(lines, st.Muted.Render(fmt.Sprintf("  retrying in %s (attempt %d); r retries now", views.FormatDuration(wait.Round(time.Second)), m.failures+1)))
	}
	lines = append(lines, st.Muted.Render("  check --prometheus / prometheus.url; q quits"))
	return text.FitLines(lines, m.width, h)
}

func (m *Model) helpView(h int) string {
	st := m.ctx.Styles
	k := m.ctx.Keys
	scr := m.screens[m.active]
	groups := [][]key.Binding{k.Global()}
	groups = append(groups, scr.FullHelp()...)
	var entries []string
	for _, g := range groups {
		n := 0
		for _, b := range g {
			if !b.Enabled() {
				continue
			}
			hb := b.Help()
			entries = append(entries, st.HelpKey.Render(text.PadRight(hb.Key, 7))+" "+st.HelpDesc.Render(hb.Desc))
			n++
		}
		if n > 0 {
			entries = append(entries, "")
		}
	}
	var notes []string
	for _, n := range scr.Notes() {
		notes = append(notes, text.WrapWords(n, max(m.width-4, 10))...)
	}
	notes = append(notes, text.WrapWords("Header: ● firing, ◐ pending, ◌ silenced or inhibited alerts; am ●✕ is each Alertmanager peer's health.", max(m.width-4, 10))...)
	if m.ctx.Config.UI.ReadOnly {
		// First, so that a short terminal never cuts it off.
		notes = append([]string{"read-only: keys that write to Alertmanager are disabled"}, notes...)
	}
	// Two columns of keys when they do not fit in one and the width allows.
	room := h - 3 - len(notes)
	cols := 1
	if len(entries) > room && m.width >= 2*34 {
		cols = 2
	}
	per := (len(entries) + cols - 1) / cols
	colW := m.width/cols - 2
	var lines []string
	lines = append(lines, st.Accent.Render("Keys — "+scr.Title())+st.Muted.Render("   (? or esc closes)"))
	for r := 0; r < per; r++ {
		line := ""
		for c := 0; c < cols; c++ {
			i := c*per + r
			if i < len(entries) {
				line += "  " + text.Fit(entries[i], colW)
			}
		}
		lines = append(lines, line)
	}
	for _, n := range notes {
		lines = append(lines, "  "+st.Muted.Render(n))
	}
	return text.FitLines(lines, m.width, h)
}

// quitQuestion asks whether to quit and discard unsent work.
func (m *Model) quitQuestion() string {
	return "ctrl+c again quits and discards " + m.unsentWork() + "; any other key keeps it"
}

func (m *Model) footer() string {
	st := m.ctx.Styles
	if m.quitAsked {
		return st.FlashErr.Render(text.Fit(text.Sanitize(m.quitQuestion()), m.width))
	}
	if m.flash != "" {
		s := st.FlashOK
		if m.flashErr {
			s = st.FlashErr
		}
		return s.Render(text.Fit(text.Sanitize(m.flash), m.width))
	}
	var bindings []key.Binding
	if m.showHelp {
		bindings = []key.Binding{m.ctx.Keys.Back}
	} else {
		bindings = m.activeView().ShortHelp()
	}
	return text.Truncate(m.help.ShortHelpView(bindings), m.width)
}
