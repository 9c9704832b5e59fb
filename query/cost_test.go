package query

import (
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
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
		sels, def, err := PlanCost(c.expr, c.points)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
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
	sels, _, err := PlanCost(expr, 11000)
	if err != nil {
		t.Fatal(err)
	}
	if len(sels) != 1 || sels[0].Steps != maxCost {
		t.Fatalf("got %+v, want the cap %d", sels, maxCost)
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
		_, _, err := PlanCost(expr, 1)
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
	sels, _, err := PlanCost(`a{job="x"} / on() b`, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := SeriesCountQuery(sels)
	want := `label_replace(count({job="x",__name__="a"}), "vigil_selector", "0", "", "") or label_replace(count({__name__="b"}), "vigil_selector", "1", "", "")`
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if err := CheckPromQL(got); err != nil {
		t.Fatalf("the count query does not parse: %v", err)
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
	c.DefaultStep = true
	if !strings.Contains(c.String(), "[1h:1m]") {
		t.Errorf("%q", c.String())
	}
}
