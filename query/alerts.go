package query

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
)

// AlertState is the state vigil shows for an alert.
type AlertState string

const (
	// StateFiring: Alertmanager holds it active (or Prometheus says firing).
	StateFiring AlertState = "firing"
	// StatePending: Prometheus evaluates it true but its `for` has not elapsed;
	// Alertmanager never sees these.
	StatePending AlertState = "pending"
	// StateSilenced: suppressed by one or more silences (or muted otherwise).
	StateSilenced AlertState = "silenced"
	// StateInhibited: suppressed by an inhibition rule only.
	StateInhibited AlertState = "inhibited"
)

// Where an alert was seen.
const (
	SourceAlertmanager = "alertmanager"
	SourcePrometheus   = "prometheus"
	SourceBoth         = "both"
)

// Alert is one alert as vigil shows it, from Alertmanager, Prometheus or both.
type Alert struct {
	Fingerprint string
	Name        string // the alertname label
	Severity    string // the severity label, as written
	State       AlertState
	Labels      map[string]string
	Annotations map[string]string
	// ActiveAt is when the alert became active (its age, "active since"):
	// Prometheus's activeAt whenever Prometheus has the alert (merged or
	// not), else Alertmanager's startsAt. Prometheus's is kept because it
	// does not move: it is when the alert's rule first held (pending), and
	// a twin rule or a later firing does not change it, while
	// Alertmanager's startsAt is when it began firing.
	ActiveAt     time.Time
	EndsAt       time.Time
	GeneratorURL string
	SilencedBy   []string
	InhibitedBy  []string
	Receivers    []string
	// Source is SourceAlertmanager, SourcePrometheus or SourceBoth.
	Source string
	// Value is the value of the alert expression, known only from Prometheus.
	Value string
}

// Summary is the summary annotation (or the older "message" one).
func (a Alert) Summary() string {
	if s := a.Annotations["summary"]; s != "" {
		return s
	}
	return a.Annotations["message"]
}

// Headline is the line that says what the alert is about: its summary, or
// else the first line of its description; "" when it has neither.
func (a Alert) Headline() string {
	if s := strings.TrimSpace(a.Summary()); s != "" {
		return s
	}
	d := strings.TrimSpace(a.Description())
	if i := strings.IndexByte(d, '\n'); i >= 0 {
		d = strings.TrimSpace(d[:i])
	}
	return d
}

// Description is the description annotation.
func (a Alert) Description() string { return a.Annotations["description"] }

// RunbookURL is the runbook_url annotation (or "runbook").
func (a Alert) RunbookURL() string {
	if s := a.Annotations["runbook_url"]; s != "" {
		return s
	}
	return a.Annotations["runbook"]
}

// Key is the alert's identity: its label set, sorted by name. Two alerts
// with the same labels have the same key. Names and values are separated by
// the bytes 0xff and 0xfe, which never occur in UTF-8 text, so distinct
// label sets never share a key. It is for comparing, not for showing.
func (a Alert) Key() string { return labelsKey(a.Labels) }

func labelsKey(ls map[string]string) string {
	var buf [16]string
	names := buf[:0]
	size := 0
	for n, v := range ls {
		names = append(names, n)
		size += len(n) + len(v) + 2
	}
	slices.Sort(names)
	b := make([]byte, 0, size)
	for _, n := range names {
		b = append(b, n...)
		b = append(b, 0xff)
		b = append(b, ls[n]...)
		b = append(b, 0xfe)
	}
	return string(b)
}

