package widget

import (
	"charm.land/bubbles/v2/textinput"
	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views/text"
)

// NewInput returns a text input that vigil draws itself (see InputView):
// bubbles handles the editing, never the rendering.
func NewInput(limit int) textinput.Model {
	ti := textinput.New()
	ti.Prompt = ""
	ti.CharLimit = limit
	ti.SetVirtualCursor(false)
	return ti
}

// InputView draws a text input on one line of w cells: the sanitised value,
// scrolled so that the cursor stays in view, the cursor when focused, or
// the placeholder when empty.
func InputView(st *themes.Styles, ti *textinput.Model, w int, focused bool, placeholder string) string {
	if w <= 0 {
		return ""
	}
	val := []rune(ti.Value())
	if !focused {
		if len(val) == 0 {
			return st.Placeholder.Render(text.Fit(placeholder, w))
		}
		return st.Input.Render(text.Fit(text.Sanitize(string(val)), w))
	}
	cursor := func(s string) string { return st.RowSelected.Render(s) }
	if len(val) == 0 {
		return cursor(" ") + st.Placeholder.Render(text.Fit(placeholder, w-1))
	}
	pos := min(max(ti.Position(), 0), len(val))
	before := text.Sanitize(string(val[:pos]))
	at, after := " ", ""
	if pos < len(val) {
		at = text.Sanitize(string(val[pos]))
		after = text.Sanitize(string(val[pos+1:]))
	}
	aw := text.Width(at)
	if aw == 0 || aw > w {
		at, aw = " ", 1
	}
	before = keepTail(before, w-aw)
	rest := w - text.Width(before) - aw
	return text.Fit(st.Input.Render(before)+cursor(at)+st.Input.Render(text.Truncate(after, rest)), w)
}

// keepTail returns the end of plain text s that fits in w cells, whole
// grapheme clusters only.
func keepTail(s string, w int) string {
	if text.Width(s) <= w {
		return s
	}
	if w <= 0 {
		return ""
	}
	var starts, widths []int
	for i := 0; i < len(s); {
		c, cw := ansi.FirstGraphemeCluster(s[i:], ansi.GraphemeWidth)
		if c == "" {
			break
		}
		starts = append(starts, i)
		widths = append(widths, cw)
		i += len(c)
	}
	used, from := 0, len(s)
	for j := len(starts) - 1; j >= 0; j-- {
		if used+widths[j] > w {
			break
		}
		used += widths[j]
		from = starts[j]
	}
	return s[from:]
}
