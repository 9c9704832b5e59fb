package themes

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
)

// Level is a judgement of a figure against its thresholds. The views map
// their own findings (an error ratio above error_ratio_crit, a p99 above
// p99_warn, no traffic) to a Level and take its style from Styles.Level.
type Level int

const (
	// LevelNone is a figure nobody judges (requests per second): plain text.
	LevelNone Level = iota
	// LevelOK is within its thresholds.
	LevelOK
	// LevelWarn has crossed its warning threshold.
	LevelWarn
	// LevelCrit has crossed its critical threshold.
	LevelCrit
	// LevelUnknown is a figure without data (no traffic, NaN): muted.
	LevelUnknown
)

var levelNames = [...]string{"none", "ok", "warn", "crit", "unknown"}

func (l Level) String() string {
	if l >= 0 && int(l) < len(levelNames) {
		return levelNames[l]
	}
	return "level(" + strconv.Itoa(int(l)) + ")"
}

// Styles are every style a screen uses, built once from a Palette by
// NewStyles. Views render through these and never make styles of their own.
//
// No style here sets a width, padding, margin or border: the views lay text
// out to the cell with views/text (Fit, PadLeft) and then style it, so widths
// add up.
type Styles struct {
	// Name is the theme the styles were built from, when built by
	// Theme.Styles.
	Name string
	// Mono is true when the palette has no colour: states are told apart
	// by attributes alone. Graphs use it to choose glyphs over colours.
	Mono bool

	// Text is ordinary text, Muted secondary text, Accent a highlighted
	// word, Title the title of a screen or pane, Link a URL.
	Text, Muted, Accent, Title, Link lipgloss.Style

	// Tab is a screen's name in the tab bar, TabActive the current one.
	Tab, TabActive lipgloss.Style

	// TableHeader is a table's column titles, Row an ordinary row,
	// RowSelected the selected one.
	TableHeader, Row, RowSelected lipgloss.Style

	// OK, Warn, Crit, Info and Unknown are judged figures and severities;
	// see Level and Severity.
	OK, Warn, Crit, Info, Unknown lipgloss.Style

	// Firing, Pending, Silenced, Inhibited and Resolved are alert states;
	// Expired is an expired silence. See AlertState and SilenceState.
	Firing, Pending, Silenced, Inhibited, Resolved, Expired lipgloss.Style

	// LabelKey and LabelValue are an alert label or a matcher.
	LabelKey, LabelValue lipgloss.Style

	// StateLive, StateStale and StateDown show whether the data is fresh.
	StateLive, StateStale, StateDown lipgloss.Style

	// Flash is a passing message; FlashOK one that confirms, FlashErr one
	// that reports a failure.
	Flash, FlashOK, FlashErr lipgloss.Style

	// Error is the full-screen error shown when nothing else can be.
	Error lipgloss.Style

	// Prompt is a form's field label, Input what is typed, Placeholder the
	// hint in an empty field, Confirm the question before a dangerous
	// action (expire a silence, silence many alerts).
	Prompt, Input, Placeholder, Confirm lipgloss.Style

	// HelpKey and HelpDesc are the help screen and the short help.
	HelpKey, HelpDesc lipgloss.Style

	// GraphSeries are the series of a graph, GraphAxis its axis and labels,
	// ThresholdWarn and ThresholdCrit its threshold lines.
	GraphSeries                  [4]lipgloss.Style
	GraphAxis                    lipgloss.Style
	ThresholdWarn, ThresholdCrit lipgloss.Style

	levelSelected [LevelUnknown + 1]lipgloss.Style
}

