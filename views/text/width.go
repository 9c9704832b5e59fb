package text

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Ellipsis marks where Truncate cut a string.
const Ellipsis = "…"

// MaxWidth is the widest line the helpers lay out: a wider w is taken as
// MaxWidth, so that a bad width cannot make PadRight allocate gigabytes.
const MaxWidth = 1 << 16

// ellipsisWidth is the width of Ellipsis: 1, or 2 where the terminal's East
// Asian ambiguous characters are wide (RUNEWIDTH_EASTASIAN=1).
var ellipsisWidth = ansi.StringWidth(Ellipsis)

// plainASCII reports whether s is only printable ASCII, where bytes and
// cells are the same thing.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// validUTF8 returns s with every invalid byte replaced by Placeholder, so
// that measuring and cutting never see a stray 8-bit control byte.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, Placeholder)
}

// Width returns the number of terminal cells s takes: East Asian wide
// characters and emoji take 2, combining marks and zero-width characters 0,
// and ANSI escape sequences (the styling lipgloss adds, OSC 8 hyperlinks)
// nothing. Grapheme clusters are measured as a whole. s is expected to be
// sanitised text, possibly styled.
func Width(s string) int {
	if plainASCII(s) {
		return len(s)
	}
	return ansi.StringWidth(validUTF8(s))
}

// Truncate cuts s to at most w cells, ending it with Ellipsis when anything
// was cut. It never splits a grapheme cluster (a wide character that would
// straddle the limit is dropped, so the result can be a cell short of w) and
// it keeps ANSI sequences whole: the styling after the cut, such as the
// closing reset, is kept so that no style leaks past the string. When w is
// narrower than the ellipsis the string is cut without one. w <= 0 gives "".
// Input that was never sanitised (a stray ESC, say) still never comes out
// wider than w, but may lose its styling.
func Truncate(s string, w int) string {
	t, _ := truncate(s, w)
	return t
}

// truncate is Truncate that also returns the width of what it returns.
func truncate(s string, w int) (string, int) {
	if w <= 0 {
		return "", 0
	}
	w = min(w, MaxWidth)
	if plainASCII(s) {
		switch {
		case len(s) <= w:
			return s, len(s)
		case w < ellipsisWidth:
			return s[:w], w
		default:
			return s[:w-ellipsisWidth] + Ellipsis, w
		}
	}
	s = validUTF8(s)
	if sw := ansi.StringWidth(s); sw <= w {
		return s, sw
	}
	tail := Ellipsis
	if w < ellipsisWidth {
		tail = ""
	}
	out := ansi.Truncate(s, w, tail)
	if ow := ansi.StringWidth(out); ow <= w {
		return out, ow
	}
	// Only malformed input gets here: a stray ESC or control character that
	// was never sanitised makes the cut and the measure disagree. Drop the
	// escape sequences and cut the sanitised rest.
	clean := Sanitize(ansi.Strip(s))
	out = ansi.Truncate(clean, w, tail)
	if ow := ansi.StringWidth(out); ow <= w {
		return out, ow
	}
	out = cutClusters(clean, w)
	return out, ansi.StringWidth(out)
}

// cutClusters returns the longest run of whole grapheme clusters at the
// start of s that fits in w cells.
func cutClusters(s string, w int) string {
	n, used := 0, 0
	for n < len(s) {
		c, cw := ansi.FirstGraphemeCluster(s[n:], ansi.GraphemeWidth)
		if c == "" || used+cw > w {
			break
		}
		n += len(c)
		used += cw
	}
	return s[:n]
}

// spaces returns n spaces.
func spaces(n int) string {
	const blank = "                                                                "
	if n <= len(blank) {
		return blank[:n]
	}
	return strings.Repeat(" ", n)
}

// PadRight returns s truncated to w cells (see Truncate) and padded with
// spaces on the right to exactly w cells. w <= 0 gives "", w is at most
// MaxWidth.
func PadRight(s string, w int) string { return pad(s, w, false) }

// PadLeft returns s truncated to w cells (see Truncate) and padded with
// spaces on the left to exactly w cells, for right-aligned figures.
// w <= 0 gives "", w is at most MaxWidth.
func PadLeft(s string, w int) string { return pad(s, w, true) }

// pad truncates s to w cells and pads it with spaces to exactly w, on the
// left or on the right.
func pad(s string, w int, left bool) string {
	if w <= 0 {
		return ""
	}
	w = min(w, MaxWidth)
	t, tw := truncate(s, w)
	n := w - tw
	switch {
	case n <= 0:
		return t
	case left:
		return spaces(n) + t
	}
	return t + spaces(n)
}

// Fit returns s as exactly w cells: truncated with an ellipsis when too
// long, padded with spaces on the right when too short. It is the cell of
// a table column. w <= 0 gives "".
func Fit(s string, w int) string {
	return PadRight(s, w)
}
