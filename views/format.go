package views

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/themes"
)

// ThemeLevel maps a judged figure to the style level it is drawn with: a
// missing figure is muted whatever its judgement.
func ThemeLevel(v float64, l query.Level) themes.Level {
	if query.Missing(v) {
		return themes.LevelUnknown
	}
	switch l {
	case query.LevelCrit:
		return themes.LevelCrit
	case query.LevelWarn:
		return themes.LevelWarn
	default:
		return themes.LevelOK
	}
}

// Dash stands for a figure that does not exist: no traffic, NaN, ±Inf or an
// empty result. It is never shown as 0.
const Dash = "—"

// band is one range of a figure's magnitude: below the bound, the figure
// times mul divided by div is written with format; a format without a
// verb is written as is.
type band struct {
	below    float64
	format   string
	mul, div float64
}

// banded writes v by the first band its magnitude a is below, or over.
func banded(v, a float64, bands []band, over string) string {
	for _, b := range bands {
		if a < b.below {
			if !strings.Contains(b.format, "%") {
				return b.format
			}
			return fmt.Sprintf(b.format, v*b.mul/b.div)
		}
	}
	return over
}

var rpsBands = []band{{0.01, "<0.01", 1, 1}, {10, "%.2f", 1, 1}, {1000, "%.1f", 1, 1}, {100000, "%.0f", 1, 1}, {1e6, "%.0fk", 1, 1e3}, {1e8, "%.1fM", 1, 1e6}}

// FormatRPS formats requests per second in at most 7 cells.
func FormatRPS(v float64) string {
	if query.Missing(v) {
		return Dash
	}
	if v == 0 {
		return "0"
	}
	return banded(v, math.Abs(v), rpsBands, ">99M")
}

// FormatPercent formats a ratio (0..1) as a percentage.
func FormatPercent(v float64) string {
	if query.Missing(v) {
		return Dash
	}
	p := v * 100
	switch {
	case p == 0:
		return "0%"
	case p < 0.01:
		return "<0.01%"
	case p < 10:
		return fmt.Sprintf("%.2f%%", p)
	default:
		return fmt.Sprintf("%.1f%%", p)
	}
}

var secondsBands = []band{{0.001, "%.0fµs", 1e6, 1}, {0.01, "%.1fms", 1e3, 1}, {1, "%.0fms", 1e3, 1}, {100, "%.2fs", 1, 1}, {6000, "%.0fm", 1, 60}, {360000, "%.0fh", 1, 3600}}

// FormatSeconds formats a latency given in seconds.
func FormatSeconds(v float64) string {
	if query.Missing(v) || v < 0 {
		return Dash
	}
	if v == 0 {
		return "0"
	}
	return banded(v, v, secondsBands, ">99h")
}

// FormatChange formats a change of a ratio in percentage points, signed.
func FormatChange(v float64) string {
	if query.Missing(v) {
		return Dash
	}
	p := v * 100
	switch {
	case math.Abs(p) < 0.005:
		return "±0"
	case math.Abs(p) < 10:
		return fmt.Sprintf("%+.2f", p)
	default:
		return fmt.Sprintf("%+.1f", p)
	}
}

// FormatCount formats a count over the window (increase() extrapolates, so
// counts are rounded).
func FormatCount(v float64) string {
	if query.Missing(v) {
		return Dash
	}
	r := math.Round(v)
	switch {
	case r < 100000:
		return fmt.Sprintf("%.0f", r)
	case r < 1e7:
		return fmt.Sprintf("%.0fk", r/1e3)
	case r < 1e8:
		return fmt.Sprintf("%.0fM", r/1e6)
	default:
		return ">99M"
	}
}

// FormatDuration formats a duration the short way (5m, 1h30m, 42s).
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		m := int(d.Minutes())
		if s := int(d.Seconds()) % 60; s != 0 && m < 10 {
			return fmt.Sprintf("%dm%ds", m, s)
		}
		return fmt.Sprintf("%dm", m)
	case d < 48*time.Hour:
		h := int(d.Hours())
		if m := int(d.Minutes()) % 60; m != 0 {
			return fmt.Sprintf("%dh%dm", h, m)
		}
		return fmt.Sprintf("%dh", h)
	default:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
}

var sparkRunes = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws values in width cells, scaled from 0 to max(values,
// floor); a missing value is a blank cell. More values than cells are
// bucketed keeping each bucket's maximum, so spikes survive.
func Sparkline(values []float64, width int, floor float64) string {
	if width <= 0 || len(values) == 0 {
		return strings.Repeat(" ", max(width, 0))
	}
	cells := make([]float64, 0, width)
	if len(values) > width {
		for i := 0; i < width; i++ {
			lo, hi := i*len(values)/width, (i+1)*len(values)/width
			m := math.NaN()
			for _, v := range values[lo:hi] {
				if !query.Missing(v) && (math.IsNaN(m) || v > m) {
					m = v
				}
			}
			cells = append(cells, m)
		}
	} else {
		cells = append(cells, values...)
	}
	top := floor
	for _, v := range cells {
		if !query.Missing(v) && v > top {
			top = v
		}
	}
	var b strings.Builder
	// The newest value stays at the right edge.
	b.WriteString(strings.Repeat(" ", width-len(cells)))
	for _, v := range cells {
		switch {
		case query.Missing(v):
			b.WriteByte(' ')
		case top <= 0 || v <= 0:
			b.WriteRune(sparkRunes[0])
		default:
			i := int(math.Round(v / top * float64(len(sparkRunes)-1)))
			b.WriteRune(sparkRunes[min(max(i, 0), len(sparkRunes)-1)])
		}
	}
	return b.String()
}

// Painter applies a style by concatenating the escape sequences the style
// produces, taken once, instead of running lipgloss on every cell. Styles
// here set no width, padding or margin, so the sequences are a plain
// prefix and suffix.
type Painter struct {
	pre, post string
	style     *lipgloss.Style // used when the style is not a plain wrap
}

// NewPainter is the painter of a style.
func NewPainter(st lipgloss.Style) Painter {
	const mark = "M"
	out := st.Render(mark)
	i := strings.Index(out, mark)
	if i < 0 || strings.Count(out, mark) != 1 {
		return Painter{style: &st}
	}
	return Painter{pre: out[:i], post: out[i+len(mark):]}
}

// Paint is s in the painter's style.
func (p Painter) Paint(s string) string {
	if p.style != nil {
		return p.style.Render(s)
	}
	if p.pre == "" && p.post == "" {
		return s
	}
	return p.pre + s + p.post
}

// FormatNumber writes a plain number compactly: 3, 2.5, 0.013, 12.3k.
func FormatNumber(v float64) string {
	if query.Missing(v) {
		return Dash
	}
	a := math.Abs(v)
	switch {
	case a == 0:
		return "0"
	case a >= 1e9:
		return strconv.FormatFloat(v/1e9, 'f', 1, 64) + "G"
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', 1, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(v/1e3, 'f', 1, 64) + "k"
	case a == math.Trunc(a):
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case a >= 0.001:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
	return strconv.FormatFloat(v, 'g', 2, 64)
}

// Report formats.
const (
	FormatText     = "text"
	FormatJSON     = "json"
	FormatMarkdown = "markdown"
)

// ReportFormats lists the formats of vigil's reports (`vigil snapshot
// --format`, and the doctor's, the rules' and the timeline's).
var ReportFormats = []string{FormatText, FormatJSON, FormatMarkdown}

// Plural is the "s" of a count's noun: "" for one, "s" otherwise.
func Plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
