package query

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/common/model"
)

// vigil's recording rules. `vigil rules` writes a Prometheus rules file
// that records, for each window W, the aggregates the overview reads:
//
//	vigil:job_L_status:D_count:rateW   sum by (job, L, status) (rate(D_count[W]))
//	vigil:job_L_le:D_bucket:rateW      sum by (job, L, le) (rate(D_bucket[W]))
//	vigil:job_le:D_bucket:rateW        sum by (job, le) (vigil:job_L_le:D_bucket:rateW)
//	vigil:job_L:E:rateW                sum by (job, L) (rate(E[W]))
//	vigil:job_L:D:p50_rateW            histogram_quantile(0.5, vigil:job_L_le:D_bucket:rateW)
//	vigil:job_L:D:p99_rateW            histogram_quantile(0.99, vigil:job_L_le:D_bucket:rateW)
//	vigil:job_L:D_count:error_ratio_rateW  the error ratio per endpoint, of the first series
//	vigil:rules{vigil_group="vigil_W"}  1: the group is evaluated, and with which error statuses
//
// and, once for all windows, in the group vigil_series:
//
//	vigil:instance_job_L_status:D_count:series  count by (instance, job, L, status) (D_count)
//	vigil:job_L:D_count:resetsR        sum by (job, L) (resets(D_count[R])) > 0, R = ResetsRange(W)
//	vigil:rules{vigil_group="vigil_series", vigil_resets="R"}  1
//
// The names follow Prometheus's level:metric:operations under the prefix
// "vigil:". When Prometheus evaluates them, a refresh whose window is a
// recorded W and whose selector names only job and L reads these series
// instead of the raw ones: the same figures (sums of the same rates, up to
// the order of the additions) for a fraction of the work, one evaluation
// interval late at most.

// RulePrefix starts the name of every series vigil's rules record.
const RulePrefix = "vigil:"

// DefaultRuleWindows are the windows `vigil rules` records by default: the
// auto window of the usual 15s scrape interval, and 5m.
var DefaultRuleWindows = []time.Duration{time.Minute, 5 * time.Minute}

// RuleKeptLabels are the labels the recorded series keep besides the
// endpoint label (and status, le where they apply): a selector naming
// another label cannot be answered from them.
var RuleKeptLabels = []string{"job"}

// RecordedNames are the names of the series recorded for window w.
type RecordedNames struct {
	Requests, Buckets, TotalBuckets, Exceptions string
	// P50, P99 are each endpoint's quantiles per job.
	P50, P99 string
	// ErrorRatio is each endpoint's error ratio per job, labelled with
	// the error statuses it counts (ErrorsLabel).
	ErrorRatio string
}

// RecordedFor returns the recorded series' names of shape s (its endpoint
// label and metrics) for window w.
func RecordedFor(s Shape, w time.Duration) RecordedNames {
	L, op := s.EndpointLabel, ":rate"+FormatDuration(w)
	return RecordedNames{
		Requests:     RulePrefix + "job_" + L + "_status:" + s.countMetric() + op,
		Buckets:      RulePrefix + "job_" + L + "_le:" + s.bucketMetric() + op,
		TotalBuckets: RulePrefix + "job_le:" + s.bucketMetric() + op,
		Exceptions:   RulePrefix + "job_" + L + ":" + s.ExceptionsMetric + op,
		P50:          RulePrefix + "job_" + L + ":" + s.DurationMetric + ":p50_" + strings.TrimPrefix(op, ":"),
		P99:          RulePrefix + "job_" + L + ":" + s.DurationMetric + ":p99_" + strings.TrimPrefix(op, ":"),
		ErrorRatio:   RulePrefix + "job_" + L + ":" + s.countMetric() + ":error_ratio_" + strings.TrimPrefix(op, ":"),
	}
}

// recordingRule is one rule of the generated file, with the labels it
// sets (name, value pairs).
type recordingRule struct {
	Record, Expr string
	Labels       [][2]string
}

