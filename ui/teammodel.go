package ui

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/ui/team"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/keys"
	"github.com/vigilterm/vigil/views/text"
)

// teamLink is a console's tie to its Team (nil in a console of one).
type teamLink struct {
	team   *team.Team
	member *team.Member
	l      *team.Listener
	// scope tells the servers of one context from another's: the shared
	// pollers' and the cache's keys start with it.
	scope string
	// takers hand over the answers of the shared pollers that arrived in
	// other consoles' commands; a feed's is dropped when it is let go,
	// which may be on the session's leaving (takersMu).
	takersMu sync.Mutex
	takers   []*feedTaker
	where    team.Where
}

// linkTeam ties a console being built to o's Team, wrapping the
// one-off sources in the Team's cache; with no Team, in o.Cache when set
// (ui/sharedcache.go).
func (m *Model) linkTeam(o *Options) {
	if o.Team == nil && o.Member != nil {
		o.Team = o.Member.Team()
	}
	if o.Team == nil {
		if o.Cache != nil {
			shareSources(o, o.Cache.Share, m.ctx.Now, prometheusScope(m.cfg))
		}
		return
	}
	if o.Member == nil {
		o.Member = o.Team.Join(team.Identity{Name: o.Identity})
	}
	cfg := m.cfg
	scope := cfg.Context + "\x00" + cfg.Prometheus.URL + "\x00" + strings.Join(cfg.Alertmanager.URLs, ",")
	l := o.Member.Listen()
	if l == nil {
		// The session ended before its console was built: a console of
		// one, never shown.
		o.Team, o.Member = nil, nil
		return
	}
	m.link = &teamLink{team: o.Team, member: o.Member, l: l, scope: scope}
	m.ctx.AcksKeptByServer = true // the server's keeper (cmd/vigil serve_run.go)
	// The one-off queries are shared by every console on the same
	// Prometheus, whatever their context.
	shareSources(o, o.Team.Share, o.Team.Now, prometheusScope(m.cfg))
}

// teamKey is a shared poller's key: what it asks, in this console's scope.
func (m *Model) teamKey(what string, parts ...any) string {
	if m.link == nil {
		return ""
	}
	k := what + "\x00" + m.link.scope
	for _, p := range parts {
		k += "\x00" + fmt.Sprintf("%#v", p)
	}
	return k
}

// teamWokeMsg says something in the Team changed for the console whose
// listener l is.
type teamWokeMsg struct{ l *team.Listener }

// teamWait waits for the Team's next wake-up; nil once the member left.
func (m *Model) teamWait() tea.Cmd {
	if m.link == nil {
		return nil
	}
	l := m.link.l
	return func() tea.Msg {
		select {
		case <-l.Woken():
			return teamWokeMsg{l: l}
		case <-l.Done():
			return nil
		}
	}
}

// onTeamWoke takes the shared pollers' answers that arrived (unless
// paused or hidden: they wait, the newest kept) and waits again.
func (m *Model) onTeamWoke(msg teamWokeMsg) tea.Cmd {
	if m.link == nil || msg.l != m.link.l {
		return nil
	}
	cmds := []tea.Cmd{m.teamWait()}
	if !m.paused() && !m.hidden {
		cmds = append(cmds, m.takeShared())
	}
	return tea.Batch(cmds...)
}

// takeShared hands the console the answers its shared pollers got.
func (m *Model) takeShared() tea.Cmd {
	if m.link == nil {
		return nil
	}
	m.link.takersMu.Lock()
	takers := slices.Clone(m.link.takers)
	m.link.takersMu.Unlock()
	var cmds []tea.Cmd
	for _, tk := range takers {
		if r := tk.take(); r != nil {
			_, cmd := m.update(r)
			cmds = append(cmds, cmd)
		}
	}
	return tea.Batch(cmds...)
}

// What a console does differently in a Team (vigil serve). Each method
// holds for a nil link, the console of one, so the screens' files ask
// without checking.

// shares reports whether the console's pollers are shared with others:
// a console joining starts from what they heard rather than polling all.
func (l *teamLink) shares() bool { return l != nil }

// keepsAcks reports whether the server keeps the acks until resolved,
// once for all, so that no console keeps them on its own.
func (l *teamLink) keepsAcks() bool { return l != nil }

// served reports whether the console is served over SSH: a display or a
// browser would be the server's, never the person's.
func (l *teamLink) served() bool { return l != nil }

// keys are the team's keys for the help.
func (l *teamLink) keys(k *keys.KeyMap) []key.Binding {
	if l == nil {
		return nil
	}
	return []key.Binding{k.Who, k.Claim}
}

// claims is what the Alerts screen shows of each alert's claim: nil
// without a Team.
func (l *teamLink) claims(m *Model) func(key string) string {
	if l == nil {
		return nil
	}
	return m.claimText
}

// alertsListed ends the claims on alerts no longer listed, once every
// source answered (ui/team/claims.go).
func (l *teamLink) alertsListed(context string, alerts []query.Alert) {
	if l == nil {
		return
	}
	active := make(map[string]bool, len(alerts))
	for _, al := range alerts {
		active[al.Key()] = true
	}
	l.team.Resolved(context, active)
}