// NewStyles builds the styles of a palette. A mono palette (no colour set)
// gets attribute-only styles: warn is bold, crit bold and underlined, the
// selected row reversed, muted text faint. In colour palettes crit, firing and down are bold as well as
// coloured, so they never depend on colour alone.
func NewStyles(p Palette) *Styles {
	if p.IsMono() {
		return monoStyles()
	}
	base := lipgloss.NewStyle()
	fg := func(c string) lipgloss.Style { return withFg(base, c) }

	s := &Styles{}
	s.Text = fg(p.Text)
	s.Muted = fg(p.Muted)
	s.Accent = fg(p.Accent)
	s.Title = fg(p.Accent).Bold(true)
	s.Link = fg(p.Link).Underline(true)

	s.Tab = fg(p.Muted)
	s.TabActive = fg(p.Focus).Bold(true).Underline(true)

	s.TableHeader = fg(p.Accent).Bold(true)
	s.Row = fg(p.Text)
	s.RowSelected = withBg(fg(p.SelectionFg), p.SelectionBg).Bold(true)

	s.OK = fg(p.OK)
	s.Warn = fg(p.Warn)
	s.Crit = fg(p.Crit).Bold(true)
	s.Info = fg(p.Info)
	s.Unknown = fg(p.Muted)

	s.Firing = fg(p.Firing).Bold(true)
	s.Pending = fg(p.Pending)
	s.Silenced = fg(p.Silenced)
	s.Inhibited = fg(p.Inhibited)
	s.Resolved = fg(p.Resolved)
	s.Expired = fg(p.Muted)

	s.LabelKey = fg(p.Accent)
	s.LabelValue = fg(p.Text)

	s.StateLive = fg(p.Live)
	s.StateStale = fg(p.Stale).Bold(true)
	s.StateDown = fg(p.Down).Bold(true)

	s.Flash = fg(p.Text)
	s.FlashOK = fg(p.OK)
	s.FlashErr = fg(p.Crit).Bold(true)
	s.Error = fg(p.Crit).Bold(true)

	s.Prompt = fg(p.Focus).Bold(true)
	s.Input = fg(p.Text)
	s.Placeholder = fg(p.Muted)
	s.Confirm = fg(p.Crit).Bold(true)

	s.HelpKey = fg(p.Accent).Bold(true)
	s.HelpDesc = fg(p.Muted)

	for i, c := range []string{p.Graph1, p.Graph2, p.Graph3, p.Graph4} {
		s.GraphSeries[i] = fg(c)
	}
	s.GraphAxis = fg(p.Axis)
	s.ThresholdWarn = fg(p.ThresholdWarn)
	s.ThresholdCrit = fg(p.ThresholdCrit)

	for l := LevelNone; l <= LevelUnknown; l++ {
		st := s.Level(l)
		if l == LevelNone {
			st = withFg(st, p.SelectionFg)
		}
		s.levelSelected[l] = withBg(st, p.SelectionBg).Bold(true)
	}
	return s
}

// monoStyles are the attribute-only styles of a palette without colour.
func monoStyles() *Styles {
	plain := lipgloss.NewStyle()
	bold := plain.Bold(true)
	underline := plain.Underline(true)
	reverse := plain.Reverse(true)
	faint := plain.Faint(true)
	loud := bold.Underline(true)

	s := &Styles{Mono: true}
	s.Text = plain
	s.Muted = faint
	s.Accent = bold
	s.Title = bold
	s.Link = underline

	s.Tab = plain
	s.TabActive = loud

	s.TableHeader = loud
	s.Row = plain
	s.RowSelected = reverse

	s.OK = plain
	s.Warn = bold
	s.Crit = loud
	s.Info = plain
	s.Unknown = faint

	s.Firing = loud
	s.Pending = bold
	s.Silenced = faint
	s.Inhibited = faint.Underline(true)
	s.Resolved = plain
	s.Expired = faint

	s.LabelKey = faint
	s.LabelValue = plain

	s.StateLive = plain
	s.StateStale = bold
	s.StateDown = reverse.Bold(true)

	s.Flash = plain
	s.FlashOK = bold
	s.FlashErr = reverse.Bold(true)
	s.Error = loud

	s.Prompt = bold
	s.Input = underline
	s.Placeholder = faint
	s.Confirm = reverse.Bold(true)

	s.HelpKey = bold
	s.HelpDesc = plain

	s.GraphSeries = [4]lipgloss.Style{plain, bold, faint, underline}
	s.GraphAxis = faint
	s.ThresholdWarn = plain
	s.ThresholdCrit = bold

	for l := LevelNone; l <= LevelUnknown; l++ {
		// Reverse is the selection; the level keeps its own attributes on
		// top of it.
		s.levelSelected[l] = s.Level(l).Reverse(true)
	}
	return s
}

