package query

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// TestIntegrationDetail scripts an incident on the demo app and reads it
// back through the detail queries of a real Prometheus.
func TestIntegrationDetail(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 1}})
	p := demoClient(t, stack, 10*time.Second)
	s := demoShape(time.Minute)
	const ep = "/api/checkout"
	started := time.Now()

	// Healthy for a while, then the incident.
	demotest.Eventually(t, 45*time.Second, "checkout traffic", func() (bool, string) {
		v := scalarAt(t, p, `sum(rate(flask_http_request_duration_seconds_count{path="/api/checkout"}[1m]))`, time.Now())
		return v > 0 && time.Since(started) > 20*time.Second, fmt.Sprintf("rate %v", v)
	})
	faultAt := time.Now()
	stack.App.SetFault(ep, demo.Fault{ErrorRatio: 0.6})
	// The rate window is one minute: wait until it holds only the incident,
	// scraped every second.
	demotest.WaitMoreScrapes(t, stack.PrometheusURL, stack.App.Addr(), int((MinDetailWindow+15*time.Second)/time.Second))

	req := DetailRequest{Endpoint: ep, Range: 15 * time.Minute, Columns: 900, End: time.Now().Add(-2 * time.Second)}
	d, err := p.Detail(context.Background(), s, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Errors) != 0 || len(d.Warnings) != 0 {
		t.Fatalf("errors %v warnings %v", d.Errors, d.Warnings)
	}
	if d.Plan.Step != time.Second || d.Plan.Window != time.Minute || d.Plan.Points != 900 {
		t.Fatalf("plan %+v", d.Plan)
	}

	t.Run("the incident in the error-ratio chart", func(t *testing.T) {
		er := d.Charts[ChartErrorRatio].Get(SeriesErrorRatio)
		if er == nil {
			t.Fatal("no error ratio series")
		}
		var before, after, gaps, early int
		for i, at := range d.Plan.Times() {
			v := er.Values[i]
			switch {
			case at.Before(started.Add(-10 * time.Second)):
				// Before the app existed: a gap, never an invented zero.
				if !math.IsNaN(v) {
					early++
				}
				gaps++
			case at.After(started.Add(5*time.Second)) && at.Before(faultAt.Add(-time.Second)):
				before++
				if !(v < 0.15) {
					t.Errorf("%s, before the fault: error ratio %v, want low", at.Format("15:04:05"), v)
				}
			case at.After(faultAt.Add(MinDetailWindow + 3*time.Second)):
				after++
				if !(v > 0.35) {
					t.Errorf("%s, a minute into the fault: error ratio %v, want high", at.Format("15:04:05"), v)
				}
			}
		}
		if before < 10 || after < 3 || gaps < 600 {
			t.Errorf("checked %d points before, %d after, %d gaps", before, after, gaps)
		}
		if early != 0 {
			t.Errorf("%d points before the app started have a value", early)
		}
		// Exceptions: the default app has no labelled counter, so the chart
		// shows status 500 responses, high after the fault.
		if d.ExceptionsByEndpoint || d.Charts[ChartExceptions].Get(SeriesStatus500) == nil {
			t.Errorf("exceptions source %q", d.ExceptionsSource)
		} else if last := Last(d.Charts[ChartExceptions].Get(SeriesStatus500).Values); !(last > 20) {
			t.Errorf("500s per minute after the fault: %v", last)
		}
		p50, p99 := d.Charts[ChartLatency].Get(SeriesP50), d.Charts[ChartLatency].Get(SeriesP99)
		if !(Last(p50.Values) > 0) || !(Last(p99.Values) >= Last(p50.Values)) {
			t.Errorf("p50 %v p99 %v", Last(p50.Values), Last(p99.Values))
		}
		if rps := Last(d.Charts[ChartRPS].Get(SeriesRPS).Values); !(rps > 0.5 && rps < 5) {
			t.Errorf("checkout at about 2 req/s, got %v", rps)
		}
		st := map[string]float64{}
		for _, b := range d.Status {
			st[b.Value] = b.RPS
		}
		if !(st["500"] > 0) || !(st["200"] > 0) || len(d.Methods) != 1 || d.Methods[0].Value != "POST" {
			t.Errorf("status %v methods %v", d.Status, d.Methods)
		}
	})

	t.Run("the comparison equals an independent query", func(t *testing.T) {
		// A range ending a day from now compares with the last minutes,
		// which hold data; the current series is empty there.
		end := time.Now().Add(-2 * time.Second).Add(24 * time.Hour).Truncate(time.Second)
		r := DetailRequest{Endpoint: ep, Range: 15 * time.Minute, Compare: CompareDay, Columns: 90, End: end}
		cd, err := p.Detail(context.Background(), s, r)
		if err != nil || len(cd.Errors) != 0 {
			t.Fatalf("%v %v", err, cd.Errors)
		}
		cmp := cd.Charts[ChartRPS].Get(SeriesRPS + CompareSuffix)
		now := cd.Charts[ChartRPS].Get(SeriesRPS)
		if cmp == nil || now == nil || hasValue(now.Values) {
			t.Fatalf("series %v", seriesNames(cd.Charts[ChartRPS]))
		}
		w := FormatDuration(cd.Plan.Window)
		checked := 0
		times := cd.Plan.Times()
		for i := len(times) - 1; i >= 0 && checked < 5; i-- {
			if math.IsNaN(cmp.Values[i]) {
				continue
			}
			want := scalarAt(t, p, `sum(rate(flask_http_request_duration_seconds_count{path="/api/checkout"}[`+w+`]))`, times[i].Add(-24*time.Hour))
			if !closeTo(cmp.Values[i], want) {
				t.Errorf("%s: comparison %v, the same figure a day earlier %v", times[i], cmp.Values[i], want)
			}
			checked++
		}
		if checked < 3 {
			t.Errorf("only %d comparison points had data", checked)
		}
		er := cd.Charts[ChartErrorRatio].Get(SeriesErrorRatio + CompareSuffix)
		if last := Last(er.Values); !(last > 0.35) {
			t.Errorf("error ratio a day before the end: %v, want the incident", last)
		}
		if lat := cd.Charts[ChartLatency].Get(SeriesP99 + CompareSuffix); !hasValue(lat.Values) {
			t.Error("no p99 comparison")
		}
	})

	t.Run("a fixed number of queries per refresh", func(t *testing.T) {
		for _, c := range []Compare{CompareOff, CompareWeek} {
			before := queryRequests(t, stack.PrometheusURL)
			const calls = 3
			for range calls {
				if _, err := p.Detail(context.Background(), s, DetailRequest{Endpoint: ep, Range: time.Hour, Compare: c, Columns: 120}); err != nil {
					t.Fatal(err)
				}
			}
			want := float64(calls * DetailQueriesPerRefresh)
			if delta := demotest.RequestsSince(t, stack.PrometheusURL, before, want, queryHandlers...); delta != want {
				t.Errorf("compare %s: %d Detail calls sent %v queries, want %v", c, calls, delta, want)
			}
		}
	})
}