// anyoneOn reports whether a console of the team shows the screen of
// that title in that context.
func (l *teamLink) anyoneOn(context, title string) bool {
	if l == nil {
		return false
	}
	return l.team.AnyWhere(func(w team.Where) bool { return w.Context == context && w.Screen == title })
}

// feedTaker takes a shared feed's answer that arrived in another
// console's command (ui/teampoll.go).
type feedTaker struct{ take func() tea.Msg }

// syncWhere tells the Team where the console is now.
func (m *Model) syncWhere() {
	if m.link == nil || m.hidden {
		return
	}
	shown := m.shown()
	if st := m.activeTab().stack; len(st) > 1 {
		if _, who := shown.(*presenceScreen); who {
			// The list of who is watching is over a screen: that one is
			// where the person is.
			shown = st[len(st)-2]
		}
	}
	w := team.Where{Context: m.cfg.Context, Screen: shown.Title()}
	for _, p := range m.parts {
		if wp, ok := p.(watcher); ok {
			wp.watching(m.activeTab(), &w)
		}
	}
	if o := m.top(); o != nil && o.where() != "" {
		w.Screen = o.where()
	}
	if w != m.link.where {
		m.link.where = w
		m.link.member.SetWhere(w)
	}
}

// watchingText is the header's "3 watching", "" alone.
func (m *Model) watchingText() string {
	if m.link == nil {
		return ""
	}
	n := m.link.team.Watching()
	if n < 2 {
		return ""
	}
	return m.ctx.Styles.Accent.Render(fmt.Sprintf("%d watching", n)) + m.ctx.Styles.Muted.Render(" · ")
}

// teamKey handles the Team's keys; ok is false for other keys.
func (m *Model) teamKeyPress(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	if m.link == nil {
		return nil, false
	}
	switch {
	case key.Matches(msg, m.ctx.Keys.Who):
		if _, open := m.activeTab().top().(*presenceScreen); open {
			m.activeTab().pop()
			return nil, true
		}
		s := newPresenceScreen(m)
		m.activeTab().push(s)
		m.SetSize(m.width, m.height)
		return nil, true
	case key.Matches(msg, m.ctx.Keys.Claim):
		for _, p := range m.parts {
			if c, ok := p.(claimer); ok {
				if al, on, ok := c.claimable(m.activeTab()); on {
					return m.toggleClaim(al, ok), true
				}
			}
		}
	}
	return nil, false
}

// claimText is what the console shows of the claim on the alert whose
// key is k, "" when nobody is on it.
func (m *Model) claimText(k string) string {
	c, ok := m.link.team.ClaimOf(m.cfg.Context, k)
	if !ok {
		return ""
	}
	age := m.now().Sub(c.At)
	ago := "<1m"
	if age >= time.Minute {
		ago = views.FormatDuration(age.Truncate(time.Minute))
	}
	return c.By + " is on it · " + ago
}

// toggleClaim claims the alert selected (or open), or gives it up when
// it is the person's own.
func (m *Model) toggleClaim(al query.Alert, ok bool) tea.Cmd {
	if why := m.viewerRefusal(); why != "" {
		m.setFlash(why, true)
		return nil
	}
	if !ok {
		m.setFlash("no alert selected to claim", false)
		return nil
	}
	t, me := m.link.team, m.link.member
	name := text.Sanitize(al.Name)
	if c, held := t.ClaimOf(m.cfg.Context, al.Key()); held && c.By == me.Identity().Name {
		t.Unclaim(m.cfg.Context, al.Key(), me)
		m.setFlash("you are no longer on "+name, false)
		return nil
	}
	prev := t.Claim(m.cfg.Context, al.Key(), al.Name, me)
	if c, held := t.ClaimOf(m.cfg.Context, al.Key()); !held || c.By != me.Identity().Name {
		// The Team did not record it: the rights changed between the key
		// and the write (the server refused and audited it), or someone
		// claimed it at the same moment.
		switch why := m.viewerRefusal(); {
		case why != "":
			m.setFlash(name+" not claimed: "+why, true)
		case held:
			m.setFlash(name+" not claimed: "+text.Sanitize(c.By)+" took it at the same moment", true)
		default:
			m.setFlash(name+" not claimed: the server refused it (see its log)", true)
		}
		return nil
	}
	if prev != "" {
		m.setFlash(name+": "+prev+" was on it; now you are", false)
	} else {
		m.setFlash("you are on "+name+": the others see it at once", false)
	}
	return nil
}

// viewerRefusal is why the person of a served console may not write
// (claims, notes), "" when they may: a viewer reads only. The rights are
// read as they are now (the keys file may have changed since the console
// was built).
func (m *Model) viewerRefusal() string {
	p := m.opts.Principal
	if p == nil {
		return ""
	}
	if cur := p.Current(); !cur.Role.CanWrite() {
		return text.Sanitize((&query.ForbiddenError{Principal: cur}).Error())
	}
	return ""
}
