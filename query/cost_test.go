package query

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// Each selector is counted once per evaluation: the query's points times
// each enclosing subquery's range over its step, a missing step at 1s.
func TestPlanCostSteps(t *testing.T) {
	cases := []struct {
		expr        string
		points      int64
		want        map[string]int64
		defaultStep bool
	}{
		{`up`, 1, map[string]int64{`{__name__="up"}`: 1}, false},
		{`sum(rate(x_total{job="a"}[5m]))`, 240, map[string]int64{`{job="a",__name__="x_total"}`: 240}, false},
		{`max(max_over_time(histogram_quantile(0.99, b_bucket{job!="h"})[10s:1ms]))`, 1,
			map[string]int64{`{job!="h",__name__="b_bucket"}`: 10000}, false},
		{`max_over_time(quantile_over_time(0.99, sum(rate(c[1m]))[1m:1ms])[1m:1ms])`, 1,
			map[string]int64{`{__name__="c"}`: 3600000000}, false},
		{`max_over_time(rate(c[5m])[1h:])`, 2, map[string]int64{`{__name__="c"}`: 7200}, true},
		// One selector twice: its evaluations add up.
		{`up / up`, 3, map[string]int64{`{__name__="up"}`: 6}, false},
		{`vector(1)`, 1, map[string]int64{}, false},
	}
	for _, c := range cases {
		plan, err := PlanCost(c.expr, c.points)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		sels, def := plan.Selectors, plan.DefaultStep
		got := map[string]int64{}
		for _, s := range sels {
			got[s.Selector] = s.Steps
		}
		if len(got) != len(c.want) || def != c.defaultStep {
			t.Errorf("%s: got %v (default step %v), want %v (%v)", c.expr, got, def, c.want, c.defaultStep)
			continue
		}
		for k, v := range c.want {
			if got[k] != v {
				t.Errorf("%s: %s has %d steps, want %d (all: %v)", c.expr, k, got[k], v, got)
			}
		}
	}
}

// Nested subqueries whose steps would overflow stop at the cap rather
// than wrap to a small or negative count.
func TestPlanCostSaturates(t *testing.T) {
	expr := `max_over_time(max_over_time(max_over_time(max_over_time(c[1m])[1y:1ms])[1y:1ms])[1y:1ms])`
	plan, err := PlanCost(expr, 11000)
	if err != nil {
		t.Fatal(err)
	}
	if sels := plan.Selectors; len(sels) != 1 || sels[0].Steps != maxCost || plan.MaxSteps != maxCost {
		t.Fatalf("got %+v, want the cap %d", plan, maxCost)
	}
	if mulCap(maxCost, 2) != maxCost || mulCap(3, 4) != 12 || mulCap(0, 5) != 0 {
		t.Fatal("mulCap")
	}
}

// A query whose cost cannot be known before it runs has no plan, and
// says why: one that does not parse, and one with a duration expression,
// which the prompt sends to a server that may enable them but whose cost
// is not known.
func TestPlanCostRefusesTheUnknowable(t *testing.T) {
	for expr, want := range map[string]string{
		`sum(`:                                 "parse error",
		"up\x1b]52;c;aGk=\x07":                 "parse error",
		`max_over_time(up[1h:(1m+1m)])`:        "experimental duration expression",
		`max_over_time(rate(up[5m])[(1h):1m])`: "experimental duration expression",
	} {
		_, err := PlanCost(expr, 1)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", expr, err, want)
			continue
		}
		if strings.ContainsAny(err.Error(), "\x1b\x07") {
			t.Errorf("%q: the error carries a control character: %q", expr, err)
		}
	}
}