// recordingRules are the rules of window w, in evaluation order (the total
// buckets sum the per-endpoint ones of the same evaluation).
func recordingRules(s Shape, w time.Duration) []recordingRule {
	n := RecordedFor(s, w)
	L, W := s.EndpointLabel, "["+FormatDuration(w)+"]"
	return []recordingRule{
		{Record: n.Requests, Expr: "sum by (job, " + L + ", " + StatusLabel + ") (rate(" + s.countMetric() + W + "))"},
		{Record: n.Buckets, Expr: "sum by (job, " + L + ", le) (rate(" + s.bucketMetric() + W + "))"},
		{Record: n.TotalBuckets, Expr: "sum by (job, le) (" + n.Buckets + ")"},
		{Record: n.Exceptions, Expr: "sum by (job, " + L + ") (rate(" + s.ExceptionsMetric + W + "))"},
		{Record: n.P50, Expr: "histogram_quantile(0.5, " + n.Buckets + ")"},
		{Record: n.P99, Expr: "histogram_quantile(0.99, " + n.Buckets + ")"},
		{Record: n.ErrorRatio, Expr: errorRatioOf(
			"sum by (job, "+L+") ("+Selector(n.Requests, "", s.errorMatcher())+")",
			"sum by (job, "+L+") ("+n.Requests+")"),
			Labels: [][2]string{{ErrorsLabel, s.ErrorStatus}}},
		rulesInfoAfter(s, rulesGroupName(w), n.ErrorRatio, [2]string{ErrorsLabel, s.ErrorStatus}),
	}
}

// RulesFile is a Prometheus rules file (YAML) with one group per window,
// named vigil_<window>, evaluated at the global evaluation interval.
func RulesFile(s Shape, windows []time.Duration) ([]byte, error) {
	return RulesFileEvery(s, windows, 0)
}

// RulesFileEvery is RulesFile with each group evaluated every interval
// instead of at the global evaluation interval (0: the global one).
func RulesFileEvery(s Shape, windows []time.Duration, interval time.Duration) ([]byte, error) {
	if interval < 0 {
		return nil, fmt.Errorf("rules: interval %s must not be negative", interval)
	}
	if len(windows) == 0 {
		return nil, errors.New("rules: no window")
	}
	if s.EndpointLabel == "" || s.DurationMetric == "" || s.ExceptionsMetric == "" {
		return nil, errors.New("rules: the endpoint label, the duration metric and the exceptions metric must be set")
	}
	var b strings.Builder
	b.WriteString("# Recording rules for vigil (`vigil rules`): the aggregates of its overview.\n")
	b.WriteString("# vigil reads them instead of the raw series when Prometheus evaluates them.\n")
	b.WriteString("groups:\n")
	seen := map[time.Duration]bool{}
	for _, w := range windows {
		if w <= 0 {
			return nil, fmt.Errorf("rules: window %s must be above 0", w)
		}
		if seen[w] {
			continue
		}
		seen[w] = true
		writeGroup(&b, rulesGroupName(w), interval, recordingRules(s, w))
	}
	writeGroup(&b, SeriesGroup, interval, seriesRules(s, windows))
	return []byte(b.String()), nil
}

func writeGroup(b *strings.Builder, name string, interval time.Duration, rules []recordingRule) {
	fmt.Fprintf(b, "  - name: %s\n", name)
	if interval > 0 {
		fmt.Fprintf(b, "    interval: %s\n", FormatDuration(interval))
	}
	b.WriteString("    rules:\n")
	for _, r := range rules {
		fmt.Fprintf(b, "      - record: %s\n        expr: %s\n", r.Record, strconv.Quote(r.Expr))
		if len(r.Labels) > 0 {
			b.WriteString("        labels:\n")
			for _, l := range r.Labels {
				fmt.Fprintf(b, "          %s: %s\n", l[0], strconv.Quote(l[1]))
			}
		}
	}
}

// ParseRuleWindows reads a comma-separated list of windows ("1m,5m").
func ParseRuleWindows(s string) ([]time.Duration, error) {
	var out []time.Duration
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		d, err := ParseDuration(part)
		if err != nil {
			return nil, fmt.Errorf("window %q: %v", part, err)
		}
		if d <= 0 {
			return nil, fmt.Errorf("window %q must be above 0", part)
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		return nil, errors.New("no window: write e.g. 1m,5m")
	}
	return out, nil
}

// RulesStatus is what a console knows of vigil's rules in Prometheus.
type RulesStatus struct {
	// Checked is false until a refresh has looked.
	Checked bool
	// Err is why the rules query failed.
	Err error
	// Windows are the windows whose rules have series now, for the
	// shape's endpoint label and metrics.
	Windows []time.Duration
	// Series is whether the vigil_series group is evaluated (the series
	// per endpoint); Resets are the ranges of its counter resets.
	Series bool
	Resets []time.Duration
	// Ratios are the windows whose error ratio is recorded with the
	// shape's error statuses; OtherErrors those recorded with others.
	Ratios, OtherErrors []time.Duration
	// Evaluated is, by window, the time of the newest evaluation of its
	// group that Prometheus had stored.
	Evaluated map[time.Duration]time.Time
	At        time.Time
}

