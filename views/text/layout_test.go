package text

import (
	"strings"
	"testing"
)

// The block helpers cut to the area and pad as each promises.
func TestLayoutBlocks(t *testing.T) {
	lines := []string{"abcdef", "ab", "xyz"}
	if got := ClipLines(lines, 3, 2); got != "ab…\nab" {
		t.Errorf("ClipLines %q", got)
	}
	if got := FitLines(lines[:1], 4, 3); got != "abc…\n\n" {
		t.Errorf("FitLines %q", got)
	}
	if got := FitBlock([]string{"ab"}, 3, 2); len(got) != 2 || got[0] != "ab " || got[1] != "   " {
		t.Errorf("FitBlock %q", got)
	}
	if got := FitLines(lines, 3, 0); got != "" {
		t.Errorf("FitLines h=0 %q", got)
	}
	if lines[0] != "abcdef" {
		t.Error("the input was changed")
	}
}

// Wrap keeps empty paragraphs and breaks long words; WrapWords keeps words
// whole.
func TestLayoutWrap(t *testing.T) {
	if got := Wrap("aaaa bb\n\ncc", 3); strings.Join(got, "|") != "aaa|a|bb||cc" {
		t.Errorf("Wrap %q", got)
	}
	if got := WrapWords("aaaa bb cc", 5); strings.Join(got, "|") != "aaaa|bb cc" {
		t.Errorf("WrapWords %q", got)
	}
}

// Spread keeps right when both do not fit; SpreadKeepLeft keeps left.
func TestLayoutSpread(t *testing.T) {
	if got := Spread("left", "right", 12); got != "left   right" {
		t.Errorf("Spread %q", got)
	}
	if got := Spread("left", "right", 4); Width(got) != 4 || !strings.HasPrefix(got, "rig") {
		t.Errorf("Spread narrow %q", got)
	}
	if got := SpreadKeepLeft("left", "right", 6); got != "left" {
		t.Errorf("SpreadKeepLeft narrow %q", got)
	}
	for _, f := range []func(string, string, int) string{Spread, SpreadKeepLeft} {
		if got := f("ab", "cd", 9); Width(got) != 9 {
			t.Errorf("width %d of %q", Width(got), got)
		}
	}
}
