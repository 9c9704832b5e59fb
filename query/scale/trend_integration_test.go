package scale

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
)

// trendDiffs lists the trend points that differ between two overviews.
func trendDiffs(a, b *query.Overview) []string {
	byName := map[string][]float64{}
	for _, e := range b.Endpoints {
		byName[e.Name] = e.Trend
	}
	var out []string
	for _, e := range a.Endpoints {
		other, ok := byName[e.Name]
		if !ok || len(other) != len(e.Trend) {
			out = append(out, fmt.Sprintf("%s: %d points vs %d", e.Name, len(e.Trend), len(other)))
			continue
		}
		for k := range e.Trend {
			if !near(e.Trend[k], other[k]) {
				out = append(out, fmt.Sprintf("%s[%d]: %v vs %v", e.Name, k, e.Trend[k], other[k]))
			}
		}
	}
	return out
}

// TestIntegrationIncrementalTrendEqualsFullRead: a refresh that asks only
// for the trend's new steps shows the same trend as a client reading the
// whole trend at the same time; a change of window reads it whole again.
func TestIntegrationIncrementalTrendEqualsFullRead(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 13}})
	stack.App.SetFault("/api/checkout", demo.Fault{ErrorRatio: 0.5})
	s := flaskShape(time.Minute)
	inc := client(t, stack.PrometheusURL, 10*time.Second, false)
	ctx := context.Background()
	demotest.Eventually(t, 30*time.Second, "traffic with errors", func() (bool, string) {
		ov, err := inc.Overview(ctx, s)
		if err != nil {
			return false, err.Error()
		}
		return ov.Totals.ErrorRatio > 0, fmt.Sprintf("totals %+v", ov.Totals)
	})
	// The incident changes while the trend is read bit by bit.
	stack.App.SetFault("/api/checkout", demo.Fault{ErrorRatio: 0.9})
	var last *query.Overview
	for i := range 8 {
		time.Sleep(2 * time.Second)
		ov, err := inc.Overview(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if ov.TrendFull {
			t.Errorf("refresh %d read the whole trend; want only its new steps", i)
		}
		last = ov
	}
	full := client(t, stack.PrometheusURL, 10*time.Second, false)
	ref, err := full.OverviewAt(ctx, s, last.At)
	if err != nil {
		t.Fatal(err)
	}
	if !ref.TrendFull || !ref.TrendEnd.Equal(last.TrendEnd) {
		t.Fatalf("reference: full %v end %s, want a whole read ending at %s", ref.TrendFull, ref.TrendEnd, last.TrendEnd)
	}
	if d := trendDiffs(last, ref); len(d) > 0 {
		t.Errorf("the incremental trend differs from a whole read:\n%s", strings.Join(d, "\n"))
	}
	points := 0
	for _, e := range last.Endpoints {
		for _, v := range e.Trend {
			if v == v {
				points++
			}
		}
	}
	if points < 100 {
		t.Errorf("only %d trend points to compare", points)
	}

	other := flaskShape(30 * time.Second)
	ov, err := inc.Overview(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	if !ov.TrendFull {
		t.Error("a new window must read the whole trend")
	}
}
