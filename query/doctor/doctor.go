// Package doctor is the metrics doctor: it finds what the defaults of
// prometheus_flask_exporter and its users' setups do to the figures, from
// the series of the selected targets. Every check is a fixed query
// (Requests in all), whatever the number of endpoints or targets.
package doctor

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/vigilterm/vigil/query"
)

// Status is a check's outcome.
type Status string

// The outcomes of a check. Unknown is a check whose query failed or whose
// premise is missing (no histogram: no bucket to check); it is never "ok".
const (
	OK      Status = "ok"
	Info    Status = "info"
	Warn    Status = "warn"
	Unknown Status = "unknown"
)

// The checks, by ID.
const (
	CheckMetrics        = "metrics_present"
	CheckPrefix         = "metric_prefix"
	CheckEndpointLabel  = "endpoint_label"
	CheckLatencyKind    = "latency_histogram"
	CheckP99Capped      = "p99_top_bucket"
	CheckCounterResets  = "counter_resets"
	CheckExceptions     = "exceptions_counted"
	CheckPathExplosion  = "path_explosion"
	CheckUnmatched      = "unmatched_routes"
	doctorResetsWindow  = 10 * time.Minute
	doctorExcWindow     = time.Hour
	doctorResetsAllowed = 2 // resets in the window not explained by restarts
)

// Check is one thing the doctor looked at.
type Check struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Status Status `json:"status"`
	// Seen is what was found; Why, why it matters; Fix, what to change in
	// the app or in vigil's config (empty for ok).
	Seen string `json:"seen"`
	Why  string `json:"why,omitempty"`
	Fix  string `json:"fix,omitempty"`
	// Subjects are the targets, endpoints or groups concerned.
	Subjects []string `json:"subjects,omitempty"`
}

// Detected is what the doctor read the exporter's setup to be.
type Detected struct {
	// Prefix is the families' prefix with its underscore ("flask_", "" for
	// NO_PREFIX); empty with PrefixKnown false when nothing was found.
	Prefix      string `json:"prefix"`
	PrefixKnown bool   `json:"prefix_known"`
	// DurationMetric, RequestsMetric, ExceptionsMetric, InfoMetric are the
	// family names under that prefix.
	DurationMetric   string `json:"duration_metric,omitempty"`
	RequestsMetric   string `json:"requests_metric,omitempty"`
	ExceptionsMetric string `json:"exceptions_metric,omitempty"`
	InfoMetric       string `json:"info_metric,omitempty"`
	// EndpointLabel is the label naming endpoints, found from the series.
	EndpointLabel string `json:"endpoint_label,omitempty"`
	// Histogram is true when the duration has buckets, false for a
	// summary; Summary when only _count and _sum exist.
	Histogram bool `json:"histogram"`
	Summary   bool `json:"summary"`
	// TopBucket is the highest finite bucket bound, seconds; 0 unknown.
	TopBucket float64 `json:"top_bucket_seconds,omitempty"`
	// Endpoints is the number of values of the endpoint label.
	Endpoints int `json:"endpoints"`
	// Groups are the paths that differ in one segment.
	Groups []query.PathGroup `json:"-"`
}

// Report is one run of the doctor.
type Report struct {
	Detected Detected           `json:"detected"`
	Checks   []Check            `json:"checks"`
	Errors   []query.QueryError `json:"-"`
	// Requests is the number of requests sent to Prometheus.
	Requests int `json:"requests"`
	// Window is the rate window the checks and the advice are of: the
	// overview's (ResolveWindow).
	Window query.WindowChoice `json:"-"`
	// At is when the checks were made: each says what it saw then.
	At time.Time `json:"at"`

	opts Options
}

// Worst is the most serious status among the checks: warn, then unknown,
// then info, then ok.
func (r *Report) Worst() Status {
	rank := map[Status]int{OK: 0, Info: 1, Unknown: 2, Warn: 3}
	w := OK
	for _, c := range r.Checks {
		if rank[c.Status] > rank[w] {
			w = c.Status
		}
	}
	return w
}

