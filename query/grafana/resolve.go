package grafana

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/vigilterm/vigil/query"
)

// Source is what the dashboard needs of Prometheus.
type Source interface {
	query.Querier
	LabelValues(ctx context.Context, label string, matches []string, start, end time.Time) ([]string, error)
}

// prom adapts *query.Prometheus to Source.
type prom struct{ *query.Prometheus }

// FromPrometheus is the Source of a vigil Prometheus client.
func FromPrometheus(p *query.Prometheus) Source { return prom{p} }

func (p prom) LabelValues(ctx context.Context, label string, matches []string, start, end time.Time) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, p.Timeout())
	defer cancel()
	vals, _, _, err := p.API().LabelValues(ctx, label, matches, start, end)
	if err != nil {
		return nil, fmt.Errorf("prometheus: label values of %s: %w", label, err)
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = string(v)
	}
	return out, nil
}

// ScrapeSource is a Source that knows the scrape interval of the targets
// it queries.
type ScrapeSource interface {
	ScrapeInterval(ctx context.Context) (time.Duration, error)
}

// ScrapeOf is the scrape interval src reports, or DefaultScrapeInterval
// (Grafana's own default) with why when it reports none.
func ScrapeOf(ctx context.Context, src Source) (time.Duration, error) {
	ss, ok := src.(ScrapeSource)
	if !ok {
		return DefaultScrapeInterval, fmt.Errorf("the source does not say its scrape interval: %s assumed", DefaultScrapeInterval)
	}
	d, err := ss.ScrapeInterval(ctx)
	if err != nil || d <= 0 {
		return DefaultScrapeInterval, fmt.Errorf("scrape interval unknown (%v): %s assumed, as Grafana does", err, DefaultScrapeInterval)
	}
	return d, nil
}

// Choose records the picker's choice of variable name in picked (made
// when nil) and lets go of the choices of the variables after it in d, as
// Grafana does: their values may depend on it.
func Choose(d *Dashboard, picked map[string][]string, name string, values []string) map[string][]string {
	if picked == nil {
		picked = map[string][]string{}
	}
	picked[name] = slices.Clone(values)
	after := false
	for _, v := range d.Variables {
		if after {
			delete(picked, v.Name)
		}
		after = after || v.Name == name
	}
	return picked
}

// MaxVariableValues bounds the values a query variable keeps.
const MaxVariableValues = 1000

// VarState is a variable once resolved: its values and the selection.
type VarState struct {
	Var     *Variable
	Options []Option
	// Selected are the chosen values; All is "All" chosen.
	Selected []string
	All      bool
	// Err is why the values could not be read.
	Err error
}

// Value is the state as interpolated.
func (s *VarState) Value() Value {
	v := Value{Multi: s.Var.Multi || s.Var.IncludeAll, All: s.All}
	if s.All {
		v.Custom = s.Var.AllValue
		for _, o := range s.Options {
			v.Values = append(v.Values, o.Value)
		}
		return v
	}
	v.Values = append([]string(nil), s.Selected...)
	if len(v.Values) == 0 {
		v.Values = []string{""}
	}
	return v
}

// Text is the selection as shown.
func (s *VarState) Text() string {
	if s.All {
		return "All"
	}
	if len(s.Selected) == 0 {
		return "(none)"
	}
	return strings.Join(s.Selected, " + ")
}

// Vars are the resolved variables, in the dashboard's order.
type Vars []*VarState

// Scope is the variables' values, for Interpolate.
func (vs Vars) Scope() Scope {
	sc := Scope{}
	for _, s := range vs {
		sc[s.Var.Name] = s.Value()
	}
	return sc
}

