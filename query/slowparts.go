package query

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/model"
)

// What changes slowly (the slow query and the start times, see SlowEvery)
// is read every SlowEvery, and the refreshes between reuse the answer.

// slowParts are the parts of a refresh that the slow queries carry.
var slowParts = []queryID{qChanged, qFreshSlow, qLastUp, qStarts}

// keptSlow is one read of the slow queries.
type keptSlow struct {
	at     time.Time // its evaluation time
	health string    // the targets' health when read (healthOf)
	parts  [numQueries]queryResult
}

// slowCache keeps the last read of the slow queries of each shape, by
// their PromQL: a change of selector, window, grouping, metrics or source
// (recorded or raw) reads them again, and so does a refresh evaluated
// SlowEvery or more after the kept read, or before it. It keeps at most
// maxSlowKept shapes (the contexts and services a console moves between),
// the oldest read dropped first.
type slowCache struct {
	mu sync.Mutex
	m  map[string]*keptSlow
}

const maxSlowKept = 16

// slowKey is the key of a refresh's slow answer: its slow queries' PromQL.
func slowKey(qs []NamedQuery) string {
	return qs[wSlow].Expr + "\x00" + qs[wStarts].Expr
}

// get returns the kept answer of key for a refresh evaluated at at: one
// evaluated less than SlowEvery before at, never after it.
func (c *slowCache) get(key string, at time.Time) (*keptSlow, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.m[key]
	if !ok || at.Before(k.at) || at.Sub(k.at) >= SlowEvery {
		return nil, false
	}
	return k, true
}

// put keeps the slow parts of res, evaluated at at, when every one of
// them was answered; a failed read is asked again by the next refresh.
func (c *slowCache) put(key string, at time.Time, health string, res *[numQueries]queryResult) {
	k := &keptSlow{at: at, health: health}
	for _, q := range slowParts {
		if res[q].err != nil {
			c.drop(key)
			return
		}
		k.parts[q] = res[q]
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*keptSlow{}
	}
	if _, ok := c.m[key]; !ok && len(c.m) >= maxSlowKept {
		oldest := ""
		for key, v := range c.m {
			if oldest == "" || v.at.Before(c.m[oldest].at) {
				oldest = key
			}
		}
		delete(c.m, oldest)
	}
	c.m[key] = k
}

func (c *slowCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
}

// fill sets the slow parts of res from k. The kept answers are shared
// with the refreshes after: nothing may change them.
func (k *keptSlow) fill(res *[numQueries]queryResult) {
	for _, q := range slowParts {
		res[q] = k.parts[q]
	}
}

// healthOf is the targets' health in the targets query's answer: each
// target (job, instance) and whether it is up, in order. A target that
// goes down or comes back, or joins or leaves, changes it.
func healthOf(vec model.Vector) string {
	rows := make([]string, 0, len(vec))
	for _, smp := range vec {
		up := "0"
		if smp.Value == 1 {
			up = "1"
		}
		rows = append(rows, string(smp.Metric["job"])+"\x00"+string(smp.Metric["instance"])+"\x00"+up)
	}
	slices.Sort(rows)
	return strings.Join(rows, "\x01")
}
