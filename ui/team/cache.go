package team

import (
	"context"
	"sync"
	"time"
)

// queryCache shares the one-off queries of a Team's consoles (endpoint
// detail, panels, the PromQL prompt): a query asked while the same one is
// on its way waits for its answer (single flight), and an answer is kept
// for a short while (a step, within [cacheMinTTL, cacheMaxTTL]) for those
// who ask the same thing at the same step. The key is the query, its
// range and its step, the range's end aligned to the step, so that two
// people on the same graph a few seconds apart share one query. Failures
// are shared with those waiting, never kept.
type queryCache struct {
	t *Team

	mu      sync.Mutex
	flights map[string]*flight
	kept    map[string]kept
	swept   time.Time
}

// Bounds of how long an answer is kept.
const (
	cacheMinTTL = time.Second
	cacheMaxTTL = time.Minute
)

type flight struct {
	done chan struct{}
	v    any
	err  error
}

type kept struct {
	v   any
	exp time.Time
}

func newQueryCache(t *Team) *queryCache {
	return &queryCache{t: t, flights: map[string]*flight{}, kept: map[string]kept{}}
}

// do answers key: from a kept answer, from the same query on its way, or
// by running ask. A waiter whose own context ends stops waiting; the query
// runs on, bounded by the deadline of the caller that started it.
func (c *queryCache) do(ctx context.Context, key string, ttl time.Duration, ask func(ctx context.Context) (any, error)) (any, error) {
	now := c.t.now()
	c.mu.Lock()
	c.sweepLocked(now)
	if k, ok := c.kept[key]; ok && now.Before(k.exp) {
		c.mu.Unlock()
		c.t.saved.Add(1)
		return k.v, nil
	}
	if f, ok := c.flights[key]; ok {
		c.mu.Unlock()
		c.t.saved.Add(1)
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
		ttl = min(max(ttl, cacheMinTTL), cacheMaxTTL)
		c.kept[key] = kept{v: f.v, exp: c.t.now().Add(ttl)}
	}
	c.mu.Unlock()
	close(f.done)
	return f.v, f.err
}

// sweepLocked drops the answers that have expired, at most once a second.
func (c *queryCache) sweepLocked(now time.Time) {
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

// size is the number of answers kept.
func (c *queryCache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.kept)
}

// Share answers key through the Team's cache of one-off queries: from a
// kept answer, from the same query on its way, or by running ask
// (query.Sharer).
func (t *Team) Share(ctx context.Context, key string, ttl time.Duration, ask func(ctx context.Context) (any, error)) (any, error) {
	return t.cache.do(ctx, key, ttl, ask)
}

// Kept is the number of answers the cache keeps now.
func (t *Team) Kept() int { return t.cache.size() }
