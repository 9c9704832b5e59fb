package team

import (
	"context"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views/text"
)

// A Team is everyone using one vigil process at once (vigil serve: one
// console per SSH session). It makes many consoles cheap and aware of each
// other:
//
//   - the periodic questions (overview, alerts, status, doctor) are asked
//     once per context and shape for all the consoles that look at them,
//     however many there are (shared pollers, counted by reference);
//   - the detail, panel and PromQL queries of several people asking the
//     same thing at the same step are asked once (query.Cache);
//   - it knows who is connected and where each one is (presence), and
//     who is on which alert (claims).
//
// A console with no Team is the single-user console. A Team's methods are
// safe for concurrent use; a change reaches every console at once through
// a wake-up that never blocks (each console's is coalesced).
type Team struct {
	now func() time.Time

	mu      sync.Mutex
	nextID  int
	members map[int]*Member
	pollers map[string]*sharedPoller
	claims  map[string]Claim // by claimKey

	// cache shares the one-off queries of the consoles (Share).
	cache *query.Cache
	// pollsShared counts the answers of shared pollers taken by consoles that
	// did not ask (PollsShared).
	pollsShared atomic.Int64
}

// New returns an empty Team on the system clock.
func New() *Team { return NewAt(time.Now) }

// NewAt returns an empty Team on the clock now (tests give theirs).
func NewAt(now func() time.Time) *Team {
	t := &Team{now: now, members: map[int]*Member{}, pollers: map[string]*sharedPoller{}, claims: map[string]Claim{}}
	t.cache = query.NewCache(now)
	return t
}

// Identity is who a console's person is, as the server knows them: the
// name (from the SSH key's comment or the user name), a role, and where
// they connect from. Join sanitises every field: none reaches a terminal
// raw.
type Identity struct {
	Name   string
	Role   string
	Remote string
}

// Where is what a person is looking at: the context, the screen shown and
// the endpoint or alert selected on it ("" when none).
type Where struct {
	Context  string
	Screen   string
	Endpoint string
	Alert    string // the alert's name and the labels that tell it from the others of its name
}

// Presence is one connected person, for the list of who is watching.
type Presence struct {
	ID int
	Identity
	Where
	Joined time.Time
}

// Member is one console's handle in the Team: its identity and its place.
// The server makes one per session (Team.Join) and ends it when the
// session ends (Leave), which frees what the session's consoles held.
type Member struct {
	team   *Team
	id     int
	ident  Identity
	joined time.Time

	// guarded by team.mu
	where     Where
	listeners map[*Listener]struct{}
	releases  []func()
	left      bool
	guard     ClaimGuard // see SetClaimGuard
}

// Join adds a person to the Team and returns their handle.
func (t *Team) Join(id Identity) *Member {
	clean := func(s string) string { return strings.TrimSpace(text.Sanitize(s)) }
	id = Identity{Name: clean(id.Name), Role: clean(id.Role), Remote: clean(id.Remote)}
	if id.Name == "" {
		id.Name = "(unnamed)"
	}
	t.mu.Lock()
	t.nextID++
	m := &Member{team: t, id: t.nextID, ident: id, joined: t.now(), listeners: map[*Listener]struct{}{}}
	t.members[m.id] = m
	t.wakeLocked(nil)
	t.mu.Unlock()
	return m
}

// Identity is who the member is, sanitised.
func (m *Member) Identity() Identity { return m.ident }

// ID is the member's number in the Team, unique while the server runs.
func (m *Member) ID() int { return m.id }

// Leave removes the member: its consoles stop listening, the shared
// pollers they held are released, and its claims end when it was that
// person's last session. Calling it twice does nothing.
func (m *Member) Leave() {
	t := m.team
	t.mu.Lock()
	if m.left {
		t.mu.Unlock()
		return
	}
	m.left = true
	delete(t.members, m.id)
	releases := m.releases
	m.releases = nil
	for l := range m.listeners {
		l.close()
	}
	m.listeners = nil
	// A claim is its person's while any session of theirs is open.
	still := false
	for _, o := range t.members {
		if o.ident.Name == m.ident.Name {
			still = true
		}
	}
	if !still {
		for k, c := range t.claims {
			if c.By == m.ident.Name {
				delete(t.claims, k)
			}
		}
	}
	t.wakeLocked(nil)
	t.mu.Unlock()
	for _, r := range releases {
		r()
	}
}

