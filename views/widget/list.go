package widget

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/views/keys"
	"github.com/vigilterm/vigil/views/text"
)

// List is what every list screen shares: the rows shown, the cursor on one
// of them, kept on the same item across refreshes by its key, the first row
// on screen, the navigation keys and the filter prompt. The screen owns
// what the rows are (filtering, sorting, drawing); the list owns where the
// cursor and the scroll are.
type List[T any] struct {
	items  []T
	keyOf  func(T) string
	cursor int
	offset int
	sel    string // the selected item's key
	chosen bool   // the cursor was moved by the user
	// stayTop keeps the cursor on the top row until the user moves it.
	stayTop bool
	// height is the number of rows on screen, asked when needed (it
	// depends on what the screen shows under the list).
	height func() int
	// span maps the cursor to the screen rows to keep in view, for lists
	// drawn with extra rows (group headers); nil: one row per item.
	span func(cursor int) (top, bottom, rows int)

	// Prompt is the list's filter prompt.
	Prompt Prompt
}

// NewList returns an empty list whose items are told apart by keyOf, with
// height rows on screen.
func NewList[T any](keyOf func(T) string, height func() int) *List[T] {
	return &List[T]{keyOf: keyOf, height: height, Prompt: NewPrompt(256)}
}

// StayOnTop keeps the cursor on the top row, whatever it is, until the
// user moves it (the overview's worst endpoint first); by default the
// cursor follows its item.
func (l *List[T]) StayOnTop() { l.stayTop = true }

// SetSpan maps the cursor to the rows to keep in view (see span).
func (l *List[T]) SetSpan(f func(cursor int) (top, bottom, rows int)) { l.span = f }

// Items returns the rows as shown.
func (l *List[T]) Items() []T { return l.items }

// Len is the number of rows.
func (l *List[T]) Len() int { return len(l.items) }

// Cursor is the index of the selected row.
func (l *List[T]) Cursor() int { return l.cursor }

// Offset is the first screen row shown.
func (l *List[T]) Offset() int { return l.offset }

// Selected returns the item under the cursor.
func (l *List[T]) Selected() (T, bool) {
	if l.cursor < 0 || l.cursor >= len(l.items) {
		var zero T
		return zero, false
	}
	return l.items[l.cursor], true
}

// SelectedKey is the key of the item the cursor is on ("" when none).
func (l *List[T]) SelectedKey() string { return l.sel }

// Follow makes the cursor look for key at the next SetItems (an item that
// is about to be replaced by another of that key).
func (l *List[T]) Follow(k string) { l.sel = k }

// SetItems replaces the rows and puts the cursor back on the selected
// item, or on the top row when it is gone (or was never chosen, with
// StayOnTop).
func (l *List[T]) SetItems(items []T) {
	l.items = items
	l.cursor = 0
	found := false
	if l.sel != "" && (l.chosen || !l.stayTop) {
		for i := range l.items {
			if l.keyOf(l.items[i]) == l.sel {
				l.cursor, found = i, true
				break
			}
		}
	}
	if !found {
		l.sel = ""
		if len(l.items) > 0 {
			l.sel = l.keyOf(l.items[0])
		}
	}
	l.Clamp()
}

// Select moves the cursor to the item of that key if it is shown.
func (l *List[T]) Select(k string) bool {
	for i := range l.items {
		if l.keyOf(l.items[i]) == k {
			l.cursor, l.sel, l.chosen = i, k, true
			l.Clamp()
			return true
		}
	}
	return false
}

// Move moves the cursor by d rows, within the list.
func (l *List[T]) Move(d int) {
	if len(l.items) == 0 {
		return
	}
	l.cursor = min(max(l.cursor+d, 0), len(l.items)-1)
	l.sel, l.chosen = l.keyOf(l.items[l.cursor]), true
	l.Clamp()
}

// NavKey moves the cursor on a navigation key (up, down, top, bottom,
// page up, page down); false for any other key.
func (l *List[T]) NavKey(msg tea.KeyPressMsg, k *keys.KeyMap) bool {
	n, page := len(l.items), max(l.height()-1, 1)
	var d int
	switch {
	case key.Matches(msg, k.Up):
		d = -1
	case key.Matches(msg, k.Down):
		d = 1
	case key.Matches(msg, k.Top):
		d = -n
	case key.Matches(msg, k.Bottom):
		d = n
	case key.Matches(msg, k.PageUp):
		d = -page
	case key.Matches(msg, k.PageDown):
		d = page
	default:
		return false
	}
	l.Move(d)
	return true
}

// Render draws the rows in view, one a row, the selected one told apart.
func (l *List[T]) Render(draw func(item *T, selected bool) string) []string {
	from, to := l.Visible(len(l.items))
	out := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, draw(&l.items[i], i == l.cursor))
	}
	return out
}

// Visible returns the screen rows to draw: from the offset, as many as fit.
func (l *List[T]) Visible(rows int) (from, to int) {
	return l.offset, min(l.offset+max(l.height(), 0), rows)
}

// Clamp keeps the cursor's rows in view, scrolling as little as it can.
func (l *List[T]) Clamp() {
	top, bottom, rows := l.cursor, l.cursor, len(l.items)
	if l.span != nil {
		top, bottom, rows = l.span(l.cursor)
	}
	l.offset = ScrollTo(l.offset, top, bottom, rows, l.height())
}

// ScrollTo returns the first row to show of n rows in a window of h rows,
// starting from offset, so that rows top..bottom are in view (bottom wins
// when they do not fit).
func ScrollTo(offset, top, bottom, n, h int) int {
	if h <= 0 || n <= 0 {
		return 0
	}
	if top < offset {
		offset = top
	}
	if bottom >= offset+h {
		offset = bottom - h + 1
	}
	return min(max(offset, 0), max(n-h, 0))
}

// Key handles the keys every list has: navigation, the filter key, which
// opens the prompt on the filter applied, and back, which clears that
// filter. ok is false for any other key.
func (l *List[T]) Key(msg tea.KeyPressMsg, k *keys.KeyMap, filter string, apply ApplyFunc) (cmd tea.Cmd, ok bool) {
	switch {
	case l.NavKey(msg, k):
	case key.Matches(msg, k.Filter):
		cmd = l.Prompt.Open(filter)
	case key.Matches(msg, k.Back):
		if filter != "" {
			l.Prompt.Clear(apply)
		}
	default:
		return nil, false
	}
	return cmd, true
}

// Frame lays a list screen out in w×h cells: its header line, the body cut
// or padded to bodyH lines, then the status lines under it. The body's rows
// are drawn to the width by the screen (each row is measured once there);
// the header and the status lines are cut to it here.
func Frame(header string, body []string, bodyH int, status []string, w, h int) string {
	bodyH = max(min(bodyH, h-1), 0)
	lines := make([]string, 0, h)
	lines = append(lines, text.ClipLines([]string{header}, w, 1))
	lines = append(lines, body[:min(len(body), bodyH)]...)
	for len(lines) < 1+bodyH {
		lines = append(lines, "")
	}
	if room := h - len(lines); room > 0 {
		lines = append(lines, text.ClipLines(status, w, room))
	}
	return strings.Join(lines[:min(len(lines), max(h, 0))], "\n")
}
