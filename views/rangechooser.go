package views

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/views/keys"
	"github.com/vigilterm/vigil/views/widget"
)

// RangeChooser is the row of time ranges a screen offers on t (the
// endpoint detail, the timeline): ←/→ move, enter applies, esc cancels.
type RangeChooser struct {
	Ranges []time.Duration // the ranges offered, shortest first
	Open   bool            // the row is shown and takes the keys
	choice int
}

// Show opens the chooser on range i.
func (c *RangeChooser) Show(i int) { c.Open, c.choice = true, i }

// Key handles a key while the chooser is open: the range chosen and true
// on enter, false otherwise (esc closes it).
func (c *RangeChooser) Key(msg tea.KeyPressMsg, k *keys.KeyMap) (time.Duration, bool) {
	switch {
	case key.Matches(msg, k.Apply):
		c.Open = false
		return c.Ranges[c.choice], true
	case key.Matches(msg, k.Cancel):
		c.Open = false
	case key.Matches(msg, k.Up, k.RangeShorter, k.ScrollLeft):
		c.choice = max(c.choice-1, 0)
	case key.Matches(msg, k.Down, k.RangeLonger, k.ScrollRight):
		c.choice = min(c.choice+1, len(c.Ranges)-1)
	}
	return 0, false
}

// Line is the chooser as one line of text, the choice in brackets.
func (c *RangeChooser) Line(k *keys.KeyMap) string {
	var b strings.Builder
	b.WriteString("range:")
	for i, r := range c.Ranges {
		s := FormatDuration(r)
		if i == c.choice {
			s = "[" + s + "]"
		} else {
			s = " " + s + " "
		}
		b.WriteString(" " + s)
	}
	b.WriteString("   " + widget.Arrows(k.ScrollLeft, k.ScrollRight) + " choose · " + widget.Key(k.Apply) + " apply · " + widget.Key(k.Cancel) + " cancel")
	return b.String()
}
