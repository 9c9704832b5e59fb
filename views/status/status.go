// Package status is the Status screen: the Prometheus and Alertmanager
// peers vigil reads, the cluster, notification delivery and the watchdog.
package status

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// Msg carries a refresh of the Status screen: what each Alertmanager
// peer says of itself, the notification counters' history and
// Prometheus's version.
type Msg struct {
	At time.Time
	// NoAlertmanager: none configured.
	NoAlertmanager bool
	Alertmanager   []alertmanager.AMPeerStatus
	Delivery       alertmanager.DeliveryReport
	// NoPrometheus: no Prometheus to ask for its version.
	NoPrometheus      bool
	PrometheusURL     string
	PrometheusVersion string
	// Engine names the engine at the Prometheus URL and its version
	// ("VictoriaMetrics, version unknown (reports Prometheus 2.24.0)");
	// empty when unknown, and then PrometheusVersion is shown.
	Engine string
	// EngineNotes are the engine's quirks that change what is shown
	// ("data ≥30s old", NoRulesText).
	EngineNotes   []string
	PrometheusErr error
}

// Screen is the screen of the alerting pipeline's own health: the
// Alertmanager peers, their cluster and configuration, the delivery of
// notifications per integration, the watchdog, and Prometheus's version.
type Screen struct {
	views.NoWork
	ctx           *views.Context
	msg           *Msg
	watchdog      query.WatchdogState
	watchdogSeen  bool
	width, height int
	scroll        widget.Scroll
}

// New returns the Status screen.
func New(ctx *views.Context) *Screen {
	s := &Screen{ctx: ctx}
	s.SetSize(80, 20)
	return s
}

// Title implements views.Screen.
func (s *Screen) Title() string { return "Status" }

// Capturing implements views.Component: nothing is typed here.
func (s *Screen) Capturing() bool { return false }

// SetSize implements views.Component.
func (s *Screen) SetSize(w, h int) { s.width, s.height = max(w, 0), max(h, 0) }

// Update implements views.Component.
func (s *Screen) Update(msg tea.Msg) (views.Component, tea.Cmd) {
	switch msg := msg.(type) {
	case Msg:
		s.msg = &msg
	case views.AlertsMsg:
		if !msg.NoAlertmanager {
			s.watchdog, s.watchdogSeen = msg.Watchdog, true
		}
	case tea.KeyPressMsg:
		s.scroll.Key(msg, s.ctx.Keys, len(s.lines()), s.height)
	}
	return s, nil
}

// View implements views.Component.
func (s *Screen) View() string {
	if s.width <= 0 || s.height <= 0 {
		return ""
	}
	lines := s.lines()
	shown := s.scroll.Window(lines, s.height)
	if len(lines) > s.height && len(shown) > 0 {
		more := fmt.Sprintf("lines %d–%d of %d (%s scroll)", s.scroll.Offset+1, s.scroll.Offset+len(shown), len(lines), widget.Arrows(s.ctx.Keys.Up, s.ctx.Keys.Down))
		shown = append(shown[:len(shown)-1:len(shown)-1], s.ctx.Styles.Muted.Render(text.Fit(more, s.width)))
	}
	return strings.Join(text.FitBlock(shown, s.width, s.height), "\n")
}