// MergeAlerts joins Alertmanager's alerts (active, silenced, inhibited) with
// Prometheus's /api/v1/alerts, which adds the pending ones Alertmanager never
// sees. An alert present in both (same label set) appears once, with
// Alertmanager's state and Source "both"; Prometheus then supplies what
// Alertmanager lacks (the value, the generator URL) and the time it became
// active (Alert.ActiveAt: one age whichever source has it).
//
// A firing Prometheus alert whose labels are a strict subset of exactly one
// Alertmanager alert of the same name is the same alert too: Prometheus adds
// its external labels only when it sends alerts out.
//
// Duplicates inside either list (two rules with the same labels, such as a
// slow and a fast copy of one alert) appear once: when they disagree, the
// firing one wins, then the one active since earlier (see PreferAlert). The
// inputs are not modified; the result is in input order (Alertmanager's
// first), each duplicate at the place of its first occurrence.
func MergeAlerts(am, prom []Alert) []Alert {
	am, prom = DedupeAlerts(am), DedupeAlerts(prom)
	out := make([]Alert, 0, len(am)+len(prom))
	byKey := make(map[string]int, len(am)+len(prom))
	byName := make(map[string][]int)
	for _, a := range am {
		k := a.Key()
		if _, dup := byKey[k]; dup {
			continue
		}
		if a.Source == "" {
			a.Source = SourceAlertmanager
		}
		byKey[k] = len(out)
		byName[alertName(a)] = append(byName[alertName(a)], len(out))
		out = append(out, a)
	}
	nAM := len(out)
	merged := make([]bool, nAM)
	for _, p := range prom {
		k := p.Key()
		if i, ok := byKey[k]; ok {
			if i < nAM && !merged[i] {
				mergeInto(&out[i], p)
				merged[i] = true
			}
			continue
		}
		if p.State == StateFiring {
			if i, ok := externalLabelsMatch(p, out, byName[alertName(p)], merged); ok {
				mergeInto(&out[i], p)
				merged[i] = true
				byKey[k] = i
				continue
			}
		}
		if p.Source == "" {
			p.Source = SourcePrometheus
		}
		byKey[k] = len(out)
		out = append(out, p)
	}
	return out
}

// DedupeAlerts keeps one alert per label set, the one PreferAlert picks,
// at the place of the first. It returns its input when there is no
// duplicate.
func DedupeAlerts(in []Alert) []Alert {
	var at map[string]int
	var out []Alert
	for i := range in {
		k := in[i].Key()
		if at == nil {
			at = make(map[string]int, len(in))
		}
		j, dup := at[k]
		if !dup {
			at[k] = i
			continue
		}
		if out == nil {
			out = slices.Clone(in)
		}
		if PreferAlert(in[i], out[j]) {
			out[j] = in[i]
		}
	}
	if out == nil {
		return in
	}
	kept := out[:0]
	for i := range out {
		if at[out[i].Key()] == i {
			kept = append(kept, out[i])
		}
	}
	return kept
}

// PreferAlert reports whether a should be shown rather than b, two alerts
// with the same labels: firing beats any other state; then the one active
// since earlier (a known start beats an unknown one).
func PreferAlert(a, b Alert) bool {
	if af, bf := a.State == StateFiring, b.State == StateFiring; af != bf {
		return af
	}
	if az, bz := a.ActiveAt.IsZero(), b.ActiveAt.IsZero(); az != bz {
		return bz
	}
	return a.ActiveAt.Before(b.ActiveAt)
}

func alertName(a Alert) string {
	if a.Name != "" {
		return a.Name
	}
	return a.Labels["alertname"]
}

// mergeInto completes an Alertmanager alert with what Prometheus knows.
// Alertmanager's state, labels and annotations stay.
func mergeInto(a *Alert, p Alert) {
	a.Source = SourceBoth
	if a.Value == "" {
		a.Value = p.Value
	}
	if !p.ActiveAt.IsZero() {
		a.ActiveAt = p.ActiveAt // one age for the alert (see Alert.ActiveAt)
	}
	if a.GeneratorURL == "" {
		a.GeneratorURL = p.GeneratorURL
	}
	if len(a.Annotations) == 0 {
		a.Annotations = p.Annotations
	}
}

