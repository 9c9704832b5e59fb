package team

import "time"

// Claim is a person saying they are on an alert ("NAME is on it"). A claim
// lives in the Team while the server runs: it ends when its person gives
// it up, when another person takes it over, when the alert is no longer
// active (a refresh that heard from every source no longer lists it), or
// when the last session of its person ends. It is not written anywhere:
// Alertmanager has no place for it.
type Claim struct {
	By    string // the person's name, sanitised
	Alert string // the alert's name, raw
	At    time.Time
}

func claimKey(context, alertKey string) string { return context + "\x00" + alertKey }

// Claim records that member is on the alert whose key is alertKey in
// context; prev is the name of whoever was on it before ("" when nobody).
// Every console hears of it at once.
func (t *Team) Claim(context, alertKey, alertName string, member *Member) (prev string) {
	if member.ident.Role == "viewer" {
		// A viewer claims nothing (the console says so first).
		return ""
	}
	if g := member.claimGuard(); g != nil && g(AuditClaimAction, context, alertName) != nil {
		// The person's rights as they are now refuse it (recorded by
		// the guard).
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	k := claimKey(context, alertKey)
	if c, ok := t.claims[k]; ok && c.By != member.ident.Name {
		prev = c.By
	}
	if c, ok := t.claims[k]; ok && c.By == member.ident.Name {
		return ""
	}
	t.claims[k] = Claim{By: member.ident.Name, Alert: alertName, At: t.now()}
	t.wakeLocked(nil)
	return prev
}

// Unclaim ends member's claim on the alert; another's claim stays.
func (t *Team) Unclaim(context, alertKey string, member *Member) {
	t.mu.Lock()
	k := claimKey(context, alertKey)
	c, ok := t.claims[k]
	if ok && c.By == member.ident.Name {
		delete(t.claims, k)
		t.wakeLocked(nil)
	}
	t.mu.Unlock()
	if g := member.claimGuard(); ok && g != nil {
		// Giving up one's claim is always allowed; it is recorded.
		_ = g(AuditUnclaimAction, context, c.Alert)
	}
}

// The actions a ClaimGuard is asked about.
const (
	AuditClaimAction   = "claim"
	AuditUnclaimAction = "unclaim"
)

// ClaimGuard checks a claim against its person's rights as they are at
// that moment and records it (vigil serve audits it): an error refuses a
// claim. It is told of an unclaim too, which it may only record.
type ClaimGuard func(action, context, alertName string) error

// SetClaimGuard makes g the member's guard of claims.
func (m *Member) SetClaimGuard(g ClaimGuard) {
	m.team.mu.Lock()
	m.guard = g
	m.team.mu.Unlock()
}

func (m *Member) claimGuard() ClaimGuard {
	m.team.mu.Lock()
	defer m.team.mu.Unlock()
	return m.guard
}

// ClaimOf is the claim on an alert, if any.
func (t *Team) ClaimOf(context, alertKey string) (Claim, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.claims[claimKey(context, alertKey)]
	return c, ok
}

// Claims is the number of claims held.
func (t *Team) Claims() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.claims)
}

// Resolved ends the claims in context on alerts not in active: called
// with a complete list of the active alerts only.
func (t *Team) Resolved(context string, active map[string]bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	changed := false
	for k := range t.claims {
		ctx, alertKey, ok := splitClaimKey(k)
		if ok && ctx == context && !active[alertKey] {
			delete(t.claims, k)
			changed = true
		}
	}
	if changed {
		t.wakeLocked(nil)
	}
}

func splitClaimKey(k string) (context, alertKey string, ok bool) {
	for i := 0; i < len(k); i++ {
		if k[i] == 0 {
			return k[:i], k[i+1:], true
		}
	}
	return "", "", false
}
