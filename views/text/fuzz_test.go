package text

import (
	"strings"
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	"",
	"plain",
	"\x1b]0;pwned\x07",
	"\x1b]52;c;ZXZpbA==\x07",
	"\x1b[2J\x1b[H",
	"\x9b31m",
	"\u009b31m\u009d0;x\u009c",
	"a\rb\bc\ad\te\nf\r\n",
	"user\u202Egnp.exe\u2066x\u2069",
	"ad\u200Dmin\u200C",
	"👨\u200D👩\u200D👧",
	"\u200D👨\u200D",
	"é\u200D\u2028",
	"é\u200D\xff",
	"é\u200D\u200Dé",
	"日本語e\u0301",
	"\xff\xfe\xc3",
	"\xed\xa0\x80",
	"\U000E0041\U000E007F",
	"\x1b[31m日本語\x1b[0m",
	"\x1b]8;;https://x\x07t\x1b]8;;\x07",
	"abc\x1b[",
	"\x1b",
	"\u0301x\n\u0903",
	"a\u0D4E\r\nb\u0D4E",
	"\U0001F1FA\U0001F1F8\U0001F1FA",
	"\u1100\u1161\u11A8",
	strings.Repeat("長", 40),
}

func FuzzSanitize(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, multi := range []bool{false, true} {
			out := sanitize(s, multi)
			// Every invariant of sanitised text: valid UTF-8, no control
			// byte, no ESC, C1, bidi or other format character.
			checkSafe(t, out, multi)
			checkSelfContained(t, out, multi)
			if again := sanitize(out, multi); again != out {
				t.Fatalf("not idempotent (multi=%v): %q -> %q -> %q", multi, s, out, again)
			}
			if firstUnsafe(s, multi) < 0 && out != s {
				t.Fatalf("safe input changed: %q -> %q", s, out)
			}
		}
	})
}

func FuzzTruncate(f *testing.F) {
	for _, s := range fuzzSeeds {
		for _, w := range []int{-1, 0, 1, 2, 3, 7, 40} {
			f.Add(s, w)
		}
	}
	f.Fuzz(func(t *testing.T, s string, w int) {
		w %= 200 // keep the padding small
		got := Truncate(s, w)
		if !utf8.ValidString(got) {
			t.Fatalf("Truncate(%q, %d) = %q: invalid UTF-8", s, w, got)
		}
		if w <= 0 {
			if got != "" {
				t.Fatalf("Truncate(%q, %d) = %q, want empty", s, w, got)
			}
			return
		}
		if gw := Width(got); gw > w {
			t.Fatalf("Truncate(%q, %d) = %q is %d wide", s, w, got, gw)
		}
		// Sanitised text, plain or styled, pads to exactly w cells.
		safe := Sanitize(s)
		for _, in := range []string{safe, "\x1b[1;38;2;255;0;0m" + safe + "\x1b[0m"} {
			for name, fn := range map[string]func(string, int) string{"PadRight": PadRight, "PadLeft": PadLeft, "Fit": Fit} {
				out := fn(in, w)
				if gw := Width(out); gw != w {
					t.Fatalf("%s(%q, %d) = %q is %d wide", name, in, w, out, gw)
				}
				if !utf8.ValidString(out) {
					t.Fatalf("%s(%q, %d) = %q: invalid UTF-8", name, in, w, out)
				}
			}
		}
		if Width(safe) <= w && Truncate(safe, w) != safe {
			t.Fatalf("Truncate cut %q that fits in %d", safe, w)
		}
	})
}