// externalLabelsMatch finds the single unmerged Alertmanager alert among
// candidates whose labels strictly contain all of p's.
func externalLabelsMatch(p Alert, out []Alert, candidates []int, merged []bool) (int, bool) {
	found := -1
	for _, i := range candidates {
		if merged[i] || len(out[i].Labels) <= len(p.Labels) {
			continue
		}
		if !labelsSubset(p.Labels, out[i].Labels) {
			continue
		}
		if found >= 0 {
			return 0, false // ambiguous: keep both
		}
		found = i
	}
	return found, found >= 0
}

func labelsSubset(sub, super map[string]string) bool {
	for n, v := range sub {
		if w, ok := super[n]; !ok || w != v {
			return false
		}
	}
	return true
}

// SeverityRank orders severities: critical 0, error 1, warning 2, info 3,
// anything else (or none) 4. Case is ignored.
func SeverityRank(s string) int {
	switch strings.ToLower(s) {
	case "critical":
		return 0
	case "error":
		return 1
	case "warning":
		return 2
	case "info":
		return 3
	}
	return 4
}

// SortedAlerts is the list as the console shows it: MergeAlerts, then in
// SortAlerts order.
func SortedAlerts(am, prom []Alert) []Alert {
	out := MergeAlerts(am, prom)
	SortAlerts(out)
	return out
}

// stateRank orders alerts of one severity: firing, then pending, then
// silenced or inhibited (they need no one now).
func stateRank(s AlertState) int {
	switch s {
	case StateFiring:
		return 0
	case StatePending:
		return 1
	}
	return 2
}

// SortAlerts orders alerts by severity (critical, error, warning, info,
// other), then by state (firing, pending, silenced or inhibited), then by
// age (oldest first; an unknown start last), then by name, then by key.
// The order is total, so equal inputs always sort the same.
func SortAlerts(a []Alert) {
	type item struct {
		rank  int
		state int
		at    time.Time
		name  string
		key   string
		idx   int
	}
	items := make([]item, len(a))
	for i := range a {
		items[i] = item{rank: SeverityRank(a[i].Severity), state: stateRank(a[i].State), at: a[i].ActiveAt, name: alertName(a[i]), key: a[i].Key(), idx: i}
	}
	slices.SortFunc(items, func(x, y item) int {
		if x.rank != y.rank {
			return x.rank - y.rank
		}
		if x.state != y.state {
			return x.state - y.state
		}
		if xz, yz := x.at.IsZero(), y.at.IsZero(); xz != yz {
			if xz {
				return 1
			}
			return -1
		}
		if c := x.at.Compare(y.at); c != 0 {
			return c
		}
		if c := strings.Compare(x.name, y.name); c != 0 {
			return c
		}
		if c := strings.Compare(x.key, y.key); c != 0 {
			return c
		}
		return x.idx - y.idx
	})
	sorted := make([]Alert, len(a))
	for i, it := range items {
		sorted[i] = a[it.idx]
	}
	copy(a, sorted)
}

// AlertFilter selects alerts. Words match text: the alert's name, state,
// summary, description and label values, case-insensitively, as substrings;
// every word must match. Matchers match labels, with Alertmanager's semantics
// (regular expressions are anchored at both ends).
type AlertFilter struct {
	Words    []string // lower-cased
	Matchers labels.Matchers
	raw      string
}

// ParseAlertFilter reads a filter such as
//
//	checkout severity="critical" path=~"/api/.*"
//	{alertname="HighErrorRate",severity!="info"} timeout
//
// Plain words (or "quoted phrases") are text; name="v", name!="v", name=~"re"
// and name!~"re" (comma-separated, or in braces) are label matchers parsed by
// Alertmanager's own parser. An empty filter matches every alert.
func ParseAlertFilter(s string) (AlertFilter, error) {
	f := AlertFilter{raw: strings.TrimSpace(s)}
	toks, err := tokenizeMatchers(s)
	if err != nil {
		return AlertFilter{}, wrapFilterErr(err)
	}
	for _, t := range toks {
		switch t.kind {
		case tokWord:
			if w := strings.ToLower(t.text); w != "" {
				f.Words = append(f.Words, w)
			}
		case tokMatcher, tokBraces:
			ms, err := parseMatcherToken(t)
			if err != nil {
				return AlertFilter{}, wrapFilterErr(err)
			}
			f.Matchers = append(f.Matchers, ms...)
		}
	}
	return f, nil
}

