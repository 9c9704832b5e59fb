package endpoint

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/viewstest"
)

// sampleDetail is /api/checkout over a range: healthy until two thirds of
// the way, then an incident (errors about 30%, p99 near 2.5s); no traffic
// for a stretch before it (a gap, not zeros). With compare on, the past is
// a quiet copy.
func sampleDetail(req query.DetailRequest) *query.Detail {
	plan := query.PlanDetail(req.Range, req.Columns, viewstest.FixedNow)
	n := plan.Points
	nan := math.NaN()
	mk := func(f func(i int, incident bool) float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			switch {
			case i >= n/2-n/10 && i < n/2:
				v[i] = nan // no traffic: a gap
			default:
				v[i] = f(i, i >= 2*n/3)
			}
		}
		return v
	}
	wave := func(i int) float64 { return math.Sin(float64(i)/3) * 0.5 }
	errRatio := mk(func(i int, inc bool) float64 {
		if inc {
			return 0.28 + 0.04*wave(i)
		}
		return 0.002 + 0.002*wave(i)
	})
	p50 := mk(func(i int, inc bool) float64 {
		if inc {
			return 0.9 + 0.1*wave(i)
		}
		return 0.08 + 0.01*wave(i)
	})
	p99 := mk(func(i int, inc bool) float64 {
		if inc {
			return 2.4 + 0.3*wave(i)
		}
		return 0.35 + 0.05*wave(i)
	})
	rps := mk(func(i int, inc bool) float64 { return 3.2 + wave(i) })
	exc := mk(func(i int, inc bool) float64 {
		if inc {
			return 55 + 5*wave(i)
		}
		return 0
	})
	d := &query.Detail{
		Request: req, Plan: plan, Window: 5 * time.Minute, At: plan.End,
		ExceptionsSource: `flask_http_request_duration_seconds_count{status="500"}`,
		Status:           []query.Breakdown{{Value: "200", RPS: 2.21}, {Value: "500", RPS: 0.96}, {Value: "404", RPS: 0.03}},
		Methods:          []query.Breakdown{{Value: "POST", RPS: 2.9}, {Value: "GET", RPS: 0.3}},
	}
	d.Charts[query.ChartErrorRatio].Series = []query.Series{{Name: query.SeriesErrorRatio, Values: errRatio}}
	d.Charts[query.ChartLatency].Series = []query.Series{{Name: query.SeriesP50, Values: p50}, {Name: query.SeriesP99, Values: p99}}
	d.Charts[query.ChartRPS].Series = []query.Series{{Name: query.SeriesRPS, Values: rps}}
	d.Charts[query.ChartExceptions].Series = []query.Series{{Name: query.SeriesStatus500, Values: exc}}
	// The current values, over the overview's window: near the newest
	// points, but not taken from them.
	for c := range d.Charts {
		for i := range d.Charts[c].Series {
			d.Charts[c].Series[i].Now = query.Last(d.Charts[c].Series[i].Values) * 1.01
		}
	}
	// A deploy as the incident begins, a restart before it, and the alert
	// firing a little after it.
	at := func(i int) time.Time { return plan.Start.Add(time.Duration(i) * plan.Step) }
	d.Changes = []query.Event{
		{Time: at(n / 4), Kind: query.EventRestart, Summary: "restart of 10.0.0.7:8000 (job flask): process started at " + at(n/4).Format("15:04:05Z"),
			Labels: map[string]string{"instance": "10.0.0.7:8000", "job": "flask"}},
		{Time: at(2 * n / 3), Kind: query.EventDeploy, Summary: "deploy on 10.0.0.7:8000 (job flask): version 1.4.0 → 1.5.0",
			Labels: map[string]string{"instance": "10.0.0.7:8000", "job": "flask", "version": "1.5.0"}},
	}
	d.Firings = []query.Event{{Time: at(2*n/3 + 3), Kind: query.EventAlertFiring, Summary: "HighErrorRate firing",
		Labels: map[string]string{"alertname": "HighErrorRate", "path": "/api/checkout"}}}
	if req.Compare != query.CompareOff {
		quiet := func(v float64) []float64 {
			out := make([]float64, n)
			for i := range out {
				out[i] = v * (1 + 0.2*wave(i))
			}
			return out
		}
		for c, ss := range map[query.DetailChart][]query.Series{
			query.ChartErrorRatio: {{Name: query.SeriesErrorRatio + query.CompareSuffix, Compare: true, Values: quiet(0.003)}},
			query.ChartLatency: {{Name: query.SeriesP50 + query.CompareSuffix, Compare: true, Values: quiet(0.07)},
				{Name: query.SeriesP99 + query.CompareSuffix, Compare: true, Values: quiet(0.3)}},
			query.ChartRPS:        {{Name: query.SeriesRPS + query.CompareSuffix, Compare: true, Values: quiet(2.8)}},
			query.ChartExceptions: {{Name: query.SeriesStatus500 + query.CompareSuffix, Compare: true, Values: quiet(0.5)}},
		} {
			d.Charts[c].Series = append(d.Charts[c].Series, ss...)
		}
	}
	return d
}

