package query

import (
	"context"
	"fmt"
	"math"
	"os"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// A scraped app dies while Prometheus keeps running: the next refresh after
// the first failed scrape has the target down with the time it went down
// and its last error, and every endpoint of the app stale, while the 5m
// rate would still give old figures. The auto window is four scrape
// intervals, and the refresh sends QueriesPerRefresh requests however it
// ends.
func TestIntegrationTargetDownMarksEndpointsStale(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 5}, ExtraJobs: []string{"flask2"}})
	p := demoClient(t, stack, 10*time.Second)
	s := demoShape(5 * time.Minute)
	s.Selector = `job="flask2"`
	ctx := context.Background()

	var ov *Overview
	demotest.Eventually(t, 30*time.Second, "flask2's endpoints", func() (bool, string) {
		var err error
		ov, err = p.Overview(ctx, s)
		if err != nil {
			return false, err.Error()
		}
		return len(ov.Endpoints) > 10 && len(ov.Targets.List) == 1, "not yet"
	})
	tg := ov.Targets.List[0]
	if !ov.Targets.Known || !tg.Up || tg.Job != "flask2" || tg.Instance != stack.Extra["flask2"].Addr() || tg.ScrapeInterval != time.Second {
		t.Fatalf("targets while up: %+v", ov.Targets)
	}
	for _, e := range ov.Endpoints {
		if e.Stale {
			t.Errorf("%s stale while its target is up", e.Name)
		}
	}

	auto := s
	auto.AutoWindow, auto.Window = true, time.Minute
	ova, err := p.Overview(ctx, auto)
	if err != nil {
		t.Fatal(err)
	}
	if !ova.WindowAuto || ova.Window != 4*time.Second {
		t.Errorf("auto window %s (auto %v), want 4s: four 1s scrape intervals", ova.Window, ova.WindowAuto)
	}

	// What changes slowly: read by a refresh, reused by one evaluated
	// within SlowEvery after it, read again by one SlowEvery after. The
	// times are ahead of now (Prometheus answers with the newest samples),
	// so that the targets' health is the one just seen at each, and past
	// the read the refreshes above kept.
	at0 := time.Now().Add(SlowEvery + 2*time.Second).Truncate(time.Second)
	for _, c := range []struct {
		after time.Duration
		sent  int
		slow  time.Duration // SlowAt after at0
	}{{0, QueriesPerRefresh, 0}, {5 * time.Second, FastQueriesPerRefresh, 0}, {SlowEvery, QueriesPerRefresh, SlowEvery}} {
		o, err := p.OverviewAt(ctx, s, at0.Add(c.after))
		if err != nil {
			t.Fatal(err)
		}
		if len(o.Targets.List) != 1 || !o.Targets.List[0].Up {
			t.Fatalf("refresh at +%s: targets %+v, want flask2 up", c.after, o.Targets.List)
		}
		if o.TrendKept {
			c.sent-- // one fewer when it kept the trend
		}
		if o.Sent != c.sent || !o.SlowAt.Equal(at0.Add(c.slow)) || len(o.Errors) > 0 {
			t.Errorf("refresh at +%s: %d requests, slow parts of +%s, errors %v; want %d, +%s", c.after, o.Sent, o.SlowAt.Sub(at0), o.Errors, c.sent, c.slow)
		}
	}
	if _, err := p.Overview(ctx, s); err != nil { // a read kept as of now
		t.Fatal(err)
	}

	killed := time.Now()
	if err := stack.Extra["flask2"].Close(); err != nil {
		t.Fatal(err)
	}
	demotest.Eventually(t, 5*time.Second, "the target down", func() (bool, string) {
		ov, err = p.Overview(ctx, s)
		if err != nil {
			return false, err.Error()
		}
		return len(ov.Targets.Down()) == 1, "still up"
	})
	t.Logf("app killed → Overview says its target is down: %s", time.Since(killed).Round(10*time.Millisecond))
	// The refresh that saw the target down read what changes slowly
	// again, after the rest: its last good scrape is from now.
	want := QueriesPerRefresh
	if ov.TrendKept {
		want--
	}
	if ov.Sent != want || !ov.SlowAt.Equal(ov.At) {
		t.Errorf("the refresh that saw the target down sent %d requests, slow parts of %s at %s: want %d, read then", ov.Sent, ov.SlowAt.Format(time.StampMilli), ov.At.Format(time.StampMilli), want)
	}
	tg = ov.Targets.Down()[0]
	if d := tg.Since.Sub(killed); d < -1500*time.Millisecond || d > 2500*time.Millisecond {
		t.Errorf("down since %s, killed at %s", tg.Since.Format(time.StampMilli), killed.Format(time.StampMilli))
	}
	if tg.LastError == "" {
		t.Errorf("no last error: %+v", tg)
	}
	if len(ov.Endpoints) < 10 {
		t.Fatalf("the 5m rate should still list the endpoints: %d", len(ov.Endpoints))
	}
	for _, e := range ov.Endpoints {
		if !Missing(e.RPS) && (!e.Stale || !e.StaleSince.Equal(tg.Since)) {
			t.Errorf("%s: stale %v since %s; want stale since %s", e.Name, e.Stale, e.StaleSince, tg.Since)
		}
	}
	// With every endpoint stale, the totals are unknown, not old figures.
	if tt := ov.Totals; !Missing(tt.RPS) || !Missing(tt.ErrorRatio) || !Missing(tt.P99) {
		t.Errorf("totals with every target down: %+v; want unknown", tt)
	}
	// Another job of the same Prometheus is not affected.
	s2 := s
	s2.Selector = `job="flask"`
	ov2, err := p.Overview(ctx, s2)
	if err != nil {
		t.Fatal(err)
	}
	if len(ov2.Targets.Down()) != 0 || len(ov2.Targets.List) != 1 {
		t.Errorf("job flask: %+v", ov2.Targets)
	}
	for _, e := range ov2.Endpoints {
		if e.Stale {
			t.Errorf("job flask: %s stale", e.Name)
		}
	}
	// Constant requests per refresh, with a target down and the auto window.
	checkQueriesPerRefresh(t, p, stack, auto, 2)
}

