package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"

	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/keys"
	overviewview "github.com/vigilterm/vigil/views/overview"
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
	if b, ok := m.overlayBody(m.height - len(lines) - 1); ok {
		body = b
	} else if m.fullScreenDown() {
		body = m.downView(m.height - 3)
	} else {
		body = m.shown().View()
	}
	lines = append(lines, body)
	if e := m.errorLine(); e != "" {
		lines = append(lines, e)
	}
	lines = append(lines, m.overlayLines(m.width)...)
	lines = append(lines, m.refusedLines(m.width)...)
	lines = append(lines, m.footer())
	return strings.Join(lines, "\n")
}

// shown is the screen under what the overlays draw: the screen of the
// open overlay opened last that has one (the PromQL prompt), else the
// active tab's top component.
func (m *Model) shown() views.Screen {
	if o := m.topOf(func(o overlay) bool { return o.screen() != nil }); o != nil {
		return o.screen()
	}
	return m.activeTab().top()
}

func (m *Model) tooSmall() string {
	msg := fmt.Sprintf("terminal too small: %dx%d, vigil needs %dx%d", m.width, m.height, MinWidth, MinHeight)
	if m.quitting.asked {
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
	refresh := m.cfg.UI.Refresh.D()
	s, c := m.figures().status(), m.figures().conn()
	switch {
	case m.paused():
		return st.StateStale.Render("⏸ paused since " + m.pausedAt.Format("15:04:05"))
	case s.Inflight && !s.Started.IsZero() && now.Sub(s.Started) > refresh && c != connDown:
		// The figures on screen are older than the interval says.
		return st.StateStale.Render(fmt.Sprintf("↻ refreshing %s…", views.FormatDuration(now.Sub(s.Started).Truncate(time.Second))))
	}
	if d := m.figures().data(); d != nil && c == connLive && len(d.Targets.Down()) > 0 {
		return st.StateDown.Render("✕ " + overviewview.TargetsDownText(&d.Targets, now))
	}
	switch c {
	case connStale:
		return st.StateStale.Render("◐ stale " + views.FormatDuration(now.Sub(s.LastOK)))
	case connDown:
		return st.StateDown.Render("✕ down")
	case connConnecting:
		return st.Muted.Render("… connecting")
	default:
		return st.StateLive.Render("● live") + st.Muted.Render(" "+views.FormatDuration(m.figures().took()))
	}
}

// windowText is the rate window in use: "5m", or "4s (auto)" once the
// scrape interval is known ("auto" before the first answer); " · rules ✓"
// follows while the figures come from vigil's recording rules, " · rules
// partial" while rules of an older vigil record only some (the doctor
// names the rest).
func (m *Model) windowText() string {
	rules := m.rulesText()
	w := m.cfg.UI.Window
	if !w.Auto {
		return views.FormatDuration(w.D()) + rules
	}
	if d := m.figures().data(); d != nil && d.WindowAuto {
		return views.FormatDuration(d.Window) + " (auto)" + rules
	}
	return "auto"
}

// rulesText is " · rules ✓" while the figures come from vigil's recording
// rules, " · rules partial" while only some do, else "".
func (m *Model) rulesText() string {
	d := m.figures().data()
	switch {
	case d == nil || d.Recorded == "":
		return ""
	case len(d.NotRecorded) > 0:
		return " · rules partial"
	}
	return " · rules ✓"
}

// targetLine names the down targets behind the selector, under the header,
// while Prometheus answers and says some are down.
func (m *Model) targetLine() string {
	d := m.figures().data()
	if d == nil || m.figures().err() != nil || m.width <= 0 {
		return ""
	}
	down := d.Targets.Down()
	if len(down) == 0 {
		return ""
	}
	msg := "✕ " + overviewview.TargetText(down[0])
	if len(down) > 1 {
		msg += fmt.Sprintf(" · and %d more", len(down)-1)
	}
	return m.ctx.Styles.Error.Render(text.Fit(msg, m.width))
}

func (m *Model) headerLines() []string {
	st := m.ctx.Styles
	cfg := m.cfg
	left := st.Accent.Render("vigil") + st.Muted.Render(" · ") + m.contextName() +
		st.Muted.Render(" · ") + text.Sanitize(m.figures().host())
	state := m.watchingText() + m.alertsOf().peersText() + m.stateText() + m.engineText() // ui/status.go
	ro := ""
	if cfg.UI.ReadOnly {
		ro = st.Warn.Render("read-only") + st.Muted.Render(" · ")
	}
	// Short of room, the refresh interval goes first, then the window
	// (the totals say it, and the Status screen both): the server's
	// address stays whole, but for the other contexts.
	e, scrape := m.figures().every()
	everyText := " · every " + views.FormatDuration(e)
	if scrape {
		// The refresh asked for is shorter than the scrape interval: no
		// refresh before newer data can exist.
		everyText += " (scrape)"
	}
	every := st.Muted.Render(everyText)
	window := st.Muted.Render(" · window " + m.windowText())
	rights := []string{ro + state + every + window, ro + state + window}
	if d := m.figures().data(); d != nil && d.Window > 0 {
		// Without "(auto)".
		rights = append(rights, ro+state+st.Muted.Render(" · window "+views.FormatDuration(d.Window)+m.rulesText()))
	}
	rights = append(rights, ro+state+st.Muted.Render(m.rulesText()), ro+state)
	others := ""
	if m.others != nil {
		// The other contexts (ui/contexts.go) go before the host when
		// short of room: the context's name says which server it is.
		others = m.others.summary()
		if text.Width(left)+text.Width(others)+1+text.Width(rights[0]) > m.width {
			left = st.Accent.Render("vigil") + st.Muted.Render(" · ") + m.contextName()
		}
	}
	right := rights[0]
	for _, r := range rights {
		right = r
		if text.Width(left)+text.Width(others)+1+text.Width(right) <= m.width {
			break
		}
	}
	left += others
	l1 := text.Spread(left, right, m.width)

	totals := m.totalsText()
	tabs := m.tabsText(tabsFull)
	if text.Width(tabs)+1+text.Width(totals) > m.width {
		// Short of room: the screens not shown collapse to their number,
		// the Alerts tab keeps its title so that its counts never read
		// as tab numbers; then the counts go in brackets after the number.
		tabs = m.tabsText(tabsCompact)
		if text.Width(tabs)+1+text.Width(totals) > m.width {
			tabs = m.tabsText(tabsNumbers)
		}
	}
	l2 := text.Spread(tabs, totals, m.width)
	out := []string{l1, l2}
	if tl := m.targetLine(); tl != "" {
		out = append(out, tl)
	}
	out = append(out, m.alarmLines()...) // ui/status.go
	return out
}

// tabsWidth is how much of the tab bar is written out.
type tabsWidth int

const (
	tabsFull    tabsWidth = iota // every tab's key and title
	tabsCompact                  // the inactive ones' key only, but the Alerts tab's title with its counts in brackets
	tabsNumbers                  // the inactive ones' key only, the counts in brackets after it
)

// tabsText is the tab bar: each screen's key and title, the Alerts tab
// with its counts.
func (m *Model) tabsText(w tabsWidth) string {
	st := m.ctx.Styles
	var tabs []string
	alerts := m.alertsOf()
	for i, tb := range m.tabs {
		k := keys.Name(tb.key)
		t := k + " " + tb.top().Title()
		b := alerts.badge(tb)
		badge := b != ""
		switch {
		case i == m.active:
			t = st.TabActive.Render(t)
		case w == tabsFull, w == tabsCompact && badge:
			t = st.Tab.Render(t)
		default:
			t = st.Tab.Render(k)
		}
		// The badge carries its own styles: never nest styled strings.
		if badge {
			// Past the full bar the next tab is a bare number: the counts
			// go in brackets, so "◐3 3" does not read as one.
			if w != tabsFull && i < len(m.tabs)-1 {
				t += st.Muted.Render("(") + strings.TrimPrefix(b, " ") + st.Muted.Render(")")
			} else {
				t += b
			}
		}
		tabs = append(tabs, t)
	}
	return strings.Join(tabs, " ")
}

// totalsText is the figures across the selection, for the header.
func (m *Model) totalsText() string {
	st := m.ctx.Styles
	d := m.figures().data()
	if d == nil {
		return st.Muted.Render("no data")
	}
	t := d.Totals
	if t.Unknown != "" {
		return st.Muted.Render("req/s ") + st.Warn.Render("?") + st.Muted.Render("  err ") + st.Warn.Render("?") +
			st.Muted.Render("  p99 ") + st.Warn.Render("?") + st.Muted.Render("  exc ") + st.Warn.Render("?") + st.Muted.Render("/"+views.FormatDuration(d.Window))
	}
	th := m.ctx.Thresholds()
	return st.Muted.Render("req/s ") + views.FormatRPS(t.RPS) +
		st.Muted.Render("  err ") + st.Level(views.ThemeLevel(t.ErrorRatio, th.ErrorLevel(t.ErrorRatio))).Render(views.FormatPercent(t.ErrorRatio)) +
		st.Muted.Render("  p99 ") + st.Level(views.ThemeLevel(t.P99, th.P99Level(t.P99))).Render(views.FormatSeconds(t.P99)) +
		st.Muted.Render("  exc ") + views.FormatCount(t.Exceptions) + st.Muted.Render("/"+views.FormatDuration(d.Window))
}

// fullScreenDown is true when the overview has nothing to show but the
// failure: Prometheus has never answered. The other screens (alerts from
// Alertmanager) keep working and show the failure on one line instead.
func (m *Model) fullScreenDown() bool {
	return m.figures().conn() == connDown && m.figures().onTab(m.activeTab())
}

// errorLine names the failing server and the cause while data is stale, or
// on a screen other than the overview.
func (m *Model) errorLine() string {
	err := m.figures().err()
	if err == nil || m.fullScreenDown() {
		return ""
	}
	msg := "✕ " + text.Sanitize(err.Error())
	if s := m.figures().status(); !s.Inflight {
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
	for _, l := range text.WrapWords(text.Sanitize(m.figures().err().Error()), max(m.width-4, 10)) {
		lines = append(lines, "  "+l)
	}
	lines = append(lines, "")
	if s := m.figures().status(); s.Inflight {
		lines = append(lines, st.Muted.Render("  retrying now…"))
	} else if wait := s.RetryAt.Sub(m.now()); wait > 0 {
		lines = append(lines, st.Muted.Render(fmt.Sprintf("  retrying in %s (attempt %d); %s retries now",
			views.FormatDuration(wait.Round(time.Second)), s.Failures+1, keys.Name(k.Refresh))))
	}
	lines = append(lines, st.Muted.Render("  check --prometheus / prometheus.url; "+keys.Name(k.Quit)+" quits"))
	return text.FitLines(lines, m.width, h)
}

// legendLines writes a legend: each mark in its column, its meaning
// wrapped beside it.
func (m *Model) legendLines(syms []views.Symbol) []string {
	st := m.ctx.Styles
	markW := 0
	for _, s := range syms {
		markW = max(markW, text.Width(s.Mark))
	}
	markW = min(markW, 16)
	descW := max(m.width-markW-5, 20)
	var out []string
	for _, s := range syms {
		mark := text.Sanitize(s.Mark)
		wrapped := text.WrapWords(text.Sanitize(s.Meaning), descW)
		if text.Width(mark) > markW {
			// A long mark has its own line.
			out = append(out, "  "+st.HelpKey.Render(mark))
			mark = ""
		}
		for i, l := range wrapped {
			if i > 0 {
				mark = ""
			}
			out = append(out, "  "+st.HelpKey.Render(text.PadRight(mark, markW))+" "+st.HelpDesc.Render(l))
		}
	}
	return out
}

// quitQuestion asks whether to quit and discard unsent work.
func (m *Model) quitQuestion() string {
	return keys.Name(m.ctx.Keys.Interrupt) + " again quits and discards " + m.unsentWork() + "; any other key keeps it"
}

func (m *Model) footer() string {
	st := m.ctx.Styles
	if m.quitting.asked {
		return st.FlashErr.Render(text.Fit(text.Sanitize(m.quitQuestion()), m.width))
	}
	o := m.top()
	if o != nil {
		if f := o.footer(m.width); f != "" {
			return f
		}
	}
	if m.flash.text != "" {
		s := st.FlashOK
		if m.flash.err {
			s = st.FlashErr
		}
		return s.Render(text.Fit(text.Sanitize(m.flash.text), m.width))
	}
	var bindings []key.Binding
	if o != nil {
		bindings = o.bindings()
	}
	if bindings == nil {
		bindings = m.shown().ShortHelp()
	}
	return text.Truncate(m.keysLine.ShortHelpView(bindings), m.width)
}