var endpointAlerts = []query.Alert{
	{Name: "HighErrorRate", Severity: "critical", State: query.StateFiring,
		Labels:      map[string]string{"alertname": "HighErrorRate", "path": "/api/checkout"},
		Annotations: map[string]string{"summary": "Error rate above 5% on /api/checkout"}},
	{Name: "SlowAPIResponses", Severity: "warning", State: query.StatePending,
		Labels: map[string]string{"alertname": "SlowAPIResponses", "handler": "/api/checkout"}},
	{Name: "Other", Severity: "warning", State: query.StateFiring,
		Labels: map[string]string{"alertname": "Other", "path": "/login"}},
}

func newTestEndpoint(t testing.TB, w, h int, compare query.Compare) *Screen {
	e := New(viewstest.Context(t, "dark"), "/api/checkout")
	e.SetSize(w, h)
	e.compare = compare
	e.Update(views.AlertsMsg{Alerts: endpointAlerts})
	e.Update(Msg{Detail: sampleDetail(e.Request())})
	return e
}

func TestEndpointGolden(t *testing.T) {
	for _, c := range []struct {
		w, h    int
		compare query.Compare
	}{{80, 24, query.CompareOff}, {160, 50, query.CompareDay}} {
		e := newTestEndpoint(t, c.w, c.h-3, c.compare)
		got := ansi.Strip(e.View()) + "\n"
		viewstest.Golden(t, fmt.Sprintf("endpoint-%dx%d", c.w, c.h), got)
	}
}

func TestEndpointIncidentIsDrawn(t *testing.T) {
	e := newTestEndpoint(t, 80, 21, query.CompareOff)
	v := ansi.Strip(e.View())
	for _, want := range []string{
		"/api/checkout", "range 1h", "error ratio", "27.8% max 30.0%", // current and max of the error ratio
		"latency", "p99 2.", "requests/s", "exceptions*  54.9/min max 57.5/min",
		"HighErrorRate", "SlowAPIResponses", "┄", "╍",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("missing %q in\n%s", want, v)
		}
	}
	if strings.Contains(v, "Other") {
		t.Errorf("an alert of another endpoint is shown:\n%s", v)
	}
}

func TestEndpointThresholdsLabelledWithTheirValues(t *testing.T) {
	// Errors reach 30%: the 1% warning line is drawn on the row labelled
	// 0%, so the caption must say what it is.
	for _, size := range [][2]int{{80, 21}, {160, 47}, {60, 21}} {
		e := newTestEndpoint(t, size[0], size[1], query.CompareOff)
		v := ansi.Strip(e.View())
		caption := ""
		for _, l := range strings.Split(v, "\n") {
			if strings.HasPrefix(l, "error ratio") {
				caption = l
			}
		}
		if !(strings.Contains(caption, "warn 1%") || strings.Contains(caption, "┄1%")) ||
			!(strings.Contains(caption, "crit 5%") || strings.Contains(caption, "╍5%")) {
			t.Errorf("%dx%d: the error-ratio caption does not give the thresholds' values: %q\n%s", size[0], size[1], caption, v)
		}
		if !strings.Contains(v, "p99 ") || !(strings.Contains(v, "warn 1s") || strings.Contains(v, "┄1s")) {
			t.Errorf("%dx%d: the latency caption does not give the thresholds' values:\n%s", size[0], size[1], v)
		}
	}
}

