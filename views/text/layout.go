package text

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Layout helpers shared by the root model and the screens: blocks of lines
// cut to an area, wrapping, and a line with text on both ends.

// clip returns at most h of the lines, each cut to w cells.
func clip(lines []string, w, h int) []string {
	h = max(h, 0)
	out := make([]string, 0, min(len(lines), h))
	for _, l := range lines {
		if len(out) == h {
			break
		}
		if Width(l) > w {
			l = Truncate(l, w)
		}
		out = append(out, l)
	}
	return out
}

// ClipLines joins at most h of the lines, none wider than w.
func ClipLines(lines []string, w, h int) string {
	return strings.Join(clip(lines, w, h), "\n")
}

// FitLines is ClipLines padded with empty lines to exactly h lines.
func FitLines(lines []string, w, h int) string {
	if h <= 0 {
		return ""
	}
	out := clip(lines, w, h)
	for len(out) < h {
		out = append(out, "")
	}
	return strings.Join(out, "\n")
}

// FitBlock returns exactly h lines of exactly w cells: cut, then padded
// with spaces and blank lines.
func FitBlock(lines []string, w, h int) []string {
	h, w = max(h, 0), max(w, 0)
	out := clip(lines, w, h)
	for i := range out {
		out[i] = PadRight(out[i], w)
	}
	for len(out) < h {
		out = append(out, strings.Repeat(" ", w))
	}
	return out
}

// Wrap wraps multiline text to w cells a line, paragraph by paragraph,
// breaking long words; an empty paragraph stays an empty line.
func Wrap(s string, w int) []string {
	w = max(w, 1)
	var out []string
	for _, para := range strings.Split(s, "\n") {
		if para == "" {
			out = append(out, "")
			continue
		}
		out = append(out, strings.Split(ansi.Wrap(para, w, ""), "\n")...)
	}
	return out
}

// WrapWords breaks s into lines of at most w cells at spaces; a word longer
// than w stays whole on its own line.
func WrapWords(s string, w int) []string {
	var lines []string
	cur := ""
	for _, word := range strings.Fields(s) {
		switch {
		case cur == "":
			cur = word
		case Width(cur)+1+Width(word) <= w:
			cur += " " + word
		default:
			lines = append(lines, cur)
			cur = word
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// Spread puts left and right on one line of w cells, one space at least
// between them, cutting left first; when right alone does not fit, it is
// cut and left is dropped.
func Spread(left, right string, w int) string {
	rw := Width(right)
	if rw >= w {
		return Fit(right, w)
	}
	return spread(left, right, rw, w)
}

// SpreadKeepLeft is Spread for a line whose left part matters more: when
// right would leave left no room, right is dropped instead.
func SpreadKeepLeft(left, right string, w int) string {
	rw := Width(right)
	if rw+2 > w {
		return Truncate(left, w)
	}
	return spread(left, right, rw, w)
}

func spread(left, right string, rw, w int) string {
	lw := w - rw - 1
	return PadRight(Truncate(left, lw), lw) + " " + right
}
