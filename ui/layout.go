package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/keys"
	"github.com/vigilterm/vigil/views/text"
)

// The root's drawing: the header (context, connection state, tabs and
// totals), the content of the screen shown, and the footer.

func (m *Model) render() string {
	if m.isTooSmall() {
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
		body = m.shown().View()
	}
	lines = append(lines, body)
	if e := m.errorLine(); e != "" {
		lines = append(lines, e)
	}
	lines = append(lines, m.note.problemLines(m.width)...)
	lines = append(lines, m.footer())
	return strings.Join(lines, "\n")
}

// shown is what the content area shows: the PromQL prompt while it is
// open, else the active tab's top component.
func (m *Model) shown() views.Screen {
	if m.promql.open {
		return m.promql.screen
	}
	return m.activeTab().top()
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
	s, c := m.ov.feed.status(), m.ov.conn()
	switch {
	case m.paused:
		return st.StateStale.Render("⏸ paused since " + m.pausedAt.Format("15:04:05"))
	case s.Inflight && !s.Started.IsZero() && now.Sub(s.Started) > refresh && c != connDown:
		// The figures on screen are older than the interval says.
		return st.StateStale.Render(fmt.Sprintf("↻ refreshing %s…", views.FormatDuration(now.Sub(s.Started).Truncate(time.Second))))
	}
	if d := m.ov.data(); d != nil && c == connLive && len(d.Targets.Down()) > 0 {
		return st.StateDown.Render("✕ " + views.TargetsDownText(&d.Targets, now))
	}
	switch c {
	case connStale:
		return st.StateStale.Render("◐ stale " + views.FormatDuration(now.Sub(s.LastOK)))
	case connDown:
		return st.StateDown.Render("✕ down")
	case connConnecting:
		return st.Muted.Render("… connecting")
	default:
		return st.StateLive.Render("● live") + st.Muted.Render(" "+views.FormatDuration(m.ov.last.Took))
	}
}

// alertBadge counts the alerts in the Alerts tab: ● firing, ◐ pending,
// ◌ silenced or inhibited; ●? before any source answered; ✕ when the last
// alerts refresh failed.
func (m *Model) alertBadge() string {
	a := m.alerts
	if a.am == nil && a.pending == nil {
		return ""
	}
	st := m.ctx.Styles
	if a.alerts == nil {
		// No source has answered yet: the count is unknown, not 0.
		badge := " " + st.Muted.Render("●?")
		if a.err != nil {
			badge += " " + st.StateDown.Render("✕")
		}
		return badge
	}
	f, p, s := a.counts()
	badge := " " + st.Firing.Render(fmt.Sprintf("●%d", f))
	if p > 0 {
		badge += " " + st.Pending.Render(fmt.Sprintf("◐%d", p))
	}
	if s > 0 {
		badge += " " + st.Silenced.Render(fmt.Sprintf("◌%d", s))
	}
	if a.err != nil {
		badge += " " + st.StateDown.Render("✕")
	}
	return badge
}

// peersText shows each Alertmanager peer's health: ● healthy, ✕ down.
func (m *Model) peersText() string {
	if len(m.alerts.peers) == 0 {
		return ""
	}
	st := m.ctx.Styles
	out := st.Muted.Render("am ")
	for _, p := range m.alerts.peers {
		if p.Healthy {
			out += st.StateLive.Render("●")
		} else {
			out += st.StateDown.Render("✕")
		}
	}
	return out + st.Muted.Render(" · ")
}

// windowText is the rate window in use: "5m", or "4s (auto)" once the
// scrape interval is known ("auto" before the first answer); " · rules ✓"
// follows while the figures come from vigil's recording rules, " · rules
// partial" while rules of an older vigil record only some (the doctor
// names the rest).
func (m *Model) windowText() string {
	rules := ""
	if d := m.ov.data(); d != nil && d.Recorded != "" {
		rules = " · rules ✓"
		if len(d.NotRecorded) > 0 {
			rules = " · rules partial"
		}
	}
	w := m.ctx.Config.UI.Window
	if !w.Auto {
		return views.FormatDuration(w.D()) + rules
	}
	if d := m.ov.data(); d != nil && d.WindowAuto {
		return views.FormatDuration(d.Window) + " (auto)" + rules
	}
	return "auto"
}

