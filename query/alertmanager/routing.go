package alertmanager

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/alertmanager/api/v2/client/general"

	"github.com/vigilterm/vigil/query"
)

// RoutingMaxAge is how long the routing read from Alertmanager's status is
// used before it is read again.
const RoutingMaxAge = 60 * time.Second

// routingRetry is how soon a failed read of the status is tried again.
const routingRetry = 10 * time.Second

// Routing is what the running Alertmanager's configuration does with an
// alert: its routing tree and its inhibit rules (routing_tree.go), read and
// walked as Alertmanager's own packages do, which the tests check (as
// `amtool config routes test` does).
type Routing struct {
	// Hash identifies the configuration text (sha256, hex, first 12).
	Hash string
	// At is when this configuration was first read (a Routing handed out
	// is never changed).
	At time.Time

	root  *routeNode
	rules []*inhibitRule
}

// RouteStep is one route on the way from the root to a matched route.
type RouteStep struct {
	// Matchers are the route's own matchers, as Alertmanager writes them:
	// {severity="critical"}; "" for a route without matchers (the root).
	Matchers string
	// Receiver is the route's receiver (inherited when not set).
	Receiver string
	// Continue is the route's continue: true.
	Continue bool
}

// RoutePath is one route an alert matches, with the routes above it, from
// the root (first) to the matched route (last).
type RoutePath struct {
	Steps []RouteStep
}

// Receiver is the receiver the path ends at.
func (p RoutePath) Receiver() string {
	if len(p.Steps) == 0 {
		return ""
	}
	return p.Steps[len(p.Steps)-1].Receiver
}

// Leaf is the matched route.
func (p RoutePath) Leaf() RouteStep {
	if len(p.Steps) == 0 {
		return RouteStep{}
	}
	return p.Steps[len(p.Steps)-1]
}

// ParseRouting loads an Alertmanager configuration (the text of
// /api/v2/status's config.original). An error says why this version of
// Alertmanager's library cannot read it.
func ParseRouting(original string) (r *Routing, err error) {
	defer func() {
		// The library panics on a few impossible inputs; never let it
		// take the console down.
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("cannot read the configuration: %v", p)
		}
	}()
	if strings.TrimSpace(original) == "" {
		return nil, errors.New("Alertmanager's status has no configuration text")
	}
	root, rules, err := loadRouting(original)
	if err != nil {
		return nil, fmt.Errorf("cannot read the configuration: %w", err)
	}
	r = &Routing{Hash: ConfigHash(original), root: root, rules: rules}
	return r, nil
}

// Route returns the routes an alert with these labels matches, in the
// order of the routing tree, each with its path from the root.
func (r *Routing) Route(labels map[string]string) []RoutePath {
	if r == nil || r.root == nil {
		return nil
	}
	var out []RoutePath
	for _, leaf := range r.root.match(labels) {
		var steps []RouteStep
		for n := leaf; n != nil; n = n.parent {
			steps = append(steps, RouteStep{Matchers: matchersText(n), Receiver: n.receiver, Continue: n.cont})
		}
		for i, j := 0, len(steps)-1; i < j; i, j = i+1, j-1 {
			steps[i], steps[j] = steps[j], steps[i]
		}
		out = append(out, RoutePath{Steps: steps})
	}
	return out
}

func matchersText(n *routeNode) string {
	if len(n.matchers) == 0 {
		return ""
	}
	return n.matchers.String()
}