func TestEndpointCurrentIsTheNowFigureNotTheLastPoint(t *testing.T) {
	e := New(viewstest.Context(t, "dark"), "/api/checkout")
	e.SetSize(80, 21)
	d := sampleDetail(e.Request())
	er := d.Charts[query.ChartErrorRatio].Get(query.SeriesErrorRatio)
	er.Now = 0.123
	rps := d.Charts[query.ChartRPS].Get(query.SeriesRPS)
	rps.Now = math.NaN()
	e.Update(Msg{Detail: d})
	v := ansi.Strip(e.View())
	if !strings.Contains(v, "error ratio  12.3% max 30.0%") {
		t.Errorf("the caption does not show the current figure 12.3%%:\n%s", v)
	}
	if !strings.Contains(v, "requests/s  — max") {
		t.Errorf("an unknown current value must read —, not the last point:\n%s", v)
	}
	// A current figure above every point of the range (newer than its
	// last point) is the max: never "37.3 max 36.9".
	rps.Now = 37.3
	e.Update(Msg{Detail: d})
	if v := ansi.Strip(e.View()); !strings.Contains(v, "requests/s  37.3/s max 37.3/s") {
		t.Errorf("the max is under the current figure:\n%s", v)
	}
}

func TestEndpointNoLineWiderThanTheTerminal(t *testing.T) {
	empty := func(e *Screen) {
		d := &query.Detail{Request: e.Request(), Plan: query.PlanDetail(e.rng, 10, viewstest.FixedNow), At: viewstest.FixedNow}
		e.Update(Msg{Detail: d})
	}
	nanAll := func(e *Screen) {
		d := sampleDetail(e.Request())
		for c := range d.Charts {
			for i := range d.Charts[c].Series {
				for j := range d.Charts[c].Series[i].Values {
					d.Charts[c].Series[i].Values[j] = math.NaN()
				}
			}
		}
		d.Errors = []query.QueryError{{Name: "latency", Err: errors.New("bad_data: \x1b[31mnope")}}
		e.Update(Msg{Detail: d})
	}
	for _, fill := range []func(*Screen){nil, empty, nanAll} {
		for w := 0; w <= 200; w += 7 {
			for _, h := range []int{0, 1, 2, 3, 5, 8, 12, 21, 47, 60} {
				e := New(viewstest.Context(t, "dark"), "/blog/\x1b]0;pwned\x07日本語")
				e.SetSize(w, h)
				e.Update(views.AlertsMsg{Alerts: endpointAlerts})
				e.compare = query.CompareWeek
				if fill != nil {
					fill(e)
				} else {
					e.Update(Msg{Detail: sampleDetail(e.Request())})
				}
				e.Update(Msg{Err: errors.New("prometheus down")})
				e.chooser.Open = w%2 == 0
				viewstest.Fits(t, e.View(), w, h)
			}
		}
	}
	e := New(viewstest.Context(t, "dark"), "/x")
	e.SetSize(20, 5)
	viewstest.Fits(t, e.View(), 20, 5)
}

func epPress(e *Screen, k string) []tea.Msg {
	_, cmd := e.Update(viewstest.Key(k))
	return viewstest.Run(cmd)
}

func hasFetch(msgs []tea.Msg) bool {
	for _, m := range msgs {
		if _, ok := m.(FetchMsg); ok {
			return true
		}
	}
	return false
}

