// Package poll asks one question on a schedule and publishes each answer
// to whoever subscribed. A Poller owns the schedule (interval), whether a
// poll is running, the sequence number that tells a current answer from a
// stale one, the backoff after failures and the deadline of each poll.
//
// A Poller knows nothing of terminals: it can serve one console or, shared
// by many, every person looking at the same Prometheus. A console turns the
// published results into its own messages (see package ui).
package poll

import (
	"context"
	"sync"
	"time"
)

// Fetch asks the question once; the context carries the poll's deadline.
type Fetch[T any] func(ctx context.Context) (T, error)

// Options configure a Poller.
type Options struct {
	// Interval is the time between the starts of two polls.
	Interval time.Duration
	// Deadline bounds one poll; 0 leaves it to the fetch.
	Deadline time.Duration
	// FirstBackoff, when set, makes failures retry sooner than the
	// interval: FirstBackoff, then doubling, capped at the interval. When
	// zero a failed poll is retried on the interval.
	FirstBackoff time.Duration
	// Slack lets a poll start this much before its interval has passed,
	// so that a once-a-second heartbeat does not slip a whole second.
	Slack time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Result is one published answer.
type Result[T any] struct {
	// Seq numbers the poll; a newer poll has a higher one.
	Seq   uint64
	Value T
	Err   error
	// Started and Took time the poll.
	Started time.Time
	Took    time.Duration
	// Failures counts the polls that failed in a row, this one included;
	// RetryAt is when the next one is due after a failure.
	Failures int
	RetryAt  time.Time
}

// Status is a Poller's state at one moment.
type Status struct {
	// Inflight is true while a poll runs; Started is when the newest began.
	Inflight bool
	Started  time.Time
	// LastOK is the end of the last poll that worked.
	LastOK time.Time
	// Err is the failure of the last poll, nil when it worked.
	Err      error
	Failures int
	RetryAt  time.Time
	// Skipped counts polls not started because one was still running.
	Skipped int
	// Polls counts the polls started.
	Polls int
}

// Poller runs one question on a schedule. Its methods are safe for
// concurrent use.
type Poller[T any] struct {
	opts  Options
	fetch Fetch[T]
	// floor, when longer than the interval, is the time between two
	// polls instead (SetFloor).
	floor time.Duration

	mu      sync.Mutex
	seq     uint64
	running bool
	st      Status
	subs    map[int]func(Result[T])
	nextSub int
	// last is the newest result published (hasLast), for a subscriber
	// that comes later (SubscribeLast).
	last    Result[T]
	hasLast bool
}

// New returns a Poller of fetch (which may be nil when every poll brings
// its own, see StartWith).
func New[T any](fetch Fetch[T], o Options) *Poller[T] {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Poller[T]{opts: o, fetch: fetch, subs: map[int]func(Result[T]){}}
}

// Due reports whether a poll should start at now: none is running and the
// interval has passed since the last one began, or, after a failure with
// backoff, the retry time has come.
func (p *Poller[T]) Due(now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dueLocked(now)
}

func (p *Poller[T]) dueLocked(now time.Time) bool {
	if p.running {
		return false
	}
	if p.st.Err != nil && p.opts.FirstBackoff > 0 {
		return !now.Before(p.st.RetryAt)
	}
	return now.Sub(p.st.Started) >= max(p.opts.Interval, p.floor)-p.opts.Slack
}

// SetFloor makes the time between two polls at least d (0: the interval
// alone): no sooner than the answer can change, such as the scrape
// interval of the data asked about.
func (p *Poller[T]) SetFloor(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.floor = max(d, 0)
}

// Every is the time between two polls: the interval, or the floor when
// longer.
func (p *Poller[T]) Every() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return max(p.opts.Interval, p.floor)
}

// Start claims a poll of the Poller's own fetch; see StartWith.
func (p *Poller[T]) Start(force bool) (*Job[T], bool) { return p.StartWith(p.fetch, force) }

// StartDue claims a poll of fetch only if one is due at now (see Due), in
// one step. Several callers sharing the Poller that find it due together
// start one poll between them, even when the first one's poll is over
// before the next caller asks.
func (p *Poller[T]) StartDue(fetch Fetch[T], now time.Time) (*Job[T], bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if fetch == nil || !p.dueLocked(now) {
		return nil, false
	}
	return p.startLocked(fetch), true
}

