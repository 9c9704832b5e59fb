package query

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

func TestAssembleChanged(t *testing.T) {
	var r fakeResults
	r[qRPS].vec = vec("/a", 1.0, "/b", 2.0, "/old", 3.0)
	at := testAt.Add(-12 * time.Minute).Truncate(time.Second)
	// /old: a start time that changed but lies hours back (workers
	// scraped in turn): no recent change.
	old := testAt.Add(-5 * time.Hour)
	r[qChanged].vec = vec("/a", float64(at.Unix()), "/gone", float64(at.Unix()), "/old", float64(old.Unix()))
	ov := build(t, &r)
	if ov.ChangesErr != nil {
		t.Fatal(ov.ChangesErr)
	}
	if a := find(t, ov, "/a"); !a.Changed.Equal(at) {
		t.Errorf("/a changed %v, want %v", a.Changed, at)
	}
	if b := find(t, ov, "/b"); !b.Changed.IsZero() {
		t.Errorf("/b changed %v, want none", b.Changed)
	}
	if o := find(t, ov, "/old"); !o.Changed.IsZero() {
		t.Errorf("/old changed %v, 5h ago: want none", o.Changed)
	}
	// A change of an endpoint without request series makes no row.
	if len(ov.Endpoints) != 3 {
		t.Errorf("endpoints %v", names(ov.Endpoints))
	}
	r[qChanged] = queryResult{err: errors.New("bad_data: boom")}
	ov = build(t, &r)
	if ov.ChangesErr == nil || !find(t, ov, "/a").Changed.IsZero() {
		t.Errorf("a failed query: err %v", ov.ChangesErr)
	}
}

func TestChangedQueryShape(t *testing.T) {
	s := flaskShape()
	s.Selector = `job="flask"`
	q := ChangedQuery(s, 30*time.Minute)
	for _, want := range []string{
		`changes(process_start_time_seconds{job="flask"}[30m]) > 0`,
		`last_over_time(flask_exporter_info{job="flask"}[30m])) > 1`,
		`timestamp(flask_exporter_info{job="flask"})[30m:15s]`,
		`max by (path) (`, `group by (instance, job, path) (last_over_time(flask_http_request_duration_seconds_count{job="flask"}[5m]))`,
	} {
		if !strings.Contains(q, want) {
			t.Errorf("missing %q in %s", want, q)
		}
	}
	s.InfoMetric = "app_info"
	if q := ChangedQuery(s, 30*time.Minute); !strings.Contains(q, "app_info{") || strings.Contains(q, "flask_exporter_info") {
		t.Errorf("info metric not used: %s", q)
	}
}

func TestBucketActivations(t *testing.T) {
	start := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	ts := func(d time.Duration) float64 { return float64(start.Add(d).Unix()) }
	series := func(labels model.Metric, vals ...float64) *model.SampleStream {
		ss := &model.SampleStream{Metric: labels}
		for i, v := range vals {
			ss.Values = append(ss.Values, model.SamplePair{Timestamp: model.TimeFromUnix(start.Unix() + int64(i)*15), Value: model.SampleValue(v)})
		}
		return ss
	}
	mine := model.Metric{"__name__": "ALERTS_FOR_STATE", "alertname": "A", "path": "/x"}
	other := model.Metric{"__name__": "ALERTS_FOR_STATE", "alertname": "A", "path": "/y"}
	mat := model.Matrix{
		// One activation seen at many points counts once.
		series(mine, ts(10*time.Minute), ts(10*time.Minute), ts(10*time.Minute)),
		// Two in hour 5, one at the hour's last second.
		series(mine, ts(5*time.Hour+time.Minute), ts(6*time.Hour-time.Second)),
		// The last hour, and one at the very end (outside).
		series(mine, ts(23*time.Hour+30*time.Minute), ts(24*time.Hour)),
		// Before the range: not counted.
		series(mine, ts(-time.Minute)),
		// Another alert of the name: not this one.
		series(other, ts(2*time.Hour)),
	}
	h := BucketActivations(mat, map[string]string{"alertname": "A", "path": "/x", "severity": "page"}, start)
	want := [AlertHistoryHours]int{}
	want[0], want[5], want[23] = 1, 2, 1
	if h.Counts != want || h.Total != 4 {
		t.Errorf("counts %v total %d, want %v 4", h.Counts, h.Total, want)
	}
	if all := BucketActivations(mat, nil, start); all.Total != 5 {
		t.Errorf("every series: total %d, want 5", all.Total)
	}
	if empty := BucketActivations(nil, nil, start); empty.Total != 0 || !empty.End.Equal(start.Add(24*time.Hour)) {
		t.Errorf("empty: %+v", empty)
	}
	r := AlertHistoryRange(time.Date(2026, 11, 29, 2, 59, 31, 500, time.UTC))
	if !r.Start.Equal(time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)) || r.Step != AlertHistoryStep || r.End.Sub(r.Start)/r.Step > 11000 {
		t.Errorf("range %+v", r)
	}
}

