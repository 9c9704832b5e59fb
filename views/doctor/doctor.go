// Package doctor is the metrics doctor's screen: each check of the
// exporter's series (query/doctor, imported here under its own name), what
// was seen, why it matters and the fix, then the rules Prometheus has loaded.
package doctor

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query/doctor"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// Msg carries a run of the metrics doctor, or why it failed.
type Msg struct {
	Report *doctor.Report
	Err    error
}

// Screen is the metrics doctor's screen: each check of the exporter's
// series, what was seen, why it matters and the fix.
type Screen struct {
	views.NoWork
	ctx           *views.Context
	width, height int
	report        *doctor.Report
	err           error
	scroll        widget.Scroll
	// rules is the newest rules check, its Rules section (rules.go).
	rules    *views.RulesCheck
	rulesErr error
}

// New returns the doctor screen.
func New(ctx *views.Context) *Screen {
	d := &Screen{ctx: ctx}
	d.SetSize(80, 20)
	return d
}

// Title implements views.Screen.
func (d *Screen) Title() string { return "Doctor" }

// Capturing implements views.Screen.
func (d *Screen) Capturing() bool { return false }

// SetSize implements views.Screen.
func (d *Screen) SetSize(w, h int) { d.width, d.height = max(w, 0), max(h, 0) }

// Update implements views.Screen.
func (d *Screen) Update(msg tea.Msg) (views.Component, tea.Cmd) {
	switch msg := msg.(type) {
	case Msg:
		d.report, d.err = msg.Report, msg.Err
	case views.RulesCheckMsg:
		if msg.Check != nil {
			d.rules = msg.Check
		}
		d.rulesErr = msg.Err
	case tea.KeyPressMsg:
		d.scroll.Key(msg, d.ctx.Keys, len(d.lines()), d.height)
	}
	return d, nil
}

// Summary is the overview's line on what the doctor found: the
// checks that warn, "" when none does (or before a run).
func Summary(r *doctor.Report, k key.Binding) string {
	if r == nil {
		return ""
	}
	var titles []string
	for _, c := range r.Checks {
		if c.Status == doctor.Warn {
			titles = append(titles, c.Title)
		}
	}
	if len(titles) == 0 {
		return ""
	}
	n := "1 finding"
	if len(titles) > 1 {
		n = fmt.Sprintf("%d findings", len(titles))
	}
	return fmt.Sprintf("⚕ metrics doctor: %s: %s · %s for details", n, strings.Join(titles, ", "), widget.Key(k))
}

// Marks are the marks of the doctor's outcomes, on screen and in
// vigil doctor's output.
var Marks = map[doctor.Status]string{doctor.OK: "✓", doctor.Info: "i", doctor.Warn: "✕", doctor.Unknown: "?"}

// lines is the whole text, wrapped to the width.
func (d *Screen) lines() []string {
	st := d.ctx.Styles
	w := max(d.width, 1)
	var out []string
	add := func(style func(...string) string, s string, indent int) {
		pad := strings.Repeat(" ", indent)
		for _, l := range text.WrapWords(text.Sanitize(s), max(w-indent, 1)) {
			out = append(out, style(pad+l))
		}
	}
	plain := func(s ...string) string { return strings.Join(s, "") }
	switch {
	case d.report == nil && d.err != nil:
		add(st.Error.Render, "the doctor could not run: "+d.err.Error(), 0)
		return out
	case d.report == nil:
		add(st.Muted.Render, "checking the exporter's metrics…", 0)
		return out
	}
	r := d.report
	x := r.Detected
	det := "no exporter family found behind the selector"
	if x.PrefixKnown {
		lat := "histogram"
		if x.Summary {
			lat = "summary (no buckets)"
		}
		det = fmt.Sprintf("prefix %q, endpoint label %q, latency %s, %d endpoints", x.Prefix, x.EndpointLabel, lat, x.Endpoints)
	}
	if !r.At.IsZero() {
		// Every check says what it saw then, not now.
		if age := d.ctx.Now().Sub(r.At).Truncate(time.Second); age >= time.Second {
			det += " · checked " + views.FormatDuration(age) + " ago"
		} else {
			det += " · checked just now"
		}
	}
	add(st.Muted.Render, "detected: "+det, 0)
	if d.ctx.Detection != "" {
		add(st.Muted.Render, "at start: "+d.ctx.Detection, 0)
	}
	if d.err != nil {
		add(st.Error.Render, "last run failed, showing the one before: "+d.err.Error(), 0)
	}
	for _, c := range r.Checks {
		out = append(out, "")
		lvl := themes.LevelOK
		switch c.Status {
		case doctor.Warn:
			lvl = themes.LevelCrit
		case doctor.Unknown:
			lvl = themes.LevelUnknown
		case doctor.Info:
			lvl = themes.LevelWarn
		}
		head := Marks[c.Status] + " " + c.Title + ": "
		first := text.WrapWords(text.Sanitize(head+c.Seen), w)
		for i, l := range first {
			if i == 0 {
				out = append(out, st.Level(lvl).Render(l))
			} else {
				out = append(out, l)
			}
		}
		if c.Status == doctor.OK {
			continue
		}
		if len(c.Subjects) > 0 {
			add(plain, "on:  "+strings.Join(c.Subjects, ", "), 2)
		}
		if c.Why != "" {
			add(plain, "why: "+c.Why, 2)
		}
		if c.Fix != "" {
			add(st.Accent.Render, "fix: "+c.Fix, 2)
		}
	}
	for _, e := range r.Errors {
		out = append(out, "")
		add(st.Error.Render, "query "+e.Name+" failed: "+e.Err.Error(), 0)
	}
	return append(out, rulesLines(st, w, d.rules, d.rulesErr)...)
}

// View implements views.Screen.
func (d *Screen) View() string {
	if d.width <= 0 || d.height <= 0 {
		return ""
	}
	return text.FitLines(d.scroll.Window(d.lines(), d.height), d.width, d.height)
}

// Notes implements views.Screen.
func (d *Screen) Notes() []string {
	return []string{
		"The doctor checks the exporter's series behind the selector for prometheus_flask_exporter's known pitfalls, every 5 minutes, on r, and when this screen is shown with checks over 30s old; the first line says how long ago.",
		"✓ fine · i noted (vigil handles it) · ✕ a finding that makes figures wrong or missing · ? could not be checked (the reason is given).",
		"vigil doctor prints the same checks for a script or a ticket.",
		"Rules: the alerting and recording rules Prometheus has loaded, checked every 5 minutes (docs/rules.md); vigil doctor --rules prints them.",
	}
}

// ShortHelp implements help.KeyMap.
func (d *Screen) ShortHelp() []key.Binding {
	k := d.ctx.Keys
	return []key.Binding{k.Up, k.Down, k.Refresh, k.Help, k.Quit}
}

// FullHelp implements help.KeyMap.
func (d *Screen) FullHelp() [][]key.Binding {
	k := d.ctx.Keys
	return [][]key.Binding{k.Navigation(), {k.Refresh}}
}

// Legend implements views.Legender: the doctor's marks.
func (d *Screen) Legend() []views.Symbol {
	return []views.Symbol{
		{Mark: "✓", Meaning: "the check passed."},
		{Mark: "i", Meaning: "noted: vigil handles it, nothing to do."},
		{Mark: "✕", Meaning: "a finding that makes figures wrong or missing: the line says the fix."},
		{Mark: "?", Meaning: "could not be checked; the reason is given."},
	}
}

var (
	_ views.Screen   = (*Screen)(nil)
	_ views.Legender = (*Screen)(nil)
)
