package query

import (
	"fmt"
	"math"
)

// markStale marks the endpoints whose rate still shows old samples but that
// have no fresh series: their target died (stale markers) or stopped
// exposing them. Their age is the earliest time a target went down. When
// every endpoint with a rate is stale, the totals are unknown too.
func markStale(ov *Overview) {
	if ov.fresh == nil {
		return
	}
	since := ov.Targets.FirstDown()
	stale, live := 0, 0
	for i := range ov.Endpoints {
		e := &ov.Endpoints[i]
		switch {
		case Missing(e.RPS):
		case !ov.fresh[e.Name]:
			e.Stale, e.StaleSince = true, since
			stale++
		default:
			live++
		}
	}
	ov.fresh = nil
	if stale > 0 && live == 0 {
		// Every figure the totals sum is old samples: they are unknown
		// now, not the last values before the targets went down.
		nan := math.NaN()
		ov.Totals = Totals{RPS: nan, ErrorRatio: nan, P99: nan, Exceptions: nan, Unknown: allStaleWhy(&ov.Targets)}
	}
}

// allStaleWhy is why the totals are unknown when no endpoint has a sample
// from the last scrape.
func allStaleWhy(tg *Targets) string {
	const why = "no endpoint has a sample from the last scrape"
	if down := tg.Down(); len(down) > 0 {
		return fmt.Sprintf("%s: %d of %d targets down", why, len(down), len(tg.List))
	}
	// A restarted process shows an endpoint's series only once it has
	// served it; until then every row can be without a fresh sample.
	return why + " (a process that just restarted shows an endpoint once it has served it)"
}
