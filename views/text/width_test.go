package text

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

func TestWidth(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"日本", 4},
		{"e\u0301", 1},
		{"cafe\u0301", 4},
		{"🔥", 2},
		{"👍🏽", 2},
		{"👨\u200D👩\u200D👧", 2},
		{"1\uFE0F\u20E3", 2},
		{Placeholder, 1},
		{NewlineMark, 1},
		{Ellipsis, 1},
		{"\x1b[1;31mcrit\x1b[0m", 4},
		{"\x1b[38;2;255;0;0m日本\x1b[m", 4},
		{"\x1b]8;;https://example.com\x07link\x1b]8;;\x07", 4},
		{"a\xffb", 3}, // an invalid byte is measured as a placeholder
	}
	for _, tt := range tests {
		if got := Width(tt.in); got != tt.want {
			t.Errorf("Width(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		w    int
		want string
	}{
		{"hello", 10, "hello"},
		{"hello", 5, "hello"},
		{"hello", 4, "hel…"},
		{"hello", 1, "…"},
		{"hello", 0, ""},
		{"hello", -3, ""},
		{"", 3, ""},
		{"日本語", 6, "日本語"},
		{"日本語", 5, "日本…"},
		{"日本語", 4, "日…"}, // 本 would straddle the limit: one cell short
		{"日本語", 2, "…"},
		{"日本語", 1, "…"},
		{"e\u0301e\u0301e\u0301", 2, "e\u0301…"},
		{"e\u0301e\u0301e\u0301", 3, "e\u0301e\u0301e\u0301"},
		{"👨\u200D👩\u200D👧 family", 3, "👨\u200D👩\u200D👧…"},
		{"👨\u200D👩\u200D👧 family", 2, "…"},
		{"a\xffbcd", 3, "a" + Placeholder + "…"},
	}
	for _, tt := range tests {
		got := Truncate(tt.in, tt.w)
		if got != tt.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.w, got, tt.want)
		}
		if tt.w > 0 && Width(got) > tt.w {
			t.Errorf("Truncate(%q, %d) is %d cells wide", tt.in, tt.w, Width(got))
		}
	}
}

func TestTruncateStyled(t *testing.T) {
	styled := "\x1b[1;31m/api/v1/checkout\x1b[0m"
	got := Truncate(styled, 8)
	if want := "\x1b[1;31m/api/v1…\x1b[0m"; got != want {
		t.Errorf("Truncate styled = %q, want %q", got, want)
	}
	if Width(got) != 8 {
		t.Errorf("width %d, want 8", Width(got))
	}
	// Two styled runs: the cut one keeps its reset, the dropped one leaves
	// only complete sequences.
	two := "\x1b[32mok\x1b[0m \x1b[31m日本語\x1b[0m"
	for w := 1; w <= Width(two); w++ {
		got := Truncate(two, w)
		if Width(got) > w {
			t.Errorf("w=%d: %q is %d wide", w, got, Width(got))
		}
		assertWholeSequences(t, got)
		if !strings.HasSuffix(got, "\x1b[0m") {
			t.Errorf("w=%d: %q lost the closing reset", w, got)
		}
		if ansi.Strip(got) != Truncate(ansi.Strip(two), w) {
			t.Errorf("w=%d: visible text %q, want %q", w, ansi.Strip(got), Truncate(ansi.Strip(two), w))
		}
	}
	// A hyperlink keeps its closing sequence too.
	link := Hyperlink("https://runbooks.example.com/checkout", "checkout runbook")
	got = Truncate(link, 6)
	if ansi.Strip(got) != "check…" || !strings.HasSuffix(got, ansi.ResetHyperlink()) {
		t.Errorf("Truncate(hyperlink) = %q", got)
	}
}

// assertWholeSequences fails when s contains an escape sequence that is not
// complete: every ESC must start a sequence the parser finishes.
func assertWholeSequences(t *testing.T, s string) {
	t.Helper()
	var state byte
	p := ansi.NewParser()
	for len(s) > 0 {
		seq, _, n, newState := ansi.DecodeSequence(s, state, p)
		if n == 0 {
			t.Fatalf("parser stuck on %q", s)
		}
		state = newState
		_ = seq
		s = s[n:]
	}
	if state != 0 {
		t.Errorf("string ends inside an escape sequence (state %d)", state)
	}
}