// OnLeave registers f to run when the member leaves (at once when it has
// left already).
func (m *Member) OnLeave(f func()) {
	t := m.team
	t.mu.Lock()
	if m.left {
		t.mu.Unlock()
		f()
		return
	}
	m.releases = append(m.releases, f)
	t.mu.Unlock()
}

// SetWhere records where the member is; the others hear of a change.
func (m *Member) SetWhere(w Where) {
	t := m.team
	t.mu.Lock()
	defer t.mu.Unlock()
	if m.left || m.where == w {
		return
	}
	m.where = w
	t.wakeLocked(m)
}

// Watching is the number of people connected: one per name, however
// many sessions each has open.
func (t *Team) Watching() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	names := make(map[string]bool, len(t.members))
	for _, m := range t.members {
		names[m.ident.Name] = true
	}
	return len(names)
}

// Presence lists who is connected and where, in the order they joined.
func (t *Team) Presence() []Presence {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Presence, 0, len(t.members))
	for _, m := range t.members {
		out = append(out, Presence{ID: m.id, Identity: m.ident, Where: m.where, Joined: m.joined})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// AnyWhere reports whether a member is where ok says.
func (t *Team) AnyWhere(ok func(Where) bool) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range t.members {
		if ok(m.where) {
			return true
		}
	}
	return false
}

// PollsShared counts the periodic polls (an overview refresh, the alerts,
// …) that one console's poll answered for the others: each answer counts
// the consoles beyond the first that took it without asking.
func (t *Team) PollsShared() int64 { return t.pollsShared.Load() }

// QueriesSaved is the number of Prometheus queries not sent because the
// same query at the same step had been asked by another console, or was
// still on its way: the figure a server exports.
func (t *Team) QueriesSaved() int64 { return t.cache.Saved() }

// SharedPollers is the number of shared pollers held by at least one
// console.
func (t *Team) SharedPollers() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.pollers)
}

// Listener is how one console hears that something in the Team changed
// (a shared poller's answer, presence, a claim): a wake-up that is
// coalesced, so that a sender never blocks on a slow console.
type Listener struct {
	ch   chan struct{}
	done chan struct{}
	once sync.Once
}

func newListener() *Listener {
	return &Listener{ch: make(chan struct{}, 1), done: make(chan struct{})}
}

// Woken receives when something changed since the last receive.
func (l *Listener) Woken() <-chan struct{} { return l.ch }

// Done is closed when the member has left: nothing more will come.
func (l *Listener) Done() <-chan struct{} { return l.done }

// Wake tells the console; never blocks.
func (l *Listener) Wake() {
	select {
	case l.ch <- struct{}{}:
	default:
	}
}

func (l *Listener) close() { l.once.Do(func() { close(l.done) }) }

// Listen adds a listener to the member (nil when it has left).
func (m *Member) Listen() *Listener {
	t := m.team
	t.mu.Lock()
	defer t.mu.Unlock()
	if m.left {
		return nil
	}
	l := newListener()
	m.listeners[l] = struct{}{}
	return l
}

// wakeLocked wakes every console but except's.
func (t *Team) wakeLocked(except *Member) {
	for _, m := range t.members {
		if m == except {
			continue
		}
		for l := range m.listeners {
			l.Wake()
		}
	}
}

// Now is the Team's clock.
func (t *Team) Now() time.Time { return t.now() }

// Team is the Team the member is in.
func (m *Member) Team() *Team { return m.team }

// Share answers key through the Team's cache of one-off queries: from a
// kept answer, from the same query on its way, or by running ask
// (query.Sharer).
func (t *Team) Share(ctx context.Context, key string, ttl time.Duration, ask func(ctx context.Context) (any, error)) (any, error) {
	return t.cache.Share(ctx, key, ttl, ask)
}

// Kept is the number of answers the cache keeps now.
func (t *Team) Kept() int { return t.cache.Kept() }