func TestEndpointRangeKeys(t *testing.T) {
	e := newTestEndpoint(t, 80, 21, query.CompareOff)
	if e.Range() != time.Hour || e.Loading() {
		t.Fatalf("opens at %s loading %v", e.Range(), e.Loading())
	}
	if msgs := epPress(e, "]"); !hasFetch(msgs) || e.Range() != 6*time.Hour || !e.Loading() {
		t.Fatalf("] → %s, msgs %v", e.Range(), msgs)
	}
	if !strings.Contains(ansi.Strip(e.View()), "range 6h") {
		t.Error("the title does not show the new range")
	}
	// The answer to the old range is dropped; the new one is taken.
	e.Update(Msg{Detail: sampleDetail(query.DetailRequest{Endpoint: "/api/checkout", Range: time.Hour, Columns: 31})})
	if !e.Loading() {
		t.Fatal("a stale answer was taken")
	}
	e.Update(Msg{Detail: sampleDetail(e.Request())})
	if e.Loading() || e.Data().Request.Range != 6*time.Hour {
		t.Fatal("the current answer was not taken")
	}
	epPress(e, "]")
	epPress(e, "]")
	if e.Range() != 7*24*time.Hour {
		t.Fatalf("after ]]: %s", e.Range())
	}
	if msgs := epPress(e, "]"); hasFetch(msgs) || e.Range() != 7*24*time.Hour {
		t.Fatal("] past the longest range")
	}
	for range 10 {
		epPress(e, "[")
	}
	if e.Range() != 15*time.Minute {
		t.Fatalf("after many [: %s", e.Range())
	}

	// t: choose from the list.
	epPress(e, "t")
	if !e.Capturing() || !strings.Contains(ansi.Strip(e.View()), "[15m]") {
		t.Fatalf("chooser not open:\n%s", ansi.Strip(e.View()))
	}
	epPress(e, "down")
	epPress(e, "down")
	if msgs := epPress(e, "enter"); !hasFetch(msgs) || e.Range() != 6*time.Hour || e.Capturing() {
		t.Fatalf("chooser chose %s", e.Range())
	}
	epPress(e, "t")
	epPress(e, "down")
	if msgs := epPress(e, "esc"); len(msgs) != 0 || e.Range() != 6*time.Hour || e.Capturing() {
		t.Fatalf("esc in the chooser changed the range to %s or closed the screen", e.Range())
	}
}

func TestEndpointCompareCyclesAndEscCloses(t *testing.T) {
	e := newTestEndpoint(t, 80, 21, query.CompareOff)
	want := []query.Compare{query.CompareDay, query.CompareWeek, query.CompareOff}
	for _, w := range want {
		if msgs := epPress(e, "c"); !hasFetch(msgs) || e.Compare() != w || e.Request().Compare != w {
			t.Fatalf("c → %v, want %v", e.Compare(), w)
		}
	}
	epPress(e, "c")
	e.Update(Msg{Detail: sampleDetail(e.Request())})
	if v := ansi.Strip(e.View()); !strings.Contains(v, "vs 1 day earlier") || !strings.Contains(v, "·") {
		t.Errorf("comparison not shown:\n%s", v)
	}
	msgs := epPress(e, "esc")
	if len(msgs) != 1 {
		t.Fatalf("esc → %v", msgs)
	}
	if _, ok := msgs[0].(CloseMsg); !ok {
		t.Fatalf("esc → %#v", msgs[0])
	}
}

func TestEndpointPausedAndFailedStates(t *testing.T) {
	e := newTestEndpoint(t, 80, 21, query.CompareOff)
	e.Update(views.PausedMsg{Paused: true, Since: viewstest.FixedNow})
	if v := ansi.Strip(e.View()); !strings.Contains(v, "⏸ paused 03:00:00") {
		t.Errorf("paused not shown:\n%s", v)
	}
	e.Update(views.PausedMsg{})
	e.Update(Msg{Err: errors.New("prometheus http://x: connection refused")})
	v := ansi.Strip(e.View())
	if !strings.Contains(v, "connection refused") || !strings.Contains(v, "error ratio") {
		t.Errorf("a failed refresh should keep the charts and say why:\n%s", v)
	}
	e.Update(Msg{Detail: sampleDetail(e.Request())})
	if e.Err() != nil || strings.Contains(ansi.Strip(e.View()), "connection refused") {
		t.Error("the error stays after a good refresh")
	}
}

func TestDownsampleMaxKeepsSpikes(t *testing.T) {
	nan := math.NaN()
	v := make([]float64, 100)
	v[37] = 9
	v[90] = nan
	got := views.DownsampleMax(v, 10)
	if len(got) != 10 || got[3] != 9 {
		t.Fatalf("spike lost: %v", got)
	}
	for i, x := range got {
		if i != 3 && x != 0 {
			t.Fatalf("bucket %d = %v", i, x)
		}
	}
	gap := []float64{1, nan, nan, nan, nan, 2}
	if got := views.DownsampleMax(gap, 3); got[0] != 1 || !math.IsNaN(got[1]) || got[2] != 2 {
		t.Fatalf("a bucket of gaps must stay a gap, not 0: %v", got)
	}
	if got := views.DownsampleMax([]float64{1, 2}, 5); len(got) != 2 {
		t.Fatalf("short input: %v", got)
	}
	if got := views.DownsampleMax(v, 0); got != nil {
		t.Fatalf("width 0: %v", got)
	}
}

