package ui

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/ui/team"
)

// liveRole is a served person whose role the test changes, as an edit of
// the keys file would; guard checks a claim as vigil serve's does.
type liveRole struct {
	mu   sync.Mutex
	role query.Role
}

func (l *liveRole) set(r query.Role) {
	l.mu.Lock()
	l.role = r
	l.mu.Unlock()
}

func (l *liveRole) principal() *query.Principal {
	p := &query.Principal{Name: "bob", Role: query.RoleSilencer, RoleSource: "/etc/vigil/keys:3"}
	p.Live = func() query.Principal {
		l.mu.Lock()
		defer l.mu.Unlock()
		return query.Principal{Name: "bob", Role: l.role, RoleSource: "/etc/vigil/keys:3"}
	}
	return p
}

// A claim the Team does not record is never shown as made: the console
// says why it was refused and nobody sees a claim. Three ways: the rights
// changed before the key (the console built for a silencer, the keys file
// now saying viewer); they changed between the key and the write (the
// guard, where the claim is written, reads viewer); the server's guard
// refused it for its own reason.
func TestClaimRefusedSaysWhy(t *testing.T) {
	tm := team.New()
	am := &teamAM{}
	am.set([]query.Alert{firingAlert("HighErrorRate", "/api/checkout")})
	live := &liveRole{role: query.RoleSilencer}
	p := live.principal()
	m, member := teamModel(t, tm, team.Identity{Name: "bob", Role: "silencer"}, func(o *Options) {
		o.Overview, o.Alertmanager, o.Principal = &countedOverview{ov: sample()}, am, p
	})
	var demoteAtWrite, refuseAtWrite bool
	member.SetClaimGuard(func(action, _, _ string) error {
		if action != team.AuditClaimAction {
			return nil
		}
		if demoteAtWrite {
			live.set(query.RoleViewer)
		}
		if cur := p.Current(); !cur.Role.CanWrite() {
			return &query.ForbiddenError{Principal: cur}
		}
		if refuseAtWrite {
			return errors.New("claims are off on this server")
		}
		return nil
	})
	d := drive(t, m, false)
	d.start()
	d.send(keyMsg("2"))
	d.waitScreen(t, 3*time.Second, "the alert", func(s string) bool { return strings.Contains(s, "HighErrorRate") })

	// A claim, given up: the console can claim.
	d.send(keyMsg("i"))
	d.waitScreen(t, 3*time.Second, "the claim", func(s string) bool { return strings.Contains(s, "you are on HighErrorRate") })
	d.send(keyMsg("i"))
	d.waitScreen(t, 3*time.Second, "the claim given up", func(s string) bool { return strings.Contains(s, "you are no longer on") })

	cases := []struct {
		name string
		set  func()
		want string
	}{
		{"demoted before the key", func() { live.set(query.RoleViewer) }, "viewer: writes are not allowed (role from /etc/vigil/keys:3)"},
		{"demoted at the write", func() { live.set(query.RoleSilencer); demoteAtWrite = true },
			"HighErrorRate not claimed: viewer: writes are not allowed (role from"},
		{"refused by the server", func() { live.set(query.RoleSilencer); demoteAtWrite, refuseAtWrite = false, true },
			"HighErrorRate not claimed: the server refused it"},
	}
	for _, tc := range cases {
		d.with(func(*Model) { tc.set() })
		d.send(keyMsg("i"))
		s := d.waitScreen(t, 3*time.Second, tc.name+": the refusal", func(s string) bool { return strings.Contains(s, tc.want) })
		if strings.Contains(s, "you are on") || strings.Contains(s, "is on it") {
			t.Errorf("%s: the console shows a claim:\n%s", tc.name, s)
		}
		if n := tm.Claims(); n != 0 {
			t.Errorf("%s: %d claims recorded", tc.name, n)
		}
	}
}