// The series count asks every selector in one query, each answer
// labelled with its selector's place.
func TestSeriesCountQuery(t *testing.T) {
	plan, err := PlanCost(`a{job="x"} / on() b`, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := SeriesCountQuery(plan.Selectors)
	want := `label_replace(count({job="x",__name__="a"}), "vigil_selector", "0", "", "") or label_replace(count({__name__="b"}), "vigil_selector", "1", "", "")`
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if err := CheckPromQL(got); err != nil {
		t.Fatalf("the count query does not parse: %v", err)
	}
}

// A subquery is counted at its steps whether or not it selects series:
// the plan's least cost is its most evaluations of any part (of a 240-point
// graph here).
func TestPlanCostStepsWithoutSeries(t *testing.T) {
	for expr, want := range map[string]int64{
		`count_over_time(vector(1)[1y:1ms])`:                    240 * 365 * 24 * 3600 * 1000,
		`count_over_time(absent(nope)[1h:1ms])`:                 240 * 3600 * 1000,
		`max_over_time(max_over_time(vector(1)[1m:1s])[5m:1s])`: 240 * 300 * 60,
		`vector(1)`: 240,
		`max_over_time(vector(time())[10m:1s]) + up`: 240 * 600,
	} {
		plan, err := PlanCost(expr, 240)
		if err != nil {
			t.Errorf("%s: %v", expr, err)
			continue
		}
		if plan.MaxSteps != want {
			t.Errorf("%s: the most steps %d, want %d", expr, plan.MaxSteps, want)
		}
	}
}

func TestRangePoints(t *testing.T) {
	at := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	if n := RangePoints(v1.Range{Start: at.Add(-time.Hour), End: at, Step: 15 * time.Second}); n != 241 {
		t.Errorf("1h at 15s: %d", n)
	}
	if n := RangePoints(v1.Range{Start: at, End: at, Step: 0}); n != 1 {
		t.Errorf("no step: %d", n)
	}
}

func TestQueryCostText(t *testing.T) {
	c := QueryCost{SeriesSteps: 5_000_000, Steps: 10_000, Series: 500}
	if got := c.String(); got != "about 5,000,000 series-steps (the costliest selector: 10,000 steps × 500 series)" {
		t.Errorf("%q", got)
	}
	if got := (QueryCost{SeriesSteps: 7_200, Steps: 7_200}).String(); got != "about 7,200 series-steps (7,200 steps)" {
		t.Errorf("no series: %q", got)
	}
	c.DefaultStep = true
	if !strings.Contains(c.String(), "[1h:1m]") {
		t.Errorf("%q", c.String())
	}
}

// countAnswer is a querier that answers the series count with a vector
// Prometheus would not send (a duplicate, a negative or infinite count):
// what only a broken or hostile server answers.
type countAnswer model.Vector

func (a countAnswer) Query(context.Context, string, time.Time) (model.Value, v1.Warnings, error) {
	return model.Vector(a), nil, nil
}

func (a countAnswer) QueryRange(context.Context, string, v1.Range) (model.Value, v1.Warnings, error) {
	return nil, nil, errors.New("not asked")
}

// An answer to the count that vigil did not ask for gives no estimate, so
// the query is not sent.
func TestEstimateCostRefusesOddCounts(t *testing.T) {
	at := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	sample := func(i string, v float64) *model.Sample {
		return &model.Sample{Metric: model.Metric{costLabel: model.LabelValue(i)}, Value: model.SampleValue(v)}
	}
	for name, ans := range map[string]countAnswer{
		"duplicate": {sample("0", 1e9), sample("0", 0)},
		"negative":  {sample("0", -5)},
		"infinite":  {sample("0", math.Inf(1))},
		"NaN":       {sample("0", math.NaN())},
		"no label":  {&model.Sample{Value: 3}},
		"unknown":   {sample("7", 3)},
	} {
		if c, err := EstimateCost(context.Background(), ans, `up`, 1, at); err == nil {
			t.Errorf("%s: estimated %+v", name, c)
		}
	}
	if c, err := EstimateCost(context.Background(), countAnswer{sample("0", 12)}, `up`, 240, at); err != nil || c.SeriesSteps != 2880 {
		t.Errorf("a plain answer: %+v, %v", c, err)
	}
}
