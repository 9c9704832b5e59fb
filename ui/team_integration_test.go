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
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/keys"
)

// With a Team, 20 consoles on the overview cost Prometheus the same
// requests per second as one (within 10%), as Prometheus itself counts
// them (prometheus_http_requests_total); without one, 20 consoles cost
// about 20 times as much. Each console runs as a program runs it: its
// Init, its heartbeat every second, every command in a goroutine.
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
	am, err := query.NewAlertmanager(query.AlertmanagerOptions{URLs: stack.AlertmanagerURLs, Timeout: 10 * time.Second})
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
		rate    float64 // API requests per second, as Prometheus counts them
		heapPer float64 // heap per console, bytes
		saved   int64
	}
	measure := func(n int, withTeam bool, warm, span time.Duration) figures {
		t.Helper()
		var team *Team
		if withTeam {
			team = NewTeam()
		}
		h0 := heap()
		var ds []*driven
		var members []*Member
		for i := range n {
			c := cfg
			ctx := &views.Context{Config: &c, Styles: th.Styles(), Keys: keys.New(false), Now: time.Now}
			o := Options{Context: ctx, Alertmanager: am, Identity: fmt.Sprintf("user%d@bastion", i)}
			o.PrometheusSources(prom)
			if team != nil {
				o.Member = team.Join(Identity{Name: fmt.Sprintf("user%d", i), Remote: "10.0.0.1:5000"})
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
				d.with(func(m *Model) { ok = m.ov.data() != nil })
				return ok
			})
		}
		time.Sleep(warm)
		h1 := heap()
		before := demotest.PrometheusRequests(t, stack.PrometheusURL)
		t0 := time.Now()
		time.Sleep(span)
		after := demotest.PrometheusRequests(t, stack.PrometheusURL)
		took := time.Since(t0)
		var total float64
		for h, v := range after {
			total += v - before[h]
		}
		f := figures{rate: total / took.Seconds(), heapPer: float64(h1) - float64(h0)}
		if n > 0 {
			f.heapPer /= float64(n)
		}
		if team != nil {
			f.saved = team.QueriesSaved()
		}
		t.Logf("%d consoles, team %v: %.0f API requests in %s = %.2f req/s; heap %.0f KiB per console; by handler %v",
			n, withTeam, total, took.Round(time.Millisecond), f.rate, f.heapPer/1024, delta(before, after))
		for _, d := range ds {
			d.close()
		}
		for _, mb := range members {
			mb.Leave()
		}
		if team != nil && team.SharedPollers() != 0 {
			t.Errorf("%d shared pollers left after every console left", team.SharedPollers())
		}
		return f
	}

	one := measure(1, true, 5*time.Second, 40*time.Second)
	twenty := measure(20, true, 5*time.Second, 40*time.Second)
	// The contrast: 10 consoles each on their own (fewer than 20, so that
	// the machine's two cores keep up and Prometheus keeps scraping).
	alone := measure(10, false, 5*time.Second, 10*time.Second)

	if one.rate <= 0 {
		t.Fatal("no request counted for one console")
	}
	if r := twenty.rate / one.rate; math.Abs(r-1) > 0.10 {
		t.Errorf("20 consoles with a Team: %.2f req/s, one: %.2f req/s (ratio %.2f), want within 10%%", twenty.rate, one.rate, r)
	}
	// (About 10 times; under the race detector on two cores the lone
	// consoles are short of CPU and skip refreshes.)
	if r := alone.rate / one.rate; r < 3 {
		t.Errorf("10 consoles without a Team: %.2f req/s, only %.1f times one console's: the measure cannot tell sharing", alone.rate, r)
	}
	// Two people open the same endpoint's detail: one refresh is asked,
	// the other shares it (in flight or kept for the step).
	team := NewTeam()
	var pair []*driven
	for i := range 2 {
		c := cfg
		ctx := &views.Context{Config: &c, Styles: th.Styles(), Keys: keys.New(false), Now: time.Now}
		o := Options{Context: ctx, Alertmanager: am, Identity: fmt.Sprintf("user%d@bastion", i)}
		o.PrometheusSources(prom)
		o.Member = team.Join(Identity{Name: fmt.Sprintf("user%d", i)})
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
				e := m.ov.detail.screen
				ok = e != nil && !e.Loading() && e.Data() != nil
			})
			return ok
		})
	}
	var shown [2]string
	for i, d := range pair {
		d.with(func(m *Model) { shown[i] = m.ov.detail.screen.Endpoint() })
	}
	if shown[0] != shown[1] {
		t.Fatalf("the two opened different endpoints: %q, %q", shown[0], shown[1])
	}
	if n := team.QueriesSaved(); n < 1 {
		t.Errorf("two people on the detail of %s: %d queries saved, want at least 1", shown[0], n)
	} else {
		t.Logf("two people on the detail of %s: %d detail refreshes shared", shown[0], n)
	}

	added := (twenty.heapPer*20 - one.heapPer) / 19
	t.Logf("FIGURES: 1 console %.2f req/s; 20 with a Team %.2f req/s (%.2fx); 10 without %.2f req/s (%.1fx); heap: the first console with a Team %.0f KiB, each added one %.0f KiB; 10 without a Team %.0f KiB each; queries saved by the cache %d",
		one.rate, twenty.rate, twenty.rate/one.rate, alone.rate, alone.rate/one.rate, one.heapPer/1024, added/1024, alone.heapPer/1024, twenty.saved)
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