// A selector that matches nothing gives no endpoints and no targets, with
// the targets known: "no series", not "targets down".
func TestIntegrationSelectorMatchingNothing(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 5}})
	p := demoClient(t, stack, 10*time.Second)
	s := demoShape(time.Minute)
	s.Selector = `job="nope"`
	s.AutoWindow = true
	ov, err := p.Overview(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if len(ov.Endpoints) != 0 || !ov.Targets.Known || len(ov.Targets.List) != 0 || len(ov.Errors) != 0 {
		t.Errorf("endpoints %d targets %+v errors %v", len(ov.Endpoints), ov.Targets, ov.Errors)
	}
	if ov.Window != DefaultAutoWindow || len(ov.Warnings) == 0 {
		t.Errorf("auto window without a target: %s, warnings %v", ov.Window, ov.Warnings)
	}
}

// The auto window (four scrape intervals) follows an incident: an error
// ratio jump from 2% to 30% on / shows as 5% or more, and falls back below
// 5% once it ends, each within a bound that holds on a busy machine (a
// multiple of the few scrapes and refresh it takes on an idle one, both
// logged beside the 5m window's lag).
func TestIntegrationAutoWindowFollowsAnIncident(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 11}})
	p := demoClient(t, stack, 10*time.Second)
	auto := demoShape(time.Minute)
	auto.AutoWindow = true
	fixed := demoShape(5 * time.Minute)
	const path = "/"
	const scrape, refresh = time.Second, time.Second
	riseTakes := 3*scrape + refresh
	ctx := context.Background()
	ratio := func(s Shape) float64 {
		ov, err := p.Overview(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ov.Endpoints {
			if e.Name == path {
				return e.ErrorRatio
			}
		}
		return math.NaN()
	}
	// A few windows of 2%. VIGIL_LAG_WARMUP (e.g. 5m30s) gives the 5m
	// window a full window of history, to measure its lag both ways.
	warmup := 8 * time.Second
	if v := os.Getenv("VIGIL_LAG_WARMUP"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d > 10*time.Minute {
			t.Fatalf("VIGIL_LAG_WARMUP=%q: a duration up to 10m", v)
		}
		warmup = max(warmup, d)
	}
	stack.App.SetFault(path, demo.Fault{ErrorRatio: 0.02})
	// The auto window is four scrapes once Prometheus knows the target's
	// interval, and shows the 2% once it holds a few scrapes of it.
	warmed := time.Now()
	demotest.Eventually(t, 60*time.Second, "the auto window of 4s showing the 2% on "+path, func() (bool, string) {
		ov, err := p.Overview(ctx, auto)
		if err != nil {
			return false, err.Error()
		}
		for _, e := range ov.Endpoints {
			if e.Name == path {
				return ov.Window == 4*time.Second && e.ErrorRatio < 0.05, fmt.Sprintf("window %s, ratio %v", ov.Window, e.ErrorRatio)
			}
		}
		return false, fmt.Sprintf("window %s, no %s", ov.Window, path)
	})
	if rest := warmup - time.Since(warmed); warmup > 8*time.Second && rest > 0 {
		// The history asked for, for the 5m window's lag.
		<-time.After(rest)
	}

	// One refresh a second, as the console at --refresh 1s.
	watch := func(what string, s Shape, cond func(float64) bool, limit time.Duration) (time.Duration, bool) {
		began := time.Now()
		tick := time.NewTicker(refresh)
		defer tick.Stop()
		for ; time.Since(began) < limit; <-tick.C {
			if v := ratio(s); cond(v) {
				return time.Since(began), true
			}
		}
		t.Logf("%s: not within %s", what, limit)
		return limit, false
	}
	// autoWithin watches the auto window until cond holds and logs when it
	// did (seen) beside what it takes on an idle machine (nominal). It
	// wants it within ten times that, which a busy machine holds too.
	// took names the change.
	autoWithin := func(what string, cond func(float64) bool, seen, took string, nominal time.Duration) {
		t.Helper()
		bound := 10 * nominal
		d, ok := watch("auto "+what, auto, cond, bound+time.Second)
		t.Logf("%s after %s (%s on an idle machine, bound %s)", seen, d.Round(10*time.Millisecond), nominal, bound)
		if !ok || d > bound {
			t.Errorf("auto window: %s %s, want within %s", d, took, bound)
		}
	}
	high := func(v float64) bool { return v >= 0.05 }
	low := func(v float64) bool { return v < 0.05 }

	jump := time.Now()
	stack.App.SetFault(path, demo.Fault{ErrorRatio: 0.30})
	autoWithin("rise", high, "2% → 30%: the auto window (4s) shows ≥ 5%", "to show the incident", riseTakes)
	rest := 120*time.Second - time.Since(jump)
	fixedRise, _ := watch("5m rise", fixed, high, rest)
	fixedRise = time.Since(jump)
	t.Logf("2%% → 30%%: the 5m window shows ≥ 5%% after %s (with %s of history before the jump)", fixedRise.Round(100*time.Millisecond), warmup)

	end := time.Now()
	stack.App.SetFault(path, demo.Fault{ErrorRatio: 0.02})
	// Falling back takes longer than rising: 30% must be nearly gone from
	// the window (under a tenth of it) before the ratio is under 5%. The
	// last scrape holding counts of before the change comes up to one
	// scrape after it; the window must pass that scrape entirely, then a
	// scrape may lag and a refresh must come to see it.
	fallTakes := 4*scrape + 2*scrape + refresh
	autoWithin("fall", low, "30% → 2%: the auto window falls below 5%", "to fall back", fallTakes)
	if warmup >= 5*time.Minute {
		watch("5m fall", fixed, low, 6*time.Minute-time.Since(end))
		t.Logf("30%% → 2%%: the 5m window falls below 5%% after %s", time.Since(end).Round(100*time.Millisecond))
	}
}
