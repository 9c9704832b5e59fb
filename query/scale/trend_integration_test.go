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
// whole trend at the same time, from the raw series and from the recorded
// error ratios (whose points are final up to the rules' newest evaluation);
// a change of window reads it whole again.
func TestIntegrationIncrementalTrendEqualsFullRead(t *testing.T) {
	for _, recorded := range []bool{false, true} {
		name := "raw"
		if recorded {
			name = "recorded"
		}
		t.Run(name, func(t *testing.T) {
			// Each waits for new 30s steps, with little work between:
			// the two run at once.
			t.Parallel()
			incrementalTrend(t, recorded)
		})
	}
}

func incrementalTrend(t *testing.T, recorded bool) {
	s := flaskShape(time.Minute)
	o := demo.StackOptions{App: demo.AppOptions{Seed: 13}}
	want := ""
	if recorded {
		rules, err := query.RulesFile(s, []time.Duration{time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		o.RuleFiles = map[string][]byte{"vigil_rules.yml": rules}
		want = "1m"
	}
	stack := demotest.Start(t, o)
	stack.App.SetFault("/api/checkout", demo.Fault{ErrorRatio: 0.5})
	inc := client(t, stack.PrometheusURL, 10*time.Second, recorded)
	full := client(t, stack.PrometheusURL, 10*time.Second, recorded)
	ctx := context.Background()
	demotest.Eventually(t, 30*time.Second, "traffic with errors", func() (bool, string) {
		if _, err := full.Overview(ctx, s); err != nil { // finds the rules too
			return false, err.Error()
		}
		ov, err := inc.Overview(ctx, s)
		if err != nil {
			return false, err.Error()
		}
		return ov.Totals.ErrorRatio > 0 && ov.Recorded == want && len(ov.NotRecorded) == 0,
			fmt.Sprintf("totals %+v, recorded %q (%s), not recorded %q", ov.Totals, ov.Recorded, ov.RulesWhy, ov.NotRecorded)
	})
	// The incident changes while the trend is read bit by bit.
	stack.App.SetFault("/api/checkout", demo.Fault{ErrorRatio: 0.9})
	// Three refreshes that each find a new step (30s apart); every
	// refresh, those that find none too, reads only what is new.
	last, err := inc.Overview(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	// A refresh after the newest step's point is final, before the next
	// step, asks nothing for the trend (TrendKept).
	kept := 0
	for i := range 3 {
		demotest.EventuallyEvery(t, 3*query.TrendStep, 500*time.Millisecond, fmt.Sprintf("refresh %d to find new steps", i), func() (bool, string) {
			ov, err := inc.Overview(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			if ov.TrendFull {
				t.Errorf("refresh %d read the whole trend; want only its new steps", i)
			}
			if ov.TrendKept {
				kept++
			}
			prev := last.TrendEnd
			last = ov
			return ov.TrendEnd.After(prev), "trend end " + ov.TrendEnd.Format("15:04:05.000")
		})
	}
	// Refreshes every 500ms over three 30s steps, each step final 15s
	// after its time (sooner when recorded): many asked nothing.
	if kept == 0 {
		t.Errorf("no refresh kept the trend without asking: every one asked for it")
	}
	t.Logf("%d refreshes kept the trend without asking", kept)
	// The refresh compared below is one that kept the trend.
	demotest.EventuallyEvery(t, 3*query.TrendStep, 500*time.Millisecond, "a refresh that keeps the trend", func() (bool, string) {
		ov, err := inc.Overview(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		last = ov
		return ov.TrendKept, "trend end " + ov.TrendEnd.Format("15:04:05.000")
	})
	// Another window first: the reference reads the whole trend.
	if _, err := full.Overview(ctx, flaskShape(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	ref, err := full.OverviewAt(ctx, s, last.At)
	if err != nil {
		t.Fatal(err)
	}
	if !ref.TrendFull || !ref.TrendEnd.Equal(last.TrendEnd) || ref.Recorded != want || last.Recorded != want {
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
	// Over a minute and a half of traffic, at a 30s step: three points an
	// endpoint (those with little traffic fewer).
	if len(last.Endpoints) < 10 || points < 2*len(last.Endpoints) {
		t.Errorf("only %d trend points to compare for %d endpoints", points, len(last.Endpoints))
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