// Every shipped theme draws the screen, and the threshold and comparison
// lines keep their glyphs without colour.
func TestEndpointEveryTheme(t *testing.T) {
	for _, name := range themes.Names() {
		e := New(viewstest.Context(t, name), "/api/checkout")
		e.SetSize(120, 40)
		e.compare = query.CompareDay
		e.Update(Msg{Detail: sampleDetail(e.Request())})
		v := e.View()
		viewstest.Fits(t, v, 120, 40)
		plain := ansi.Strip(v)
		for _, g := range []string{"┄", "╍", "·", "╭"} {
			if !strings.Contains(plain, g) {
				t.Errorf("theme %s: no %q in\n%s", name, g, plain)
			}
		}
	}
}

func TestEndpointDrawsMarkersAndLegend(t *testing.T) {
	e := newTestEndpoint(t, 80, 24, query.CompareOff)
	v := ansi.Strip(e.View())
	lines := strings.Split(v, "\n")
	if !strings.HasPrefix(lines[1], "┊ ! ") || !strings.Contains(lines[1], "HighErrorRate") ||
		!strings.Contains(lines[1], "D ") || !strings.Contains(lines[1], "R ") {
		t.Errorf("legend line: %q", lines[1])
	}
	// The changes, newest first, above the charts.
	if !strings.Contains(lines[2], "D ") || !strings.Contains(lines[2], "version 1.4.0 → 1.5.0") ||
		!strings.Contains(lines[3], "R ") || !strings.Contains(lines[3], "restart of 10.0.0.7:8000") {
		t.Errorf("changes lines:\n%s\n%s", lines[2], lines[3])
	}
	if !strings.Contains(v, "┊") || strings.Count(v, "R") < 2 {
		t.Errorf("no marker column drawn:\n%s", v)
	}

	// More than three changes: three and how many more.
	d := sampleDetail(e.Request())
	for i := range 4 {
		d.Changes = append(d.Changes, query.Event{Time: d.Plan.End.Add(-time.Duration(i+1) * time.Minute), Kind: query.EventRestart, Summary: fmt.Sprintf("restart %d", i)})
	}
	query.SortEvents(d.Changes)
	e.Update(Msg{Detail: d})
	v = ansi.Strip(e.View())
	lines = strings.Split(v, "\n")
	if !strings.Contains(lines[2], "restart 0") || !strings.Contains(lines[4], "restart 2") || !strings.Contains(lines[5], "… 3 more") {
		t.Errorf("want three changes, newest first, then … 3 more:\n%s", strings.Join(lines[:7], "\n"))
	}

	// Unknown, not none, when a marker query failed.
	d = sampleDetail(e.Request())
	d.Changes, d.ChangesErr = nil, errors.New("bad_data: \x1b[31mboom")
	e.Update(Msg{Detail: d})
	v = ansi.Strip(e.View())
	if !strings.Contains(v, "deploys and restarts unknown: bad_data: ") || strings.Contains(v, "no deploy, restart") {
		t.Errorf("a failed changes query must read unknown:\n%s", v)
	}
	// None, said so, when both are known and empty.
	d = sampleDetail(e.Request())
	d.Changes, d.Firings = nil, nil
	e.Update(Msg{Detail: d})
	if v = ansi.Strip(e.View()); !strings.Contains(v, "no deploy, restart or alert firing seen in this range") {
		t.Errorf("no markers:\n%s", v)
	}
	// Tiny sizes do not panic and fit.
	for _, sz := range [][2]int{{20, 5}, {1, 1}, {9, 9}, {30, 8}} {
		e.SetSize(sz[0], sz[1])
		viewstest.Fits(t, e.View(), sz[0], sz[1])
	}
}