// Problems are the checks that warn or could not be made.
func (r *Report) Problems() []Check {
	var out []Check
	for _, c := range r.Checks {
		if c.Status == Warn || c.Status == Unknown {
			out = append(out, c)
		}
	}
	return out
}

// Requests is the number of requests one doctor run sends at most:
// the families and up (1, 2), the label names of the duration family (3),
// then the endpoint values, the resets, the exceptions and the buckets
// (4-7). With ui.window "auto", a client that has not read the scrape
// interval yet reads it first (ResolveWindow: two more).
const Requests = 7

// The exporter's family names without prefix.
const (
	baseDuration   = "http_request_duration_seconds"
	baseRequests   = "http_request_total"
	baseExceptions = "http_request_exceptions_total"
	baseInfo       = "exporter_info"
)

// familiesRE matches the exporter's families under any prefix.
var familiesRE = `(.+_)?(` + baseDuration + `(_count|_bucket|_sum)?|` + baseRequests + `|` + baseExceptions + `|` + baseInfo + `)`

// notEndpointLabels are labels of the duration family that never name an
// endpoint.
var notEndpointLabels = map[string]bool{"__name__": true, "method": true, query.StatusLabel: true, "le": true, "quantile": true, "job": true, "instance": true}

// knownEndpointLabels are group_by's usual labels, preferred in this order.
var knownEndpointLabels = []string{"path", "url_rule", "endpoint"}

var errorNoDuration = fmt.Errorf("no request duration family was found")

// Options say which parts of the shape were left to detection: then
// what was found is used, not a mismatch.
type Options struct {
	// LabelDetected: metrics.endpoint_label is unset.
	LabelDetected bool
	// NamesDetected: the family names are prometheus_flask_exporter's
	// defaults, which a detected prefix replaces.
	NamesDetected bool
}

// Detect reads the exporter's setup from the series behind s.Selector, on
// p: the prefix, the latency kind and the endpoint label, in three
// requests.
func Detect(ctx context.Context, p *query.Prometheus, s query.Shape) (*Detected, error) {
	r := run(ctx, p, s, Options{}, true)
	if len(r.Errors) > 0 {
		return &r.Detected, fmt.Errorf("%s: %w", r.Errors[0].Name, r.Errors[0].Err)
	}
	return &r.Detected, nil
}

// Run checks the exporter's series behind s.Selector, on p. s gives the
// configured names: what was detected is compared with them, unless o says
// they were left to detection.
func Run(ctx context.Context, p *query.Prometheus, s query.Shape, o Options) *Report {
	return run(ctx, p, s, o, false)
}

