package poll

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)} }

func answer(n int) Fetch[int] {
	return func(context.Context) (int, error) { return n, nil }
}

func mustStart[T any](t *testing.T, p *Poller[T], force bool) *Job[T] {
	t.Helper()
	j, ok := p.Start(force)
	if !ok {
		t.Fatal("poll not started")
	}
	return j
}

func TestDueOnTheIntervalWithSlack(t *testing.T) {
	c := newClock()
	p := New(answer(1), Options{Interval: 5 * time.Second, Slack: 50 * time.Millisecond, Now: c.Now})
	if !p.Due(c.Now()) {
		t.Fatal("a poller that never polled is not due")
	}
	mustStart(t, p, false).Run(context.Background())
	for _, step := range []struct {
		after time.Duration
		due   bool
	}{{time.Second, false}, {3 * time.Second, false}, {950 * time.Millisecond, true}} {
		c.Add(step.after)
		if got := p.Due(c.Now()); got != step.due {
			t.Fatalf("%v after the start: due %v, want %v", c.Now().Sub(p.Status().Started), got, step.due)
		}
	}
}

func TestSkipsWhileInFlightUnlessForced(t *testing.T) {
	c := newClock()
	p := New(answer(1), Options{Interval: time.Second, Now: c.Now})
	j := mustStart(t, p, false)
	c.Add(time.Hour)
	if p.Due(c.Now()) {
		t.Fatal("due while a poll runs")
	}
	if _, ok := p.Start(false); ok {
		t.Fatal("a second poll started while one runs")
	}
	if s := p.Status(); !s.Inflight || s.Skipped != 1 || s.Polls != 1 {
		t.Fatalf("status %+v", s)
	}
	if _, cur := j.Run(context.Background()); !cur {
		t.Fatal("the only poll's answer is stale")
	}
	if s := p.Status(); s.Inflight {
		t.Fatal("still in flight after the answer")
	}
	if _, ok := p.Start(false); !ok {
		t.Fatal("no poll after the answer")
	}
	if _, ok := p.Start(true); !ok || p.Status().Polls != 3 {
		t.Fatal("a forced poll did not start")
	}
}

func TestBackoffDoublesCappedAtTheInterval(t *testing.T) {
	c := newClock()
	fail := true
	p := New(func(context.Context) (int, error) {
		if fail {
			return 0, errors.New("connection refused")
		}
		return 7, nil
	}, Options{Interval: 5 * time.Second, FirstBackoff: time.Second, Now: c.Now})
	var waits []time.Duration
	for i := 0; i < 5; i++ {
		res, _ := mustStart(t, p, false).Run(context.Background())
		if res.Failures != i+1 || res.Err == nil {
			t.Fatalf("poll %d: %+v", i, res)
		}
		wait := res.RetryAt.Sub(c.Now())
		waits = append(waits, wait)
		c.Add(wait - time.Millisecond)
		if p.Due(c.Now()) {
			t.Fatalf("retry %d due before its time", i)
		}
		c.Add(time.Millisecond)
		if !p.Due(c.Now()) {
			t.Fatalf("retry %d not due at its time", i)
		}
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	if fmt.Sprint(waits) != fmt.Sprint(want) {
		t.Fatalf("waits %v, want %v", waits, want)
	}
	fail = false
	res, _ := mustStart(t, p, false).Run(context.Background())
	if s := p.Status(); res.Value != 7 || res.Failures != 0 || s.Err != nil || !s.LastOK.Equal(c.Now()) {
		t.Fatalf("recovery: %+v %+v", res, s)
	}
}

// Without a first backoff, a failed poll waits the whole interval.
func TestNoBackoffRetriesOnTheInterval(t *testing.T) {
	c := newClock()
	p := New(func(context.Context) (int, error) { return 0, errors.New("down") }, Options{Interval: 5 * time.Second, Now: c.Now})
	res, _ := mustStart(t, p, false).Run(context.Background())
	if res.RetryAt.Sub(c.Now()) != 5*time.Second {
		t.Fatalf("retry in %v", res.RetryAt.Sub(c.Now()))
	}
	c.Add(4 * time.Second)
	if p.Due(c.Now()) {
		t.Fatal("due before the interval")
	}
}

func TestDeadlineBoundsAPoll(t *testing.T) {
	p := New(func(ctx context.Context) (int, error) {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(10 * time.Second):
			return 1, nil
		}
	}, Options{Interval: time.Second, Deadline: 50 * time.Millisecond})
	start := time.Now()
	res, _ := mustStart(t, p, false).Run(context.Background())
	if !errors.Is(res.Err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("after %v: %v", time.Since(start), res.Err)
	}
}

func TestStaleAnswersAreDropped(t *testing.T) {
	p := New(answer(1), Options{Interval: time.Second})
	var got []int
	p.Subscribe(func(r Result[int]) { got = append(got, r.Value) })
	older := mustStart(t, p, false)
	newer, ok := p.StartWith(answer(2), true)
	if !ok {
		t.Fatal("forced poll not started")
	}
	if _, cur := newer.Run(context.Background()); !cur {
		t.Fatal("newest answer stale")
	}
	if res, cur := older.Run(context.Background()); cur || res.Seq >= newer.seq {
		t.Fatalf("older answer current (seq %d, newest %d)", res.Seq, newer.seq)
	}
	if fmt.Sprint(got) != "[2]" {
		t.Fatalf("published %v, want only the newest", got)
	}
	// Invalidate drops the answer on its way.
	j := mustStart(t, p, false)
	p.Invalidate()
	if _, cur := j.Run(context.Background()); cur || len(got) != 1 || p.Status().Inflight {
		t.Fatalf("answer after Invalidate published: %v", got)
	}
}

