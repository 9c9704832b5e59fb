package widget

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/views/keys"
)

// press builds a key press: a named key or a letter.
func press(s string) tea.KeyPressMsg {
	named := map[string]rune{"enter": tea.KeyEnter, "esc": tea.KeyEscape, "down": tea.KeyDown, "pgdown": tea.KeyPgDown}
	if c, ok := named[s]; ok {
		return tea.KeyPressMsg{Code: c}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

func id(s string) string { return s }

// The cursor follows its item across a refresh that reorders the rows,
// goes to the top when the item is gone, and the scroll keeps it in view.
func TestListFollowsItsItem(t *testing.T) {
	h := 3
	l := NewList(id, func() int { return h })
	l.SetItems([]string{"a", "b", "c", "d", "e"})
	k := keys.New(false)
	for range 3 {
		if !l.NavKey(press("j"), k) {
			t.Fatal("j is a navigation key")
		}
	}
	if s, _ := l.Selected(); s != "d" || l.Offset() != 1 {
		t.Fatalf("selected %q offset %d", s, l.Offset())
	}
	l.SetItems([]string{"a", "b", "d"})
	if l.Cursor() != 2 || l.SelectedKey() != "d" {
		t.Fatalf("cursor %d key %q after reorder", l.Cursor(), l.SelectedKey())
	}
	l.SetItems([]string{"x", "y"})
	if l.SelectedKey() != "x" || l.Offset() != 0 {
		t.Fatalf("gone item: key %q offset %d", l.SelectedKey(), l.Offset())
	}
	if l.NavKey(press("z"), k) {
		t.Fatal("z is not a navigation key")
	}
}

// With StayOnTop the cursor stays on the top row until moved.
func TestListStayOnTopUntilMoved(t *testing.T) {
	l := NewList(id, func() int { return 10 })
	l.StayOnTop()
	l.SetItems([]string{"a", "b"})
	l.SetItems([]string{"b", "a"})
	if l.SelectedKey() != "b" {
		t.Fatalf("unchosen cursor should stay on top, on %q", l.SelectedKey())
	}
	l.Move(1)
	l.SetItems([]string{"c", "a", "b"})
	if l.SelectedKey() != "a" || l.Cursor() != 1 {
		t.Fatalf("chosen cursor should follow a, on %q at %d", l.SelectedKey(), l.Cursor())
	}
	if !l.Select("b") || l.Cursor() != 2 || l.Select("nope") {
		t.Fatal("Select")
	}
}

// A span keeps extra rows (a group header) in view with the cursor's row.
func TestListSpanKeepsHeaderInView(t *testing.T) {
	// rows: H0 a b H1 c d; items a b c d
	rowOf := []int{1, 2, 4, 5}
	l := NewList(id, func() int { return 2 })
	l.SetSpan(func(c int) (int, int, int) { return rowOf[c] - 1, rowOf[c], 6 })
	l.SetItems([]string{"a", "b", "c", "d"})
	l.Move(2) // c, row 4, its header at 3
	if l.Offset() != 3 {
		t.Fatalf("offset %d, want the header row 3", l.Offset())
	}
	from, to := l.Visible(6)
	if from != 3 || to != 5 {
		t.Fatalf("visible %d..%d", from, to)
	}
}

// A prompt whose text is refused stays open on enter; esc clears it.
func TestPromptRefusalKeepsItOpen(t *testing.T) {
	k := keys.New(false)
	p := NewPrompt(64)
	var applied []string
	ok := true
	apply := func(s string, final bool) bool {
		applied = append(applied, s)
		return ok
	}
	p.Open("")
	p.Key(press("x"), k, apply)
	if !p.IsOpen() || applied[len(applied)-1] != "x" {
		t.Fatalf("typing: open %v applied %q", p.IsOpen(), applied)
	}
	ok = false
	p.Key(press("enter"), k, apply)
	if !p.IsOpen() {
		t.Fatal("a refused text should keep the prompt open")
	}
	ok = true
	p.Key(press("esc"), k, apply)
	if p.IsOpen() || p.In.Value() != "" || applied[len(applied)-1] != "" {
		t.Fatalf("esc: open %v value %q", p.IsOpen(), p.In.Value())
	}
	if got := FilterLine(k, "a\x1b[31m", "2 shown"); strings.ContainsRune(got, 0x1b) || !strings.HasPrefix(got, "filter /a") ||
		!strings.HasSuffix(got, "  2 shown  (esc clears)") {
		t.Fatalf("filter line %q", got)
	}
}

// Scroll stays within the text; page is the window less one line.
func TestScrollClamps(t *testing.T) {
	k := keys.New(false)
	var s Scroll
	s.Key(press("pgdown"), k, 10, 4)
	if s.Offset != 3 {
		t.Fatalf("page down: %d", s.Offset)
	}
	s.Key(press("G"), k, 10, 4)
	if s.Offset != 6 {
		t.Fatalf("bottom: %d", s.Offset)
	}
	if w := s.Window([]string{"0", "1", "2"}, 4); len(w) != 3 || s.Offset != 0 {
		t.Fatalf("short text: %v at %d", w, s.Offset)
	}
}

// Prose names keys from their bindings.
func TestKeyNames(t *testing.T) {
	k := keys.New(false)
	for got, want := range map[string]string{
		Key(k.Cancel):                       "esc",
		Keys(k.Down, k.Up):                  "j/k",
		Arrows(k.Up, k.Down):                "↑/↓",
		Arrows(k.ScrollLeft, k.ScrollRight): "←/→",
		Keys(k.PageUp, k.PageDown):          "pgup/pgdn",
		Key(k.ShowExpired):                  "E",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}
