package query

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/prometheus/common/model"
)

// Route grouping: paths that are one route (/blog/a, /blog/b, ...) are
// summed into one row server-side. Each per-endpoint query copies the
// endpoint label into GroupLabel and, for the paths a rule matches, sets
// GroupLabel to the rule's name, with label_replace, before it aggregates
// by GroupLabel. Rates sum and buckets add up exactly as Prometheus does
// them, and the number of queries stays the same.

// GroupLabel is the label the grouped queries aggregate by.
const GroupLabel = "vigil_endpoint"

// UnmatchedName is the row of the requests no route matched: "None" under
// group_by url_rule or endpoint, the paths that only ever answered 404
// under group_by path.
const UnmatchedName = "unmatched (404)"

// Grouping modes (metrics.group_paths).
const (
	GroupAuto   = "auto"
	GroupConfig = "config"
	GroupOff    = "off"
)

// MaxAutoGroups bounds the groups auto mode makes, so the queries stay a
// bounded size.
const MaxAutoGroups = 50

// maxUnmatchedPaths bounds the paths of the unmatched row under group_by
// path (they are sent as one alternation); beyond it, the rest stay rows
// of their own and a warning says so.
const maxUnmatchedPaths = 300

// PathRule maps the endpoint label values its Pattern matches (an RE2
// regular expression over the whole value, as PromQL anchors it) to Name.
type PathRule struct {
	Name    string
	Pattern string
	// Auto is true for a rule found from the paths, false for one of the
	// config (or the unmatched row).
	Auto bool
}

// CheckPathRule compiles a rule's pattern as PromQL will: anchored.
func CheckPathRule(r PathRule) error {
	if strings.TrimSpace(r.Name) == "" {
		return fmt.Errorf("name is empty")
	}
	if _, err := regexp.Compile("^(?:" + r.Pattern + ")$"); err != nil {
		return fmt.Errorf("pattern %q: %v", r.Pattern, err)
	}
	return nil
}

// Grouping is how a Shape groups endpoints.
type Grouping struct {
	// Mode is GroupAuto, GroupConfig or GroupOff ("" is off).
	Mode string
	// Rules are the configured rules, tried in order before the found ones.
	Rules []PathRule
	// MinVariants is how many variants of a slug-like segment make a
	// group in auto mode (0: DefaultMinVariants).
	MinVariants int
}

// On reports whether endpoints are grouped at all.
func (g Grouping) On() bool { return g.Mode == GroupAuto || g.Mode == GroupConfig }

// by is the label the per-endpoint queries aggregate by.
func (s Shape) by() string {
	if len(s.groupRules) > 0 {
		return GroupLabel
	}
	return s.EndpointLabel
}

// ByLabel is the label of the endpoint's name in the per-endpoint results.
func (s Shape) ByLabel() string { return s.by() }

// relabel wraps a vector that has the endpoint label so that it also has
// GroupLabel: the rule's name for the values a rule matches, the value
// itself for the others. The first rule that matches wins.
func (s Shape) relabel(expr string) string {
	if len(s.groupRules) == 0 {
		return expr
	}
	out := "label_replace(" + expr + `, "` + GroupLabel + `", "$1", "` + s.EndpointLabel + `", "(.*)")`
	for i := len(s.groupRules) - 1; i >= 0; i-- {
		r := s.groupRules[i]
		name := strings.ReplaceAll(r.Name, "$", "$$")
		out = "label_replace(" + out + `, "` + GroupLabel + `", ` + quoteProm(name) + `, "` + s.EndpointLabel + `", ` + quoteProm(r.Pattern) + ")"
	}
	return out
}

// quoteProm quotes a string for PromQL: Go's quoting is a subset of it.
func quoteProm(s string) string { return fmt.Sprintf("%q", s) }

// WithGroups returns s with the rules in force for one refresh.
func (s Shape) WithGroups(rules []PathRule) Shape {
	s.groupRules = slices.Clone(rules)
	return s
}

// GroupRules are the rules s groups by this refresh.
func (s Shape) GroupRules() []PathRule { return s.groupRules }

// memberMatcher selects the member values of a row: the rule's pattern for
// a group, the value for a plain endpoint.
func (s Shape) memberMatcher(name string) string {
	for _, r := range s.groupRules {
		if r.Name == name {
			return LabelMatch(s.EndpointLabel, "=~", r.Pattern)
		}
	}
	return LabelMatch(s.EndpointLabel, "=", name)
}

// MemberSelector is the selector of a row's member series, for a
// drill-down into a group: the user's selector and the row's matcher.
func (s Shape) MemberSelector(name string) string {
	m := s.memberMatcher(name)
	if c := CleanSelector(s.Selector); c != "" {
		return c + "," + m
	}
	return m
}

// compiledRules are rules with their Go regexps, to assign member values
// the way Prometheus does.
type compiledRules struct {
	rules []PathRule
	res   []*regexp.Regexp
}

func compileRules(rules []PathRule) compiledRules {
	c := compiledRules{rules: rules}
	for _, r := range rules {
		re, err := regexp.Compile("^(?:" + r.Pattern + ")$")
		if err != nil {
			re = nil // checked at config load; an invalid one matches nothing
		}
		c.res = append(c.res, re)
	}
	return c
}

// name is the row a value belongs to.
func (c compiledRules) name(v string) string {
	for i, re := range c.res {
		if re != nil && re.MatchString(v) {
			return c.rules[i].Name
		}
	}
	return v
}

