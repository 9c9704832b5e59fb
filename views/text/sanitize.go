// Package text makes strings from the outside world safe to print on the
// terminal vigil owns, and measures, cuts and pads them by display width.
//
// Everything that reaches the screen from Prometheus, Alertmanager or a
// server's error message (label values, annotations, silence comments,
// matcher values) goes through Sanitize or SanitizeMultiline before it is
// styled. The width helpers (Width, Truncate, PadRight, PadLeft, Fit) then
// work on one line of that sanitised text, styled or not; multiline text is
// split into lines first. Hyperlink and OSC52 write the two escape
// sequences vigil itself sends: a link, and a copy to the clipboard.
package text

import (
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Placeholder replaces every character Sanitize will not print: C0 and C1
// controls (ESC, BEL, CR, BS, the 8-bit CSI and OSC…), DEL, invalid UTF-8
// bytes, invisible format characters (bidi overrides and isolates, zero-width
// spaces, soft hyphens, tag characters…), noncharacters and the Hangul
// fillers. One placeholder stands for one character or one invalid byte. It
// is U+FFFD REPLACEMENT CHARACTER, one cell wide, and is itself safe, so
// sanitising twice changes nothing.
const Placeholder = "\uFFFD"

// Base is put before a combining character that would otherwise begin the
// text (or, in multiline text, a line): U+25CC DOTTED CIRCLE, the base
// Unicode shows lone marks on.
const Base = "\u25CC"

// NewlineMark is what a line break (LF, CR LF, U+2028, U+2029) becomes in
// single-line text. It is one cell wide.
const NewlineMark = "⏎"

// Sanitize returns s made safe to print on one line:
//
//   - a tab becomes one space;
//   - a line break (LF, CR LF, LINE SEPARATOR, PARAGRAPH SEPARATOR) becomes
//     NewlineMark;
//   - every other C0 control (ESC, CR, BS, BEL…), DEL, every C1 control
//     (U+0080–U+009F, among them the 8-bit CSI U+009B and OSC U+009D) and
//     every invalid UTF-8 byte becomes Placeholder, so the text can neither
//     move the cursor, set the window title, write the clipboard (OSC 52)
//     nor open a hyperlink;
//   - invisible format characters that can disguise text (bidi embeddings,
//     overrides and isolates U+202A–U+202E and U+2066–U+2069, LRM/RLM/ALM,
//     zero-width space, word joiner, BOM, soft hyphen, tag characters and
//     the rest of Unicode category Cf), noncharacters and the invisible
//     Hangul fillers become Placeholder;
//   - the zero-width joiner and non-joiner stay only between two printable
//     non-ASCII characters, where emoji sequences and scripts such as
//     Persian need them; elsewhere (for example inside an ASCII name, where
//     they would only hide in plain sight) they become Placeholder;
//   - the text is made self-contained, so that its width does not depend on
//     what is printed next to it: a combining character at its start gets
//     Base in front of it (it would otherwise merge into the padding or
//     column separator before it), and a prepended concatenation mark at its
//     end, which would merge into what follows, becomes Placeholder.
//
// Printable text (CJK, emoji, combining marks, private-use icons) is kept.
// When s is already safe it is returned as is, without allocating.
// Sanitize is idempotent.
func Sanitize(s string) string { return sanitize(s, false) }

// SanitizeMultiline is Sanitize for text shown over several lines
// (descriptions, silence comments): line breaks are kept as LF (CR LF,
// U+2028 and U+2029 become LF), everything else is treated as Sanitize
// treats it, and every line is self-contained as Sanitize makes the whole
// text.
func SanitizeMultiline(s string) string { return sanitize(s, true) }

// class is what sanitising does with one character.
type class uint8

const (
	keep        class = iota // printed as is
	placeholder              // replaced by Placeholder
	space                    // a tab: replaced by one space
	newline                  // a line break
	joiner                   // ZWJ/ZWNJ: kept only between printable non-ASCII characters
)

// classifyASCII classifies a byte below 0x80.
func classifyASCII(c byte) class {
	switch {
	case c >= 0x20 && c < 0x7f:
		return keep
	case c == '\t':
		return space
	case c == '\n':
		return newline
	default: // the other C0 controls and DEL
		return placeholder
	}
}

// classifyRune classifies a decoded non-ASCII character; size is its length
// in bytes, 1 with utf8.RuneError for an invalid byte.
func classifyRune(r rune, size int) class {
	switch {
	case r == utf8.RuneError && size == 1:
		return placeholder // invalid UTF-8
	case r <= 0x9f:
		return placeholder // C1 controls
	case r < 0xad:
		return keep // Latin-1 printable: nothing else to check
	case r == 0x2028, r == 0x2029:
		return newline
	case r == 0x200c, r == 0x200d:
		return joiner
	case r == 0x115f, r == 0x1160, r == 0x3164, r == 0xffa0:
		return placeholder // Hangul fillers: blank, used to fake empty names
	case r >= 0xfdd0 && r <= 0xfdef, r&0xfffe == 0xfffe:
		return placeholder // noncharacters
	case unicode.Is(unicode.Cf, r):
		return placeholder // invisible format characters, bidi controls among them
	}
	return keep
}

// plainAt reports whether the character starting at s[i] is a printable
// non-ASCII character that sanitising keeps unchanged and that is not itself
// a joiner: the only neighbours a joiner may keep.
func plainAt(s string, i int) bool {
	if i < 0 || i >= len(s) || s[i] < utf8.RuneSelf {
		return false
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	return classifyRune(r, size) == keep
}

// plainBefore is plainAt for the character that ends just before s[i].
func plainBefore(s string, i int) bool {
	if i <= 0 {
		return false
	}
	r, size := utf8.DecodeLastRuneInString(s[:i])
	if r < utf8.RuneSelf {
		return false
	}
	return classifyRune(r, size) == keep
}

// keepJoiner decides a joiner of size bytes at s[i]. The decision looks only
// at neighbours that are themselves kept unchanged, which keeps sanitising
// idempotent.
func keepJoiner(s string, i, size int) bool {
	return plainBefore(s, i) && plainAt(s, i+size)
}

// joinsBefore reports whether the non-ASCII character r would join the
// character printed before it into one grapheme cluster (a combining mark,
// a spacing mark, an emoji modifier or variation selector…).
func joinsBefore(r rune) bool { return joins.get(0, r) }

// joinsAfter reports whether the non-ASCII character r would join the
// character printed after it (a prepended concatenation mark).
func joinsAfter(r rune) bool { return joins.get(1, r) }

// joinCache memoises joinsBefore (0) and joinsAfter (1) per rune, two bits
// a rune: "known" and "joins". The segmenter allocates, the cache does not,
// so sanitising safe text stays free of allocations once a character has
// been seen. The table is zero memory until touched.
type joinCache [2][(unicode.MaxRune + 1) / 16]atomic.Uint32

var joins joinCache

func (c *joinCache) get(which int, r rune) bool {
	if r < 0 || r > unicode.MaxRune {
		return false
	}
	word := &c[which][r/16]
	shift := uint(r%16) * 2
	if v := word.Load() >> shift; v&1 != 0 {
		return v&2 != 0
	}
	j := segmentJoins(which, r)
	bits := uint32(1)
	if j {
		bits |= 2
	}
	word.Or(bits << shift)
	return j
}

// segmentJoins asks the grapheme segmenter the width functions use whether
// r joins a space before it (which == 0) or after it (which == 1).
func segmentJoins(which int, r rune) bool {
	var buf [utf8.UTFMax + 1]byte
	if which == 0 {
		buf[0] = ' '
		n := utf8.EncodeRune(buf[1:], r)
		c, _ := ansi.FirstGraphemeCluster(buf[:1+n], ansi.GraphemeWidth)
		return len(c) > 1
	}
	n := utf8.EncodeRune(buf[:], r)
	buf[n] = ' '
	c, _ := ansi.FirstGraphemeCluster(buf[:n+1], ansi.GraphemeWidth)
	return len(c) > n
}

// lineEndAt reports whether position j of s ends the text or, in multiline
// text, a line.
func lineEndAt(s string, j int, multi bool) bool {
	if j >= len(s) {
		return true
	}
	if !multi {
		return false
	}
	switch s[j] {
	case '\n':
		return true
	case '\r':
		return j+1 < len(s) && s[j+1] == '\n'
	}
	r, _ := utf8.DecodeRuneInString(s[j:])
	return r == 0x2028 || r == 0x2029
}

// firstUnsafe returns the index of the first byte sanitising would change,
// or -1 when s is already safe.
func firstUnsafe(s string, multi bool) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch classifyASCII(c) {
			case keep:
			case newline:
				if !multi {
					return i
				}
			default:
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch classifyRune(r, size) {
		case keep:
			if (i == 0 || multi && s[i-1] == '\n') && joinsBefore(r) {
				return i
			}
			if lineEndAt(s, i+size, multi) && joinsAfter(r) {
				return i
			}
		case joiner:
			if !keepJoiner(s, i, size) {
				return i
			}
		default:
			return i
		}
		i += size
	}
	return -1
}

func sanitize(s string, multi bool) string {
	start := firstUnsafe(s, multi)
	if start < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:start])
	// lineStart is true where the output is at the start of the text or,
	// in multiline text, of a line.
	lineStart := start == 0 || multi && s[start-1] == '\n'
	lineBreak := func() {
		if multi {
			b.WriteByte('\n')
			lineStart = true
		} else {
			b.WriteString(NewlineMark)
			lineStart = false
		}
	}
	for i := start; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch classifyASCII(c) {
			case keep:
				// Copy the whole run of printable ASCII at once.
				j := i + 1
				for j < len(s) && s[j] >= 0x20 && s[j] < 0x7f {
					j++
				}
				b.WriteString(s[i:j])
				i = j
				lineStart = false
				continue
			case space:
				b.WriteByte(' ')
				lineStart = false
			case newline:
				lineBreak()
			default:
				if c == '\r' && i+1 < len(s) && s[i+1] == '\n' {
					lineBreak() // CR LF is one line break
					i += 2
					continue
				}
				b.WriteString(Placeholder)
				lineStart = false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch classifyRune(r, size) {
		case keep:
			switch {
			case lineEndAt(s, i+size, multi) && joinsAfter(r):
				b.WriteString(Placeholder)
			case lineStart && joinsBefore(r):
				b.WriteString(Base)
				b.WriteString(s[i : i+size])
			default:
				b.WriteString(s[i : i+size])
			}
			lineStart = false
		case newline:
			lineBreak()
		case joiner:
			if keepJoiner(s, i, size) {
				b.WriteString(s[i : i+size])
			} else {
				b.WriteString(Placeholder)
			}
			lineStart = false
		default:
			b.WriteString(Placeholder)
			lineStart = false
		}
		i += size
	}
	return b.String()
}
