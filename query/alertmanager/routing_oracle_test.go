package alertmanager

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/alertmanager/config"
	"github.com/prometheus/alertmanager/dispatch"
	"github.com/prometheus/alertmanager/inhibit"
	"github.com/prometheus/common/model"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/query"
)

// Alertmanager's own packages are the oracle of vigil's routing: for the
// demo's configuration, the tests' ones and 300 generated trees, every
// label set of a grid routes to the same routes (receiver and matchers of
// each, in order) and every pair of alerts inhibits alike.

// oracleRoutes is what dispatch does with ls: per matched route, its
// receiver and the matchers of its path from the root.
func oracleRoutes(root *dispatch.Route, ls map[string]string) []string {
	parents := map[*dispatch.Route]*dispatch.Route{}
	root.Walk(func(p *dispatch.Route) {
		for _, c := range p.Routes {
			parents[c] = p
		}
	})
	set := model.LabelSet{}
	for k, v := range ls {
		set[model.LabelName(k)] = model.LabelValue(v)
	}
	var out []string
	for _, leaf := range root.Match(set) {
		var path []string
		for n := leaf; n != nil; n = parents[n] {
			m := ""
			if n.Matchers.Len() > 0 {
				m = n.Matchers.String()
			}
			path = append([]string{m}, path...)
		}
		out = append(out, strings.Join(path, " › ")+" → "+leaf.RouteOpts.Receiver+fmt.Sprintf(" continue=%v", leaf.Continue))
	}
	return out
}

func ourRoutes(r *Routing, ls map[string]string) []string {
	var out []string
	for _, p := range r.Route(ls) {
		var path []string
		for _, s := range p.Steps {
			path = append(path, s.Matchers)
		}
		out = append(out, strings.Join(path, " › ")+" → "+p.Receiver()+fmt.Sprintf(" continue=%v", p.Leaf().Continue))
	}
	return out
}

// oracleInhibits is whether src inhibits tgt by Alertmanager's rules, with
// the same rule as Routing.Inhibits (a pair that matches both sides of a
// rule does not inhibit).
func oracleInhibits(rules []*inhibit.InhibitRule, src, tgt map[string]string) bool {
	set := func(ls map[string]string) model.LabelSet {
		out := model.LabelSet{}
		for k, v := range ls {
			out[model.LabelName(k)] = model.LabelValue(v)
		}
		return out
	}
	s, t := set(src), set(tgt)
	for _, ir := range rules {
		if !ir.SourceMatchers.Matches(s) || !ir.TargetMatchers.Matches(t) {
			continue
		}
		if ir.SourceMatchers.Matches(t) && ir.TargetMatchers.Matches(s) {
			continue
		}
		eq := true
		for n := range ir.Equal {
			if s[n] != t[n] {
				eq = false
			}
		}
		if eq {
			return true
		}
	}
	return false
}

var oracleValues = map[string][]string{
	"severity": {"", "critical", "warning", "info"},
	"service":  {"", "payments", "search", "shop"},
	"team":     {"", "a", "b"},
	"path":     {"", "/api/checkout", "/login"},
}

// labelGrid is every combination of oracleValues (an empty value is an
// absent label), with an alertname.
func labelGrid() []map[string]string {
	out := []map[string]string{{"alertname": "A"}}
	for _, n := range []string{"severity", "service", "team", "path"} {
		var next []map[string]string
		for _, ls := range out {
			for _, v := range oracleValues[n] {
				c := map[string]string{}
				for k, x := range ls {
					c[k] = x
				}
				if v != "" {
					c[n] = v
				}
				next = append(next, c)
			}
		}
		out = next
	}
	return out
}

// genMatcher is one matcher line in the syntax of matchers:, or a
// match/match_re entry.
func genMatcher(rnd *rand.Rand) (line, name, value string, kind int) {
	names := []string{"severity", "service", "team", "path"}
	name = names[rnd.IntN(len(names))]
	vals := oracleValues[name]
	value = vals[1+rnd.IntN(len(vals)-1)]
	kind = rnd.IntN(5)
	switch kind {
	case 0:
		return fmt.Sprintf("%s=%q", name, value), name, value, kind
	case 1:
		return fmt.Sprintf("%s!=%q", name, value), name, value, kind
	case 2:
		re := value + "|" + vals[1+rnd.IntN(len(vals)-1)]
		return fmt.Sprintf("%s=~%q", name, re), name, re, kind
	case 3:
		return fmt.Sprintf("%s!~%q", name, value+".*"), name, value, kind
	}
	return "", name, value, kind // match: or match_re:
}

