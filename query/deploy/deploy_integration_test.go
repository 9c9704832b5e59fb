package deploy

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/doctor"
)

// The job the Flask app is scraped as, and the window of the figures.
const (
	job    = "shop"
	window = 20 * time.Second
)

// traffic is the mix every test sends: 1 in 20 orders answers 503.
var traffic = []demo.Request{
	{Path: "/api/orders", Every: 19},
	{Path: "/api/orders?status=503", Every: 1},
	{Path: "/api/users", Every: 10},
	{Path: "/", Every: 5},
}

type rig struct {
	app   *demo.FlaskApp
	stack *demo.Stack
	prom  *query.Prometheus
	shape query.Shape
}

// start runs the Flask app in a shape, and the stack scraping it every
// second as the job "shop".
func start(t *testing.T, shape demo.FlaskShape, workers int) *rig {
	t.Helper()
	app := demotest.StartFlask(t, demo.FlaskOptions{Shape: shape, Workers: workers})
	stack := demotest.Start(t, demo.StackOptions{Scrape: map[string][]string{job: {app.Addr()}}})
	p, err := query.NewPrometheus(query.PrometheusOptions{URL: stack.PrometheusURL, Timeout: 15 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return &rig{app: app, stack: stack, prom: p, shape: query.Shape{
		Selector:         `job="` + job + `"`,
		EndpointLabel:    "path",
		DurationMetric:   "flask_http_request_duration_seconds",
		RequestsMetric:   "flask_http_request_total",
		ExceptionsMetric: "flask_http_request_exceptions_total",
		ErrorStatus:      "5..",
		Window:           window,
	}}
}

func (r *rig) drive(t *testing.T, rate float64, n int) *demo.Drive {
	t.Helper()
	d, err := r.app.StartDrive(context.Background(), demo.DriveOptions{Mix: traffic, Rate: rate, Max: n, Duration: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Stop)
	return d
}

// scalar evaluates a one-series expression now (NaN when empty).
func (r *rig) scalar(t *testing.T, expr string, at time.Time) float64 {
	t.Helper()
	v, _, err := r.prom.Query(context.Background(), expr, at)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	vec, ok := v.(model.Vector)
	if !ok || len(vec) > 1 {
		t.Fatalf("%s: want at most one series, got %v", expr, v)
	}
	if len(vec) == 0 {
		return math.NaN()
	}
	return float64(vec[0].Value)
}

func (r *rig) overview(t *testing.T) (*query.Overview, string) {
	t.Helper()
	ov, err := r.prom.Overview(context.Background(), r.shape)
	if err != nil {
		return nil, err.Error()
	}
	return ov, ""
}

func counterCheck(t *testing.T, r *rig) doctor.Check {
	t.Helper()
	rep := doctor.Run(context.Background(), r.prom, r.shape, doctor.Options{})
	for _, c := range rep.Checks {
		if c.ID == doctor.CheckCounterResets {
			return c
		}
	}
	t.Fatalf("the doctor has no %s check: %+v", doctor.CheckCounterResets, rep.Checks)
	return doctor.Check{}
}

// gunicorn with four workers and no multiprocess mode: each scrape is
// answered by one worker, with its own counters and its own start time.
// No rate of the target is true: its rows and the totals are unknown with
// the reason, the doctor says so, and no restart is made up.
func TestWorkersWithoutMultiprocessAreUnknown(t *testing.T) {
	r := start(t, demo.FlaskWorkers, 4)
	r.drive(t, 30, 30*300)

	var ov *query.Overview
	demotest.Eventually(t, 2*time.Minute, "the target seen as processes in turn", func() (bool, string) {
		var why string
		if ov, why = r.overview(t); ov == nil {
			return false, why
		}
		return len(ov.Targets.InTurn()) == 1 && ov.Totals.Unknown != "" && len(ov.Endpoints) >= 3,
			fmt.Sprintf("targets %+v, totals %+v, %d endpoints", ov.Targets.List, ov.Totals, len(ov.Endpoints))
	})
	tg := ov.Targets.InTurn()[0]
	if tg.Processes.Seen < 2 || tg.Processes.Seen > 4 || tg.Processes.Restarts != 0 {
		t.Errorf("processes %+v: want 2 to 4 start times seen and no restart", tg.Processes)
	}
	want := fmt.Sprintf("one target, %d processes answering in turn: use the exporter's multiprocess mode", tg.Processes.Seen)
	if ov.Totals.Unknown != want {
		t.Errorf("totals unknown %q, want %q", ov.Totals.Unknown, want)
	}
	for _, v := range []float64{ov.Totals.RPS, ov.Totals.ErrorRatio, ov.Totals.P99, ov.Totals.Exceptions} {
		if !math.IsNaN(v) {
			t.Errorf("totals %+v: want every figure NaN", ov.Totals)
			break
		}
	}
	if len(ov.Endpoints) < 3 {
		t.Fatalf("endpoints %+v: want the app's paths", ov.Endpoints)
	}
	for _, e := range ov.Endpoints {
		if e.Unknown != want || !math.IsNaN(e.RPS) || !math.IsNaN(e.ErrorRatio) || !math.IsNaN(e.P99) {
			t.Errorf("%s: unknown %q rps %v err %v p99 %v: want every figure NaN, with the reason", e.Name, e.Unknown, e.RPS, e.ErrorRatio, e.P99)
		}
		if !e.Changed.IsZero() {
			t.Errorf("%s: a restart at %s was made up from the workers' start times", e.Name, e.Changed)
		}
	}
	c := counterCheck(t, r)
	if c.Status != doctor.Warn || !strings.Contains(c.Seen, "in turn") || !strings.Contains(c.Fix, "PROMETHEUS_MULTIPROC_DIR") {
		t.Errorf("doctor: %+v: want a warning naming processes in turn and the fix", c)
	}
}

// gunicorn with four workers in multiprocess mode: every /metrics sums the
// workers' files, so the counters Prometheus holds equal what the workers
// answered in all, and vigil's figures are those of independent PromQL.
func TestMultiprocessFiguresAreTheWorkersSum(t *testing.T) {
	r := start(t, demo.FlaskMultiprocess, 4)
	const n = 900
	d := r.drive(t, 30, n)

	var ov *query.Overview
	demotest.Eventually(t, 90*time.Second, "figures for /api/orders", func() (bool, string) {
		var why string
		if ov, why = r.overview(t); ov == nil {
			return false, why
		}
		for _, e := range ov.Endpoints {
			if e.Name == "/api/orders" && e.RPS > 0 && e.ErrorRatio > 0 {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%+v", ov.Endpoints)
	})
	if ov.Totals.Unknown != "" || len(ov.Targets.InTurn()) != 0 {
		t.Errorf("multiprocess mode taken for processes in turn: totals %+v targets %+v", ov.Totals, ov.Targets.List)
	}
	sel := `job="` + job + `"`
	w := "[" + model.Duration(window).String() + "]"
	for _, e := range ov.Endpoints {
		want := r.scalar(t, `sum(rate(flask_http_request_duration_seconds_count{`+sel+`,path="`+e.Name+`"}`+w+`))`, ov.At)
		if e.RPS != want {
			t.Errorf("%s: rps %v, PromQL %v", e.Name, e.RPS, want)
		}
	}
	wantTotal := r.scalar(t, `sum(rate(flask_http_request_duration_seconds_count{`+sel+`}`+w+`))`, ov.At)
	if math.Abs(ov.Totals.RPS-wantTotal) > 1e-9*wantTotal {
		t.Errorf("total rps %v, PromQL %v", ov.Totals.RPS, wantTotal)
	}

	<-d.Done()
	answered, errs := d.Answered(), d.Count("/api/orders?status=503", 503)
	if answered < n*9/10 {
		t.Fatalf("the app answered %d of %d requests (%d failed)", answered, n, d.Failed())
	}
	demotest.Eventually(t, 30*time.Second, "the counters to hold every answered request", func() (bool, string) {
		now := time.Now()
		got := r.scalar(t, `sum(flask_http_request_duration_seconds_count{`+sel+`})`, now)
		total := r.scalar(t, `sum(flask_http_request_total{`+sel+`})`, now)
		got503 := r.scalar(t, `sum(flask_http_request_total{`+sel+`,status="503"})`, now)
		return got == float64(answered) && total == float64(answered) && got503 == float64(errs),
			fmt.Sprintf("histogram %v, counter %v, 503s %v; answered %d, 503s %d", got, total, got503, answered, errs)
	})
}

// One process that crashes three times: its start time only moves
// forward. These are restarts: the figures stay figures, the rows carry
// the restart, and the doctor names a crash loop rather than workers.
// The last process serves no request before it is read, as in a crash
// loop that restarts faster than traffic reaches each endpoint: the
// exporter shows an endpoint's series only once it has served it, and
// the rows must carry the restart all the same.
func TestCrashLoopIsRestartsNotWorkers(t *testing.T) {
	r := start(t, demo.FlaskSingle, 0)
	// A window long enough that /api/orders keeps a rate from the
	// processes before the last, however slowly the last ones start: its
	// last sample can be the second process's (the third may be read
	// before it serves /api/orders), up to 30 s before the last crash,
	// and the overview may be read 90 s after it. 2 minutes was seen to
	// run out on a loaded machine; the longest the waits below allow is
	// 3 x 30 s + 90 s.
	r.shape.Window = 5 * time.Minute
	drive := r.drive(t, 20, 20*300)
	ctx := context.Background()
	changes := `changes(process_start_time_seconds{job="` + job + `"}[5m])`
	// /api/orders has a rate over the window only with two samples in it.
	// The later processes may live less than a scrape after serving it,
	// so the first one is read serving it twice before any crash.
	orders := `max(count_over_time(flask_http_request_duration_seconds_count{job="` + job + `",path="/api/orders"}[5m]))`
	demotest.Eventually(t, 60*time.Second, "two samples of /api/orders before the first crash", func() (bool, string) {
		v := r.scalar(t, orders, time.Now())
		return v >= 2, fmt.Sprintf("samples %v", v)
	})
	for i := 1; i <= 3; i++ {
		// Each new process is scraped before the next crash.
		demotest.Eventually(t, 30*time.Second, fmt.Sprintf("start %d scraped", i), func() (bool, string) {
			v := r.scalar(t, changes, time.Now())
			return v >= float64(i-1), fmt.Sprintf("changes %v", v)
		})
		if i == 3 {
			// From here on no request reaches /api/orders.
			drive.Stop()
			d, err := r.app.StartDrive(ctx, demo.DriveOptions{Mix: traffic[2:], Rate: 20, Max: 20 * 300, Duration: 5 * time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(d.Stop)
		}
		if err := r.app.Crash(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var ov *query.Overview
	demotest.Eventually(t, 90*time.Second, "three restarts, and figures after them", func() (bool, string) {
		var why string
		if ov, why = r.overview(t); ov == nil {
			return false, why
		}
		if len(ov.Targets.List) != 1 {
			return false, fmt.Sprintf("targets %+v", ov.Targets.List)
		}
		p := ov.Targets.List[0].Processes
		for _, e := range ov.Endpoints {
			// Right after a restart every row can be without a fresh
			// sample (totals unknown, and why): wait for a scrape of the
			// new process that carries requests.
			if e.Name == "/api/orders" && p.Restarts >= 3 && e.RPS > 0 && !math.IsNaN(ov.Totals.RPS) {
				return true, ""
			}
		}
		return false, fmt.Sprintf("processes %+v, endpoints %+v", p, ov.Endpoints)
	})
	if p := ov.Targets.List[0].Processes; p.InTurn() || p.Seen != p.Restarts+1 {
		t.Errorf("processes %+v: want restarts only", p)
	}
	if ov.Totals.Unknown != "" || math.IsNaN(ov.Totals.RPS) {
		t.Errorf("totals %+v: a crash loop's rates are right", ov.Totals)
	}
	for _, e := range ov.Endpoints {
		if e.Unknown != "" {
			t.Errorf("%s unknown (%s): a crash loop's rates are right", e.Name, e.Unknown)
		}
		if e.Name == "/api/orders" && e.Changed.IsZero() {
			t.Errorf("%s: no restart marked (changes query error: %v)", e.Name, ov.ChangesErr)
		}
	}
	c := counterCheck(t, r)
	if c.Status != doctor.Info || !strings.Contains(c.Seen, "crash loop") {
		t.Errorf("doctor: %+v: want the restarts named, not workers and not ✓", c)
	}
}
