// Package viewstest holds what the tests of the screens' own packages
// (views/doctor, views/status, ...) share: a view context at a fixed time
// with the settings of vigil's defaults.
//
// views' own tests keep theirs in package views, which cannot import this
// package; views' settings_test.go holds the two equal to the defaults.
package viewstest

import (
	_ "embed"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/rulecheck"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/keys"
)

// FixedNow is the time the test context's clock always reads.
var FixedNow = time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)

// Context is a view context in the named theme, with Settings and a clock
// stopped at FixedNow.
func Context(t testing.TB, theme string) *views.Context {
	t.Helper()
	th, err := themes.Get(theme)
	if err != nil {
		t.Fatal(err)
	}
	return &views.Context{Settings: Settings(), Styles: th.Styles(), Keys: keys.New(false), Now: func() time.Time { return FixedNow }}
}

// Settings are the settings of vigil's defaults (config.toml), as the root
// gives them to the screens.
func Settings() views.Settings {
	return views.Settings{
		Context:        "default",
		WindowAuto:     true,
		EndpointLabel:  "path",
		ServiceLabel:   query.DefaultServiceLabel,
		DurationMetric: "flask_http_request_duration_seconds",
		Thresholds:     query.Thresholds{ErrorRatioWarn: 0.01, ErrorRatioCrit: 0.05, P99Warn: time.Second, P99Crit: 2 * time.Second},
		Silence: views.SilenceSettings{
			Duration: time.Hour, AckDuration: 15 * time.Minute, AckMax: 24 * time.Hour,
			RequireComment: true, WarnMatches: 1, RecentlyExpired: time.Hour,
		},
		AlertmanagerTimeout: 10 * time.Second,
	}
}

//go:embed seed-rules.yml
var seedRules []byte

// RulesCheck is the rules check of seed-rules.yml: a rule that alerts on
// errors per second rather than a ratio, and one with an escape sequence
// in its name. views' own tests read the same file.
func RulesCheck(t testing.TB) *views.RulesCheck {
	t.Helper()
	rules, errs := rulecheck.ParseFile("reference.yml", seedRules)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return &views.RulesCheck{Rules: rules, Report: rulecheck.Check(rules, nil, rulecheck.Options{})}
}

// Key is the key press a key's name stands for: "enter", "esc", "tab",
// "shift+tab", "space", the arrows, "end", "pgup", "pgdown", "backspace",
// "ctrl+X", or a character typed.
func Key(s string) tea.KeyPressMsg {
	named := map[string]tea.KeyPressMsg{
		"enter":     {Code: tea.KeyEnter},
		"esc":       {Code: tea.KeyEscape},
		"tab":       {Code: tea.KeyTab},
		"shift+tab": {Code: tea.KeyTab, Mod: tea.ModShift},
		"space":     {Code: tea.KeySpace, Text: " "},
		"up":        {Code: tea.KeyUp},
		"down":      {Code: tea.KeyDown},
		"left":      {Code: tea.KeyLeft},
		"right":     {Code: tea.KeyRight},
		"end":       {Code: tea.KeyEnd},
		"pgup":      {Code: tea.KeyPgUp},
		"pgdown":    {Code: tea.KeyPgDown},
		"backspace": {Code: tea.KeyBackspace},
	}
	if k, ok := named[s]; ok {
		return k
	}
	if c, ok := strings.CutPrefix(s, "ctrl+"); ok {
		return tea.KeyPressMsg{Code: []rune(c)[0], Mod: tea.ModCtrl}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

// Fits fails the test when the view v has more than h lines, a line wider
// than w cells, or a control sequence left after its styles are stripped.
func Fits(t testing.TB, v string, w, h int) {
	t.Helper()
	if v == "" {
		return
	}
	lines := strings.Split(v, "\n")
	if len(lines) > h {
		t.Fatalf("%dx%d: %d lines", w, h, len(lines))
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Fatalf("%dx%d: line %d is %d wide: %q", w, h, i, lw, ansi.Strip(l))
		}
		if strings.Contains(ansi.Strip(l), "\x1b") || strings.ContainsRune(l, '\x07') {
			t.Fatalf("%dx%d: line %d leaks a control sequence: %q", w, h, i, l)
		}
	}
}

var update = flag.Bool("update", false, "rewrite the golden files")

// Golden compares got with testdata/NAME.golden, which go test -update
// writes.
func Golden(t testing.TB, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test with -update to create it)", err)
	}
	if string(want) != got {
		t.Fatalf("%s differs from the golden file (go test -update rewrites it):\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// Run runs a command and lists the messages it sends, each of a batch in
// turn; none for a nil command or message.
func Run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, Run(c)...)
		}
		return out
	}
	if msg == nil {
		return nil
	}
	return []tea.Msg{msg}
}

// Only is the one message of msgs, which must be a T.
func Only[T any](t testing.TB, msgs []tea.Msg) T {
	t.Helper()
	var zero T
	if len(msgs) != 1 {
		t.Fatalf("want one %T, got %#v", zero, msgs)
	}
	m, ok := msgs[0].(T)
	if !ok {
		t.Fatalf("want %T, got %#v", zero, msgs[0])
	}
	return m
}
