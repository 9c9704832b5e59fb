package query

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Cache shares one-off queries (endpoint detail, panels, dashboards, the
// PromQL prompt, an alert's graph) between the screens and contexts of one
// console, and between the consoles of vigil serve: a query asked while
// the same one is on its way waits for its answer (single flight), and an
// answer is kept for a short while (its step, within [CacheMinTTL,
// CacheMaxTTL]) for whoever asks the same thing at the same step. Its
// keys are the query, its range and its step with the range's end aligned
// to the step, and the evaluation time of an instant query (see
// SharedQuerier), so a kept answer is the answer to that question, never a
// newer question's. Failures are shared with those waiting, never kept. It
// keeps at most CacheMaxKept answers: past that, an answer is still shared
// with those waiting for it, and not kept. Its methods are safe for
// concurrent use.
type Cache struct {
	now func() time.Time

	mu      sync.Mutex
	flights map[string]*flight
	kept    map[string]keptAnswer
	swept   time.Time

	saved atomic.Int64
}

// Bounds of how long an answer is kept, and of how many are.
const (
	CacheMinTTL  = time.Second
	CacheMaxTTL  = time.Minute
	CacheMaxKept = 512
)

type flight struct {
	done chan struct{}
	v    any
	err  error
}

type keptAnswer struct {
	v   any
	exp time.Time
}

// NewCache returns an empty cache on the clock now (nil: the system's).
func NewCache(now func() time.Time) *Cache {
	if now == nil {
		now = time.Now
	}
	return &Cache{now: now, flights: map[string]*flight{}, kept: map[string]keptAnswer{}}
}

// Share answers key: from a kept answer, from the same query on its way,
// or by running ask, whose answer is then kept for ttl. A waiter whose own
// context ends stops waiting; the query runs on, bounded by the deadline
// of the caller that started it. Share is a Sharer.
func (c *Cache) Share(ctx context.Context, key string, ttl time.Duration, ask func(ctx context.Context) (any, error)) (any, error) {
	now := c.now()
	c.mu.Lock()
	c.sweepLocked(now)
	if k, ok := c.kept[key]; ok && now.Before(k.exp) {
		c.mu.Unlock()
		c.saved.Add(1)
		return k.v, nil
	}
	if f, ok := c.flights[key]; ok {
		c.mu.Unlock()
		c.saved.Add(1)
		select {
		case <-f.done:
			return f.v, f.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f := &flight{done: make(chan struct{})}
	c.flights[key] = f
	c.mu.Unlock()

	// The query is everyone's now: the first caller leaving must not
	// cancel it for the others; its deadline still bounds it.
	run := context.WithoutCancel(ctx)
	cancel := func() {}
	if d, ok := ctx.Deadline(); ok {
		run, cancel = context.WithDeadline(run, d)
	}
	f.v, f.err = ask(run)
	cancel()

	c.mu.Lock()
	delete(c.flights, key)
	if f.err == nil {
		now := c.now()
		if len(c.kept) >= CacheMaxKept {
			c.swept = time.Time{}
			c.sweepLocked(now)
		}
		if len(c.kept) < CacheMaxKept {
			ttl = min(max(ttl, CacheMinTTL), CacheMaxTTL)
			c.kept[key] = keptAnswer{v: f.v, exp: now.Add(ttl)}
		}
	}
	c.mu.Unlock()
	close(f.done)
	return f.v, f.err
}

// sweepLocked drops the answers that have expired, at most once a second.
func (c *Cache) sweepLocked(now time.Time) {
	if now.Sub(c.swept) < time.Second {
		return
	}
	c.swept = now
	for k, v := range c.kept {
		if !now.Before(v.exp) {
			delete(c.kept, k)
		}
	}
}

// Kept is the number of answers kept now.
func (c *Cache) Kept() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.kept)
}

// Saved is the number of queries answered without asking Prometheus: from
// a kept answer or from the same query on its way.
func (c *Cache) Saved() int64 { return c.saved.Load() }
