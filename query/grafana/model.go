// Package grafana reads Grafana dashboards (the JSON model, from the
// pre-5 rows layout to today's panels with gridPos), resolves their
// template variables against Prometheus, formats values in Grafana's units
// and runs each panel's queries. Nothing here knows about the terminal.
package grafana

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Limits on what a dashboard may hold.
const (
	MaxFileBytes = 10 << 20 // a larger file is refused
	MaxPanels    = 500      // panels, rows and nested panels together
	MaxTargets   = 26       // targets of one panel (refId A to Z)
	MaxVariables = 100
)

// GridColumns is the width of Grafana's grid.
const GridColumns = 24

// Kind is how vigil draws a panel.
type Kind string

// The kinds of panel.
const (
	KindGraph       Kind = "graph"    // graph, timeseries
	KindStat        Kind = "stat"     // stat, singlestat
	KindGauge       Kind = "gauge"    // gauge
	KindBarGauge    Kind = "bargauge" // bargauge
	KindTable       Kind = "table"    // table, table-old
	KindHeatmap     Kind = "heatmap"  // heatmap
	KindText        Kind = "text"     // text
	KindRow         Kind = "row"      // a row header
	KindUnsupported Kind = "unsupported"
)

// kindOf maps a panel's type to the kind vigil draws.
func kindOf(typ string) Kind {
	switch typ {
	case "graph", "timeseries":
		return KindGraph
	case "stat", "singlestat", "grafana-singlestat-panel":
		return KindStat
	case "gauge":
		return KindGauge
	case "bargauge":
		return KindBarGauge
	case "table", "table-old":
		return KindTable
	case "heatmap":
		return KindHeatmap
	case "text":
		return KindText
	case "row":
		return KindRow
	}
	return KindUnsupported
}

// GridPos is a panel's place on the 24-column grid; a unit of height is
// about 30 pixels in Grafana.
type GridPos struct {
	X, Y, W, H int
}

// Step is one threshold: from Value up the colour applies. The first
// step's Value is -Inf (Grafana's "Base").
type Step struct {
	Value float64
	Color string
}

// Field is what fieldConfig.defaults (or the older panel keys) say about
// the values.
type Field struct {
	Unit     string
	Decimals *int
	Min, Max *float64
	Steps    []Step
	// PercentThresholds is thresholds.mode "percentage": the steps are
	// percents of Min..Max.
	PercentThresholds bool
}

// Target is one query of a panel.
type Target struct {
	RefID    string
	Expr     string
	Legend   string // legendFormat
	Hide     bool
	Interval string // the least step, "30s" or "$interval"
	Instant  bool
	Format   string // time_series, table, heatmap
}

// Panel is one panel of the dashboard, rows included.
type Panel struct {
	ID    int
	Type  string // as written in the JSON
	Kind  Kind
	Title string
	Grid  GridPos
	// Row is the title of the row the panel sits in ("" when none).
	Row string
	// Collapsed is true for a row whose panels are folded into it, and
	// for each such nested panel.
	Collapsed bool
	Targets   []Target
	Field     Field
	// Reduce is how a stat, gauge or bargauge makes one value of a
	// series: last, mean, max, min, sum, first.
	Reduce string
	// Text is a text panel's content; TextMode markdown, html or code.
	Text, TextMode string
	// Interval is the panel's least query interval; MaxDataPoints its
	// points (0: fitted to the width).
	Interval      string
	MaxDataPoints int
	// Repeat names the variable a panel repeats over (drawn once here).
	Repeat string
	// Path is where the panel is in the JSON, e.g. panels[3].panels[0].
	Path string
	// Unsupported says what vigil does not draw of this panel.
	Unsupported string
}

// Queried reports whether the panel sends queries.
func (p *Panel) Queried() bool {
	switch p.Kind {
	case KindText, KindRow, KindUnsupported:
		return false
	}
	for _, t := range p.Targets {
		if !t.Hide && strings.TrimSpace(t.Expr) != "" {
			return true
		}
	}
	return false
}

// Dashboard is a dashboard read from its JSON model.
type Dashboard struct {
	Title         string
	UID           string
	SchemaVersion int
	// Source names where it was read from (a file name or a URL).
	Source string
	// From and To are time.from and time.to ("now-6h", "now").
	From, To string
	// Range is To - From when both are relative to now; 0 when unknown.
	Range time.Duration
	// Refresh is the dashboard's refresh; 0 when off or unset.
	Refresh   time.Duration
	Variables []Variable
	// Panels in reading order (by gridPos y then x), rows included, the
	// panels of a collapsed row after it.
	Panels []Panel
	// Notes are what was read but is not used, one line each.
	Notes []string
}

// Err is a dashboard that cannot be read: the file and the JSON path.
type Err struct {
	Source string
	Path   string
	Msg    string
}

func (e *Err) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("%s: %s", e.Source, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", e.Source, e.Path, e.Msg)
}

// ParseRelative reads Grafana's relative times "now", "now-6h",
// "now-15m", "now-7d" as an offset before now. ok is false for an
// absolute time or anything else.
func ParseRelative(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	if s == "now" {
		return 0, true
	}
	rest, ok := strings.CutPrefix(s, "now-")
	if !ok {
		return 0, false
	}
	// Rounding (now-1d/d) is dropped: the offset is what matters here.
	rest, _, _ = strings.Cut(rest, "/")
	d, err := ParseDuration(rest)
	if err != nil || d <= 0 {
		return 0, false
	}
	return d, true
}

// ParseDuration reads a Grafana or Prometheus duration: 30s, 5m, 1h, 1d,
// 1w, 1y, 500ms, also 1h30m.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	var total time.Duration
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i > 12 {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		var n int64
		for _, c := range rest[:i] {
			n = n*10 + int64(c-'0')
		}
		rest = rest[i:]
		j := 0
		for j < len(rest) && (rest[j] < '0' || rest[j] > '9') {
			j++
		}
		var unit time.Duration
		switch rest[:j] {
		case "ms":
			unit = time.Millisecond
		case "s":
			unit = time.Second
		case "m":
			unit = time.Minute
		case "h":
			unit = time.Hour
		case "d":
			unit = 24 * time.Hour
		case "w":
			unit = 7 * 24 * time.Hour
		case "M":
			unit = 30 * 24 * time.Hour
		case "y":
			unit = 365 * 24 * time.Hour
		default:
			return 0, fmt.Errorf("bad duration %q", s)
		}
		if n > int64(math.MaxInt64/unit)-int64(total/unit) {
			return 0, fmt.Errorf("duration %q is too long", s)
		}
		total += time.Duration(n) * unit
		rest = rest[j:]
	}
	return total, nil
}

// FormatDuration writes d as Prometheus writes a duration: 90s as 1m30s,
// 3600s as 1h, with days and weeks when exact.
func FormatDuration(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	if d < time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	var b strings.Builder
	ms := d.Milliseconds()
	for _, u := range []struct {
		n    int64
		name string
	}{{7 * 24 * 3600e3, "w"}, {24 * 3600e3, "d"}, {3600e3, "h"}, {60e3, "m"}, {1e3, "s"}, {1, "ms"}} {
		if ms >= u.n {
			fmt.Fprintf(&b, "%d%s", ms/u.n, u.name)
			ms %= u.n
		}
	}
	return b.String()
}

// Folded reports whether the panel is folded into a collapsed row: not
// drawn, not queried until the row is opened.
func (p *Panel) Folded() bool { return p.Collapsed && p.Kind != KindRow }
