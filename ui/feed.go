package ui

import (
	"context"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query/poll"
)

// polled is a poller's result as a message to the model that subscribed.
// Each poller's result type is its own, so the type tells them apart.
type polled[T any] struct{ poll.Result[T] }

// feed is the thin adapter between a poller and one model: it subscribes
// to the poller and turns what the poller publishes into messages. A
// result older than one already delivered is dropped.
type feed[T any] struct {
	p     *poll.Poller[T]
	ready chan struct{}

	mu      sync.Mutex
	pending *poll.Result[T]
	seen    uint64 // the newest result delivered

	// notify, when set, is told of every result (a Team console's wake-up:
	// a poller it shares answers in another console's command).
	notify func()
	unsub  func()
}

func newFeed[T any](p *poll.Poller[T]) *feed[T] { return newFeedNotify(p, nil) }

// newFeedNotify is newFeed with notify told of every result. A feed of a
// poller that has published already (a Team's, joined late) starts with
// its newest result, taken in the same step as the subscription.
func newFeedNotify[T any](p *poll.Poller[T], notify func()) *feed[T] {
	f := &feed[T]{p: p, ready: make(chan struct{}, 1), notify: notify}
	last, ok, unsub := p.SubscribeLast(f.deliver)
	f.unsub = unsub
	if ok {
		f.deliver(last)
	}
	return f
}

// unsubscribe stops the feed hearing its poller.
func (f *feed[T]) unsubscribe() { f.unsub() }

// pollerOptions are the options of the console's pollers: the refresh
// interval, a heartbeat's slack, the model's clock.
func pollerOptions(m *Model, deadline, firstBackoff time.Duration) poll.Options {
	return poll.Options{Interval: m.cfg.UI.Refresh.D(), Deadline: deadline,
		FirstBackoff: firstBackoff, Slack: 50 * time.Millisecond, Now: m.ctx.Now}
}

func (f *feed[T]) deliver(r poll.Result[T]) {
	f.mu.Lock()
	if r.Seq > f.seen && (f.pending == nil || r.Seq > f.pending.Seq) {
		f.pending = &r
	}
	f.mu.Unlock()
	select {
	case f.ready <- struct{}{}:
	default:
	}
	if f.notify != nil {
		f.notify()
	}
}

// take returns the newest undelivered result as a message, or nil.
func (f *feed[T]) take() tea.Msg {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pending == nil {
		return nil
	}
	r := *f.pending
	f.pending, f.seen = nil, r.Seq
	return polled[T]{r}
}

// start claims a poll of fetch (see poll.Poller.StartWith) and returns the
// command that runs it: its message is the result as published, nil when
// a newer poll superseded it. nil when the poll was not started.
func (f *feed[T]) start(fetch poll.Fetch[T], force bool) tea.Cmd {
	job, ok := f.p.StartWith(fetch, force)
	return f.run(job, ok)
}

// startDue is start for a heartbeat at at: the poll starts only if one is
// due then, decided in the same step that claims it, so consoles sharing
// the poller whose heartbeats come together start one poll between them.
// A zero at starts one unless one is running, as start does.
func (f *feed[T]) startDue(fetch poll.Fetch[T], at time.Time) tea.Cmd {
	if at.IsZero() {
		return f.start(fetch, false)
	}
	job, ok := f.p.StartDue(fetch, at)
	return f.run(job, ok)
}

// dueAt is the time startDue checks a poll against: the heartbeat's at, or
// zero for a refresh asked for now, which starts unless one is running.
func dueAt(at time.Time, now bool) time.Time {
	if now {
		return time.Time{}
	}
	return at
}

func (f *feed[T]) run(job *poll.Job[T], ok bool) tea.Cmd {
	if !ok {
		return nil
	}
	return func() tea.Msg {
		job.Run(context.Background())
		return f.take()
	}
}

// next waits for a result polled by someone else: how a console hears a
// poller it shares with others.
func (f *feed[T]) next() tea.Cmd {
	return func() tea.Msg {
		for {
			<-f.ready
			if msg := f.take(); msg != nil {
				return msg
			}
		}
	}
}

// status is the poller's state now.
func (f *feed[T]) status() poll.Status { return f.p.Status() }

// request runs ask once, in a command, under deadline: a one-off request
// (a PromQL query, an alert's rule), where a poller keeps asking.
func request(deadline time.Duration, ask func(ctx context.Context) tea.Msg) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		return ask(ctx)
	}
}