// lines is the whole screen, one styled line each, fitted to the width.
func (s *Screen) lines() []string {
	st := s.ctx.Styles
	w := s.width
	var out []string
	add := func(style func(...string) string, str string) { out = append(out, style(text.Fit(str, w))) }
	plain := func(strs ...string) string { return strings.Join(strs, "") }
	m := s.msg
	if m == nil {
		add(st.Muted.Render, "reading the status of Alertmanager and Prometheus…")
		return out
	}
	now := s.ctx.Now()

	// Alertmanager.
	switch {
	case m.NoAlertmanager:
		add(st.Title.Render, "ALERTMANAGER")
		add(st.Muted.Render, "  Alertmanager not configured (alertmanager.urls, --alertmanager)")
	default:
		add(st.Title.Render, "ALERTMANAGER"+s.clusterSummary())
		add(st.TableHeader.Render, fmt.Sprintf("  %-24s %-8s %-7s %-9s %4s %s", "PEER", "VERSION", "UP", "CLUSTER", "SEES", "CONFIG"))
		for _, p := range m.Alertmanager {
			if p.Err != nil {
				add(st.Error.Render, "✕ "+text.Sanitize(hostOf(p.URL))+" unreachable: "+text.Sanitize(p.Err.Error()))
				continue
			}
			up := views.Dash
			if !p.Started.IsZero() {
				up = views.FormatDuration(now.Sub(p.Started).Truncate(time.Second))
			}
			sees := views.Dash
			if p.ClusterStatus != "disabled" {
				sees = fmt.Sprint(len(p.Members))
			}
			add(st.Text.Render, fmt.Sprintf("● %-24s %-8s %-7s %-9s %4s %s", text.Truncate(text.Sanitize(hostOf(p.URL)), 24),
				text.Truncate(text.Sanitize(p.Version), 8), up, text.Truncate(text.Sanitize(p.ClusterStatus), 9), sees, text.Sanitize(p.ConfigHash)))
		}
		for _, l := range s.splitLines() {
			add(st.Error.Render, l)
		}
		if s.hashesDiffer() {
			add(st.Error.Render, "  ✕ the peers run different configurations (CONFIG is a sha256 of each one's config)")
		}
		if mem, from := s.members(); from != "" {
			add(st.Muted.Render, fmt.Sprintf("  cluster members as %s sees them: %d", text.Sanitize(hostOf(from)), len(mem)))
			for _, c := range mem {
				add(st.Text.Render, "    "+text.Sanitize(c.Address)+"  "+text.Sanitize(c.Name))
			}
		}
	}

	// Delivery.
	out = append(out, "")
	if !m.NoAlertmanager {
		out = append(out, s.deliveryLines()...)
		out = append(out, "")
	}

	// Watchdog.
	out = append(out, s.watchdogLine())

	// Prometheus.
	out = append(out, "")
	switch {
	case m.NoPrometheus:
		add(st.Muted.Render, "PROMETHEUS  not configured")
	case m.PrometheusErr != nil:
		add(st.Error.Render, "PROMETHEUS  "+text.Sanitize(hostOf(m.PrometheusURL))+" version unknown: "+text.Sanitize(m.PrometheusErr.Error()))
	default:
		v := " · version " + text.Sanitize(m.PrometheusVersion)
		if m.PrometheusVersion == "" {
			v = " · version unknown"
		}
		if m.Engine != "" {
			v = " · " + text.Sanitize(m.Engine)
		}
		add(st.Text.Render, plain("PROMETHEUS  ", text.Sanitize(hostOf(m.PrometheusURL)), v))
		for _, n := range m.EngineNotes {
			add(st.Warn.Render, "            "+text.Sanitize(n))
		}
	}
	return out
}

// clusterSummary is the title's tail: how many peers answer, and the
// cluster's state as the first answering peer sees it.
func (s *Screen) clusterSummary() string {
	ok, first := 0, -1
	for i, p := range s.msg.Alertmanager {
		if p.Err == nil {
			ok++
			if first < 0 {
				first = i
			}
		}
	}
	out := fmt.Sprintf("  %d of %d peers answer", ok, len(s.msg.Alertmanager))
	if first >= 0 {
		out += " · cluster " + text.Sanitize(s.msg.Alertmanager[first].ClusterStatus)
	}
	return out
}

