package alertmanager

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/prometheus/alertmanager/matcher/compat"
	"github.com/prometheus/alertmanager/pkg/labels"
	"go.yaml.in/yaml/v3"
)

// The routing tree and inhibit rules of an Alertmanager configuration, read
// with no more of Alertmanager than its label matchers: its config package
// links every receiver's client (Kafka, Telegram, AWS…) into the binary.
// What is read and how an alert walks the tree follow Alertmanager's own
// config, dispatch and inhibit packages, which the tests keep as the
// oracle (routing_oracle_test.go): match and match_re become matchers as
// there, matchers are parsed by the same parser (matcher/compat), a
// route's matchers are sorted, a receiver is inherited, and a route
// matches its deepest matching children, stopping after the first that
// matches unless it has continue: true.

// amRoute is a route of the configuration as written.
type amRoute struct {
	Receiver   string            `yaml:"receiver"`
	GroupBy    []string          `yaml:"group_by"`
	Match      map[string]string `yaml:"match"`
	MatchRE    map[string]string `yaml:"match_re"`
	Matchers   []string          `yaml:"matchers"`
	Continue   bool              `yaml:"continue"`
	Routes     []*amRoute        `yaml:"routes"`
	GroupWait  string            `yaml:"group_wait"`
	GroupIntv  string            `yaml:"group_interval"`
	Repeat     string            `yaml:"repeat_interval"`
	Mute       []string          `yaml:"mute_time_intervals"`
	Active     []string          `yaml:"active_time_intervals"`
	RouteLabel map[string]string `yaml:"labels"`
}

// amInhibit is an inhibit_rules entry as written.
type amInhibit struct {
	Name           string            `yaml:"name"`
	SourceMatch    map[string]string `yaml:"source_match"`
	SourceMatchRE  map[string]string `yaml:"source_match_re"`
	SourceMatchers []string          `yaml:"source_matchers"`
	TargetMatch    map[string]string `yaml:"target_match"`
	TargetMatchRE  map[string]string `yaml:"target_match_re"`
	TargetMatchers []string          `yaml:"target_matchers"`
	Equal          []string          `yaml:"equal"`
}

// routeNode is a route ready to match: its matchers, its receiver
// (inherited when not set), its children.
type routeNode struct {
	matchers labels.Matchers
	receiver string
	cont     bool
	parent   *routeNode
	children []*routeNode
}

// inhibitRule is an inhibit rule ready to match.
type inhibitRule struct {
	name           string
	source, target labels.Matchers
	equal          []string // sorted
}

// matches reports whether every matcher matches ls (a label absent is "").
func matchesAll(ms labels.Matchers, ls map[string]string) bool {
	for _, m := range ms {
		if !m.Matches(ls[m.Name]) {
			return false
		}
	}
	return true
}

// match returns the routes an alert matches under n, in order: the
// deepest matching children, the first only unless it continues; n itself
// when no child matches; nil when n does not.
func (n *routeNode) match(ls map[string]string) []*routeNode {
	if !matchesAll(n.matchers, ls) {
		return nil
	}
	var all []*routeNode
	for _, c := range n.children {
		m := c.match(ls)
		all = append(all, m...)
		if m != nil && !c.cont {
			break
		}
	}
	if len(all) == 0 {
		all = append(all, n)
	}
	return all
}

// strictDecode decodes node into out, refusing a key out does not have.
func strictDecode(node *yaml.Node, out any) error {
	raw, err := yaml.Marshal(node)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	return dec.Decode(out)
}