func run(ctx context.Context, p *query.Prometheus, s query.Shape, o Options, detectOnly bool) *Report {
	now := time.Now()
	r := &Report{opts: o, At: now}
	defer r.sortChecks()
	if !detectOnly {
		// The overview's window, as the console's doctor and the
		// command's both advise it (the recording rules' window).
		var sent int
		s, r.Window, sent = p.ResolveWindow(ctx, s)
		r.Requests += sent
	}
	w := s.Window
	if w <= 0 {
		w = 5 * time.Minute
	}
	// 1, 2: which families each target has, and which targets are up.
	famQ := query.NamedQuery{Name: "families", Expr: "count by (__name__, instance, job) (" + query.Selector("", s.Selector, `__name__=~"`+familiesRE+`"`) + ")"}
	upQ := query.NamedQuery{Name: "up", Expr: query.Selector("up", s.Selector)}
	res := p.Instants(ctx, []query.NamedQuery{famQ, upQ}, now)
	r.Requests += 2
	fam, up := res[0], res[1]
	for i, q := range []query.NamedQuery{famQ, upQ} {
		if res[i].Err != nil {
			r.Errors = append(r.Errors, query.QueryError{Name: q.Name, Query: q.Expr, Err: res[i].Err})
		}
	}
	if fam.Err != nil {
		r.unknownAll(fmt.Sprintf("query families failed: %v", fam.Err))
		return r
	}
	r.checkFamilies(s, fam.Vec, up)
	d := &r.Detected
	if d.DurationMetric == "" {
		return r
	}

	// 3: the label names of the duration family, less the targets' own.
	count := d.DurationMetric + "_count"
	names, err := p.LabelNames(ctx, query.Selector(count, s.Selector), now.Add(-w), now)
	r.Requests++
	if err != nil {
		r.Errors = append(r.Errors, query.QueryError{Name: "label_names", Query: "/api/v1/labels?match[]=" + query.Selector(count, s.Selector), Err: err})
		r.add(Check{ID: CheckEndpointLabel, Title: "endpoint label", Status: Unknown, Seen: "the label names could not be read: " + err.Error()})
	} else {
		r.checkEndpointLabel(s, names, up.Vec)
	}
	if detectOnly {
		return r
	}
	label := d.EndpointLabel
	if label == "" {
		label = s.EndpointLabel
	}

	// 4-7, paced.
	sh := s
	sh.DurationMetric, sh.EndpointLabel = d.DurationMetric, label
	qs := []query.NamedQuery{
		{Name: "endpoints", Expr: query.Tag("count by ("+label+") ("+query.Selector(count, s.Selector)+")", "all") +
			" or " + query.Tag(query.Only404Query(count, s.Selector, label), "only404") +
			" or " + query.Tag(query.RulesQuery(sh), "rules")},
		{Name: "resets", Expr: query.Tag("max by (instance, job) (resets("+query.RangeSelector(count, s.Selector, doctorResetsWindow)+"))", "resets") +
			" or " + query.Tag("max by (instance, job) (changes("+query.RangeSelector(query.StartTimeMetric, s.Selector, doctorResetsWindow)+"))", "restarts") +
			" or " + query.Tag("max by (instance, job) (resets("+query.RangeSelector(query.StartTimeMetric, s.Selector, doctorResetsWindow)+"))", "start_back")},
		{Name: "exceptions", Expr: query.Tag("sum(increase("+query.RangeSelector(count, s.Selector, doctorExcWindow, query.LabelMatch(query.StatusLabel, "=", "500"))+"))", "status500") +
			" or " + query.Tag("sum(increase("+query.RangeSelector(d.ExceptionsMetric, s.Selector, doctorExcWindow)+"))", "exceptions")},
	}
	if d.Histogram {
		qs = append(qs, query.NamedQuery{Name: "buckets", Expr: query.Tag("count by (le) ("+query.Selector(d.DurationMetric+"_bucket", s.Selector)+")", "le") +
			" or " + query.Tag(query.QuantileQuery(query.Shape{Selector: s.Selector, EndpointLabel: label, DurationMetric: d.DurationMetric, Window: w}, 0.99), "p99")})
	}
	res = p.Instants(ctx, qs, now)
	r.Requests += len(qs)
	for i, q := range qs {
		x := res[i]
		if x.Err != nil {
			r.Errors = append(r.Errors, query.QueryError{Name: q.Name, Query: q.Expr, Err: x.Err})
		}
		switch q.Name {
		case "endpoints":
			r.checkEndpoints(label, x)
			rules := query.Answer{Err: x.Err}
			for _, smp := range x.Vec {
				if smp.Metric[query.SeriesLabel] == "rules" {
					rules.Vec = append(rules.Vec, smp)
				}
			}
			off := p.RulesOff()
			r.checkRules(sh, rules, off)
		case "resets":
			r.checkResets(x)
		case "exceptions":
			r.checkExceptions(d, x)
		case "buckets":
			r.checkBuckets(label, x)
		}
	}
	if !d.Histogram {
		r.add(Check{ID: CheckP99Capped, Title: "p99 within the buckets", Status: Unknown, Seen: "no buckets: the latency is a summary"})
	}
	return r
}

