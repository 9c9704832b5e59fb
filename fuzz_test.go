package vigil

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse: any document either loads or gives one line naming where the
// problem is; it never panics.
func FuzzParse(f *testing.F) {
	f.Add(string(DefaultTOML))
	f.Add("[ui]\nrefresh = \"1s\"\n")
	f.Add("[ui]\nrefresh = 5\n")
	f.Add("[[ui]]\n")
	f.Add("context = \"\x1b]0;x\x07\"\n")
	f.Add("[alertmanager]\nurls = [\"http://a\", 3]\n")
	f.Fuzz(func(t *testing.T, doc string) {
		cfg, err := Parse([]byte(doc), "f.toml")
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "f.toml") || strings.Contains(msg, "\n") {
				t.Fatalf("error does not name the file on one line: %q", msg)
			}
			return
		}
		if err := cfg.Validate(); err != nil && !utf8.ValidString(err.Error()) && !strings.HasPrefix(err.Error(), "f.toml") {
			t.Fatalf("validation error: %q", err)
		}
	})
}

// FuzzParseDuration: durations parse or fail cleanly, never negative.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"1h", "90m", "2h30m", "1d", "-1s", "", "1.5h", "9999999999999999999h", "1e9s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err == nil && d < 0 {
			t.Fatalf("%q parsed to negative %v", s, d)
		}
	})
}