// Has reports whether the rules of window w are evaluated.
func (r RulesStatus) Has(w time.Duration) bool { return slices.Contains(r.Windows, w) }

// RulesUse says whether a refresh of s reads the recorded series and,
// when not, why.
func (r RulesStatus) RulesUse(s Shape) (bool, string) {
	switch {
	case !r.Checked:
		return false, "not checked yet"
	case r.Err != nil:
		return false, "the rules query failed: " + r.Err.Error()
	case len(r.Windows) == 0:
		return false, "Prometheus has no series " + RecordedFor(s, s.Window).TotalBuckets + " (nor of another window): `vigil rules` writes the rules that record them"
	case !r.Has(s.Window):
		ws := make([]string, len(r.Windows))
		for i, w := range r.Windows {
			ws[i] = FormatDuration(w)
		}
		return false, "window " + FormatDuration(s.Window) + " is not recorded (recorded: " + strings.Join(ws, ", ") + ")"
	case s.latencyMean:
		return false, "the duration has no buckets: its mean is read from the raw series"
	}
	if bad := SelectorLabelsNotKept(s); bad != "" {
		return false, "the selector names " + bad + ", which the recorded series do not keep (they keep job and " + s.EndpointLabel + ")"
	}
	return true, ""
}

// SelectorLabelsNotKept is the first label of s.Selector the recorded
// series do not keep, or "" when there is none.
func SelectorLabelsNotKept(s Shape) string {
	sel := CleanSelector(s.Selector)
	if sel == "" {
		return ""
	}
	ms, err := ParseMatchers(sel)
	if err != nil {
		return "an unreadable selector"
	}
	for _, m := range ms {
		if m.Name != s.EndpointLabel && !slices.Contains(RuleKeptLabels, m.Name) {
			return m.Name
		}
	}
	return ""
}

// selectorPinsJob reports whether s.Selector selects one job (job="x").
func selectorPinsJob(s Shape) bool {
	ms, err := ParseMatchers(CleanSelector(s.Selector))
	if err != nil {
		return false
	}
	for _, m := range ms {
		if m.Name == "job" && m.Type == labels.MatchEqual {
			return true
		}
	}
	return false
}

// selectorNames reports whether s.Selector has a matcher on label.
func selectorNames(s Shape, label string) bool {
	ms, err := ParseMatchers(CleanSelector(s.Selector))
	if err != nil {
		return false
	}
	for _, m := range ms {
		if m.Name == label {
			return true
		}
	}
	return false
}

// RulesQuery finds which windows vigil's rules record for s: the names of
// the total-bucket series, a few per job, with a sample now. It travels as
// a part of the totals query, so finding the rules costs no request.
func RulesQuery(s Shape) string {
	return "count by (__name__) ({__name__=~" + strconv.Quote(regexpQuote(RulePrefix+"job_le:"+s.bucketMetric()+":rate")+".+") + "}) or " + rulesInfoQuery(s)
}

// regexpQuote escapes the regular expression metacharacters of s.
func regexpQuote(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`\.+*?()|[]{}^$`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// RulesOf is the rules state from the answer of RulesQuery(s): its
// series, or the error that came instead.
func RulesOf(s Shape, vec model.Vector, err error) RulesStatus {
	st := RulesStatus{Checked: true, At: time.Now(), Err: err}
	if err != nil {
		return st
	}
	prefix := RecordedFor(s, time.Minute).TotalBuckets
	prefix = prefix[:strings.LastIndex(prefix, ":rate")+len(":rate")]
	for _, smp := range vec {
		name := string(smp.Metric["__name__"])
		if _, ok := smp.Metric[rulesGroupLabel]; ok {
			st.readRulesInfo(s, smp.Metric, float64(smp.Value))
			continue
		}
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		if w, err := ParseDuration(name[len(prefix):]); err == nil && w > 0 && !slices.Contains(st.Windows, w) {
			st.Windows = append(st.Windows, w)
		}
	}
	slices.Sort(st.Windows)
	slices.Sort(st.Resets)
	slices.Sort(st.Ratios)
	return st
}

// RecordingRules returns what the last refresh found of vigil's rules (see
// RulesStatus); Checked is false before the first refresh.
func (p *Prometheus) RecordingRules() RulesStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rules
}

// SetUseRules turns reading the recorded series on (the default) or off.
func (p *Prometheus) SetUseRules(on bool) {
	p.mu.Lock()
	p.noRules = !on
	p.mu.Unlock()
}

