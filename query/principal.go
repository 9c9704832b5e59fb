package query

import (
	"fmt"
	"strings"
)

// Role is what a person may do in a shared console (vigil serve).
type Role string

// The roles of an authorized key.
const (
	// RoleViewer reads only: every write is refused.
	RoleViewer Role = "viewer"
	// RoleSilencer writes silences: silence, ack, extend, expire.
	RoleSilencer Role = "silencer"
	// RoleAdmin writes silences and sees who is connected.
	RoleAdmin Role = "admin"
	// RoleNone is a key no longer authorized (removed, or the keys file
	// refused): it does nothing.
	RoleNone Role = "none"
)

// ParseRole reads a role name; "" is the viewer.
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.TrimSpace(s)); r {
	case "":
		return RoleViewer, nil
	case RoleViewer, RoleSilencer, RoleAdmin:
		return r, nil
	}
	return "", fmt.Errorf("unknown role %q: use viewer, silencer or admin", s)
}

// CanWrite is true for the roles that write silences.
func (r Role) CanWrite() bool { return r == RoleSilencer || r == RoleAdmin }

// Principal is the person behind a write in a shared console: the name and
// role of their key, the key's fingerprint and where they connect from.
type Principal struct {
	Name string
	Role Role
	// RoleSource names where the role was read, e.g. "/etc/vigil/keys:3".
	RoleSource string
	// Fingerprint is the key's SHA256 fingerprint (SHA256:...).
	Fingerprint string
	// Remote is the client's address.
	Remote string
	// Live, when set, reads the person's rights as they are now (a shared
	// console's keys file may have changed since the session opened):
	// every write checks Current, not the rights of the session's start.
	Live func() Principal
}

// Current is the person as they are now: Live's answer when set, else p.
func (p *Principal) Current() Principal {
	if p.Live != nil {
		c := p.Live()
		c.Live = nil
		return c
	}
	c := *p
	c.Live = nil
	return c
}

// ForbiddenError is a write refused for the writer's role: nothing was sent.
type ForbiddenError struct{ Principal Principal }

func (e *ForbiddenError) Error() string {
	if e.Principal.Role == RoleNone {
		why := e.Principal.RoleSource
		if why == "" {
			why = "this key is no longer authorized"
		}
		return "nothing is written: " + why
	}
	src := e.Principal.RoleSource
	if src == "" {
		src = "unknown"
	}
	return fmt.Sprintf("%s: writes are not allowed (role from %s)", e.Principal.Role, src)
}
