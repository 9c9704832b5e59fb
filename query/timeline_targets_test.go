package query

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// startSeries is a start-time series of one target, one value per point
// of plan.
func startSeries(plan TimelinePlan, job string, vals ...float64) *model.SampleStream {
	ss := &model.SampleStream{Metric: model.Metric{SeriesLabel: "start", "job": model.LabelValue(job), "instance": "127.0.0.1:1"}}
	for i, v := range vals {
		ss.Values = append(ss.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(plan.at(i).UnixNano()), Value: model.SampleValue(v)})
	}
	return ss
}

// Start times only moving forward are restarts; going back (workers
// answering in turn) are none, with a warning that says why.
func TestChangeEventsWorkersAreNoRestarts(t *testing.T) {
	until := time.Unix(1_800_000_000, 0)
	plan := PlanTimeline(until.Add(-10*time.Second), until, time.Second)
	base := float64(until.Add(-time.Hour).Unix())
	// A new process at points 2, 4 and 6, started half a second before.
	at := func(i int) float64 { return float64(plan.at(i).Unix()) - 0.5 }
	loop := startSeries(plan, "loop", base, base, at(2), at(2), at(4), at(4), at(6), at(6), at(6), at(6), at(6), at(6))
	workers := startSeries(plan, "workers", base, base+0.02, base+0.04, base, base+0.02, base+0.04, base, base+0.02, base+0.04, base, base+0.02, base+0.04)
	mat := model.Matrix{loop, workers}
	var loopRestarts, workerRestarts int
	for _, e := range ChangeEvents(mat, plan) {
		if e.Kind != EventRestart {
			continue
		}
		switch e.Labels["job"] {
		case "loop":
			loopRestarts++
		case "workers":
			workerRestarts++
		}
	}
	if loopRestarts != 3 || workerRestarts != 0 {
		t.Errorf("restarts: crash loop %d (want 3), workers %d (want 0)", loopRestarts, workerRestarts)
	}
	if ws := InTurnWarnings(mat); len(ws) != 1 || !strings.Contains(ws[0], "3 processes answering in turn") {
		t.Errorf("warnings %q", ws)
	}
	for _, e := range ChangeMarkers(mat, plan) {
		if e.Labels["job"] == "workers" {
			t.Errorf("a marker for the workers: %+v", e)
		}
	}
}