func TestFiringMarkersOfTheEndpoint(t *testing.T) {
	end := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	plan := MarkerPlan(PlanDetail(10*time.Minute, 60, end)) // 10s steps
	pts := func(from int, lbl model.Metric) *model.SampleStream {
		ss := &model.SampleStream{Metric: lbl}
		for i := from; i < plan.Points; i++ {
			at := plan.Start.Add(time.Duration(i) * plan.Step)
			ss.Values = append(ss.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(at.UnixNano()), Value: model.SampleValue(at.Unix())})
		}
		return ss
	}
	mine := model.Metric{SeriesLabel: "alerts", "alertname": "Mine", "alertstate": "firing", "path": "/x"}
	other := model.Metric{SeriesLabel: "alerts", "alertname": "Other", "alertstate": "firing", "path": "/y"}
	before := model.Metric{SeriesLabel: "alerts", "alertname": "Before", "alertstate": "firing", "handler": "/x"}
	pending := model.Metric{SeriesLabel: "alerts", "alertname": "Pend", "alertstate": "pending", "path": "/x"}
	mat := model.Matrix{pts(20, mine), pts(30, other), pts(0, before), pts(10, pending)}
	got := FiringMarkers(mat, plan, "/x")
	if len(got) != 1 || got[0].Labels["alertname"] != "Mine" || MarkerTag(got[0].Kind) != "!" {
		t.Fatalf("firings %+v, want Mine only (Before began before the range, Pend never fired)", got)
	}
	if want := plan.Start.Add(20 * plan.Step); got[0].Time.After(want) || got[0].Time.Before(want.Add(-plan.Step)) {
		t.Errorf("at %s, want within the step before %s", got[0].Time, want)
	}
	// A group row's detail: the alerts naming one of its paths.
	row := RowNamer([]PathRule{{Name: "/<one>", Pattern: "/[xy]"}})
	if grp := firingMarkersOf(mat, plan, "/<one>", row); len(grp) != 2 {
		t.Errorf("the group /<one>: %d firings, want Mine and Other", len(grp))
	}
	if all := FiringMarkers(mat, plan, ""); len(all) != 2 {
		t.Errorf("every alert: %d firings, want 2", len(all))
	}
	q := EndpointChangesQuery(flaskShape(), `/a"b`, time.Minute, 30*time.Second)
	if !strings.Contains(q, `and on (instance, job) group by (instance, job) (flask_http_request_duration_seconds_count{job="flask",path="/a\"b"})`) {
		t.Errorf("changes query: %s", q)
	}
	if q := AlertFiringsQuery(`x"y`); !strings.Contains(q, `ALERTS{alertname="x\"y"}`) || !strings.Contains(q, `ALERTS_FOR_STATE{alertname="x\"y"}`) {
		t.Errorf("firings query: %s", q)
	}
}

func TestChangeMarkersRestartWithinAStep(t *testing.T) {
	end := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	plan := MarkerPlan(PlanDetail(10*time.Minute, 10, end)) // 60s steps, 10 points
	at := func(i int) time.Time { return plan.Start.Add(time.Duration(i) * plan.Step) }
	target := model.Metric{"instance": "10.0.0.7:8000", "job": "flask"}
	series := func(tag string, from int, vals map[int]float64, def float64) *model.SampleStream {
		m := model.Metric{SeriesLabel: model.LabelValue(tag)}
		for k, v := range target {
			m[k] = v
		}
		ss := &model.SampleStream{Metric: m}
		for i := from; i < plan.Points; i++ {
			v, ok := vals[i]
			if !ok {
				v = def
			}
			ss.Values = append(ss.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(at(i).UnixNano()), Value: model.SampleValue(v)})
		}
		return ss
	}
	old := float64(at(3).Add(-20 * time.Second).Unix())
	newStart := float64(at(3).Add(-10 * time.Second).Unix())

	// The app's first scrape and its restart fall in one step: the start
	// series begins with the new value, the step's lowest is the old one.
	mat := model.Matrix{series("start", 3, nil, newStart), series("start_min", 3, map[int]float64{3: old}, newStart)}
	got := ChangeMarkers(mat, plan)
	if len(got) != 1 || got[0].Kind != EventRestart || !got[0].Time.Equal(unixTime(newStart)) {
		t.Fatalf("restart within a step: %+v", got)
	}
	// Seen at two points as well: still one restart.
	mat = model.Matrix{series("start", 0, map[int]float64{0: old, 1: old, 2: old}, newStart), series("start_min", 0, map[int]float64{0: old, 1: old, 2: old, 3: old}, newStart)}
	if got := ChangeMarkers(mat, plan); len(got) != 1 || !got[0].Time.Equal(unixTime(newStart)) {
		t.Fatalf("restart seen both ways: %+v", got)
	}
	// No restart: nothing.
	mat = model.Matrix{series("start", 0, nil, old), series("start_min", 0, nil, old)}
	if got := ChangeMarkers(mat, plan); len(got) != 0 {
		t.Fatalf("no restart: %+v", got)
	}
}