// RulesOff reports whether reading the recorded series is turned off.
func (p *Prometheus) RulesOff() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.noRules
}

// MaxConcurrent is PrometheusOptions.MaxConcurrent.
func (p *Prometheus) MaxConcurrent() int { return p.maxConcurrent }

func rulesKey(s Shape) string {
	return s.EndpointLabel + "\x00" + s.DurationMetric + "\x00" + s.ExceptionsMetric
}

// rulesFor is the rules state a refresh of s uses: the one the previous
// refresh found, when it was for the same metrics.
func (p *Prometheus) rulesFor(s Shape) (st RulesStatus, off bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.noRules {
		return RulesStatus{}, true
	}
	if p.rulesKey != rulesKey(s) {
		return RulesStatus{}, false
	}
	return p.rules, false
}

func (p *Prometheus) keepRules(s Shape, st RulesStatus) {
	p.mu.Lock()
	p.rules, p.rulesKey = st, rulesKey(s)
	p.mu.Unlock()
}

// recordedPartExprs are the parts of a refresh read from the recorded
// series of window s.recorded; the trend too when its inner range is that
// window; the fresh series and the join of the changes to the endpoints
// as s.recParts says. The targets stay raw.
func recordedPartExprs(s Shape, plan TrendPlan) [numQueries]string {
	raw := s
	raw.recorded = ""
	w, _ := ParseDuration(s.recorded)
	n := RecordedFor(s, w)
	secs := formatFloat(w.Seconds())
	by := s.by()
	// The total buckets keep no endpoint label: a selector naming it
	// sums the per-endpoint ones.
	totalBuckets := n.TotalBuckets
	if selectorNames(s, s.EndpointLabel) {
		totalBuckets = n.Buckets
	}
	sumBy := func(metric string, extra ...string) string {
		return "sum by (" + by + ") (" + s.relabel(Selector(metric, s.Selector, extra...)) + ")"
	}
	quantile := func(q float64) string {
		return "histogram_quantile(" + formatFloat(q) + ", sum by (" + by + ", le) (" + s.relabel(Selector(n.Buckets, s.Selector)) + "))"
	}
	// The quantiles of one job's endpoints are recorded, one series per
	// endpoint, read as they are (no aggregation: each endpoint label
	// value has one); those of several jobs or of a group of paths are of
	// summed buckets.
	if s.perEndpointRecorded() {
		quantile = func(q float64) string {
			name := n.P99
			if q == 0.5 {
				name = n.P50
			}
			return Selector(name, s.Selector)
		}
	}
	fp := recordedFreshParts(s, raw, n, totalBuckets)
	out := [numQueries]string{
		qRPS:             sumBy(n.Requests),
		qErrors:          sumBy(n.Requests, s.errorMatcher()),
		qP50:             quantile(0.5),
		qP99:             quantile(0.99),
		qExcByLabel:      sumBy(n.Exceptions) + " * " + secs,
		qExc500:          sumBy(n.Requests, LabelMatch(StatusLabel, "=", "500")) + " * " + secs,
		qTotalP99:        "histogram_quantile(0.99, sum by (le) (" + Selector(totalBuckets, s.Selector) + "))",
		qTotalExceptions: "sum(" + Selector(n.Exceptions, s.Selector) + ") * " + secs,
		qTrend:           TrendQuery(raw, plan.Range),
		qFresh:           freshQueryOf(s, fp),
		qFreshSlow:       freshSlowOf(fp),
		qChanged:         ChangedQuery(raw, ChangedWithin),
		qTargets:         TargetsQuery(raw),
		qLastUp:          LastUpQuery(raw),
		qRules:           RulesQuery(raw),
		qStarts:          StartsQuery(raw, StartsRange(s.Window)),
	}
	servicePartExprs(s, &out, &n, secs)
	if s.recParts.series {
		out[qChanged] = changedQueryOn(raw, ChangedWithin, Selector(SeriesFor(s).Series, s.Selector))
	}
	if plan.Range == w {
		out[qTrend] = errorRatioOf(sumBy(n.Requests, s.errorMatcher()), sumBy(n.Requests))
	}
	// One job's endpoints: their error ratios over the trend's range are
	// recorded (for a window above 1m, those of the 1m rules).
	if s.recordedTrend() {
		out[qTrend] = Selector(RecordedFor(s, plan.Range).ErrorRatio, s.Selector, LabelMatch(ErrorsLabel, "=", s.ErrorStatus))
	}
	return out
}
