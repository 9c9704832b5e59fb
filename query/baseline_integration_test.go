package query

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// The comparison with the past against the real Prometheus: a fault set at
// T shows as a large rise of the checkout error ratio against the window
// before T, and the baseline equals an independent offset query.
func TestIntegrationBaselineRanksTheRegression(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 5}})
	p := demoClient(t, stack, 10*time.Second)
	const window = 8 * time.Second
	s := demoShape(window)
	ctx := context.Background()
	// Clean traffic before the fault: more than a window of scrapes.
	demotest.WaitScrapes(t, stack.PrometheusURL, stack.App.Addr(), 10)
	faultAt := time.Now()
	stack.App.SetFault("/api/checkout", demo.Fault{ErrorRatio: 0.6})
	// The window now holds the fault, most of it.
	var ov *Overview
	demotest.Eventually(t, 60*time.Second, "the fault in the overview's window", func() (bool, string) {
		var err error
		if ov, err = p.OverviewAt(ctx, s, time.Now()); err != nil {
			return false, err.Error()
		}
		for _, e := range ov.Endpoints {
			if e.Name == "/api/checkout" {
				return e.ErrorRatio >= 0.4 && time.Since(faultAt) > window, fmt.Sprintf("error ratio %v, %s after the fault", e.ErrorRatio, time.Since(faultAt))
			}
		}
		return false, "no /api/checkout"
	})

	at := time.Now()
	// The baseline window ends when the fault began, to the second.
	off := at.Sub(faultAt).Truncate(time.Second) + time.Second
	ov, err := p.OverviewAt(ctx, s, at)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.BaselineAt(ctx, s, off, at)
	if err != nil || len(b.Errors) > 0 {
		t.Fatalf("baseline: %v %v", err, b.Errors)
	}
	b.Apply(ov.Endpoints)
	SortEndpoints(ov.Endpoints, SortChange, false, Thresholds{})
	top := ov.Endpoints[0]
	if top.Name != "/api/checkout" || top.ErrorRatioChange < 0.3 {
		t.Fatalf("top regression %q with change %.3f", top.Name, top.ErrorRatioChange)
	}
	// The baseline figure equals an independent query of the same window.
	o := FormatDuration(off)
	v, _, err := p.Query(ctx, `sum(rate(flask_http_request_duration_seconds_count{job="flask",path="/api/checkout",status=~"5.."}[8s] offset `+o+`))`+
		` / sum(rate(flask_http_request_duration_seconds_count{job="flask",path="/api/checkout"}[8s] offset `+o+`))`, at)
	if err != nil {
		t.Fatal(err)
	}
	vec, _ := v.(model.Vector)
	want := 0.0 // no 5xx series in the window: a ratio of 0
	if len(vec) == 1 {
		want = float64(vec[0].Value)
	}
	if got := b.ErrorRatio["/api/checkout"]; math.Abs(got-want) > 1e-9 {
		t.Fatalf("baseline %.4f, independent query %.4f", got, want)
	}
	if want > 0.2 {
		t.Fatalf("the baseline window should be before the fault: ratio %.3f", want)
	}
}
