package widget

import (
	"strings"

	"github.com/vigilterm/vigil/views/text"
)

// Row joins fixed-width cells with one space: the header and the rows of
// every table are laid out with it, so their columns line up.
type Row struct {
	b strings.Builder
	n int
}

// Add appends a cell of w cells, right-aligned or left-aligned; a column
// of width 0 is hidden.
func (r *Row) Add(t string, w int, right bool) {
	if w <= 0 {
		return
	}
	r.Cell(Align(t, w, right))
}

// Cell appends a cell already laid out (styled, say).
func (r *Row) Cell(s string) {
	if r.n > 0 {
		r.b.WriteByte(' ')
	}
	r.n++
	r.b.WriteString(s)
}

// Lead writes s before the first cell, with no space after it (an
// indent).
func (r *Row) Lead(s string) { r.b.WriteString(s) }

// Align fits t in w cells, on the right or on the left.
func Align(t string, w int, right bool) string {
	if right {
		return text.PadLeft(t, w)
	}
	return text.Fit(t, w)
}

func (r *Row) String() string { return r.b.String() }