// splitLines warn of a peer that sees fewer members than there are peers
// answering: a split cluster, whose halves both notify.
func (s *Screen) splitLines() []string {
	answering := 0
	for _, p := range s.msg.Alertmanager {
		if p.Err == nil {
			answering++
		}
	}
	var out []string
	for _, p := range s.msg.Alertmanager {
		if p.Err == nil && p.ClusterStatus != "disabled" && len(p.Members) < answering {
			out = append(out, fmt.Sprintf("  ✕ %s sees %d of %d answering peers: split cluster, notifications may double",
				text.Sanitize(hostOf(p.URL)), len(p.Members), answering))
		}
	}
	return out
}

// members is the cluster membership as the first answering peer sees it.
func (s *Screen) members() ([]alertmanager.ClusterMember, string) {
	for _, p := range s.msg.Alertmanager {
		if p.Err == nil && p.ClusterStatus != "disabled" {
			return p.Members, p.URL
		}
	}
	return nil, ""
}

func (s *Screen) hashesDiffer() bool {
	seen := ""
	for _, p := range s.msg.Alertmanager {
		if p.Err != nil || p.ConfigHash == "" {
			continue
		}
		if seen != "" && p.ConfigHash != seen {
			return true
		}
		seen = p.ConfigHash
	}
	return false
}

// deliveryLines is the table of notifications per integration.
func (s *Screen) deliveryLines() []string {
	st := s.ctx.Styles
	w := s.width
	d := s.msg.Delivery
	var out []string
	add := func(style func(...string) string, str string) { out = append(out, style(text.Fit(str, w))) }
	add(st.Title.Render, "DELIVERY  notifications per integration, all peers (each peer's /metrics)")
	for _, e := range d.Errs {
		add(st.Error.Render, "  ✕ "+text.Sanitize(e.Error()))
	}
	if !d.Read {
		add(st.Muted.Render, "  unknown: no peer's counters could be read yet")
		return out
	}
	recentHead := "FAILED/" + views.FormatDuration(d.Window)
	if d.RecentKnown && !d.Full {
		recentHead = "FAILED/" + views.FormatDuration(d.Span.Truncate(time.Second))
	}
	add(st.TableHeader.Render, fmt.Sprintf("  %-16s %8s %8s %13s", "INTEGRATION", "SENT", "FAILED", recentHead))
	if len(d.Rows) == 0 {
		add(st.Muted.Render, "  no notification sent yet by any integration")
	}
	for _, r := range d.Rows {
		recent := "?"
		if d.RecentKnown {
			recent = views.FormatCount(r.Recent)
		}
		line := fmt.Sprintf("  %-16s %8s %8s %13s", text.Truncate(text.Sanitize(r.Integration), 16), views.FormatCount(r.Sent), views.FormatCount(r.Failed), recent)
		style := st.Text.Render
		if d.RecentKnown && r.Recent > 0 {
			style = st.Error.Render
			line = "✕" + line[1:]
		}
		add(style, line)
	}
	if d.Idle > 0 {
		add(st.Muted.Render, fmt.Sprintf("  %d other integrations exported, none used", d.Idle))
	}
	switch {
	case !d.RecentKnown:
		add(st.Warn.Render, fmt.Sprintf("  failed in the last %s: unknown until a second reading", views.FormatDuration(d.Window)))
	case !d.Full:
		add(st.Muted.Render, fmt.Sprintf("  read for %s so far: the last column covers that, not yet %s",
			views.FormatDuration(d.Span.Truncate(time.Second)), views.FormatDuration(d.Window)))
	}
	return out
}

// watchdogLine is the dead man's switch, on the screen.
func (s *Screen) watchdogLine() string {
	st := s.ctx.Styles
	wd := s.watchdog
	name := text.Sanitize(s.ctx.Settings.Watchdog)
	var line string
	style := st.Text.Render
	switch {
	case name == "":
		line, style = "WATCHDOG  off (set alertmanager.watchdog to the alertname of an always-firing alert)", st.Muted.Render
	case s.msg.NoAlertmanager:
		line, style = "WATCHDOG  "+name+": unknown, Alertmanager not configured", st.Warn.Render
	case !s.watchdogSeen:
		line, style = "WATCHDOG  "+name+": not read yet", st.Muted.Render
	default:
		if a := WatchdogAlarm(wd); a != "" {
			line, style = "WATCHDOG  "+a, st.Error.Render
			if !wd.Known {
				style = st.Warn.Render
			}
		} else {
			line, style = "WATCHDOG  ● "+name+" firing in Alertmanager: the alerting pipeline works", st.StateLive.Render
		}
	}
	return style(text.Fit(line, s.width))
}