func (r *Report) add(c Check) { r.Checks = append(r.Checks, c) }

// sortChecks puts the checks in the order of doctorChecks.
func (r *Report) sortChecks() {
	order := map[string]int{}
	for i, c := range doctorChecks {
		order[c[0]] = i
	}
	sort.SliceStable(r.Checks, func(i, j int) bool { return order[r.Checks[i].ID] < order[r.Checks[j].ID] })
}

// unknownAll marks every check unknown for one reason.
func (r *Report) unknownAll(why string) {
	for _, c := range doctorChecks {
		r.add(Check{ID: c[0], Title: c[1], Status: Unknown, Seen: why})
	}
}

// doctorChecks are the checks, in the order they are shown.
var doctorChecks = [][2]string{
	{CheckMetrics, "exporter metrics present"},
	{CheckPrefix, "metric prefix"},
	{CheckEndpointLabel, "endpoint label"},
	{CheckLatencyKind, "latency as a histogram"},
	{CheckP99Capped, "p99 within the buckets"},
	{CheckCounterResets, "counters that only go up"},
	{CheckExceptions, "exceptions counted"},
	{CheckPathExplosion, "one row per route"},
	{CheckUnmatched, "unmatched routes (404)"},
	{CheckRecordingRules, "recording rules"},
}

func title(id string) string {
	for _, c := range doctorChecks {
		if c[0] == id {
			return c[1]
		}
	}
	return id
}

func targetName(m model.Metric) string {
	return fmt.Sprintf("%s %s", m["job"], m["instance"])
}