func TestPad(t *testing.T) {
	tests := []struct {
		in           string
		w            int
		right, left  string
		wantWidthOne bool
	}{
		{"ok", 5, "ok   ", "   ok", false},
		{"日本", 5, "日本 ", " 日本", false},
		{"e\u0301", 3, "e\u0301  ", "  e\u0301", false},
		{"toolong", 4, "too…", "too…", false},
		{"日本語", 4, "日… ", " 日…", false},
		{"x", 0, "", "", false},
		{"x", -1, "", "", false},
		{"", 3, "   ", "   ", false},
	}
	for _, tt := range tests {
		if got := PadRight(tt.in, tt.w); got != tt.right {
			t.Errorf("PadRight(%q, %d) = %q, want %q", tt.in, tt.w, got, tt.right)
		}
		if got := PadLeft(tt.in, tt.w); got != tt.left {
			t.Errorf("PadLeft(%q, %d) = %q, want %q", tt.in, tt.w, got, tt.left)
		}
		if got := Fit(tt.in, tt.w); got != tt.right {
			t.Errorf("Fit(%q, %d) = %q, want %q", tt.in, tt.w, got, tt.right)
		}
	}
	if w := Width(PadRight("日本", 5)); w != 5 {
		t.Errorf("Width(PadRight(日本, 5)) = %d", w)
	}
	styled := "\x1b[31m日本語テキスト\x1b[0m"
	for w := 1; w < 20; w++ {
		for _, got := range []string{PadRight(styled, w), PadLeft(styled, w), Fit(styled, w)} {
			if Width(got) != w {
				t.Errorf("w=%d: %q is %d wide", w, got, Width(got))
			}
		}
	}
	long := strings.Repeat("x", 200)
	if got := Fit(long, 100); Width(got) != 100 || !strings.HasSuffix(got, Ellipsis) {
		t.Errorf("Fit(long, 100) = %d wide", Width(got))
	}
}

// TestColumnsAlign lays out a table of mixed scripts and checks every row
// has the same width, the way the overview lays out endpoints.
func TestColumnsAlign(t *testing.T) {
	names := []string{"/api/orders", "/注文/一覧", "/cafe\u0301", "/🔥/hot", "/" + strings.Repeat("長", 30), Sanitize("/x\x1b[2J\u202Eevil")}
	var rows []string
	for _, n := range names {
		rows = append(rows, Fit(n, 16)+"│"+PadLeft("12.5", 8)+"│")
	}
	for _, r := range rows {
		if Width(r) != 26 {
			t.Errorf("row %q is %d wide, want 26", r, Width(r))
		}
		if !utf8.ValidString(r) {
			t.Errorf("row %q is not UTF-8", r)
		}
	}
}

func TestHyperlink(t *testing.T) {
	got := Hyperlink("https://runbooks.example.com/checkout?x=1#step-2", "runbook")
	want := "\x1b]8;;https://runbooks.example.com/checkout?x=1#step-2\x07runbook\x1b]8;;\x07"
	if got != want {
		t.Errorf("Hyperlink = %q, want %q", got, want)
	}
	if Width(got) != len("runbook") {
		t.Errorf("hyperlink is %d wide", Width(got))
	}
	if got := Hyperlink("http://grafana.local:3000/d/abc", ""); got != "\x1b]8;;http://grafana.local:3000/d/abc\x07http://grafana.local:3000/d/abc\x1b]8;;\x07" {
		t.Errorf("empty text: %q", got)
	}
	// Non-ASCII and spaces in the path are percent-encoded.
	if got := Hyperlink("https://wiki.example.com/页面 one", "w"); got != "\x1b]8;;https://wiki.example.com/%E9%A1%B5%E9%9D%A2%20one\x07w\x1b]8;;\x07" {
		t.Errorf("encoded: %q", got)
	}

	plain := []struct{ url, text, want string }{
		{"javascript:alert(1)", "click", "click"},
		{"file:///etc/passwd", "click", "click"},
		{"ftp://example.com/x", "click", "click"},
		{"/relative/path", "click", "click"},
		{"https://", "click", "click"},
		{"", "click", "click"},
		{"https://evil.com/\x07\x1b]52;c;ZXZpbA==\x07", "click", "click"},
		{"https://evil.com/\x1b\\", "click", "click"},
		{"https://evil.com/\u009c", "click", "click"},
		{"https://evil.com/a\nb", "click", "click"},
		{"https://evil.com/?q=a b", "click", "click"},
		{"https://example.com/" + strings.Repeat("a", MaxURLLength), "long", "long"},
		{"not a url at all", "t\x1b[2Jx", "t" + Placeholder + "[2Jx"},
	}
	for _, tt := range plain {
		if got := Hyperlink(tt.url, tt.text); got != tt.want {
			t.Errorf("Hyperlink(%q, %q) = %q, want %q", tt.url, tt.text, got, tt.want)
		}
	}

	// Hostile text inside a good link is sanitised: the only escape
	// sequences are the two OSC 8 ones.
	got = Hyperlink("https://example.com", "\x1b]8;;https://evil\x07fake\u202E")
	if strings.Count(got, "\x1b") != 2 || strings.Count(got, "\x07") != 2 {
		t.Errorf("hostile text leaked escapes: %q", got)
	}
	if !strings.Contains(got, Placeholder+"]8;;https://evil"+Placeholder+"fake"+Placeholder) {
		t.Errorf("hostile text not sanitised: %q", got)
	}
}

