package ui

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/ui/team"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/keys"
)

// With a Team, 20 consoles on the overview cost Prometheus the same
// requests a refresh as one (within 10%), as Prometheus itself counts them
// (prometheus_http_requests_total), and one refresh an interval between
// them; without one, 10 consoles each refresh, about 10 times as often.
// Each console runs as a program runs it: its Init, its heartbeat every
// second, every command in a goroutine. The measures are over refreshes
// and heartbeats, not wall time: a busy machine slows both alike.
func TestIntegrationTeamQueryRate(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 7}, Alertmanagers: 1, AlertmanagerConfig: demo.AlertmanagerConfig})
	cfg := vigil.Defaults()
	cfg.Prometheus.URL = stack.PrometheusURL
	cfg.Alertmanager.URLs = stack.AlertmanagerURLs
	cfg.Metrics.Selector = `job="flask"`
	cfg.UI.Window = vigil.Window{Fixed: vigil.Duration(30 * time.Second)}
	// A short interval: many refreshes in each measure, so that where the
	// measure starts and ends within an interval hardly matters.
	cfg.UI.Refresh = vigil.Duration(2 * time.Second)
	prom, err := query.NewPrometheus(query.PrometheusOptions{URL: stack.PrometheusURL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prom.Close)
	am, err := alertmanager.New(alertmanager.Options{URLs: stack.AlertmanagerURLs, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	th, _ := themes.Get("mono")

	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	type figures struct {
		perRefresh float64 // API requests an overview refresh, as Prometheus counts them
		perBeat    float64 // overview refreshes a heartbeat of one console
		heapPer    float64 // heap per console, bytes
		saved      int64
	}
	// refreshes counts the overview refreshes Prometheus has answered: one
	// targets request each.
	refreshes := func() float64 { return demotest.PrometheusRequests(t, stack.PrometheusURL)["/api/v1/targets"] }
	waitRefreshes := func(k int) {
		t.Helper()
		from := refreshes()
		demotest.Eventually(t, time.Duration(k)*5*time.Second+60*time.Second, fmt.Sprintf("%d overview refreshes", k), func() (bool, string) {
			n := refreshes() - from
			return n >= float64(k), fmt.Sprintf("%v refreshes", n)
		})
	}
	// measure runs n consoles (with a Team or each alone), lets warm
	// refreshes of each go by, then counts over span refreshes of each.
	measure := func(n int, withTeam bool, warm, span int) figures {
		var tm *team.Team
		if withTeam {
			tm = team.New()
		}
		h0 := heap()
		var ds []*driven
		var members []*team.Member
		for i := range n {
			c := cfg
			ctx := &views.Context{Styles: th.Styles(), Keys: keys.New(false), Now: time.Now}
			o := Options{Context: ctx, Config: &c, Alertmanager: am, Identity: fmt.Sprintf("user%d@bastion", i)}
			o.PrometheusSources(prom)
			if tm != nil {
				o.Member = tm.Join(team.Identity{Name: fmt.Sprintf("user%d", i), Remote: "10.0.0.1:5000"})
				members = append(members, o.Member)
			}
			m := New(o)
			m.SetSize(100, 30)
			ds = append(ds, drive(t, m, true))
		}
		for _, d := range ds {
			d.start()
		}
		for _, d := range ds {
			demotest.EventuallyTrue(t, 30*time.Second, "an overview on every console", func() bool {
				ok := false
				d.with(func(m *Model) { ok = partOf[*overviewPart](m).data() != nil })
				return ok
			})
		}
		// Refreshes made by every console that refreshes on its own, or by
		// the Team's one poller.
		each := n
		if tm != nil {
			each = 1
		}
		waitRefreshes(warm * each)
		h1 := heap()
		before := demotest.PrometheusRequests(t, stack.PrometheusURL)
		beats := ds[0].beats.Load()
		t0 := time.Now()
		waitRefreshes(span * each)
		after := demotest.PrometheusRequests(t, stack.PrometheusURL)
		beats = ds[0].beats.Load() - beats
		took := time.Since(t0)
		var total float64
		for h, v := range after {
			total += v - before[h]
		}
		refreshed := after["/api/v1/targets"] - before["/api/v1/targets"]
		f := figures{perRefresh: total / refreshed, perBeat: refreshed / float64(max(beats, 1)), heapPer: float64(h1) - float64(h0)}
		if n > 0 {
			f.heapPer /= float64(n)
		}
		if tm != nil {
			f.saved = tm.QueriesSaved()
		}
		t.Logf("%d consoles, team %v: %.0f API requests in %v refreshes over %d heartbeats of one console (%s) = %.2f a refresh, %.2f refreshes a heartbeat; heap %.0f KiB per console; by handler %v",
			n, withTeam, total, refreshed, beats, took.Round(time.Millisecond), f.perRefresh, f.perBeat, f.heapPer/1024, delta(before, after))
		for _, d := range ds {
			d.close()
		}
		for _, mb := range members {
			mb.Leave()
		}
		if tm != nil && tm.SharedPollers() != 0 {
			t.Errorf("%d shared pollers left after every console left", tm.SharedPollers())
		}
		return f
	}

	one := measure(1, true, 2, 20)
	twenty := measure(20, true, 2, 20)
	// The contrast: 10 consoles each on their own (fewer than 20, so that
	// the machine's two cores keep up and Prometheus keeps scraping).
	alone := measure(10, false, 2, 5)

	if one.perRefresh <= 0 || one.perBeat <= 0 {
		t.Fatal("no request counted for one console")
	}
	if r := twenty.perRefresh / one.perRefresh; math.Abs(r-1) > 0.10 {
		t.Errorf("20 consoles with a Team: %.2f requests a refresh, one: %.2f (ratio %.2f), want within 10%%", twenty.perRefresh, one.perRefresh, r)
	}
	// One refresh every two heartbeats (a 2s refresh) for all 20, not
	// one each: a busy machine only makes them fewer.
	if twenty.perBeat > 0.75 {
		t.Errorf("20 consoles with a Team: %.2f refreshes a heartbeat, want about 0.5 (one a 2s interval for all)", twenty.perBeat)
	}
	// (About 10 times; under the race detector on two cores the lone
	// consoles are short of CPU and skip refreshes.)
	if r := alone.perBeat / one.perBeat; r < 3 {
		t.Errorf("10 consoles without a Team: %.2f refreshes a heartbeat, only %.1f times one console's: the measure cannot tell sharing", alone.perBeat, r)
	}
	// Two people open the same endpoint's detail: one refresh is asked,
	// the other shares it (in flight or kept for the step).
	tm := team.New()
	var pair []*driven
	for i := range 2 {
		c := cfg
		ctx := &views.Context{Styles: th.Styles(), Keys: keys.New(false), Now: time.Now}
		o := Options{Context: ctx, Config: &c, Alertmanager: am, Identity: fmt.Sprintf("user%d@bastion", i)}
		o.PrometheusSources(prom)
		o.Member = tm.Join(team.Identity{Name: fmt.Sprintf("user%d", i)})
		t.Cleanup(o.Member.Leave)
		m := New(o)
		m.SetSize(100, 30)
		pair = append(pair, drive(t, m, true))
	}
	for _, d := range pair {
		d.start()
		d.waitScreen(t, 30*time.Second, "the overview", func(s string) bool { return strings.Contains(s, "/api/checkout") })
	}
	for _, d := range pair {
		d.send(keyMsg("enter"))
	}
	for _, d := range pair {
		demotest.EventuallyTrue(t, 15*time.Second, "the detail loaded", func() bool {
			ok := false
			d.with(func(m *Model) {
				e := partOf[*overviewPart](m).detail.screen
				ok = e != nil && !e.Loading() && e.Data() != nil
			})
			return ok
		})
	}
	var shown [2]string
	for i, d := range pair {
		d.with(func(m *Model) { shown[i] = partOf[*overviewPart](m).detail.screen.Endpoint() })
	}
	if shown[0] != shown[1] {
		t.Fatalf("the two opened different endpoints: %q, %q", shown[0], shown[1])
	}
	if n := tm.QueriesSaved(); n < 1 {
		t.Errorf("two people on the detail of %s: %d queries saved, want at least 1", shown[0], n)
	} else {
		t.Logf("two people on the detail of %s: %d detail refreshes shared", shown[0], n)
	}

	added := (twenty.heapPer*20 - one.heapPer) / 19
	t.Logf("FIGURES: 1 console %.2f requests a refresh, %.2f refreshes a heartbeat; 20 with a Team %.2f requests a refresh (%.2fx), %.2f refreshes a heartbeat; 10 without %.2f refreshes a heartbeat (%.1fx); heap: the first console with a Team %.0f KiB, each added one %.0f KiB; 10 without a Team %.0f KiB each; queries saved by the cache %d",
		one.perRefresh, one.perBeat, twenty.perRefresh, twenty.perRefresh/one.perRefresh, twenty.perBeat, alone.perBeat, alone.perBeat/one.perBeat, one.heapPer/1024, added/1024, alone.heapPer/1024, twenty.saved)
}

func delta(before, after map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for h, v := range after {
		if d := v - before[h]; d != 0 {
			out[h] = d
		}
	}
	return out
}
