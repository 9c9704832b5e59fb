package query

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

var tlBase = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// series builds a series of the plan's points from..to (inclusive) with
// value f(i).
func series(plan TimelinePlan, m model.Metric, from, to int, f func(i int) float64) *model.SampleStream {
	ss := &model.SampleStream{Metric: m}
	for i := from; i <= to; i++ {
		ss.Values = append(ss.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(plan.at(i).UnixNano()), Value: model.SampleValue(f(i))})
	}
	return ss
}

func TestPlanTimeline(t *testing.T) {
	p := PlanTimeline(tlBase, tlBase.Add(2*time.Hour), 5*time.Minute)
	if p.Step != 12*time.Second || p.Window != 5*time.Minute {
		t.Errorf("2h: step %s window %s", p.Step, p.Window)
	}
	if !p.Start.Before(p.Since.Add(-p.Step+time.Nanosecond)) || !p.at(p.Points-1).Equal(p.End) {
		t.Errorf("2h: start %s end %s points %d", p.Start, p.End, p.Points)
	}
	p = PlanTimeline(tlBase, tlBase.Add(3*time.Minute), 30*time.Second)
	if p.Step != time.Second || p.Points != 182 {
		t.Errorf("3m: step %s points %d", p.Step, p.Points)
	}
	p = PlanTimeline(tlBase, tlBase.Add(7*24*time.Hour), 5*time.Minute)
	if p.Step != 1008*time.Second || p.Window != p.Step || p.Points > 11000 {
		t.Errorf("7d: %+v", p)
	}
}