// RowNamer returns the function that names the row an endpoint label value
// belongs to under the rules: a group's name, or the value itself.
func RowNamer(rules []PathRule) func(string) string {
	if len(rules) == 0 {
		return func(v string) string { return v }
	}
	c := compileRules(rules)
	return c.name
}

// autoRules finds the rules of auto mode from the member values: the
// configured rules first, then one rule per group of paths differing in
// one segment (among the values no configured rule matches), then the
// unmatched row.
func autoRules(g Grouping, label string, members, only404 []string) (rules []PathRule, warn string) {
	rules = slices.Clone(g.Rules)
	cfg := compileRules(g.Rules)
	var free []string
	unmatched := map[string]bool{}
	for _, v := range only404 {
		unmatched[v] = true
	}
	for _, v := range members {
		if cfg.name(v) == v && !unmatched[v] {
			free = append(free, v)
		}
	}
	if g.Mode == GroupAuto {
		groups := GroupPaths(free, g.MinVariants)
		if len(groups) > MaxAutoGroups {
			// Each rule is one more label_replace in every per-endpoint
			// query: the largest groups, the others stay rows.
			warn = fmt.Sprintf("%d groups of paths found: the %d largest are grouped, the others are rows of their own (add [[metrics.path_group]] routes)", len(groups), MaxAutoGroups)
			groups = groups[:MaxAutoGroups]
		}
		for _, grp := range groups {
			rules = append(rules, PathRule{Name: grp.Name, Pattern: groupPattern(grp.Name), Auto: true})
		}
	}
	rules = append(rules, unmatchedRules(label, only404, cfg, &warn)...)
	return rules, warn
}

// configRules are the rules of config mode: the configured ones and the
// unmatched row.
func configRules(g Grouping, label string, only404 []string) ([]PathRule, string) {
	var warn string
	rules := slices.Clone(g.Rules)
	return append(rules, unmatchedRules(label, only404, compileRules(g.Rules), &warn)...), warn
}

// unmatchedRules is the rule of the unmatched row: the value None under a
// route label, the paths that only answered 404 (and no configured rule
// matches) under path.
func unmatchedRules(label string, only404 []string, cfg compiledRules, warn *string) []PathRule {
	if label != "path" {
		return []PathRule{{Name: UnmatchedName, Pattern: "None"}}
	}
	var quoted []string
	for _, v := range only404 {
		if cfg.name(v) != v {
			continue
		}
		if len(quoted) == maxUnmatchedPaths {
			*warn = fmt.Sprintf("%d paths only answered 404: the first %d are in the %s row, the rest are rows of their own", len(only404), maxUnmatchedPaths, UnmatchedName)
			break
		}
		quoted = append(quoted, regexp.QuoteMeta(v))
	}
	if len(quoted) == 0 {
		return nil
	}
	return []PathRule{{Name: UnmatchedName, Pattern: strings.Join(quoted, "|")}}
}

// groupPattern turns a group's name (/blog/<slug>) into the pattern of its
// members: the named segment is any one segment.
func groupPattern(name string) string {
	seg := strings.Split(name, "/")
	for i, s := range seg {
		if strings.HasPrefix(s, "<") && strings.HasSuffix(s, ">") {
			seg[i] = "[^/]+"
		} else {
			seg[i] = regexp.QuoteMeta(s)
		}
	}
	return strings.Join(seg, "/")
}

// factCache keeps one fact per shape key from the last refresh.
type factCache[T any] struct {
	mu sync.Mutex
	m  map[string]T
}

func (c *factCache[T]) get(key string) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	return v, ok
}

func (c *factCache[T]) put(key string, v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]T{}
	}
	c.m[key] = v
}

// groupKey is the key of a shape's grouping rules in the cache.
func groupKey(s Shape) string {
	return s.Grouping.Mode + "\x00" + s.EndpointLabel + "\x00" + s.Selector + "\x00" + s.DurationMetric
}

// groupRulesOf are the rules of the next refresh, from a fresh answer.
func groupRulesOf(s Shape, fa freshAnswer) ([]PathRule, string) {
	if s.Grouping.Mode == GroupAuto {
		return autoRules(s.Grouping, s.EndpointLabel, fa.fresh, fa.only404)
	}
	return configRules(s.Grouping, s.EndpointLabel, fa.only404)
}

// assembleMembers counts each group row's members with a fresh series and
// finds its worst ones, from the fresh answer.
func assembleMembers(b *joiner, rules compiledRules, fa freshAnswer) {
	isGroup := map[string]bool{}
	for _, r := range rules.rules {
		isGroup[r.Name] = true
	}
	for i := range b.eps {
		e := &b.eps[i]
		e.Group = isGroup[e.Name]
		e.WorstMemberErrorRatio, e.WorstMemberP99, e.SlowestMemberP99 = math.NaN(), math.NaN(), math.NaN()
	}
	for _, v := range fa.fresh {
		i, ok := b.index[model.LabelValue(rules.name(v))]
		if !ok {
			continue
		}
		e := &b.eps[i]
		e.Members++
		if r, ok := fa.memberErr[v]; ok && !math.IsNaN(r) && (e.WorstMember == "" || math.IsNaN(e.WorstMemberErrorRatio) || r > e.WorstMemberErrorRatio) {
			e.WorstMember, e.WorstMemberErrorRatio = v, r
			e.WorstMemberP99 = finite(fa.memberP99[v])
		}
		if q, ok := fa.memberP99[v]; ok && !math.IsNaN(q) && !math.IsInf(q, 0) && (e.SlowestMember == "" || q > e.SlowestMemberP99) {
			e.SlowestMember, e.SlowestMemberP99 = v, q
		}
	}
}
