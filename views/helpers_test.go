package views

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views/keys"
)

// The helpers of views' own tests. The screen packages' tests have the
// same in views/viewstest, which a test of package views cannot import;
// views' settings_test.go holds both settings equal to the defaults.

var update = flag.Bool("update", false, "rewrite the golden files")

var fixedNow = time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)

func testContext(t testing.TB, theme string) *Context {
	t.Helper()
	th, err := themes.Get(theme)
	if err != nil {
		t.Fatal(err)
	}
	return &Context{Settings: testSettings(), Styles: th.Styles(), Keys: keys.New(false), Now: func() time.Time { return fixedNow }}
}

// testSettings are the settings of vigil's defaults (config.toml), as the
// root gives them to the screens: ui's TestViewSettingsOfTheDefaults holds
// the two equal.
func testSettings() Settings {
	return Settings{
		Context:        "default",
		WindowAuto:     true,
		EndpointLabel:  "path",
		ServiceLabel:   query.DefaultServiceLabel,
		DurationMetric: "flask_http_request_duration_seconds",
		Thresholds:     query.Thresholds{ErrorRatioWarn: 0.01, ErrorRatioCrit: 0.05, P99Warn: time.Second, P99Crit: 2 * time.Second},
		Silence: SilenceSettings{
			Duration: time.Hour, AckDuration: 15 * time.Minute, AckMax: 24 * time.Hour,
			RequireComment: true, WarnMatches: 1, RecentlyExpired: time.Hour,
		},
		AlertmanagerTimeout: 10 * time.Second,
	}
}

// keyMsg builds a key press: named keys, ctrl+x, or text. amKey and
// pqKey are the same, under the names the alerts and PromQL tests use.
func keyMsg(s string) tea.KeyPressMsg {
	named := map[string]tea.KeyPressMsg{
		"enter":     {Code: tea.KeyEnter},
		"esc":       {Code: tea.KeyEscape},
		"tab":       {Code: tea.KeyTab},
		"shift+tab": {Code: tea.KeyTab, Mod: tea.ModShift},
		"space":     {Code: tea.KeySpace, Text: " "},
		"up":        {Code: tea.KeyUp},
		"down":      {Code: tea.KeyDown},
		"left":      {Code: tea.KeyLeft},
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

var amKey, pqKey = keyMsg, keyMsg

func golden(t *testing.T, name, got string) {
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
		t.Fatalf("%v (run go test ./views -update to create it)", err)
	}
	if string(want) != got {
		t.Fatalf("%s differs from the golden file (go test ./views -update rewrites it):\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}