// StartWith claims a poll of fetch. While one runs it is skipped (and
// counted) unless force is set: then the new poll supersedes the running
// one, whose answer will be dropped. The Job runs the fetch (Run), in
// whatever goroutine the caller chooses.
func (p *Poller[T]) StartWith(fetch Fetch[T], force bool) (*Job[T], bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if fetch == nil {
		return nil, false
	}
	if p.running && !force {
		p.st.Skipped++
		return nil, false
	}
	return p.startLocked(fetch), true
}

func (p *Poller[T]) startLocked(fetch Fetch[T]) *Job[T] {
	p.seq++
	p.running = true
	p.st.Polls++
	p.st.Started = p.opts.Now()
	return &Job[T]{p: p, fetch: fetch, seq: p.seq, started: p.st.Started}
}

// Invalidate drops the answer of any poll on its way: nothing is published
// until a new poll starts.
func (p *Poller[T]) Invalidate() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seq++
	p.running = false
}

// Status returns the Poller's state now.
func (p *Poller[T]) Status() Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.st
	s.Inflight = p.running
	return s
}

// Subscribe adds f to the subscribers: it is called with every current
// result, in the goroutine that ran the poll, and must not block. The
// returned function unsubscribes.
func (p *Poller[T]) Subscribe(f func(Result[T])) (unsubscribe func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	id := p.nextSub
	p.nextSub++
	p.subs[id] = f
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		delete(p.subs, id)
	}
}

// SubscribeLast is Subscribe for a subscriber that comes later: it also
// returns the newest result published before it (ok false when none was),
// so that no result falls between the two: every result is either last or
// handed to f.
func (p *Poller[T]) SubscribeLast(f func(Result[T])) (last Result[T], ok bool, unsubscribe func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	id := p.nextSub
	p.nextSub++
	p.subs[id] = f
	return p.last, p.hasLast, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		delete(p.subs, id)
	}
}

// ForgetLast lets go of the newest result kept for SubscribeLast (a shared
// poller nobody holds any more).
func (p *Poller[T]) ForgetLast() {
	p.mu.Lock()
	defer p.mu.Unlock()
	var zero Result[T]
	p.last, p.hasLast = zero, false
}

// Loop polls whenever a poll is due, checking every tick, until ctx ends.
// It is how a Poller shared by several consoles runs on its own.
func (p *Poller[T]) Loop(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if job, ok := p.StartDue(p.fetch, p.opts.Now()); ok {
			go job.Run(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// backoff is the wait before retry number n (from 1): FirstBackoff,
// doubling, capped at the interval.
func (p *Poller[T]) backoff(n int) time.Duration {
	d := p.opts.FirstBackoff
	for i := 1; i < n && d < p.opts.Interval; i++ {
		d *= 2
	}
	return min(d, p.opts.Interval)
}

// Job is one claimed poll.
type Job[T any] struct {
	p       *Poller[T]
	fetch   Fetch[T]
	seq     uint64
	started time.Time
}

// Run runs the fetch under the Poller's deadline, records the outcome and
// publishes it to every subscriber. current is false when a newer poll
// started meanwhile (or the Poller was invalidated): then the answer is
// stale, nothing is recorded and nobody hears of it.
func (j *Job[T]) Run(ctx context.Context) (res Result[T], current bool) {
	p := j.p
	if p.opts.Deadline > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.opts.Deadline)
		defer cancel()
	}
	t0 := time.Now()
	v, err := j.fetch(ctx)
	took := time.Since(t0)

	p.mu.Lock()
	if j.seq != p.seq {
		p.mu.Unlock()
		return Result[T]{Seq: j.seq, Value: v, Err: err, Started: j.started, Took: took}, false
	}
	p.running = false
	now := p.opts.Now()
	if err != nil {
		p.st.Failures++
		p.st.Err = err
		p.st.RetryAt = now.Add(p.opts.Interval)
		if p.opts.FirstBackoff > 0 {
			p.st.RetryAt = now.Add(p.backoff(p.st.Failures))
		}
	} else {
		p.st.Failures, p.st.Err, p.st.RetryAt = 0, nil, time.Time{}
		p.st.LastOK = now
	}
	res = Result[T]{Seq: j.seq, Value: v, Err: err, Started: j.started, Took: took,
		Failures: p.st.Failures, RetryAt: p.st.RetryAt}
	// Kept and handed out in the same step: a subscriber either is among
	// subs or finds res as the last (SubscribeLast).
	p.last, p.hasLast = res, true
	subs := make([]func(Result[T]), 0, len(p.subs))
	for _, f := range p.subs {
		subs = append(subs, f)
	}
	p.mu.Unlock()
	for _, f := range subs {
		f(res)
	}
	return res, true
}
