package main

import (
	"strings"
	"testing"

	"github.com/vigilterm/vigil"
)

// The demo's recording rules record the console's window (the auto window
// of the demo's scrape interval, or the configured one) and the default
// windows; an app of many endpoints has the console's window only,
// evaluated every 15s (and above demoRulesMaxEndpoints, none: runDemo).
func TestDemoRecordingRules(t *testing.T) {
	for _, c := range []struct {
		endpoints int
		window    string
		want      []string
		nope      []string
	}{
		{0, "", []string{"name: vigil_4s", "name: vigil_1m", "name: vigil_5m", "name: vigil_series"}, []string{"interval:"}},
		{500, "", []string{"name: vigil_4s", "name: vigil_series", "interval: 15s"}, []string{"name: vigil_1m", "name: vigil_5m"}},
		{0, "2m", []string{"name: vigil_2m", "name: vigil_1m", "name: vigil_5m"}, []string{"name: vigil_4s"}},
		{0, "5m", []string{"name: vigil_5m", "name: vigil_1m"}, []string{"name: vigil_4s"}},
	} {
		cfg := vigil.Defaults()
		cfg.Metrics.Selector = `job="flask"`
		if c.window != "" {
			if err := cfg.UI.Window.UnmarshalText([]byte(c.window)); err != nil {
				t.Fatal(err)
			}
		}
		out, err := demoRecordingRules(&cfg, c.endpoints)
		if err != nil {
			t.Fatal(err)
		}
		s := string(out)
		for _, w := range c.want {
			if !strings.Contains(s, w) {
				t.Errorf("%d endpoints, window %q: no %q in\n%s", c.endpoints, c.window, w, s)
			}
		}
		for _, n := range c.nope {
			if strings.Contains(s, n) {
				t.Errorf("%d endpoints, window %q: %q in\n%s", c.endpoints, c.window, n, s)
			}
		}
		if strings.Count(s, "name: vigil_5m") > 1 {
			t.Errorf("window %q recorded twice:\n%s", c.window, s)
		}
	}
}