// Resolve reads each variable's values in order (a query variable's query
// may use the variables before it) and picks the selection: set (from
// --var or the picker; "All" or $__all for All), else the saved current
// value when it is still offered, else All when offered, else the first
// value. rng is the dashboard's range ending at end; scrape is the scrape
// interval behind $__rate_interval in the variables' queries (0:
// DefaultScrapeInterval, as Grafana assumes).
func Resolve(ctx context.Context, src Source, d *Dashboard, set map[string][]string, rng time.Duration, end time.Time, scrape time.Duration) Vars {
	out := make(Vars, 0, len(d.Variables))
	sc := Scope{}
	if scrape <= 0 {
		scrape = DefaultScrapeInterval
	}
	addBuiltins(sc, rng, rng/time.Duration(100), scrape)
	for i := range d.Variables {
		v := &d.Variables[i]
		st := &VarState{Var: v}
		switch v.Type {
		case VarQuery:
			if src == nil {
				st.Options = v.Options
				break
			}
			st.Options, st.Err = queryOptions(ctx, src, v, Interpolate(v.Query, sc), rng, end)
		case VarInterval:
			st.Options = v.Options
			if v.Auto {
				st.Options = append([]Option{{Text: "auto", Value: autoInterval(v, rng)}}, st.Options...)
			}
		case VarTextbox:
			st.Options = []Option{{Text: first(v.Current), Value: first(v.Current)}}
		default:
			st.Options = v.Options
		}
		if v.Unsupported != "" {
			st.Err = fmt.Errorf("%s", v.Unsupported)
		}
		choose(st, set[v.Name])
		out = append(out, st)
		sc[v.Name] = st.Value()
	}
	return out
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// choose picks the selection of st.
func choose(st *VarState, want []string) {
	v := st.Var
	if v.Type == VarTextbox && len(want) > 0 {
		st.Options = []Option{{Text: want[0], Value: want[0]}}
		st.Selected = want[:1]
		return
	}
	offered := map[string]bool{}
	byText := map[string]string{}
	for _, o := range st.Options {
		offered[o.Value] = true
		byText[o.Text] = o.Value
	}
	// An interval's "auto" is asked by its text: its value follows the
	// range.
	if v.Type == VarInterval {
		want = slices.Clone(want)
		for i, x := range want {
			if val, ok := byText[x]; ok && !offered[x] {
				want[i] = val
			}
		}
	}
	pick := func(vals []string, strict bool) bool {
		if len(vals) == 1 && (vals[0] == AllValue || vals[0] == "All") && v.IncludeAll {
			st.All, st.Selected = true, nil
			return true
		}
		var keep []string
		for _, x := range vals {
			if offered[x] || (!strict && x != AllValue) {
				keep = append(keep, x)
			}
		}
		if len(keep) == 0 {
			return false
		}
		if !v.Multi {
			keep = keep[:1]
		}
		st.Selected = keep
		return true
	}
	// A value given on the command line is taken even when not offered:
	// it may be one Prometheus has not seen in the range.
	if len(want) > 0 && pick(want, false) {
		return
	}
	if pick(v.Current, true) {
		return
	}
	if v.IncludeAll {
		st.All = true
		return
	}
	if len(st.Options) > 0 {
		st.Selected = []string{st.Options[0].Value}
	}
}

var (
	labelValuesRE = regexp.MustCompile(`^label_values\(\s*(?:(.+?)\s*,\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$`)
	metricsRE     = regexp.MustCompile(`^metrics\(\s*(.*?)\s*\)\s*$`)
	queryResultRE = regexp.MustCompile(`^query_result\(\s*(.+)\s*\)\s*$`)
	labelNamesRE  = regexp.MustCompile(`^label_names\(\s*(.*?)\s*\)\s*$`)
)

// queryOptions runs a query variable's query: label_values(metric, label),
// label_values(label), metrics(regex), query_result(expr), label_names().
func queryOptions(ctx context.Context, src Source, v *Variable, q string, rng time.Duration, end time.Time) ([]Option, error) {
	q = strings.TrimSpace(q)
	start := end.Add(-rng)
	var vals []string
	var err error
	switch {
	case labelValuesRE.MatchString(q):
		m := labelValuesRE.FindStringSubmatch(q)
		var match []string
		if m[1] != "" {
			match = []string{m[1]}
		}
		vals, err = src.LabelValues(ctx, m[2], match, start, end)
	case metricsRE.MatchString(q):
		re, rerr := regexp.Compile(metricsRE.FindStringSubmatch(q)[1])
		if rerr != nil {
			return nil, fmt.Errorf("metrics(): %v", rerr)
		}
		var names []string
		names, err = src.LabelValues(ctx, model.MetricNameLabel, nil, start, end)
		for _, n := range names {
			if re.MatchString(n) {
				vals = append(vals, n)
			}
		}
	case labelNamesRE.MatchString(q):
		err = fmt.Errorf("label_names() is not supported")
	case queryResultRE.MatchString(q):
		vals, err = queryResult(ctx, src, queryResultRE.FindStringSubmatch(q)[1], end)
	case q == "":
		return nil, fmt.Errorf("the variable has no query")
	default:
		return nil, fmt.Errorf("%q is not label_values(), metrics() or query_result()", truncate(q, 60))
	}
	if err != nil {
		return nil, err
	}
	return filterOptions(v, vals)
}

// queryResult writes each series of an instant query as Grafana does:
// name{label="value",…} value timestamp_ms.
func queryResult(ctx context.Context, src Source, expr string, at time.Time) ([]string, error) {
	val, _, err := src.Query(ctx, expr, at)
	if err != nil {
		return nil, err
	}
	var out []string
	switch r := val.(type) {
	case model.Vector:
		for _, s := range r {
			var parts []string
			names := make([]string, 0, len(s.Metric))
			for k := range s.Metric {
				if k != model.MetricNameLabel {
					names = append(names, string(k))
				}
			}
			sort.Strings(names)
			for _, k := range names {
				parts = append(parts, fmt.Sprintf("%s=%q", k, string(s.Metric[model.LabelName(k)])))
			}
			out = append(out, fmt.Sprintf("%s{%s} %s %d", s.Metric[model.MetricNameLabel], strings.Join(parts, ","),
				strconv.FormatFloat(float64(s.Value), 'f', -1, 64), s.Timestamp.UnixNano()/1e6))
		}
	case *model.Scalar:
		out = append(out, fmt.Sprintf("scalar %s %d", strconv.FormatFloat(float64(r.Value), 'f', -1, 64), r.Timestamp.UnixNano()/1e6))
	default:
		return nil, fmt.Errorf("query_result(): a %s, not an instant vector", val.Type())
	}
	return out, nil
}

// filterOptions applies the variable's regex (a /pattern/flags string: a
// value matching it is kept, its first group, or the groups named text and
// value, taken), removes duplicates and sorts.
func filterOptions(v *Variable, vals []string) ([]Option, error) {
	var re *regexp.Regexp
	if v.Regex != "" {
		pat := v.Regex
		if strings.HasPrefix(pat, "/") && strings.LastIndex(pat, "/") > 0 {
			i := strings.LastIndex(pat, "/")
			flags := pat[i+1:]
			pat = pat[1:i]
			if strings.Contains(flags, "i") {
				pat = "(?i)" + pat
			}
		} else {
			// Without slashes Grafana anchors the pattern.
			pat = "^(?:" + pat + ")$"
		}
		var err error
		if re, err = regexp.Compile(pat); err != nil {
			return nil, fmt.Errorf("regex %q: %v", truncate(v.Regex, 40), err)
		}
	}
	seen := map[string]bool{}
	var out []Option
	for _, val := range vals {
		o := Option{Text: val, Value: val}
		if re != nil {
			m := re.FindStringSubmatch(val)
			if m == nil {
				continue
			}
			if len(m) > 1 {
				o = Option{Text: m[1], Value: m[1]}
				for i, n := range re.SubexpNames() {
					switch n {
					case "text":
						o.Text = m[i]
					case "value":
						o.Value = m[i]
					}
				}
				if re.SubexpIndex("text") >= 0 && re.SubexpIndex("value") < 0 {
					o.Value = o.Text
				}
			}
		}
		if seen[o.Value] {
			continue
		}
		seen[o.Value] = true
		out = append(out, o)
		if len(out) >= MaxVariableValues {
			break
		}
	}
	sortOptions(out, v.Sort)
	return out, nil
}

func sortOptions(o []Option, how int) {
	num := func(s string) float64 {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0
		}
		return f
	}
	var less func(a, b Option) bool
	switch how {
	case 1, 2:
		less = func(a, b Option) bool { return a.Text < b.Text }
	case 3, 4:
		less = func(a, b Option) bool { return num(a.Text) < num(b.Text) }
	case 5, 6:
		less = func(a, b Option) bool { return strings.ToLower(a.Text) < strings.ToLower(b.Text) }
	default:
		return
	}
	sort.SliceStable(o, func(i, j int) bool {
		if how%2 == 0 {
			return less(o[j], o[i])
		}
		return less(o[i], o[j])
	})
}

// autoInterval is an interval variable's "auto": the range cut in
// AutoCount steps, rounded as Grafana rounds, at least AutoMin.
func autoInterval(v *Variable, rng time.Duration) string {
	lo, err := ParseDuration(v.AutoMin)
	if err != nil {
		lo = 10 * time.Second
	}
	return FormatDuration(max(RoundInterval(rng/time.Duration(max(v.AutoCount, 1))), lo))
}
