package text

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

const ph = Placeholder

func TestSanitize(t *testing.T) {
	tests := []sanitizeCase{
		{"empty", "", ""},
		{"ascii", "checkout 5xx ratio > 5%", "checkout 5xx ratio > 5%"},
		{"title OSC BEL", "\x1b]0;pwned\x07", ph + "]0;pwned" + ph},
		{"title OSC ST", "\x1b]2;pwned\x1b\\ok", ph + "]2;pwned" + ph + `\ok`},
		{"clear screen", "\x1b[2J", ph + "[2J"},
		{"cursor home then text", "\x1b[Hfake", ph + "[Hfake"},
		{"8-bit CSI raw byte", "\x9b31m", ph + "31m"},
		{"8-bit CSI rune", "\u009b31m", ph + "31m"},
		{"8-bit OSC rune", "\u009d0;t\u009c", ph + "0;t" + ph},
		{"NEL", "a\u0085b", "a" + ph + "b"},
		{"carriage return", "a\rb", "a" + ph + "b"},
		{"backspace", "ok\b\bKO", "ok" + ph + ph + "KO"},
		{"bell", "ding\a", "ding" + ph},
		{"DEL", "a\x7fb", "a" + ph + "b"},
		{"NUL", "a\x00b", "a" + ph + "b"},
		{"tab", "a\tb", "a b"},
		{"newline", "line1\nline2", "line1" + NewlineMark + "line2"},
		{"crlf", "line1\r\nline2", "line1" + NewlineMark + "line2"},
		{"line separator", "a\u2028b\u2029c", "a" + NewlineMark + "b" + NewlineMark + "c"},
		{"OSC 52 clipboard", "\x1b]52;c;Y3VybCBldmlsfHNo\x07", ph + "]52;c;Y3VybCBldmlsfHNo" + ph},
		{"OSC 8 hyperlink", "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", ph + "]8;;http://evil" + ph + `\click` + ph + "]8;;" + ph + `\`},
		{"bidi override", "user\u202Egnp.exe", "user" + ph + "gnp.exe"},
		{"bidi isolates", "\u2066a\u2067b\u2068c\u2069", ph + "a" + ph + "b" + ph + "c" + ph},
		{"bidi embeddings", "\u202Aa\u202Bb\u202Cc\u202Dd", ph + "a" + ph + "b" + ph + "c" + ph + "d"},
		{"LRM RLM ALM", "a\u200Eb\u200Fc\u061Cd", "a" + ph + "b" + ph + "c" + ph + "d"},
		{"zero width space", "ad\u200Bmin", "ad" + ph + "min"},
		{"word joiner and BOM", "\uFEFFa\u2060b", ph + "a" + ph + "b"},
		{"soft hyphen", "pay\u00ADpal", "pay" + ph + "pal"},
		{"tag characters", "ok\U000E0041\U000E0042", "ok" + ph + ph},
		{"zwj inside ascii", "ad\u200Dmin", "ad" + ph + "min"},
		{"zwnj inside ascii", "ad\u200Cmin", "ad" + ph + "min"},
		{"zwj at edges", "\u200Dé\u200D", ph + "é" + ph},
		{"hangul filler", "\u3164", ph},
		{"noncharacter", "a\uFFFEb\uFDD0", "a" + ph + "b" + ph},
		{"invalid utf8", "a\xffb\xc3", "a" + ph + "b" + ph},
		{"truncated rune", "\xe6\x97", ph + ph},
		{"surrogate half", "\xed\xa0\x80", ph + ph + ph},
		{"overlong slash", "\xc0\xaf", ph + ph},
		// Printable text stays.
		{"cjk", "日本語のエンドポイント", "日本語のエンドポイント"},
		{"emoji", "🔥 firing 👍🏽", "🔥 firing 👍🏽"},
		{"emoji zwj family", "👨\u200D👩\u200D👧", "👨\u200D👩\u200D👧"},
		{"emoji vs16 zwj", "❤\uFE0F\u200D🔥", "❤\uFE0F\u200D🔥"},
		{"persian zwnj", "می\u200Cخواهم", "می\u200Cخواهم"},
		{"combining", "e\u0301te\u0301", "e\u0301te\u0301"},
		{"keycap", "1\uFE0F\u20E3", "1\uFE0F\u20E3"},
		{"replacement char", ph, ph},
		{"newline mark", NewlineMark, NewlineMark},
		{"nbsp and braille", "a\u00A0b ⣿⡀", "a\u00A0b ⣿⡀"},
		{"private use icon", "\uE0A0 main", "\uE0A0 main"},
		{"arabic rtl letters", "خطأ", "خطأ"},
		{"latin-1", "café ñ ü ©", "café ñ ü ©"},
	}
	checkSanitizer(t, "Sanitize", Sanitize, false, tests)
}

// sanitizeCase is an input and what the sanitiser makes of it.
type sanitizeCase struct {
	name, in, want string
}

// checkSanitizer runs f, named name, on each case: the output is the one
// wanted, f gives it back unchanged, and it is safe (checkSafe).
func checkSanitizer(t *testing.T, name string, f func(string) string, multi bool, tests []sanitizeCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := f(tt.in)
			if got != tt.want {
				t.Errorf("%s(%q) = %q, want %q", name, tt.in, got, tt.want)
			}
			if again := f(got); again != got {
				t.Errorf("not idempotent: %s(%q) = %q", name, got, again)
			}
			checkSafe(t, got, multi)
		})
	}
}

func TestSanitizeMultiline(t *testing.T) {
	tests := []sanitizeCase{
		{"keeps newlines", "first\nsecond\n", "first\nsecond\n"},
		{"crlf to lf", "a\r\nb", "a\nb"},
		{"lone cr", "a\rb", "a" + ph + "b"},
		{"separators to lf", "a\u2028b\u2029c", "a\nb\nc"},
		{"tab", "\tindented", " indented"},
		{"escape on a line", "ok\n\x1b[1Aup", "ok\n" + ph + "[1Aup"},
		{"bidi", "a\n\u202Eb", "a\n" + ph + "b"},
		{"8-bit CSI", "\x9b2J", ph + "2J"},
	}
	checkSanitizer(t, "SanitizeMultiline", SanitizeMultiline, true, tests)
}

func TestSanitizeSafeInputIsReturnedAsIs(t *testing.T) {
	for _, s := range []string{"", "plain", "/api/v1/orders/{id}", "日本語 🔥 e\u0301", "👨\u200D👩\u200D👧"} {
		if got := Sanitize(s); got != s {
			t.Errorf("Sanitize(%q) = %q", s, got)
		}
		allocs := testing.AllocsPerRun(100, func() { _ = Sanitize(s) })
		if allocs != 0 {
			t.Errorf("Sanitize(%q) allocated %v times, want 0", s, allocs)
		}
		allocs = testing.AllocsPerRun(100, func() { _ = SanitizeMultiline(s + "\n" + s) })
		// The concatenation itself allocates once.
		if allocs > 1 {
			t.Errorf("SanitizeMultiline allocated %v times on safe input", allocs)
		}
	}
}

func TestSanitizeLongHostileString(t *testing.T) {
	unit := "label\x1b]0;x\x07\u202E日\xff\x9b"
	in := strings.Repeat(unit, 50000) // ~1 MB
	got := Sanitize(in)
	checkSafe(t, got, false)
	if n := strings.Count(got, "日"); n != 50000 {
		t.Errorf("kept %d wide characters, want 50000", n)
	}
	// ESC, BEL, U+202E, 0xff, 0x9b: five placeholders per unit.
	if n := strings.Count(got, ph); n != 5*50000 {
		t.Errorf("%d placeholders, want %d", n, 5*50000)
	}
	if Sanitize(got) != got {
		t.Error("not idempotent on a long string")
	}
}

// TestSanitizeEveryControl walks every C0, DEL and C1 control, alone and
// between letters, and every Cf character.
func TestSanitizeEveryControl(t *testing.T) {
	for r := rune(0); r < 0xa0; r++ {
		if r >= 0x20 && r < 0x7f {
			continue
		}
		in := "a" + string(r) + "b"
		got := Sanitize(in)
		switch r {
		case '\t':
			if got != "a b" {
				t.Errorf("%U: %q", r, got)
			}
		case '\n':
			if got != "a"+NewlineMark+"b" {
				t.Errorf("%U: %q", r, got)
			}
		default:
			if got != "a"+ph+"b" {
				t.Errorf("%U: got %q, want placeholder", r, got)
			}
		}
	}
	for _, rt := range unicode.Cf.R16 {
		for r := rune(rt.Lo); r <= rune(rt.Hi); r += rune(rt.Stride) {
			if r == 0x200c || r == 0x200d {
				continue
			}
			if got := Sanitize("x" + string(r) + "y"); got != "x"+ph+"y" {
				t.Errorf("%U: got %q", r, got)
			}
		}
	}
	for _, rt := range unicode.Cf.R32 {
		for r := rune(rt.Lo); r <= rune(rt.Hi); r += rune(rt.Stride) {
			if got := Sanitize("x" + string(r) + "y"); got != "x"+ph+"y" {
				t.Errorf("%U: got %q", r, got)
			}
		}
	}
}

// checkSafe asserts the invariants of sanitised text.
func checkSafe(t testing.TB, s string, multi bool) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("not valid UTF-8: %q", s)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\n' && multi {
			continue
		}
		if c < 0x20 || c == 0x7f {
			t.Fatalf("control byte %#x at %d in %q", c, i, s)
		}
	}
	runes := []rune(s)
	for i, r := range runes {
		switch {
		case r >= 0x80 && r <= 0x9f:
			t.Fatalf("C1 control %U in %q", r, s)
		case r == 0x2028 || r == 0x2029:
			t.Fatalf("line separator %U in %q", r, s)
		case r == 0x200c || r == 0x200d:
			if i == 0 || i == len(runes)-1 || runes[i-1] < 0x80 || runes[i+1] < 0x80 {
				t.Fatalf("joiner %U not between non-ASCII characters in %q", r, s)
			}
		case unicode.Is(unicode.Cf, r):
			t.Fatalf("format character %U in %q", r, s)
		}
	}
}

func TestSanitizeSelfContained(t *testing.T) {
	tests := []struct {
		name, in, want string
		multi          bool
	}{
		{"leading combining acute", "\u0301x", Base + "\u0301x", false},
		{"leading spacing mark", "\u0903ab", Base + "\u0903ab", false},
		{"leading hangul tone mark", "\u302e", Base + "\u302e", false},
		{"leading skin tone", "\U0001F3FB", Base + "\U0001F3FB", false},
		{"leading variation selector", "\uFE0Fx", Base + "\uFE0Fx", false},
		{"mark after a placeholder stays", "\x1b\u0301", ph + "\u0301", false},
		{"mark inside stays", "e\u0301", "e\u0301", false},
		{"trailing prepend", "ab\u0D4E", "ab" + ph, false},
		{"prepend inside stays", "\u0D4Eക", "\u0D4Eക", false},
		{"multiline: mark at line start", "a\n\u0301b", "a\n" + Base + "\u0301b", true},
		{"multiline: mark after crlf", "a\r\n\u0301b", "a\n" + Base + "\u0301b", true},
		{"multiline: prepend at line end", "a\u0D4E\nb", "a" + ph + "\nb", true},
		{"multiline: prepend before crlf", "a\u0D4E\r\nb", "a" + ph + "\nb", true},
		{"multiline: prepend before U+2028", "a\u0D4E\u2028b", "a" + ph + "\nb", true},
		{"single line: mark after newline mark stays", "a\n\u0301b", "a" + NewlineMark + "\u0301b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sanitize(tt.in, tt.multi)
			if got != tt.want {
				t.Errorf("sanitize(%q, %v) = %q, want %q", tt.in, tt.multi, got, tt.want)
			}
			if again := sanitize(got, tt.multi); again != got {
				t.Errorf("not idempotent: %q -> %q", got, again)
			}
			checkSelfContained(t, got, tt.multi)
		})
	}
}

// checkSelfContained asserts that text (each line of multiline text) has
// the same width whatever is printed next to it.
func checkSelfContained(t testing.TB, s string, multi bool) {
	t.Helper()
	lines := []string{s}
	if multi {
		lines = strings.Split(s, "\n")
	}
	for _, l := range lines {
		w := Width(l)
		if got := Width(" " + l); got != w+1 {
			t.Fatalf("%q joins what is before it: width %d after a space, %d alone", l, got, w)
		}
		if got := Width(l + " "); got != w+1 {
			t.Fatalf("%q joins what is after it: width %d before a space, %d alone", l, got, w)
		}
	}
}

// TestJoinCache checks the memoised answers against the segmenter for
// every character, twice (computing, then reading), from two goroutines.
func TestJoinCache(t *testing.T) {
	if testing.Short() {
		t.Skip("walks every code point")
	}
	var c joinCache
	check := func(lo, hi rune, done chan<- error) {
		for pass := 0; pass < 2; pass++ {
			for r := lo; r < hi; r++ {
				for which := 0; which < 2; which++ {
					if c.get(which, r) != segmentJoins(which, r) {
						t.Errorf("cache %d disagrees for %U", which, r)
						done <- nil
						return
					}
				}
			}
		}
		done <- nil
	}
	done := make(chan error, 2)
	go check(0x80, 0x20000, done)
	go check(0x10000, 0x30000, done)
	<-done
	<-done
	if c.get(0, -1) || c.get(1, unicode.MaxRune+1) {
		t.Error("out-of-range runes must not join")
	}
}

// Inside tmux the clipboard sequence is sent plain (for set-clipboard on)
// and wrapped for tmux's passthrough, with every ESC doubled; outside it is
// sent once. Both carry only the sanitised text.
func TestOSC52Tmux(t *testing.T) {
	raw := "https://wiki.example/rb\x1b]52;c;ZXZpbA==\x07"
	plain := OSC52Tmux(raw, false)
	if plain != OSC52(raw) || strings.Count(plain, "\x1b]52;") != 1 {
		t.Fatalf("outside tmux: %q", plain)
	}
	want := ansi.SetSystemClipboard(Sanitize(raw))
	in := OSC52Tmux(raw, true)
	wrapped := "\x1bPtmux;" + strings.ReplaceAll(want, "\x1b", "\x1b\x1b") + "\x1b\\"
	if in != want+wrapped {
		t.Fatalf("inside tmux:\n got %q\nwant %q", in, want+wrapped)
	}
	if strings.Contains(in, "ZXZpbA==\x07") {
		t.Fatalf("the hostile sequence got through: %q", in)
	}
	if OSC52Tmux("", true) != "" {
		t.Fatal("nothing to copy must give nothing")
	}
}
