package alerting

import (
	"sort"
	"strconv"
	"strings"

	"github.com/vigilterm/vigil/query"
)

// Rows cut at a narrow width must still tell apart: the labels (or
// matchers) whose values differ between the rows shown go first, the ones
// every row shares after them.

// varyingLabels is the set of label names whose values differ among the
// label sets. With missing, a name some sets lack differs too; without,
// only two sets with different values make it differ (a label the
// Watchdog lacks does not tell the other alerts apart).
func varyingLabels(sets []map[string]string, missing bool) map[string]bool {
	out := map[string]bool{}
	if len(sets) < 2 {
		return out
	}
	seen := map[string]string{}
	for _, ls := range sets {
		for n, v := range ls {
			if w, ok := seen[n]; ok && w != v {
				out[n] = true
			}
			seen[n] = v
		}
	}
	if missing {
		for _, ls := range sets {
			for n := range seen {
				if _, ok := ls[n]; !ok {
					out[n] = true
				}
			}
		}
	}
	return out
}

// varyingFirst reorders names, keeping their order otherwise: the ones in
// varies first.
func varyingFirst(names []string, varies map[string]bool) []string {
	if len(varies) == 0 {
		return names
	}
	out := make([]string, 0, len(names))
	for _, n := range names {
		if varies[n] {
			out = append(out, n)
		}
	}
	for _, n := range names {
		if !varies[n] {
			out = append(out, n)
		}
	}
	return out
}

// alertVaryingLabels is varyingLabels of the alerts' labels.
func alertVaryingLabels(alerts []query.Alert) map[string]bool {
	sets := make([]map[string]string, len(alerts))
	for i := range alerts {
		sets[i] = alerts[i].Labels
	}
	return varyingLabels(sets, false)
}

// matcherKey is a matcher as one comparable string.
func matcherKey(m *query.Matcher) string {
	return m.Type.String() + "\x00" + m.Value
}

// varyingMatchersFirst returns, for each silence, its matchers with the
// ones that differ among the silences first: a matcher differs when some
// other silence has no matcher on its label or one with another operator
// or value. Matchers every silence has alike come last.
func varyingMatchersFirst(sils []query.Silence) map[string]query.Matchers {
	sets := make([]map[string]string, 0, len(sils))
	for _, si := range sils {
		ls := map[string]string{}
		for _, m := range si.Matchers {
			if m != nil {
				ls[m.Name] += matcherKey(m) + "\x01"
			}
		}
		sets = append(sets, ls)
	}
	varies := varyingLabels(sets, true)
	out := make(map[string]query.Matchers, len(sils))
	for _, si := range sils {
		ms := make(query.Matchers, 0, len(si.Matchers))
		for _, m := range si.Matchers {
			if m != nil && varies[m.Name] {
				ms = append(ms, m)
			}
		}
		for _, m := range si.Matchers {
			if m != nil && !varies[m.Name] {
				ms = append(ms, m)
			}
		}
		out[si.ID] = ms
	}
	return out
}

// AlertWhich names an alert among the others of its name: the name, then
// the labels whose values tell it from them (`HighErrorRate{method="POST",
// status="500"}`); the name alone when it is the only one. Values are raw:
// sanitise before drawing.
func AlertWhich(a query.Alert, all []query.Alert) string {
	var same []query.Alert
	for _, b := range all {
		if b.Name == a.Name {
			same = append(same, b)
		}
	}
	varies := alertVaryingLabels(same)
	if len(varies) == 0 {
		return a.Name
	}
	names := make([]string, 0, len(varies))
	for n := range varies {
		if _, ok := a.Labels[n]; ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + "=" + strconv.Quote(a.Labels[n])
	}
	return a.Name + "{" + strings.Join(parts, ",") + "}"
}
