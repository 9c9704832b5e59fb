// Package themes holds vigil's colour themes: a Palette of named colour
// slots per theme, and the Styles built once from a Palette, which are the
// only styles the screens use.
//
// The built-in themes are dark, light, high-contrast and mono. Mono has no
// colour at all: it tells states apart with bold, underline, reverse and
// faint, so it works on any terminal and is what NO_COLOR selects.
package themes

import (
	"fmt"
	"reflect"
	"strconv"
)

// Palette names every colour a screen can use. A colour is written "#rrggbb"
// or "#rgb" (true colour, reduced by the terminal layer to what the terminal
// can show) or "0"–"255" (an ANSI colour index). An empty slot means no
// colour: the terminal's own foreground or background. A palette whose
// slots are all empty is a mono palette (see IsMono).
type Palette struct {
	// Text is ordinary text; Muted is secondary text (units, timestamps,
	// figures without data); Accent marks keys, titles and column headers;
	// Link is a URL.
	Text, Muted, Accent, Link string

	// Focus is the active tab and the prompt.
	Focus string

	// SelectionFg and SelectionBg are the selected row of a table.
	SelectionFg, SelectionBg string

	// OK, Warn and Crit are a figure judged against its thresholds (error
	// ratio, p99 latency); Info is an informational severity or message.
	OK, Warn, Crit, Info string

	// Firing, Pending, Silenced, Inhibited and Resolved are alert states.
	Firing, Pending, Silenced, Inhibited, Resolved string

	// Live, Stale and Down are the state of the connection to Prometheus
	// and Alertmanager: data is fresh, the last refresh failed and the data
	// shown is old, or nothing can be reached.
	Live, Stale, Down string

	// Graph1 to Graph4 are the series of a graph, Axis its axis and labels,
	// ThresholdWarn and ThresholdCrit the threshold lines drawn over it.
	Graph1, Graph2, Graph3, Graph4 string
	Axis                           string
	ThresholdWarn, ThresholdCrit   string
}

// Slots returns the palette's slots by field name, in declaration order.
func (p Palette) Slots() []Slot {
	v := reflect.ValueOf(p)
	t := v.Type()
	out := make([]Slot, 0, t.NumField())
	for i := range t.NumField() {
		if f := t.Field(i); f.Type.Kind() == reflect.String {
			out = append(out, Slot{Name: f.Name, Colour: v.Field(i).String()})
		}
	}
	return out
}

// Slot is one named colour of a Palette.
type Slot struct {
	Name   string
	Colour string
}

// IsMono reports whether the palette sets no colour at all.
func (p Palette) IsMono() bool {
	for _, s := range p.Slots() {
		if s.Colour != "" {
			return false
		}
	}
	return true
}

// Validate checks that every colour that is set is a colour: "#rgb",
// "#rrggbb" or an ANSI index 0–255. The error names the slot.
func (p Palette) Validate() error {
	for _, s := range p.Slots() {
		if s.Colour == "" {
			continue
		}
		if !validColour(s.Colour) {
			return fmt.Errorf("colour %s: %q is not a colour: write #rrggbb, #rgb or an ANSI index 0-255", s.Name, s.Colour)
		}
	}
	return nil
}

func validColour(c string) bool {
	if c[0] == '#' {
		if len(c) != 4 && len(c) != 7 {
			return false
		}
		for i := 1; i < len(c); i++ {
			if !isHex(c[i]) {
				return false
			}
		}
		return true
	}
	n, err := strconv.Atoi(c)
	return err == nil && n >= 0 && n <= 255 && strconv.Itoa(n) == c
}

func isHex(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F'
}
