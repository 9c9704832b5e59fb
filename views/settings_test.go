package views_test

import (
	"testing"
	"time"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/ui"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/viewstest"
)

// The screens' tests run with the settings of the documented defaults: a
// change to config.toml that the fixture misses fails here.
func TestTestSettingsAreTheDefaults(t *testing.T) {
	d := vigil.Defaults()
	got := ui.ViewSettings(&d)
	if want := views.DefaultTestSettings(); got != want {
		t.Errorf("the defaults give the screens\n%+v\nviews' tests use\n%+v", got, want)
	}
	if want := viewstest.Settings(); got != want {
		t.Errorf("the defaults give the screens\n%+v\nthe screen packages' tests use\n%+v", got, want)
	}
}

// Every value the screens read comes from its own key.
func TestViewSettingsTakeEachKey(t *testing.T) {
	c := vigil.Defaults()
	c.Context = "prod-eu"
	c.UI.ReadOnly = true
	c.UI.Window = vigil.Window{Fixed: vigil.Duration(2 * time.Minute)}
	c.Metrics.Selector = `job="shop"`
	c.Metrics.EndpointLabel = "url_rule"
	c.Metrics.ServiceLabel = "service"
	c.Metrics.DurationMetric = "app_http_request_duration_seconds"
	c.Thresholds = vigil.Thresholds{ErrorRatioWarn: 0.02, ErrorRatioCrit: 0.1, P99Warn: vigil.Duration(300 * time.Millisecond), P99Crit: vigil.Duration(3 * time.Second)}
	c.Silence = vigil.SilenceConfig{
		Duration: vigil.Duration(2 * time.Hour), AckDuration: vigil.Duration(20 * time.Minute), AckUntilResolved: true,
		AckMax: vigil.Duration(12 * time.Hour), RequireComment: false, CreatedBy: "team-shop", WarnMatches: 5,
		RecentlyExpired: vigil.Duration(30 * time.Minute),
	}
	c.Alertmanager.Timeout = vigil.Duration(7 * time.Second)
	c.Alertmanager.Watchdog = "DeadMansSwitch"
	want := views.Settings{
		Context: "prod-eu", ReadOnly: true, Window: 2 * time.Minute, WindowAuto: false,
		Selector: `job="shop"`, EndpointLabel: "url_rule", ServiceLabel: "service", DurationMetric: "app_http_request_duration_seconds",
		Thresholds: query.Thresholds{ErrorRatioWarn: 0.02, ErrorRatioCrit: 0.1, P99Warn: 300 * time.Millisecond, P99Crit: 3 * time.Second},
		Silence: views.SilenceSettings{
			Duration: 2 * time.Hour, AckDuration: 20 * time.Minute, AckUntilResolved: true, AckMax: 12 * time.Hour,
			RequireComment: false, CreatedBy: "team-shop", WarnMatches: 5, RecentlyExpired: 30 * time.Minute,
		},
		AlertmanagerTimeout: 7 * time.Second, Watchdog: "DeadMansSwitch",
	}
	if got := ui.ViewSettings(&c); got != want {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}
