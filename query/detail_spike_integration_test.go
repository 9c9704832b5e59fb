package query

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// TestIntegrationDetailSpikeSurvivesLongRanges scripts a short error spike
// on the demo app and reads the error-ratio chart at a short and at long
// ranges: its maximum must be the same (a long range's points are each the
// maximum of the 1m figure over the step, not a rate over the whole step),
// and the caption's current value must not depend on the range.
func TestIntegrationDetailSpikeSurvivesLongRanges(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 3}})
	p := demoClient(t, stack, 20*time.Second)
	s := demoShape(5 * time.Minute)
	const ep = "/api/checkout"
	started := time.Now()
	demotest.Eventually(t, 60*time.Second, "checkout traffic", func() (bool, string) {
		v := scalarAt(t, p, `sum(rate(flask_http_request_duration_seconds_count{path="/api/checkout"}[1m]))`, time.Now())
		return v > 0 && time.Since(started) > 15*time.Second, fmt.Sprintf("rate %v", v)
	})

	// A spike of 30% errors for 30 scrapes (30 s), then calm again.
	const spike = 30
	inst := stack.App.Addr()
	demotest.PostForm(t, stack.App.URL()+"/-/fault", url.Values{"path": {ep}, "error_ratio": {"0.3"}})
	demotest.WaitMoreScrapes(t, stack.PrometheusURL, inst, spike)
	demotest.PostForm(t, stack.App.URL()+"/-/fault/clear", url.Values{"path": {ep}})
	// Past the 1m window after the spike (scraped every second), so every
	// range has it whole.
	demotest.WaitMoreScrapes(t, stack.PrometheusURL, inst, int((MinDetailWindow+10*time.Second)/time.Second))

	end := time.Now().Add(-2 * time.Second)
	maxAt := map[time.Duration]float64{}
	nowAt := map[time.Duration]float64{}
	for _, rng := range []time.Duration{15 * time.Minute, 6 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour} {
		d, err := p.Detail(context.Background(), s, DetailRequest{Endpoint: ep, Range: rng, Columns: 80, End: end})
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Errors) != 0 {
			t.Fatalf("%s: %v", rng, d.Errors)
		}
		er := d.Charts[ChartErrorRatio].Get(SeriesErrorRatio)
		maxAt[rng], nowAt[rng] = Max(er.Values), er.Now
		t.Logf("range %s: step %s, max %.4f, current %.4f", rng, d.Plan.Step, maxAt[rng], nowAt[rng])
	}
	short := maxAt[15*time.Minute]
	// 30% of the requests of 30 s in a 1m window: about 15%, well above
	// the base rate.
	if !(short > 0.08) {
		t.Fatalf("the spike reads %.4f at 15m", short)
	}
	for rng, m := range maxAt {
		if math.Abs(m-short) > 0.15*short {
			t.Errorf("max at %s is %.4f, at 15m %.4f: the spike does not survive downsampling", rng, m, short)
		}
	}
	// The current value is the same figure whatever the range.
	want := scalarAt(t, p, ErrorRatioNowExpr(s, ep), end.Truncate(time.Second))
	for rng, v := range nowAt {
		if !closeTo(v, want) && !(math.IsNaN(v) && math.IsNaN(want)) {
			t.Errorf("current at %s is %v, the instant figure %v", rng, v, want)
		}
	}
	if !strings.Contains(ErrorRatioNowExpr(s, ep), "[5m]") {
		t.Errorf("the current figure is not over the overview's window: %s", ErrorRatioNowExpr(s, ep))
	}
}

// ErrorRatioNowExpr is the error ratio of one endpoint over the overview's
// window, written independently of the detail queries.
func ErrorRatioNowExpr(s Shape, ep string) string {
	sel := `{job="flask",path="` + ep + `"`
	if s.Selector == "" {
		sel = `{path="` + ep + `"`
	}
	w := FormatDuration(s.Window)
	return `(sum(rate(flask_http_request_duration_seconds_count` + sel + `,status=~"5.."}[` + w + `])) or sum(rate(flask_http_request_duration_seconds_count` + sel + `}[` + w + `])) * 0) / sum(rate(flask_http_request_duration_seconds_count` + sel + `}[` + w + `]))`
}
