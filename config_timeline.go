package vigil

import (
	"time"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/timeline"
)

// TimelineRequest is the timeline of [since, until] as the Timeline screen
// and `vigil timeline` both ask for it: the configured shape with its
// window left to timeline.Build (the overview's, see
// query.ResolveWindow), the thresholds of the overview, the info metric
// (infoMetric, else metrics.info_metric, else the exporter's) and the
// context's notes. The sources that depend on how the caller reaches them
// (silences, audit log, notes file) are the caller's to set.
func (c *Config) TimelineRequest(since, until, now time.Time, infoMetric string) timeline.Request {
	if infoMetric == "" {
		infoMetric = c.Metrics.InfoMetric
	}
	if infoMetric == "" {
		infoMetric = query.DefaultInfoMetric
	}
	return timeline.Request{
		Since: since, Until: until, Shape: c.Shape(),
		Thresholds: timeline.Thresholds{
			ErrorRatioWarn: c.Thresholds.ErrorRatioWarn, ErrorRatioCrit: c.Thresholds.ErrorRatioCrit,
			P99Warn: c.Thresholds.P99Warn.D(), P99Crit: c.Thresholds.P99Crit.D(),
		},
		InfoMetric: infoMetric,
		Context:    c.Context,
		Now:        now,
	}
}
