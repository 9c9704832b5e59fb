package team

import (
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
	// forget lets go of the poller's last answer.
	forget func()
}

// Poller is the Team's poller that key names, made with o by the first
// console that asks, and held once more. A console that comes later
// subscribes with SubscribeLast, which gives the answer the others see.
// release lets go of it; when the last holder does, it leaves the Team.
func Poller[T any](t *Team, key string, o poll.Options) (p *poll.Poller[T], release func()) {
	t.mu.Lock()
	e, found := t.pollers[key]
	if !found {
		np := poll.New[T](nil, o)
		e = &sharedPoller{key: key, p: np, forget: np.ForgetLast}
		np.Subscribe(func(poll.Result[T]) {
			// Every console beyond the first takes this answer without
			// asking.
			t.mu.Lock()
			if n := e.refs - 1; n > 0 {
				t.pollsShared.Add(int64(n))
			}
			t.mu.Unlock()
		})
		t.pollers[key] = e
	}
	e.refs++
	t.mu.Unlock()

	release = func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		e.refs--
		if e.refs <= 0 && t.pollers[key] == e {
			delete(t.pollers, key)
			// Nobody takes its answer any more: let it go, even while a
			// session still holds this release.
			e.forget()
		}
	}
	return e.p.(*poll.Poller[T]), release
}