// checkEvents sorts ev and compares it, one line an event (its offset
// from the start of plan, what of it shows, its summary), with want.
func checkEvents(t *testing.T, ev []Event, plan TimelinePlan, what func(Event) string, want []string) {
	t.Helper()
	SortEvents(ev)
	var got []string
	for _, e := range ev {
		got = append(got, e.Time.Sub(plan.Start).String()+" "+what(e)+" "+e.Summary)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestAlertEvents(t *testing.T) {
	plan := PlanTimeline(tlBase, tlBase.Add(100*time.Second), time.Minute) // 1s step
	lbl := func(state string) model.Metric {
		return model.Metric{SeriesLabel: "alerts", "alertname": "HighErrorRate", "alertstate": model.LabelValue(state), "path": "/x"}
	}
	ts := func(i int) float64 { return float64(plan.at(i).UnixNano())/1e9 - 0.3 }
	mat := model.Matrix{
		series(plan, lbl("pending"), 10, 19, ts),
		series(plan, lbl("firing"), 20, 60, ts),
		// Began before the range: no firing event, but it resolves.
		series(plan, model.Metric{SeriesLabel: "alerts", "alertname": "Old", "alertstate": "firing"}, 0, 30, ts),
		// Still firing at the end: no resolved event.
		series(plan, model.Metric{SeriesLabel: "alerts", "alertname": "Late", "alertstate": "firing"}, 90, plan.Points-1, ts),
		series(plan, model.Metric{SeriesLabel: "for_state", "alertname": "HighErrorRate", "path": "/x"}, 10, 60, func(int) float64 {
			return float64(plan.at(10).UnixNano())/1e9 - 0.5
		}),
	}
	ev := AlertEvents(mat, plan)
	checkEvents(t, ev, plan, func(e Event) string { return string(e.Kind) }, []string{
		"9.5s alert_pending HighErrorRate pending path=/x",
		"19.7s alert_firing HighErrorRate firing path=/x",
		"31s alert_resolved Old resolved",
		"1m1s alert_resolved HighErrorRate resolved path=/x",
		"1m29.7s alert_firing Late firing",
	})
}

func TestThresholdEvents(t *testing.T) {
	plan := PlanTimeline(tlBase, tlBase.Add(100*time.Second), time.Minute)
	m := model.Metric{"path": "/api/checkout"}
	vals := func(i int) float64 {
		switch {
		case i < 10:
			return 0.001
		case i < 20:
			return 0.02 // warn
		case i < 30:
			return 0.3 // crit
		case i < 35:
			return 0.02 // back to warn
		}
		return 0.001
	}
	ss := series(plan, m, 0, 50, vals)
	ss.Values[12].Value = model.SampleValue(math.NaN()) // a gap changes nothing
	// An endpoint that appears already critical.
	late := series(plan, model.Metric{"path": "/new"}, 40, 45, func(int) float64 { return 0.5 })
	ev := ThresholdEvents(model.Matrix{ss, late}, plan, "path", FigureErrorRatio, 0.01, 0.05)
	checkEvents(t, ev, plan, func(e Event) string { return e.Labels["direction"] }, []string{
		"10s up /api/checkout error ratio 2% above warn 1%",
		"20s up /api/checkout error ratio 30% above crit 5%",
		"30s down /api/checkout error ratio 2% back below crit 5% (still above warn 1%)",
		"35s down /api/checkout error ratio 0.1% back below warn 1%",
		"40s up /new error ratio 50% above crit 5%",
	})
}

func TestChangeEvents(t *testing.T) {
	plan := PlanTimeline(tlBase, tlBase.Add(100*time.Second), time.Minute)
	a := model.Metric{"instance": "a:1", "job": "flask"}
	with := func(m model.Metric, kv ...string) model.Metric {
		out := m.Clone()
		for i := 0; i < len(kv); i += 2 {
			out[model.LabelName(kv[i])] = model.LabelValue(kv[i+1])
		}
		return out
	}
	restartAt := float64(plan.at(40).UnixNano())/1e9 - 0.4
	mat := model.Matrix{
		series(plan, with(a, SeriesLabel, "start", "__name__", StartTimeMetric), 0, 100, func(i int) float64 {
			if i < 40 {
				return 1000
			}
			return restartAt
		}),
		series(plan, with(a, SeriesLabel, "info", "__name__", "flask_exporter_info", "version", "1.0"), 0, 60, func(int) float64 { return 1 }),
		series(plan, with(a, SeriesLabel, "info", "__name__", "flask_exporter_info", "version", "1.1"), 61, 100, func(int) float64 { return 1 }),
		// Resets of a target with a start time: not counted again.
		series(plan, with(a, SeriesLabel, "resets"), 0, 100, func(i int) float64 { return map[bool]float64{true: 1}[i >= 40 && i < 100] }),
		// A target with neither: its counter resets are its restarts.
		series(plan, model.Metric{"instance": "b:1", "job": "flask", SeriesLabel: "resets"}, 0, 100, func(i int) float64 {
			return map[bool]float64{true: 1}[i >= 70 && i < 130]
		}),
		// A new target appearing is no deploy.
		series(plan, model.Metric{"instance": "c:1", "job": "flask", SeriesLabel: "info", "version": "2"}, 50, 100, func(int) float64 { return 1 }),
	}
	ev := ChangeEvents(mat, plan)
	checkEvents(t, ev, plan, func(e Event) string { return string(e.Kind) }, []string{
		"39.6s restart restart of a:1 (job flask): process started at " + unixTime(restartAt).Format("15:04:05Z"),
		"1m1s deploy deploy on a:1 (job flask): version 1.0 → 1.1",
		"1m10s restart restart of b:1 (job flask): request counters reset",
	})
}

func TestNotesStore(t *testing.T) {
	dir := t.TempDir()
	path := NotesPathFor(filepath.Join(dir, "state", "audit.log"))
	l := NewNoteLog(path)
	if ns, err := l.Read(); err != nil || len(ns) != 0 {
		t.Fatalf("empty store: %v %v", ns, err)
	}
	for _, bad := range []string{"", "  ", strings.Repeat("x", MaxNoteBytes+1), "\xff"} {
		if err := l.Append(Note{Text: bad}); err == nil {
			t.Errorf("note %q accepted", bad)
		}
	}
	at := tlBase.Add(30 * time.Second)
	if err := l.Append(Note{Time: at, Author: "ana", Context: "prod", Text: "rolled back \x1b[31m"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(Note{Time: at, Author: "bo", Context: "staging", Text: "other context"}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("notes file mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	ns, err := l.Read()
	if err != nil || len(ns) != 2 {
		t.Fatalf("read %v %v", ns, err)
	}
	if err := os.WriteFile(path, []byte("{not json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Read(); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("bad line: %v", err)
	}
}