// WatchdogAlarm is what the header says of the dead man's switch: "" while
// it fires (or none is configured).
func WatchdogAlarm(wd query.WatchdogState) string {
	name := text.Sanitize(wd.Name)
	switch {
	case wd.Name == "":
		return ""
	case !wd.Known:
		return "? watchdog " + name + " unknown: " + text.Sanitize(wd.Reason)
	case !wd.Firing:
		return "✕ watchdog " + name + " not firing: alerting pipeline broken"
	}
	return ""
}

// DeliveryAlarm is what the header says of notification failures: the
// integrations whose failures rose, over the window (or the shorter span
// read so far); "" when none rose or it is not known yet.
func DeliveryAlarm(d alertmanager.DeliveryReport) string {
	failing := d.Failing()
	if len(failing) == 0 {
		return ""
	}
	parts := make([]string, len(failing))
	for i, r := range failing {
		parts[i] = text.Sanitize(r.Integration) + " " + views.FormatCount(r.Recent)
	}
	over := views.FormatDuration(d.Window)
	if !d.Full {
		over = views.FormatDuration(d.Span.Truncate(time.Second))
	}
	return "notify ✕ " + strings.Join(parts, ", ") + " failed/" + over
}

// hostOf is a URL without its scheme, for narrow columns.
func hostOf(u string) string {
	for _, p := range []string{"https://", "http://"} {
		u = strings.TrimPrefix(u, p)
	}
	return u
}

// ShortHelp implements help.KeyMap.
func (s *Screen) ShortHelp() []key.Binding {
	k := s.ctx.Keys
	return []key.Binding{k.Up, k.Down, k.Refresh, k.Help, k.Quit}
}

// FullHelp implements help.KeyMap.
func (s *Screen) FullHelp() [][]key.Binding {
	k := s.ctx.Keys
	return [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown}}
}

// Notes implements views.Screen.
func (s *Screen) Notes() []string {
	return []string{
		"Alertmanager: each peer's /api/v2/status; CONFIG is the first 12 hex digits of the sha256 of the configuration it runs.",
		"Delivery: alertmanager_notifications_total and _failed_total from each peer's /metrics, summed over the peers; the last column is the increase between vigil's own readings.",
		"Watchdog: the alert named by alertmanager.watchdog must be held by Alertmanager; when it is not, the alerting pipeline is broken.",
	}
}

// Legend implements views.Legender: the Status screen's marks.
func (s *Screen) Legend() []views.Symbol {
	return []views.Symbol{
		{Mark: "●", Meaning: "a peer or check that answers and is healthy."},
		{Mark: "✕", Meaning: "a peer that does not answer, or a check that failed: the line names it."},
		{Mark: "?", Meaning: "not known yet, or could not be read; the reason is given."},
		{Mark: "—", Meaning: "no figure: nothing to count there (SEES while the cluster is disabled)."},
		{Mark: "SEES", Meaning: "how many cluster peers this Alertmanager sees (itself included); — with the cluster disabled."},
		{Mark: "CONFIG", Meaning: "the first 12 hex digits of the sha256 of the configuration the peer runs: peers that differ run different configurations."},
		{Mark: "FAILED/2s", Meaning: "failed notifications over the last 2s of vigil's own readings (the span read so far, up to 5m)."},
	}
}

var (
	_ views.Screen   = (*Screen)(nil)
	_ views.Legender = (*Screen)(nil)
)