// Receivers returns the receivers of paths, each once, in order.
func Receivers(paths []RoutePath) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range paths {
		if r := p.Receiver(); !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

// FormatRoute writes where an alert goes in one line:
// `pager (route: {severity="critical"} → pager, continue → audit)`.
// Each matched route is written with the matchers of its path below the
// root; a route reached because the one before had continue: true is
// written "continue →".
func FormatRoute(paths []RoutePath) string {
	return strings.Join(FormatRouteParts(paths), "")
}

// FormatRouteParts is FormatRoute in pieces, one per matched route (the
// first with the receivers), to break lines between routes.
func FormatRouteParts(paths []RoutePath) []string {
	if len(paths) == 0 {
		return nil
	}
	out := make([]string, 0, len(paths))
	for i, p := range paths {
		var b strings.Builder
		if i == 0 {
			b.WriteString(strings.Join(Receivers(paths), ", "))
			b.WriteString(" (route: ")
		} else {
			b.WriteString(", ")
			if paths[i-1].continued() {
				b.WriteString("continue → ")
			}
		}
		b.WriteString(p.String())
		if i == len(paths)-1 {
			b.WriteString(")")
		}
		out = append(out, b.String())
	}
	return out
}

// continued reports whether the route matched went on to the routes after
// it: continue: true on any route of the path below the root.
func (p RoutePath) continued() bool {
	for _, s := range p.Steps[1:] {
		if s.Continue {
			return true
		}
	}
	return false
}

// String is the path below the root and its receiver:
// {service="shop"} › {severity="critical"} → pager; the root alone is
// "default → <receiver>".
func (p RoutePath) String() string {
	var parts []string
	for _, s := range p.Steps[min(1, len(p.Steps)):] {
		m := s.Matchers
		if m == "" {
			m = "{}"
		}
		parts = append(parts, m)
	}
	if len(parts) == 0 {
		parts = []string{"default"}
	}
	return strings.Join(parts, " › ") + " → " + p.Receiver()
}

// InhibitRule is one inhibit_rules entry, written for people.
type InhibitRule struct {
	Name   string
	Source string // {severity="critical"}
	Target string
	Equal  []string
}

// String is `{severity="critical"} inhibits {severity="warning"} with equal alertname, path`.
func (r InhibitRule) String() string {
	s := r.Source + " inhibits " + r.Target
	if len(r.Equal) > 0 {
		s += " with equal " + strings.Join(r.Equal, ", ")
	}
	if r.Name != "" {
		s = r.Name + ": " + s
	}
	return s
}

// Inhibition is an alert that another one inhibits, by a rule.
type Inhibition struct {
	Target query.Alert
	Rule   InhibitRule
}

func describeRule(ir *inhibitRule) InhibitRule {
	return InhibitRule{Name: ir.name, Source: ir.source.String(), Target: ir.target.String(), Equal: slices.Clone(ir.equal)}
}

// Rules are the inhibit rules of the configuration.
func (r *Routing) Rules() []InhibitRule {
	if r == nil {
		return nil
	}
	out := make([]InhibitRule, 0, len(r.rules))
	for _, ir := range r.rules {
		out = append(out, describeRule(ir))
	}
	return out
}

// Inhibits returns the alerts of all that src inhibits by the
// configuration's inhibit rules, the way Alertmanager's inhibitor decides:
// src matches the rule's source matchers, the target its target matchers,
// the labels named in equal have the same value in both (absent counts as
// empty), and an alert that matches both sides of a rule is not inhibited
// by a source that matches both sides too. Only alerts Alertmanager holds
// count, on either side: Prometheus's pending alerts have not reached it.
func (r *Routing) Inhibits(src query.Alert, all []query.Alert) []Inhibition {
	if r == nil || !inAlertmanager(src) || src.State == query.StatePending {
		return nil
	}
	sls := src.Labels
	var out []Inhibition
	for i := range all {
		t := &all[i]
		if t.Key() == src.Key() || !inAlertmanager(*t) || t.State == query.StatePending {
			continue
		}
		tls := t.Labels
		for _, ir := range r.rules {
			if !matchesAll(ir.source, sls) || !matchesAll(ir.target, tls) {
				continue
			}
			if matchesAll(ir.source, tls) && matchesAll(ir.target, sls) {
				continue // both match both sides: they do not inhibit each other
			}
			if !equalOn(ir.equal, sls, tls) {
				continue
			}
			out = append(out, Inhibition{Target: *t, Rule: describeRule(ir)})
			break
		}
	}
	return out
}

func equalOn(names []string, a, b map[string]string) bool {
	for _, n := range names {
		if a[n] != b[n] {
			return false
		}
	}
	return true
}

func inAlertmanager(a query.Alert) bool {
	return a.Source == query.SourceAlertmanager || a.Source == query.SourceBoth
}

// Inhibitors resolves the fingerprints of a.InhibitedBy to the alerts of
// all; the fingerprints not found in all are returned as missing.
func Inhibitors(a query.Alert, all []query.Alert) (found []query.Alert, missing []string) {
	for _, fp := range a.InhibitedBy {
		ok := false
		for i := range all {
			if all[i].Fingerprint != "" && all[i].Fingerprint == fp {
				found = append(found, all[i])
				ok = true
				break
			}
		}
		if !ok {
			missing = append(missing, fp)
		}
	}
	return found, missing
}

// routingCache keeps the routing read from a peer's status: read again
// after RoutingMaxAge (or routingRetry after a failure), parsed again only
// when the configuration's text changed.
type routingCache struct {
	mu      sync.Mutex
	text    string
	routing *Routing
	err     error
	at      time.Time // of the last read, successful or not
}

// Routing returns the routing of the running Alertmanager, read from
// GET /api/v2/status at most every RoutingMaxAge (force: now). An error
// says why it is unknown: the status could not be read, or this version of
// Alertmanager's library cannot read its configuration.
func (a *Client) Routing(ctx context.Context, force bool) (*Routing, error) {
	c := &a.routing
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	age := RoutingMaxAge
	if c.err != nil {
		age = routingRetry
	}
	if !force && !c.at.IsZero() && now.Sub(c.at) < age {
		return c.routing, c.err
	}
	var original string
	err := a.read(ctx, "read status", func(ctx context.Context, p *amPeer) error {
		res, err := p.api.General.GetStatus(general.NewGetStatusParamsWithContext(ctx).WithTimeout(a.timeout))
		if err != nil {
			return err
		}
		if res.Payload == nil || res.Payload.Config == nil || res.Payload.Config.Original == nil {
			original = ""
			return nil
		}
		original = *res.Payload.Config.Original
		return nil
	})
	c.at = now
	if err != nil {
		c.routing, c.err = nil, err
		return nil, err
	}
	if c.routing != nil && c.err == nil && original == c.text {
		// The same configuration: the same Routing, unchanged (it may be
		// read by the screens meanwhile; At stays its first reading).
		return c.routing, nil
	}
	c.text = original
	c.routing, c.err = ParseRouting(original)
	if c.routing != nil {
		c.routing.At = now
	}
	return c.routing, c.err
}
