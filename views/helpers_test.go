package views

import (
	"testing"
	"time"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views/keys"
)

// The helpers of views' own tests. The screen packages' tests have the
// same in views/viewstest, which a test of package views cannot import;
// views' settings_test.go holds both settings equal to the defaults.

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
// root gives them to the screens: TestTestSettingsAreTheDefaults
// (settings_test.go) holds the two equal.
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