func withFg(st lipgloss.Style, c string) lipgloss.Style {
	if c == "" {
		return st
	}
	return st.Foreground(lipgloss.Color(c))
}

func withBg(st lipgloss.Style, c string) lipgloss.Style {
	if c == "" {
		return st
	}
	return st.Background(lipgloss.Color(c))
}

// Level returns the style of a judged figure. An unknown Level is plain
// text.
func (s *Styles) Level(l Level) lipgloss.Style {
	switch l {
	case LevelOK:
		return s.OK
	case LevelWarn:
		return s.Warn
	case LevelCrit:
		return s.Crit
	case LevelUnknown:
		return s.Unknown
	}
	return s.Row
}

// LevelSelected returns the style of a judged figure in the selected row:
// the level's own colour or attributes on the selection.
func (s *Styles) LevelSelected(l Level) lipgloss.Style {
	if l < 0 || l > LevelUnknown {
		l = LevelNone
	}
	return s.levelSelected[l]
}

// Series returns the style of the i-th series of a graph, from 0, cycling
// through the four series colours (modulo 4, negative i included).
func (s *Styles) Series(i int) lipgloss.Style {
	n := len(s.GraphSeries)
	return s.GraphSeries[(i%n+n)%n]
}

// SeverityLevel maps an alert's severity label to a Level, case and space
// insensitive: critical, crit, page, fatal, emergency, alert, error, high,
// p1 and sev1 are LevelCrit; warning, warn, medium, p2, p3, sev2 and sev3
// LevelWarn; info, informational, notice, low, debug, none, p4, p5, sev4 and
// sev5 LevelOK; anything else, and no severity, LevelNone.
func SeverityLevel(sev string) Level {
	switch strings.ToLower(strings.TrimSpace(sev)) {
	case "critical", "crit", "page", "fatal", "emergency", "alert", "error", "high", "p1", "sev1":
		return LevelCrit
	case "warning", "warn", "medium", "p2", "p3", "sev2", "sev3":
		return LevelWarn
	case "info", "informational", "notice", "low", "debug", "none", "p4", "p5", "sev4", "sev5":
		return LevelOK
	}
	return LevelNone
}

// Severity returns the style of an alert's severity label: Crit, Warn,
// Info or, for a severity SeverityLevel does not know, Text.
func (s *Styles) Severity(sev string) lipgloss.Style {
	switch SeverityLevel(sev) {
	case LevelCrit:
		return s.Crit
	case LevelWarn:
		return s.Warn
	case LevelOK:
		return s.Info
	}
	return s.Text
}

// AlertState returns the style of an alert state, as Prometheus and
// Alertmanager write it: firing or active, pending or unprocessed,
// suppressed or silenced, inhibited, resolved or inactive. Alertmanager
// calls both silenced and inhibited alerts "suppressed": the caller that
// knows an alert is inhibited passes "inhibited". Anything else is Text.
func (s *Styles) AlertState(state string) lipgloss.Style {
	switch strings.ToLower(strings.TrimSpace(state)) {
	case "firing", "active":
		return s.Firing
	case "pending", "unprocessed":
		return s.Pending
	case "suppressed", "silenced":
		return s.Silenced
	case "inhibited":
		return s.Inhibited
	case "resolved", "inactive":
		return s.Resolved
	}
	return s.Text
}

// SilenceState returns the style of a silence state as Alertmanager writes
// it: active, pending (starts later) or expired. Anything else is Text.
func (s *Styles) SilenceState(state string) lipgloss.Style {
	switch strings.ToLower(strings.TrimSpace(state)) {
	case "active":
		return s.Silenced
	case "pending":
		return s.Pending
	case "expired":
		return s.Expired
	}
	return s.Text
}
