package alerting

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// ExtendChooser is the one way a silence's extension is chosen, on the
// Silences screen (e) and on an already silenced alert (s, then e): the
// form's duration presets on ↑/↓, or any duration typed (+90m, +2h, +1d),
// with the new end shown before enter sends it.
type ExtendChooser struct {
	views.NoWork
	ctx   *views.Context
	si    query.Silence
	in    textinput.Model
	err   string
	width int
	// send is what enter on a valid duration does with the request.
	send func(views.SilenceRequestMsg) tea.Cmd
}

// NewExtendChooser starts choosing an extension of si, at +1h; enter on a
// valid duration hands the request to send and closes the chooser.
func NewExtendChooser(ctx *views.Context, si query.Silence, send func(views.SilenceRequestMsg) tea.Cmd) *ExtendChooser {
	c := &ExtendChooser{ctx: ctx, si: si, in: widget.NewInput(32), send: send, width: 80}
	c.in.SetValue("+1h")
	c.in.CursorEnd()
	c.in.Focus()
	return c
}

// Silence is the silence being extended.
func (c *ExtendChooser) Silence() query.Silence { return c.si }

// Value is the duration as typed or picked ("+4h").
func (c *ExtendChooser) Value() string { return c.in.Value() }

// Err is the problem with the duration after enter, or "".
func (c *ExtendChooser) Err() string { return c.err }

// Base is what the extension is added to: the silence's end, or now when
// it has already ended.
func (c *ExtendChooser) Base() time.Time { return extendBase(c.ctx.Now(), c.si) }

func extendBase(now time.Time, si query.Silence) time.Time {
	if si.EndsAt.After(now) {
		return si.EndsAt
	}
	return now
}

// By parses the chosen duration.
func (c *ExtendChooser) By() (time.Duration, error) {
	d, err := query.ParseDuration(strings.TrimPrefix(strings.TrimSpace(c.in.Value()), "+"))
	if err != nil {
		return 0, err
	}
	if d <= 0 {
		return 0, fmt.Errorf("the extension must be above 0: write e.g. +30m, +2h or +1d")
	}
	return d, nil
}

// NewEnd is the end the silence would get, when the duration is valid.
func (c *ExtendChooser) NewEnd() (time.Time, bool) {
	d, err := c.By()
	if err != nil {
		return time.Time{}, false
	}
	return c.Base().Add(d), true
}

// Request is the write enter sends, once the duration is valid.
func (c *ExtendChooser) Request() views.SilenceRequestMsg {
	end, _ := c.NewEnd()
	return views.SilenceRequestMsg{Op: views.OpExtend, Silence: c.si, NewEnd: end}
}

// Update implements views.Component: a key or a paste (which cannot confirm).
// Enter on a valid duration sends the request; it and esc close the
// chooser.
func (c *ExtendChooser) Update(msg tea.Msg) (views.Component, tea.Cmd) {
	k := c.ctx.Keys
	if kp, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(kp, k.Apply):
			if _, err := c.By(); err != nil {
				c.err = err.Error()
				return c, nil
			}
			c.in.Blur()
			return nil, c.send(c.Request())
		case key.Matches(kp, k.Cancel):
			c.in.Blur()
			return nil, nil
		case key.Matches(kp, k.PresetPrev):
			c.step(-1)
			return c, nil
		case key.Matches(kp, k.PresetNext):
			c.step(1)
			return c, nil
		}
	}
	var cmd tea.Cmd
	c.in, cmd = c.in.Update(msg)
	c.err = ""
	return c, cmd
}

// SetSize implements views.Component: the chooser draws in lines of w cells.
func (c *ExtendChooser) SetSize(w, _ int) { c.width = w }

// View implements views.Component.
func (c *ExtendChooser) View() string { return strings.Join(c.Lines(c.width), "\n") }

// Capturing implements views.Component: the chooser owns the keyboard.
func (c *ExtendChooser) Capturing() bool { return true }

// ShortHelp implements views.Component.
func (c *ExtendChooser) ShortHelp() []key.Binding {
	k := c.ctx.Keys
	return []key.Binding{k.Apply, k.PresetPrev, k.PresetNext, k.Cancel}
}

// FullHelp implements views.Component.
func (c *ExtendChooser) FullHelp() [][]key.Binding { return [][]key.Binding{c.ShortHelp()} }

func (c *ExtendChooser) step(d int) {
	cur := strings.TrimPrefix(strings.TrimSpace(c.in.Value()), "+")
	c.in.SetValue("+" + stepDurationPreset(cur, d))
	c.in.CursorEnd()
	c.err = ""
}

// Lines draws the chooser in width cells: the duration with the presets,
// the end now and the new end (or what is wrong), and what enter does.
func (c *ExtendChooser) Lines(width int) []string {
	st := c.ctx.Styles
	now := c.ctx.Now()
	w := max(width, 1)
	p := "extend by "
	line := st.Prompt.Render(p) + widget.InputView(st, &c.in, max(min(10, w-text.Width(p)), 1), true, "+1h")
	cur := strings.TrimPrefix(strings.TrimSpace(c.in.Value()), "+")
	line += " " + presetChips(st, cur, "+") + st.Muted.Render("  "+widget.Keys(c.ctx.Keys.PresetPrev, c.ctx.Keys.PresetNext)+" presets, or type one")
	out := []string{line}
	was := "ends " + formatClock(now, c.si.EndsAt)
	if !c.si.EndsAt.After(now) {
		was = "ended " + formatClock(now, c.si.EndsAt) + ", extended from now"
	}
	var info string
	if c.err != "" {
		info = "✕ " + text.Sanitize(c.err)
		for _, l := range text.Wrap(info, w) {
			out = append(out, st.Error.Render(l))
		}
	} else if end, ok := c.NewEnd(); ok {
		for _, l := range text.Wrap(was+" → new end "+formatClock(now, end), w) {
			out = append(out, st.Accent.Render(l))
		}
	} else {
		for _, l := range text.Wrap(was+" → new end: (not a duration yet)", w) {
			out = append(out, st.Muted.Render(l))
		}
	}
	k := c.ctx.Keys
	for _, l := range text.Wrap(widget.Key(k.Apply)+": extend silence "+text.Sanitize(c.si.ID)+" · "+widget.Key(k.Cancel)+": cancel", w) {
		out = append(out, st.Confirm.Render(l))
	}
	return out
}

// stepDurationPreset moves a duration to the previous or next preset; from
// a typed duration, to the nearest preset in that direction.
func stepDurationPreset(cur string, d int) string {
	i := slices.Index(durationPresets[:], cur)
	switch {
	case i >= 0:
		i = min(max(i+d, 0), len(durationPresets)-1)
	default:
		v, err := query.ParseDuration(cur)
		i = 1
		if err == nil {
			i = 0
			for j, p := range durationPresets {
				pv, _ := query.ParseDuration(p)
				if pv <= v {
					i = j
				}
			}
			if d > 0 {
				pv, _ := query.ParseDuration(durationPresets[i])
				if pv <= v {
					i = min(i+1, len(durationPresets)-1)
				}
			}
		}
	}
	return durationPresets[i]
}
