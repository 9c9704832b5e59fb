package ui

import (
	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
)

// ViewSettings are the values of c that the screens read. It is the one
// place where the configuration becomes the screens' plain values.
func ViewSettings(c *vigil.Config) views.Settings {
	s := c.Silence
	return views.Settings{
		Context:        c.Context,
		ReadOnly:       c.UI.ReadOnly,
		Window:         c.UI.Window.D(),
		WindowAuto:     c.UI.Window.Auto,
		Selector:       c.Metrics.Selector,
		EndpointLabel:  c.EndpointLabel(),
		ServiceLabel:   c.Metrics.ServiceLabel,
		DurationMetric: c.Metrics.DurationMetric,
		Thresholds: query.Thresholds{
			ErrorRatioWarn: c.Thresholds.ErrorRatioWarn,
			ErrorRatioCrit: c.Thresholds.ErrorRatioCrit,
			P99Warn:        c.Thresholds.P99Warn.D(),
			P99Crit:        c.Thresholds.P99Crit.D(),
		},
		Silence: views.SilenceSettings{
			Duration:         s.Duration.D(),
			AckDuration:      s.AckDuration.D(),
			AckUntilResolved: s.AckUntilResolved,
			AckMax:           s.AckMax.D(),
			RequireComment:   s.RequireComment,
			CreatedBy:        s.CreatedBy,
			WarnMatches:      s.WarnMatches,
			RecentlyExpired:  s.RecentlyExpired.D(),
		},
		AlertmanagerTimeout: c.Alertmanager.Timeout.D(),
		Watchdog:            c.Alertmanager.Watchdog,
	}
}