func wrapFilterErr(err error) error {
	return fmt.Errorf("filter: %w", err)
}

// String is the filter as typed (trimmed).
func (f AlertFilter) String() string { return f.raw }

// Empty reports whether the filter matches everything.
func (f AlertFilter) Empty() bool { return len(f.Words) == 0 && len(f.Matchers) == 0 }

// Match reports whether the alert passes the filter.
func (f AlertFilter) Match(a Alert) bool {
	if len(f.Matchers) > 0 {
		ms, ok := UsableMatchers(f.Matchers)
		if !ok || !MatchLabelMap(ms, a.Labels) {
			return false
		}
	}
	for _, w := range f.Words {
		if !alertHasText(a, w) {
			return false
		}
	}
	return true
}

// Filter returns the alerts that pass, in order.
func (f AlertFilter) Filter(alerts []Alert) []Alert {
	if f.Empty() {
		return alerts
	}
	out := make([]Alert, 0, len(alerts))
	for _, a := range alerts {
		if f.Match(a) {
			out = append(out, a)
		}
	}
	return out
}

func alertHasText(a Alert, w string) bool {
	if containsFold(alertName(a), w) || containsFold(string(a.State), w) ||
		containsFold(a.Summary(), w) || containsFold(a.Description(), w) {
		return true
	}
	for _, v := range a.Labels {
		if containsFold(v, w) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains the lower-cased word w, ignoring case.
func containsFold(s, w string) bool {
	return strings.Contains(strings.ToLower(s), w)
}

// LabelPicker decides which labels tell an alert apart from the other
// alerts of its name. Build it once per list with NewLabelPicker.
type LabelPicker struct {
	count  map[string]int             // alerts per name
	differ map[string]map[string]bool // name → labels whose values differ among them
}

// NewLabelPicker looks at every alert of the list.
func NewLabelPicker(alerts []Alert) LabelPicker {
	p := LabelPicker{count: map[string]int{}, differ: map[string]map[string]bool{}}
	first := map[string]map[string]string{}
	for i := range alerts {
		n := alertName(alerts[i])
		p.count[n]++
		f, seen := first[n]
		if !seen {
			first[n] = alerts[i].Labels
			continue
		}
		d := p.differ[n]
		if d == nil {
			d = map[string]bool{}
			p.differ[n] = d
		}
		for l, v := range alerts[i].Labels {
			if w, ok := f[l]; !ok || w != v {
				d[l] = true
			}
		}
		for l := range f {
			if _, ok := alerts[i].Labels[l]; !ok {
				d[l] = true
			}
		}
	}
	return p
}

// Names returns the names of the labels to show for a, in order. For an
// alert that shares its name with others, only the labels whose values
// differ among them (the ones that tell it apart), with first the given
// labels (such as the endpoint label) and then by name; labels they all
// share (job, instance…) are left out. For an alert alone with its name,
// every label, the given ones first. alertname and severity are never
// included: they have their own columns.
func (p LabelPicker) Names(a Alert, first ...string) []string {
	n := alertName(a)
	keep := func(l string) bool { return l != "alertname" && l != "severity" }
	if p.count[n] > 1 {
		d := p.differ[n]
		keep = func(l string) bool { return l != "alertname" && l != "severity" && d[l] }
	}
	var out []string
	seen := map[string]bool{}
	for _, l := range first {
		if _, ok := a.Labels[l]; ok && keep(l) && !seen[l] {
			out = append(out, l)
			seen[l] = true
		}
	}
	rest := make([]string, 0, len(a.Labels))
	for l := range a.Labels {
		if keep(l) && !seen[l] {
			rest = append(rest, l)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}
