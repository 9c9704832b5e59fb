package ui

import (
	"slices"
	"sync"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query/poll"
)

// sharedPoller is one poller of a Team, held by the consoles that look at
// what it asks. Whichever console's heartbeat finds it due runs the poll;
// every console subscribed hears the answer. When the last console lets go
// of it, it leaves the Team and nobody polls it any more.
type sharedPoller struct {
	key  string
	p    any // *poll.Poller[T]
	refs int

	mu   sync.Mutex
	last any // the newest poll.Result[T] published, for a console that comes later
}

// sharedFeed is the feed of the poller that key names: the Team's shared
// one when the console has a Team (made with o the first time), else a
// poller of its own. release lets go of it (nil without a Team).
func sharedFeed[T any](m *Model, key string, o poll.Options) (f *feed[T], release func()) {
	if m.link == nil {
		return newFeed(poll.New[T](nil, o)), nil
	}
	t := m.link.team
	t.mu.Lock()
	e, ok := t.pollers[key]
	if !ok {
		p := poll.New[T](nil, o)
		e = &sharedPoller{key: key, p: p}
		p.Subscribe(func(r poll.Result[T]) {
			// Every console beyond the first takes this answer without
			// asking.
			t.mu.Lock()
			if n := e.refs - 1; n > 0 {
				t.pollsShared.Add(int64(n))
			}
			t.mu.Unlock()
			e.mu.Lock()
			if prev, ok := e.last.(poll.Result[T]); !ok || r.Seq > prev.Seq {
				e.last = r
			}
			e.mu.Unlock()
		})
		t.pollers[key] = e
	}
	e.refs++
	t.mu.Unlock()

	p := e.p.(*poll.Poller[T])
	f = newFeedNotify(p, m.link.l.wake)
	// Its answers that arrive in another console's command are taken on
	// the wake-up: registered here, so that no screen can forget it.
	taker := &feedTaker{take: func() tea.Msg { return f.take() }}
	link := m.link
	link.takersMu.Lock()
	link.takers = append(link.takers, taker)
	link.takersMu.Unlock()
	// A console that comes later starts from what the others see.
	e.mu.Lock()
	last, ok := e.last.(poll.Result[T])
	e.mu.Unlock()
	if ok {
		f.deliver(last)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			f.unsubscribe()
			link.takersMu.Lock()
			link.takers = slices.DeleteFunc(link.takers, func(t *feedTaker) bool { return t == taker })
			link.takersMu.Unlock()
			t.mu.Lock()
			defer t.mu.Unlock()
			e.refs--
			if e.refs <= 0 && t.pollers[key] == e {
				delete(t.pollers, key)
				// Nobody takes its answer any more: let it go, even while
				// a session still holds this release.
				e.mu.Lock()
				e.last = nil
				e.mu.Unlock()
			}
		})
	}
	m.link.member.onLeave(release)
	return f, release
}