// checkFamilies reads the prefix, the latency kind and which targets that
// are up have no exporter family.
func (r *Report) checkFamilies(s query.Shape, fams model.Vector, up query.Answer) {
	d := &r.Detected
	type tgt struct{ job, instance string }
	has := map[tgt]bool{}
	prefixes := map[string]map[tgt]bool{}
	names := map[string]bool{}
	for _, smp := range fams {
		name := string(smp.Metric[model.MetricNameLabel])
		names[name] = true
		t := tgt{string(smp.Metric["job"]), string(smp.Metric["instance"])}
		has[t] = true
		if pre, ok := strings.CutSuffix(name, baseDuration+"_count"); ok {
			if prefixes[pre] == nil {
				prefixes[pre] = map[tgt]bool{}
			}
			prefixes[pre][t] = true
		}
	}
	// The prefix: the exporter names it in *_exporter_info; among the
	// prefixes of the duration family, those confirmed by an info metric
	// first, then the one of most targets.
	info := map[string]bool{}
	for name := range names {
		if pre, ok := strings.CutSuffix(name, baseInfo); ok {
			info[pre] = true
		}
	}
	best, bestN, bestInfo := "", -1, false
	for pre, ts := range prefixes {
		better := info[pre] && !bestInfo ||
			info[pre] == bestInfo && (len(ts) > bestN || len(ts) == bestN && pre < best)
		if better {
			best, bestN, bestInfo = pre, len(ts), info[pre]
		}
	}
	if bestN > 0 {
		d.Prefix, d.PrefixKnown = best, true
		d.DurationMetric = best + baseDuration
		d.RequestsMetric = best + baseRequests
		d.ExceptionsMetric = best + baseExceptions
		d.InfoMetric = best + baseInfo
		d.Histogram = names[d.DurationMetric+"_bucket"]
		d.Summary = !d.Histogram && names[d.DurationMetric+"_sum"]
	}

	// Targets up with no exporter family: the debug reloader.
	if up.Err != nil {
		r.add(Check{ID: CheckMetrics, Title: title(CheckMetrics), Status: Unknown, Seen: "up{} could not be read: " + up.Err.Error()})
	} else {
		var bare []string
		upN := 0
		for _, smp := range up.Vec {
			if smp.Value != 1 {
				continue
			}
			upN++
			if !has[tgt{string(smp.Metric["job"]), string(smp.Metric["instance"])}] {
				bare = append(bare, targetName(smp.Metric))
			}
		}
		sort.Strings(bare)
		switch {
		case upN == 0:
			r.add(Check{ID: CheckMetrics, Title: title(CheckMetrics), Status: Unknown,
				Seen: fmt.Sprintf("no target of %s is up (%d series of up)", selectorText(s.Selector), len(up.Vec)),
				Why:  "nothing can be checked without a scraped target"})
		case len(bare) > 0:
			r.add(Check{ID: CheckMetrics, Title: title(CheckMetrics), Status: Warn,
				Seen:     fmt.Sprintf("%d of %d targets are up but expose no exporter family (*%s, *%s)", len(bare), upN, baseDuration, baseRequests),
				Why:      "the app serves /metrics but PrometheusMetrics registered nothing: under Flask's debug reloader (FLASK_DEBUG=1, app.run(debug=True)) the exporter stays off unless DEBUG_METRICS is set; their endpoints are missing, not idle",
				Fix:      "run without the debug reloader, or set the environment variable DEBUG_METRICS=1 for the app; check that PrometheusMetrics(app) runs in the serving process",
				Subjects: bare})
		default:
			r.add(Check{ID: CheckMetrics, Title: title(CheckMetrics), Status: OK, Seen: fmt.Sprintf("every one of %d targets up exposes the exporter's families", upN)})
		}
	}

	switch {
	case bestN <= 0:
		r.add(Check{ID: CheckPrefix, Title: title(CheckPrefix), Status: Warn,
			Seen: "no *" + baseDuration + "_count series behind " + selectorText(s.Selector),
			Why:  "without the request duration family there are no per-endpoint figures",
			Fix:  "check the selector (--selector, selector in config.toml) and that the app uses prometheus_flask_exporter"})
		for _, id := range []string{CheckEndpointLabel, CheckLatencyKind, CheckP99Capped, CheckCounterResets, CheckExceptions, CheckPathExplosion, CheckUnmatched} {
			r.add(Check{ID: id, Title: title(id), Status: Unknown, Seen: errorNoDuration.Error()})
		}
		return
	case d.DurationMetric != s.DurationMetric && r.opts.NamesDetected:
		r.add(Check{ID: CheckPrefix, Title: title(CheckPrefix), Status: Info,
			Seen: fmt.Sprintf("the families are named %s* (%s); vigil uses them", shownPrefix(best), d.DurationMetric),
			Why:  "the app sets PrometheusMetrics(defaults_prefix=...) (or NO_PREFIX); the metrics.*_metric keys are at their flask_ defaults, so the detected names are used",
			Fix:  fmt.Sprintf("nothing to do; to pin them, set metrics.duration_metric = %q and the other metrics.*_metric keys", d.DurationMetric)})
	case d.DurationMetric != s.DurationMetric:
		c := Check{ID: CheckPrefix, Title: title(CheckPrefix), Status: Warn,
			Seen: fmt.Sprintf("the families are named %s* (%s), not %s", shownPrefix(best), d.DurationMetric, s.DurationMetric),
			Why:  "the app sets PrometheusMetrics(defaults_prefix=...) (or NO_PREFIX): queries for the configured names find nothing",
			Fix: fmt.Sprintf("set metrics.duration_metric = %q, metrics.requests_metric = %q, metrics.exceptions_metric = %q and metrics.info_metric = %q in config.toml",
				d.DurationMetric, d.RequestsMetric, d.ExceptionsMetric, d.InfoMetric)}
		if len(prefixes) > 1 {
			c.Seen += fmt.Sprintf(" (%d prefixes in use; the most common is shown)", len(prefixes))
		}
		r.add(c)
	default:
		seen := fmt.Sprintf("%s*, as configured", shownPrefix(best))
		if names[d.InfoMetric] {
			seen += "; " + d.InfoMetric + " is there"
		}
		r.add(Check{ID: CheckPrefix, Title: title(CheckPrefix), Status: OK, Seen: seen})
	}
	switch {
	case d.Histogram:
		r.add(Check{ID: CheckLatencyKind, Title: title(CheckLatencyKind), Status: OK, Seen: d.DurationMetric + " has buckets"})
	case d.Summary:
		r.add(Check{ID: CheckLatencyKind, Title: title(CheckLatencyKind), Status: Warn,
			Seen: d.DurationMetric + " is a summary: _count and _sum, no _bucket",
			Why:  "p50 and p99 cannot be computed from a summary without quantiles; only the mean latency (_sum/_count) is known, and vigil shows p50/p99 as —",
			Fix:  "PrometheusMetrics(app, default_latency_as_histogram=True), the exporter's default"})
	default:
		r.add(Check{ID: CheckLatencyKind, Title: title(CheckLatencyKind), Status: Unknown, Seen: d.DurationMetric + "_count exists without _bucket or _sum"})
	}
}