// matchersOf builds the matchers of match, match_re and matchers as
// Alertmanager does: equality and regular-expression matchers from the
// maps (by label name), then the parsed ones.
func matchersOf(match, matchRE map[string]string, lines []string) (labels.Matchers, error) {
	var ms labels.Matchers
	for _, n := range sortedNames(match) {
		m, err := labels.NewMatcher(labels.MatchEqual, n, match[n])
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	for _, n := range sortedNames(matchRE) {
		// Alertmanager anchors a match_re pattern when it reads it, and
		// writes the matcher so.
		m, err := labels.NewMatcher(labels.MatchRegexp, n, "^(?:"+matchRE[n]+")$")
		if err != nil {
			return nil, fmt.Errorf("match_re %s: %w", n, err)
		}
		ms = append(ms, m)
	}
	var parsed labels.Matchers
	for _, l := range lines {
		pm, err := compat.Matchers(l, "config")
		if err != nil {
			return nil, fmt.Errorf("matchers %q: %w", l, err)
		}
		parsed = append(parsed, pm...)
	}
	sort.Sort(parsed)
	return append(ms, parsed...), nil
}

func sortedNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// loadRouting reads the route and the inhibit rules of an Alertmanager
// configuration. A key the route or an inhibit rule does not have, a
// receiver no receivers entry names, or a matcher that does not parse is
// an error, as in Alertmanager.
func loadRouting(original string) (*routeNode, []*inhibitRule, error) {
	var top map[string]yaml.Node
	if err := yaml.Unmarshal([]byte(original), &top); err != nil {
		return nil, nil, err
	}
	routeYAML, ok := top["route"]
	if !ok {
		return nil, nil, errors.New("the configuration has no route")
	}
	var root amRoute
	if err := strictDecode(&routeYAML, &root); err != nil {
		return nil, nil, fmt.Errorf("route: %w", err)
	}
	var receivers []struct {
		Name string `yaml:"name"`
	}
	if n, ok := top["receivers"]; ok {
		if err := n.Decode(&receivers); err != nil {
			return nil, nil, fmt.Errorf("receivers: %w", err)
		}
	}
	known := map[string]bool{}
	for _, r := range receivers {
		known[r.Name] = true
	}
	if root.Receiver == "" {
		return nil, nil, errors.New("root route must specify a default receiver")
	}
	if len(root.Match)+len(root.MatchRE)+len(root.Matchers) > 0 {
		return nil, nil, errors.New("root route must not have any matchers")
	}
	var build func(r *amRoute, parent *routeNode) (*routeNode, error)
	build = func(r *amRoute, parent *routeNode) (*routeNode, error) {
		if r.Receiver != "" && !known[r.Receiver] {
			return nil, fmt.Errorf("undefined receiver %q used in route", r.Receiver)
		}
		ms, err := matchersOf(r.Match, r.MatchRE, r.Matchers)
		if err != nil {
			return nil, fmt.Errorf("route: %w", err)
		}
		sort.Sort(ms)
		n := &routeNode{matchers: ms, receiver: r.Receiver, cont: r.Continue, parent: parent}
		if n.receiver == "" && parent != nil {
			n.receiver = parent.receiver
		}
		for _, c := range r.Routes {
			if c == nil {
				continue
			}
			cn, err := build(c, n)
			if err != nil {
				return nil, err
			}
			n.children = append(n.children, cn)
		}
		return n, nil
	}
	rootNode, err := build(&root, nil)
	if err != nil {
		return nil, nil, err
	}
	var rules []*inhibitRule
	if n, ok := top["inhibit_rules"]; ok {
		var irs []amInhibit
		if err := strictDecode(&n, &irs); err != nil {
			return nil, nil, fmt.Errorf("inhibit_rules: %w", err)
		}
		for i, ir := range irs {
			src, err := matchersOf(ir.SourceMatch, ir.SourceMatchRE, ir.SourceMatchers)
			if err != nil {
				return nil, nil, fmt.Errorf("inhibit_rules[%d] source: %w", i, err)
			}
			tgt, err := matchersOf(ir.TargetMatch, ir.TargetMatchRE, ir.TargetMatchers)
			if err != nil {
				return nil, nil, fmt.Errorf("inhibit_rules[%d] target: %w", i, err)
			}
			eq := slices.Clone(ir.Equal)
			slices.Sort(eq)
			rules = append(rules, &inhibitRule{name: ir.Name, source: src, target: tgt, equal: slices.Compact(eq)})
		}
	}
	return rootNode, rules, nil
}
