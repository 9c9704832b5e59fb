package widget

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views/text"
)

// StyleMemo remembers styled strings that repeat from row to row (label
// names and values, severities, states), so that a frame does not run
// lipgloss again for each of them. A nil memo renders directly.
type StyleMemo struct {
	m map[memoKey]string
}

type memoKey struct {
	kind    int    // which style: one of the Memo* kinds
	variant string // what the style was chosen by (a severity, a state)
	s       string
}

// The kinds of strings a StyleMemo keeps.
const (
	MemoLabelKey = iota
	MemoLabelValue
	MemoSeverity
	MemoState
)

// Render styles s, or returns it from the memo. kind and variant say
// which style was chosen (one of the Memo* kinds, and e.g. a severity).
func (c *StyleMemo) Render(style lipgloss.Style, kind int, variant, s string) string {
	if c == nil {
		return style.Render(s)
	}
	k := memoKey{kind, variant, s}
	if r, ok := c.m[k]; ok {
		return r
	}
	if c.m == nil || len(c.m) >= 4096 {
		c.m = make(map[memoKey]string, 256)
	}
	r := style.Render(s)
	c.m[k] = r
	return r
}

// CompactLabels writes labels as k=v k=v in the order given, in exactly w
// cells, sanitised, styled unless plain. Only what fits is styled; an
// ellipsis ends it when labels were left out or cut.
func CompactLabels(st *themes.Styles, memo *StyleMemo, ls map[string]string, order []string, w int, plain bool) string {
	if w <= 0 {
		return ""
	}
	var b strings.Builder
	left := w
	for i, n := range order {
		k, v := text.Sanitize(n), text.Sanitize(ls[n])
		sep := ""
		if i > 0 {
			sep = " "
		}
		pw := len(sep) + text.Width(k) + 1 + text.Width(v)
		last := i == len(order)-1
		if pw > left || (pw == left && !last) {
			// Cut here: the ellipsis says there is more.
			piece := sep + k + "=" + v
			if pw == left {
				piece += " "
			}
			cut := text.Truncate(piece, left)
			if !plain {
				cut = st.LabelValue.Render(cut)
			}
			b.WriteString(cut)
			left = 0
			break
		}
		b.WriteString(sep)
		if plain {
			b.WriteString(k + "=" + v)
		} else {
			b.WriteString(memo.Render(st.LabelKey, MemoLabelKey, "", k+"="))
			b.WriteString(memo.Render(st.LabelValue, MemoLabelValue, "", v))
		}
		left -= pw
	}
	b.WriteString(strings.Repeat(" ", left))
	return b.String()
}