func shownPrefix(p string) string {
	if p == "" {
		return "(no prefix) "
	}
	return p
}

func selectorText(sel string) string {
	if query.CleanSelector(sel) == "" {
		return "{} (no selector)"
	}
	return "{" + query.CleanSelector(sel) + "}"
}

// checkEndpointLabel finds the endpoint label among the duration family's
// label names: not a target label (those of up), not method, status, le.
func (r *Report) checkEndpointLabel(s query.Shape, names model.LabelNames, up model.Vector) {
	target := map[string]bool{}
	for _, smp := range up {
		for n := range smp.Metric {
			target[string(n)] = true
		}
	}
	var cands []string
	for _, n := range names {
		if !notEndpointLabels[string(n)] && !target[string(n)] {
			cands = append(cands, string(n))
		}
	}
	d := &r.Detected
	for _, k := range knownEndpointLabels {
		if slices.Contains(cands, k) {
			d.EndpointLabel = k
			break
		}
	}
	if d.EndpointLabel == "" && len(cands) == 1 {
		d.EndpointLabel = cands[0]
	}
	switch {
	case d.EndpointLabel == "" && len(cands) == 0:
		r.add(Check{ID: CheckEndpointLabel, Title: title(CheckEndpointLabel), Status: Warn,
			Seen: d.DurationMetric + " has no label besides method, status and the target's",
			Why:  "endpoints cannot be told apart",
			Fix:  "PrometheusMetrics(app, group_by='url_rule') (or 'path', 'endpoint')"})
	case d.EndpointLabel == "":
		r.add(Check{ID: CheckEndpointLabel, Title: title(CheckEndpointLabel), Status: Warn,
			Seen:     "more than one label could name the endpoint: " + strings.Join(cands, ", "),
			Why:      "a group_by function and default_labels both add labels; vigil cannot tell which one is the endpoint",
			Fix:      "set metrics.endpoint_label in config.toml to the group_by label",
			Subjects: cands})
	case r.opts.LabelDetected:
		r.add(Check{ID: CheckEndpointLabel, Title: title(CheckEndpointLabel), Status: OK,
			Seen: fmt.Sprintf("%q, detected (metrics.endpoint_label is unset)", d.EndpointLabel)})
	case d.EndpointLabel != s.EndpointLabel:
		r.add(Check{ID: CheckEndpointLabel, Title: title(CheckEndpointLabel), Status: Warn,
			Seen: fmt.Sprintf("the endpoint label is %q (group_by), not the configured %q", d.EndpointLabel, s.EndpointLabel),
			Why:  "queries by the configured label put every request on one empty endpoint",
			Fix:  fmt.Sprintf("set metrics.endpoint_label = %q in config.toml", d.EndpointLabel)})
	default:
		r.add(Check{ID: CheckEndpointLabel, Title: title(CheckEndpointLabel), Status: OK, Seen: fmt.Sprintf("%q, as configured", d.EndpointLabel)})
	}
}
