package ui

import (
	"slices"
	"sync"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query/poll"
	"github.com/vigilterm/vigil/ui/team"
)

// sharedFeed is the feed of the poller that key names: the Team's shared
// one when the console has a Team (made with o the first time), else a
// poller of its own. release lets go of it (nil without a Team).
func sharedFeed[T any](m *Model, key string, o poll.Options) (f *feed[T], release func()) {
	if m.link == nil {
		return newFeed(poll.New[T](nil, o)), nil
	}
	p, let := team.Poller[T](m.link.team, key, o)
	// A console that comes later starts from what the others see: the
	// last answer and the subscription are taken in one step, so that no
	// answer falls between them.
	f = newFeedNotify(p, m.link.l.Wake)
	// Its answers that arrive in another console's command are taken on
	// the wake-up: registered here, so that no screen can forget it.
	taker := &feedTaker{take: func() tea.Msg { return f.take() }}
	link := m.link
	link.takersMu.Lock()
	link.takers = append(link.takers, taker)
	link.takersMu.Unlock()
	var once sync.Once
	release = func() {
		once.Do(func() {
			f.unsubscribe()
			link.takersMu.Lock()
			link.takers = slices.DeleteFunc(link.takers, func(t *feedTaker) bool { return t == taker })
			link.takersMu.Unlock()
			let()
		})
	}
	m.link.member.OnLeave(release)
	return f, release
}
