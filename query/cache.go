package query

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/common/model"
)

// Cache shares one-off queries (endpoint detail, panels, dashboards; in a
// console of one also the PromQL prompt and an alert's graph) between the
// screens and contexts of one console, and between the consoles of vigil
// serve: a query asked while
// the same one is on its way waits for its answer (single flight), and an
// answer is kept for a short while (its step, within [CacheMinTTL,
// CacheMaxTTL]) for whoever asks the same thing at the same step. Its
// keys are the query, its range and its step, and the second an instant
// query is asked in (see SharedQuerier): a kept answer is the answer to
// that question, or, for an instant query, to the same one asked at most
// a second apart. Failures are shared with those waiting, never kept
// (a partial answer is returned as a failure that carries it: see
// Partial). It keeps at most CacheMaxKept answers and CacheMaxBytes of
// them (as CachedBytes estimates): past that, an answer is still shared
// with those waiting for it, and not kept. Its methods are safe for
// concurrent use.
type Cache struct {
	now func() time.Time

	mu      sync.Mutex
	flights map[string]*flight
	kept    map[string]keptAnswer
	bytes   int64 // of the kept answers
	swept   time.Time

	saved atomic.Int64
}

// Bounds of how long an answer is kept, and of how many are.
const (
	CacheMinTTL   = time.Second
	CacheMaxTTL   = time.Minute
	CacheMaxKept  = 512
	CacheMaxBytes = 32 << 20
)

// CachedBytes estimates what an answer holds in memory: its samples and
// labels for a Prometheus answer, its points for a detail; 4 KiB for
// anything else.
func CachedBytes(v any) int64 {
	switch x := v.(type) {
	case sharedAnswer:
		return valueBytes(x.v)
	case *Detail:
		if x == nil {
			return 0
		}
		n := int64(4 << 10)
		for _, c := range x.Charts {
			for _, sr := range c.Series {
				n += int64(len(sr.Values))*8 + int64(len(sr.Name)) + 64
			}
		}
		return n
	}
	return 4 << 10
}

// valueBytes estimates the memory of a Prometheus answer.
func valueBytes(v model.Value) int64 {
	labels := func(m model.Metric) int64 {
		n := int64(48)
		for k, v := range m {
			n += int64(len(k)+len(v)) + 32
		}
		return n
	}
	switch x := v.(type) {
	case model.Vector:
		n := int64(0)
		for _, s := range x {
			n += labels(s.Metric) + 24
		}
		return n
	case model.Matrix:
		n := int64(0)
		for _, s := range x {
			n += labels(s.Metric) + int64(len(s.Values))*16 + int64(len(s.Histograms))*256
		}
		return n
	}
	return 256
}

// Partial is an answer that is part failure (a detail with a chart whose
// query failed): ask returns it as its error, so that those waiting get
// it and it is not kept; PartialOf unwraps it.
type Partial struct{ V any }

func (p *Partial) Error() string { return "a partial answer" }

// PartialOf is the answer a Partial carries, when err is one.
func PartialOf(err error) (any, bool) {
	var p *Partial
	if errors.As(err, &p) {
		return p.V, true
	}
	return nil, false
}

type flight struct {
	done chan struct{}
	v    any
	err  error
}

type keptAnswer struct {
	v    any
	exp  time.Time
	size int64 // CachedBytes
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
		size := CachedBytes(f.v)
		if len(c.kept) >= CacheMaxKept || c.bytes+size > CacheMaxBytes {
			c.swept = time.Time{}
			c.sweepLocked(now)
		}
		if old, ok := c.kept[key]; ok { // expired, not swept yet
			c.bytes -= old.size
			delete(c.kept, key)
		}
		if len(c.kept) < CacheMaxKept && c.bytes+size <= CacheMaxBytes {
			ttl = min(max(ttl, CacheMinTTL), CacheMaxTTL)
			c.kept[key] = keptAnswer{v: f.v, exp: now.Add(ttl), size: size}
			c.bytes += size
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
			c.bytes -= v.size
		}
	}
}

// Kept is the number of answers kept now.
func (c *Cache) Kept() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.kept)
}

// KeptBytes is what the answers kept now hold, as CachedBytes estimates.
func (c *Cache) KeptBytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}

// Saved is the number of queries answered without asking Prometheus: from
// a kept answer or from the same query on its way.
func (c *Cache) Saved() int64 { return c.saved.Load() }