// targetLine names the down targets behind the selector, under the header,
// while Prometheus answers and says some are down.
func (m *Model) targetLine() string {
	if m.ov == nil {
		return ""
	}
	d := m.ov.data()
	if d == nil || m.ov.err() != nil || m.width <= 0 {
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
	left := st.Accent.Render("vigil") + st.Muted.Render(" · ") + m.contextName() +
		st.Muted.Render(" · ") + text.Sanitize(m.ov.host)
	state := m.watchingText() + m.peersText() + m.stateText() + m.engineText() // ui/status.go
	right := state + st.Muted.Render(fmt.Sprintf(" · every %s · window %s",
		views.FormatDuration(cfg.UI.Refresh.D()), m.windowText()))
	ro := ""
	if cfg.UI.ReadOnly {
		ro = st.Warn.Render("read-only") + st.Muted.Render(" · ")
	}
	right = ro + right
	if m.others != nil {
		// The other contexts (ui/contexts.go) go before the host, then
		// before the refresh and window, when short of room: those are
		// on the Status screen too.
		others := m.others()
		if text.Width(left)+text.Width(others)+1+text.Width(right) > m.width {
			left = st.Accent.Render("vigil") + st.Muted.Render(" · ") + m.contextName()
		}
		if text.Width(left)+text.Width(others)+1+text.Width(right) > m.width {
			right = ro + state
		}
		left += others
	}
	l1 := text.Spread(left, right, m.width)

	totals := m.totalsText()
	tabs := m.tabsText(false)
	if text.Width(tabs)+1+text.Width(totals) > m.width {
		// Short of room: the screens not shown collapse to their number.
		tabs = m.tabsText(true)
	}
	l2 := text.Spread(tabs, totals, m.width)
	out := []string{l1, l2}
	if tl := m.targetLine(); tl != "" {
		out = append(out, tl)
	}
	out = append(out, m.alarmLines()...) // ui/status.go
	return out
}

// tabsText is the tab bar: each screen's key and title, the Alerts tab
// with its counts. Compact leaves only the key of inactive screens.
func (m *Model) tabsText(compact bool) string {
	st := m.ctx.Styles
	var tabs []string
	for i, tb := range m.tabs {
		k := keys.Name(tb.key)
		t := k + " " + tb.top().Title()
		switch {
		case i == m.active:
			t = st.TabActive.Render(t)
		case compact:
			t = st.Tab.Render(k)
		default:
			t = st.Tab.Render(t)
		}
		// The badge carries its own styles: never nest styled strings.
		if tb == m.alerts.tab {
			t += m.alertBadge()
		}
		tabs = append(tabs, t)
	}
	return strings.Join(tabs, " ")
}

// totalsText is the figures across the selection, for the header.
func (m *Model) totalsText() string {
	st := m.ctx.Styles
	d := m.ov.data()
	if d == nil {
		return st.Muted.Render("no data")
	}
	t := d.Totals
	th := m.ctx.Thresholds()
	return st.Muted.Render("req/s ") + views.FormatRPS(t.RPS) +
		st.Muted.Render("  err ") + st.Level(views.ThemeLevel(t.ErrorRatio, th.ErrorLevel(t.ErrorRatio))).Render(views.FormatPercent(t.ErrorRatio)) +
		st.Muted.Render("  p99 ") + st.Level(views.ThemeLevel(t.P99, th.P99Level(t.P99))).Render(views.FormatSeconds(t.P99)) +
		st.Muted.Render("  exc ") + views.FormatCount(t.Exceptions)
}

// fullScreenDown is true when the overview has nothing to show but the
// failure: Prometheus has never answered. The other screens (alerts from
// Alertmanager) keep working and show the failure on one line instead.
func (m *Model) fullScreenDown() bool {
	return m.ov.conn() == connDown && m.activeTab() == m.ov.tab
}

// errorLine names the failing server and the cause while data is stale, or
// on a screen other than the overview.
func (m *Model) errorLine() string {
	err := m.ov.err()
	if err == nil || m.fullScreenDown() {
		return ""
	}
	msg := "✕ " + text.Sanitize(err.Error())
	if s := m.ov.feed.status(); !s.Inflight {
		if wait := s.RetryAt.Sub(m.now()); wait > 0 {
			msg += fmt.Sprintf(" — retry in %s", views.FormatDuration(wait.Round(time.Second)))
		}
	}
	return m.ctx.Styles.Error.Render(text.Fit(msg, m.width))
}

// downView is the full-screen message shown when there is nothing else to
// show: no data has ever arrived and Prometheus is failing.
func (m *Model) downView(h int) string {
	st, k := m.ctx.Styles, m.ctx.Keys
	var lines []string
	lines = append(lines, "", st.StateDown.Render("  Prometheus is not answering"), "")
	for _, l := range text.WrapWords(text.Sanitize(m.ov.err().Error()), max(m.width-4, 10)) {
		lines = append(lines, "  "+l)
	}
	lines = append(lines, "")
	if s := m.ov.feed.status(); s.Inflight {
		lines = append(lines, st.Muted.Render("  retrying now…"))
	} else if wait := s.RetryAt.Sub(m.now()); wait > 0 {
		lines = append(lines, st.Muted.Render(fmt.Sprintf("  retrying in %s (attempt %d); %s retries now",
			views.FormatDuration(wait.Round(time.Second)), s.Failures+1, keys.Name(k.Refresh))))
	}
	lines = append(lines, st.Muted.Render("  check --prometheus / prometheus.url; "+keys.Name(k.Quit)+" quits"))
	return text.FitLines(lines, m.width, h)
}

func (m *Model) helpView(h int) string {
	st := m.ctx.Styles
	k := m.ctx.Keys
	scr := m.activeTab().top()
	groups := [][]key.Binding{k.Global()}
	if m.link != nil {
		groups = append(groups, []key.Binding{m.ctx.Keys.Who, m.ctx.Keys.Claim}) // ui/teammodel.go
	}
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
		note := "read-only: keys that write to Alertmanager are disabled"
		if p := m.opts.Principal; p != nil && !p.Role.CanWrite() {
			note = (&query.ForbiddenError{Principal: *p}).Error()
		}
		notes = append([]string{note}, notes...)
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
	closes := fmt.Sprintf("   (%s or %s closes)", keys.Name(k.Help), keys.Name(k.Back))
	lines = append(lines, st.Accent.Render("Keys — "+scr.Title())+st.Muted.Render(closes))
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
	return keys.Name(m.ctx.Keys.Interrupt) + " again quits and discards " + m.unsentWork() + "; any other key keeps it"
}

func (m *Model) footer() string {
	st := m.ctx.Styles
	if m.quitAsked {
		return st.FlashErr.Render(text.Fit(text.Sanitize(m.quitQuestion()), m.width))
	}
	if m.note.open {
		return m.note.view(m.width)
	}
	if m.confirm.open {
		return m.confirm.view(m.width) // ui/protect.go
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
		bindings = m.shown().ShortHelp()
	}
	return text.Truncate(m.help.ShortHelpView(bindings), m.width)
}