func TestSafeURL(t *testing.T) {
	for _, u := range []string{"https://a.example", "http://10.0.0.1:9093/#/alerts?silenced=false", "  https://x.example/p  "} {
		s, ok := SafeURL(u)
		if !ok {
			t.Errorf("SafeURL(%q) refused", u)
		}
		for i := 0; i < len(s); i++ {
			if s[i] <= 0x20 || s[i] >= 0x7f {
				t.Errorf("SafeURL(%q) = %q has byte %#x", u, s, s[i])
			}
		}
	}
	if _, ok := SafeURL("HTTPS://EXAMPLE.COM/x"); !ok {
		t.Error("upper-case scheme refused")
	}
	if _, ok := SafeURL("https:opaque"); ok {
		t.Error("opaque URL accepted")
	}
}

func TestOSC52(t *testing.T) {
	got := OSC52("https://runbooks.example.com/checkout")
	want := "\x1b]52;c;aHR0cHM6Ly9ydW5ib29rcy5leGFtcGxlLmNvbS9jaGVja291dA==\x07"
	if got != want {
		t.Errorf("OSC52 = %q, want %q", got, want)
	}
	// Control characters and line breaks never reach the clipboard.
	got = OSC52("rm -rf /\n\x1b[2J")
	want = ansi.SetSystemClipboard("rm -rf /" + NewlineMark + Placeholder + "[2J")
	if got != want {
		t.Errorf("OSC52 hostile = %q, want %q", got, want)
	}
	if got := OSC52(""); got != "" {
		t.Errorf("OSC52(\"\") = %q, want empty", got)
	}
	// The sequence itself holds only base64 between its delimiters.
	got = OSC52("日本 🔥")
	body := strings.TrimSuffix(strings.TrimPrefix(got, "\x1b]52;c;"), "\x07")
	for _, c := range body {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=') {
			t.Fatalf("non-base64 %q in %q", c, got)
		}
	}
}

func TestCutClusters(t *testing.T) {
	tests := []struct {
		in   string
		w    int
		want string
	}{
		{"abc", 2, "ab"},
		{"日本語", 3, "日"},
		{"e\u0301x", 1, "e\u0301"},
		{"👨\u200D👩\u200D👧x", 1, ""},
		{"", 4, ""},
	}
	for _, tt := range tests {
		if got := cutClusters(tt.in, tt.w); got != tt.want {
			t.Errorf("cutClusters(%q, %d) = %q, want %q", tt.in, tt.w, got, tt.want)
		}
	}
}

func TestTruncateMalformed(t *testing.T) {
	// Escapes that were never sanitised still come out no wider than w.
	for _, s := range []string{"\x1b\xc70", "\x1b", "abc\x1b[", "\x1bP\x1b\\日本語", "\x9b\x9b\x9b"} {
		for w := 1; w < 6; w++ {
			got := Truncate(s, w)
			if Width(got) > w || !utf8.ValidString(got) {
				t.Errorf("Truncate(%q, %d) = %q, %d wide", s, w, got, Width(got))
			}
		}
	}
}

func TestHugeWidth(t *testing.T) {
	if got := Width(PadRight("x", math.MaxInt)); got != MaxWidth {
		t.Errorf("PadRight(x, MaxInt) is %d wide, want MaxWidth", got)
	}
	if got := Width(PadLeft("日本", MaxWidth+5)); got != MaxWidth {
		t.Errorf("PadLeft is %d wide, want MaxWidth", got)
	}
	if got := Truncate("abc", math.MaxInt); got != "abc" {
		t.Errorf("Truncate(abc, MaxInt) = %q", got)
	}
}