func TestEverySubscriberGetsTheSameResultUntilUnsubscribed(t *testing.T) {
	p := New(answer(42), Options{Interval: time.Second})
	var mu sync.Mutex
	got := map[string][]uint64{}
	sub := func(name string) func() {
		return p.Subscribe(func(r Result[int]) {
			mu.Lock()
			defer mu.Unlock()
			if r.Value != 42 {
				t.Errorf("%s got %d", name, r.Value)
			}
			got[name] = append(got[name], r.Seq)
		})
	}
	stopA := sub("a")
	sub("b")
	sub("c")
	mustStart(t, p, false).Run(context.Background())
	stopA()
	mustStart(t, p, false).Run(context.Background())
	if fmt.Sprint(got) != "map[a:[1] b:[1 2] c:[1 2]]" {
		t.Fatalf("deliveries %v", got)
	}
}

// Loop runs a shared poller on its own, on short real intervals.
func TestLoopPollsOnItsOwnUntilCancelled(t *testing.T) {
	var mu sync.Mutex
	n := 0
	p := New(func(context.Context) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		n++
		return n, nil
	}, Options{Interval: 30 * time.Millisecond})
	results := make(chan Result[int], 100)
	p.Subscribe(func(r Result[int]) { results <- r })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Loop(ctx, 5*time.Millisecond); close(done) }()
	var seen []int
	timeout := time.After(5 * time.Second)
	for len(seen) < 3 {
		select {
		case r := <-results:
			seen = append(seen, r.Value)
		case <-timeout:
			t.Fatalf("only %v in 5s", seen)
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Loop did not end with its context")
	}
	if fmt.Sprint(seen[:3]) != "[1 2 3]" {
		t.Fatalf("results %v", seen)
	}
}

// Two callers sharing a Poller find it due at the same heartbeat. The first
// starts a poll that is over before the second asks: the second must not
// start another. Asking Due and then Start can (the poll that made it not
// due is already finished); StartDue decides and claims in one step.
func TestStartDueStartsOnePollForHeartbeatsThatComeTogether(t *testing.T) {
	c := newClock()
	p := New(answer(1), Options{Interval: 5 * time.Second, Slack: 50 * time.Millisecond, Now: c.Now})
	j, ok := p.StartDue(answer(1), c.Now())
	if !ok {
		t.Fatal("a Poller that never polled is not due")
	}
	j.Run(context.Background())
	c.Add(6 * time.Second)
	at := c.Now()
	// Both callers' heartbeats carry at; the first claims and finishes.
	if !p.Due(at) {
		t.Fatal("not due 6s after a 5s poll")
	}
	first, ok := p.StartDue(answer(2), at)
	if !ok {
		t.Fatal("the first caller did not start the due poll")
	}
	first.Run(context.Background())
	if _, ok := p.StartDue(answer(3), at); ok {
		t.Error("the second caller at the same heartbeat started a second poll")
	}
	if n := p.Status().Polls; n != 2 {
		t.Errorf("%d polls, want 2", n)
	}
	// The old way, Due then Start, shows the race StartDue closes.
	c.Add(6 * time.Second)
	at = c.Now()
	dueA, dueB := p.Due(at), p.Due(at)
	ja, _ := p.StartWith(answer(4), false)
	ja.Run(context.Background())
	if !dueA || !dueB {
		t.Fatal("not due after the interval")
	}
	if _, ok := p.StartDue(answer(5), at); ok {
		t.Error("StartDue started a poll at a heartbeat whose poll is already done")
	}
	// A nil fetch starts nothing.
	c.Add(6 * time.Second)
	if _, ok := p.StartDue(nil, c.Now()); ok {
		t.Error("a nil fetch started")
	}
}

// A subscriber that comes while a result is being published misses
// nothing: SubscribeLast gives it either as the last result or to its
// function. Run against each other many times, so that the publish falls
// on every side of the subscription.
func TestSubscribeLastMissesNoResult(t *testing.T) {
	for i := range 3000 {
		p := New(answer(i), Options{Interval: time.Second})
		j := mustStart(t, p, false)
		var (
			mu   sync.Mutex
			seen uint64
		)
		note := func(r Result[int]) {
			mu.Lock()
			seen = max(seen, r.Seq)
			mu.Unlock()
		}
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); j.Run(context.Background()) }()
		go func() {
			defer wg.Done()
			if last, ok, _ := p.SubscribeLast(note); ok {
				note(last)
			}
		}()
		wg.Wait()
		if seen != j.seq {
			t.Fatalf("round %d: the subscriber saw seq %d, the poller published %d", i, seen, j.seq)
		}
	}
	p := New(answer(1), Options{Interval: time.Second})
	if _, ok, _ := p.SubscribeLast(func(Result[int]) {}); ok {
		t.Fatal("a last result before any was published")
	}
	mustStart(t, p, false).Run(context.Background())
	p.ForgetLast()
	if _, ok, _ := p.SubscribeLast(func(Result[int]) {}); ok {
		t.Fatal("ForgetLast kept the last result")
	}
}