func genRoute(rnd *rand.Rand, b *strings.Builder, indent string, depth int) {
	fmt.Fprintf(b, "%s- receiver: r%d\n", indent, rnd.IntN(4))
	if rnd.IntN(3) == 0 {
		fmt.Fprintf(b, "%s  continue: true\n", indent)
	}
	var lines, match, matchRE []string
	for range 1 + rnd.IntN(2) {
		line, name, value, _ := genMatcher(rnd)
		if line == "" {
			if rnd.IntN(2) == 0 {
				match = append(match, fmt.Sprintf("%s: %q", name, value))
			} else {
				matchRE = append(matchRE, fmt.Sprintf("%s: %q", name, value+"|x.*"))
			}
			continue
		}
		lines = append(lines, fmt.Sprintf("%q", line))
	}
	// One entry a label name (a name twice is no map).
	if len(match) == 2 && strings.SplitN(match[0], ":", 2)[0] == strings.SplitN(match[1], ":", 2)[0] {
		match = match[:1]
	}
	if len(matchRE) == 2 && strings.SplitN(matchRE[0], ":", 2)[0] == strings.SplitN(matchRE[1], ":", 2)[0] {
		matchRE = matchRE[:1]
	}
	if len(match) > 0 {
		fmt.Fprintf(b, "%s  match: {%s}\n", indent, strings.Join(match, ", "))
	}
	if len(matchRE) > 0 {
		fmt.Fprintf(b, "%s  match_re: {%s}\n", indent, strings.Join(matchRE, ", "))
	}
	if len(lines) > 0 {
		fmt.Fprintf(b, "%s  matchers: [%s]\n", indent, strings.Join(lines, ", "))
	}
	if depth < 3 && rnd.IntN(2) == 0 {
		fmt.Fprintf(b, "%s  routes:\n", indent)
		for range 1 + rnd.IntN(3) {
			genRoute(rnd, b, indent+"    ", depth+1)
		}
	}
}

func genConfig(rnd *rand.Rand) string {
	var b strings.Builder
	b.WriteString("route:\n  receiver: r0\n  routes:\n")
	for range 1 + rnd.IntN(4) {
		genRoute(rnd, &b, "    ", 1)
	}
	b.WriteString("receivers:\n  - name: r0\n  - name: r1\n  - name: r2\n  - name: r3\ninhibit_rules:\n")
	for range 1 + rnd.IntN(3) {
		s, _, _, _ := genMatcher(rnd)
		tg, _, _, _ := genMatcher(rnd)
		if s == "" {
			s = `severity="critical"`
		}
		if tg == "" {
			tg = `severity="warning"`
		}
		fmt.Fprintf(&b, "  - source_matchers: [%q]\n    target_matchers: [%q]\n", s, tg)
		if rnd.IntN(2) == 0 {
			b.WriteString("    equal: [service]\n")
		}
		if rnd.IntN(3) == 0 {
			b.WriteString("    source_match: {team: a}\n    target_match_re: {path: \"/api/.*\"}\n")
		}
	}
	return b.String()
}

func TestRoutingMatchesAlertmanagersOwnPackages(t *testing.T) {
	configs := map[string]string{
		"demo":  string(demo.AlertmanagerConfig("http://127.0.0.1:9/sink")),
		"tests": routingTestConfig,
	}
	rnd := rand.New(rand.NewPCG(23, 5))
	for i := range 300 {
		configs[fmt.Sprintf("generated %d", i)] = genConfig(rnd)
	}
	grid := labelGrid()
	for name, text := range configs {
		cfg, err := config.Load(text)
		if err != nil {
			t.Fatalf("%s: Alertmanager refuses it: %v\n%s", name, err, text)
		}
		r, err := ParseRouting(text)
		if err != nil {
			t.Fatalf("%s: vigil refuses what Alertmanager reads: %v\n%s", name, err, text)
		}
		root := dispatch.NewRoute(cfg.Route, nil)
		for _, ls := range grid {
			if want, got := oracleRoutes(root, ls), ourRoutes(r, ls); !slices.Equal(want, got) {
				t.Fatalf("%s: %v routes\n got %q\nwant %q\n%s", name, ls, got, want, text)
			}
		}
		var rules []*inhibit.InhibitRule
		for _, ir := range cfg.InhibitRules {
			rules = append(rules, inhibit.NewInhibitRule(ir))
		}
		if len(rules) != len(r.Rules()) {
			t.Fatalf("%s: %d inhibit rules, Alertmanager %d", name, len(r.Rules()), len(rules))
		}
		for i := 0; i < len(grid); i += 7 {
			for j := 0; j < len(grid); j += 11 {
				src := query.Alert{Labels: grid[i], Source: query.SourceAlertmanager, State: query.StateFiring, Fingerprint: "s"}
				tgt := query.Alert{Labels: grid[j], Source: query.SourceAlertmanager, State: query.StateFiring, Fingerprint: "t"}
				if i == j {
					continue
				}
				want := oracleInhibits(rules, grid[i], grid[j])
				got := len(r.Inhibits(src, []query.Alert{src, tgt})) > 0
				if want != got {
					t.Fatalf("%s: %v inhibits %v: vigil %v, Alertmanager %v\n%s", name, grid[i], grid[j], got, want, text)
				}
			}
		}
	}
}
