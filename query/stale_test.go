package query

import (
	"math"
	"testing"
)

// Stale endpoints are marked; the totals become unknown only when no
// endpoint with a rate is fresh.
func TestMarkStaleTotals(t *testing.T) {
	nan := math.NaN()
	mk := func(fresh map[string]bool) *Overview {
		return &Overview{
			Endpoints: []Endpoint{{Name: "/a", RPS: 1}, {Name: "/b", RPS: 2}, {Name: "/quiet", RPS: nan}},
			Totals:    Totals{RPS: 3, ErrorRatio: 0.01, P99: 0.2, Exceptions: 0},
			fresh:     fresh,
		}
	}
	some := mk(map[string]bool{"/a": true})
	markStale(some)
	if some.Endpoints[0].Stale || !some.Endpoints[1].Stale || some.Endpoints[2].Stale {
		t.Errorf("stale flags: %+v", some.Endpoints)
	}
	if some.Totals.RPS != 3 {
		t.Errorf("one fresh endpoint keeps the totals: %+v", some.Totals)
	}
	all := mk(map[string]bool{})
	markStale(all)
	if tt := all.Totals; !Missing(tt.RPS) || !Missing(tt.ErrorRatio) || !Missing(tt.P99) || !Missing(tt.Exceptions) {
		t.Errorf("every endpoint stale: totals %+v, want unknown", tt)
	}
	if all.Totals.Unknown == "" || some.Totals.Unknown != "" {
		t.Errorf("totals unknown %q (all stale) and %q (one fresh): want the reason only when all are stale", all.Totals.Unknown, some.Totals.Unknown)
	}
	down := mk(map[string]bool{})
	down.Targets = Targets{Known: true, List: []Target{{Up: false}, {Up: true}}}
	markStale(down)
	if want := "no endpoint has a sample from the last scrape: 1 of 2 targets down"; down.Totals.Unknown != want {
		t.Errorf("totals unknown %q, want %q", down.Totals.Unknown, want)
	}
}
