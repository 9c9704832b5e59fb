package doctor

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/prometheus/common/model"

	"github.com/vigilterm/vigil/query"
)

// The doctor's checks of the endpoints, the counters, the exceptions and
// the buckets: the second round of its queries.

// checkEndpoints looks at the endpoint label's values: groups of paths that
// differ in one segment, and routes that only ever answer 404.
func (r *Report) checkEndpoints(label string, x query.Answer) {
	if x.Err != nil {
		for _, id := range []string{CheckPathExplosion, CheckUnmatched} {
			r.add(Check{ID: id, Title: title(id), Status: Unknown, Seen: "query endpoints failed: " + x.Err.Error()})
		}
		return
	}
	var all, only404 []string
	for _, smp := range x.Vec {
		v := string(smp.Metric[model.LabelName(label)])
		switch smp.Metric[query.SeriesLabel] {
		case "all":
			all = append(all, v)
		case "only404":
			only404 = append(only404, v)
		}
	}
	sort.Strings(all)
	sort.Strings(only404)
	d := &r.Detected
	d.Endpoints = len(all)
	d.Groups = query.GroupPaths(all, query.DefaultMinVariants)
	grouped := 0
	var subj []string
	for _, g := range d.Groups {
		grouped += len(g.Members)
		subj = append(subj, fmt.Sprintf("%s ×%d", g.Name, len(g.Members)))
	}
	if grouped > 0 && grouped >= len(all)/4 {
		r.add(Check{ID: CheckPathExplosion, Title: title(CheckPathExplosion), Status: Warn,
			Seen:     fmt.Sprintf("%d of %d values of %q are paths that differ in one segment, in %d groups", grouped, len(all), label, len(d.Groups)),
			Why:      "with group_by='path' every id or slug is its own endpoint: the table fills with near-identical rows and each new id adds series to Prometheus",
			Fix:      "PrometheusMetrics(app, group_by='url_rule') groups them by the Flask route (/blog/<slug>)",
			Subjects: subj})
	} else {
		seen := fmt.Sprintf("%d endpoints, no large group of paths differing in one segment", len(all))
		if grouped > 0 {
			seen = fmt.Sprintf("%d endpoints; %d small groups (%s)", len(all), len(d.Groups), strings.Join(subj, ", "))
		}
		r.add(Check{ID: CheckPathExplosion, Title: title(CheckPathExplosion), Status: OK, Seen: seen})
	}
	hasNone := slices.Contains(all, "None")
	switch {
	case hasNone:
		r.add(Check{ID: CheckUnmatched, Title: title(CheckUnmatched), Status: Info,
			Seen: fmt.Sprintf("%s=\"None\" holds the requests no route matched", label),
			Why:  "under group_by url_rule or endpoint every 404 of an unknown URL lands on None: one row, not an endpoint of the app",
			Fix:  "nothing to change; vigil shows it as unmatched (404). excluded_paths can drop scanners' paths"})
	case label == "path" && len(only404) > 0:
		c := Check{ID: CheckUnmatched, Title: title(CheckUnmatched), Status: Warn,
			Seen: fmt.Sprintf("%d paths only ever answered 404", len(only404)),
			Why:  "under group_by='path' every unknown URL (scanners, typos) is a series of its own; they crowd the table and Prometheus",
			Fix:  "PrometheusMetrics(app, group_by='url_rule') puts them all on None, or excluded_paths=[...] drops them"}
		c.Subjects = only404[:min(len(only404), 10)]
		if len(only404) > 10 {
			c.Subjects = append(c.Subjects, fmt.Sprintf("… %d more", len(only404)-10))
		}
		r.add(c)
	default:
		r.add(Check{ID: CheckUnmatched, Title: title(CheckUnmatched), Status: OK, Seen: "no route answers only 404"})
	}
}

// checkResets compares counter resets with restarts per target: resets
// with no restart mean several processes (gunicorn workers without
// multiprocess mode) behind one target.
func (r *Report) checkResets(x query.Answer) {
	if x.Err != nil {
		r.add(Check{ID: CheckCounterResets, Title: title(CheckCounterResets), Status: Unknown, Seen: "query resets failed: " + x.Err.Error()})
		return
	}
	resets := map[string]float64{}
	restarts := map[string]float64{}
	back := map[string]float64{}
	for _, smp := range x.Vec {
		t := targetName(smp.Metric)
		switch smp.Metric[query.SeriesLabel] {
		case "resets":
			resets[t] = float64(smp.Value)
		case "start_back":
			back[t] = float64(smp.Value)
		default:
			restarts[t] = float64(smp.Value)
		}
	}
	// A start time that goes back is processes answering in turn (a
	// restart only moves it forward); failing that, counters that reset
	// more than the restarts explain.
	var bad, loops []string
	for t, n := range back {
		if n > 0 {
			bad = append(bad, fmt.Sprintf("%s: its start time went back %g× in %s", t, n, query.FormatDuration(doctorResetsWindow)))
		}
	}
	for t, n := range resets {
		switch {
		case back[t] > 0:
		case n-restarts[t] > doctorResetsAllowed:
			bad = append(bad, fmt.Sprintf("%s: %g resets, %g restarts in %s", t, n, restarts[t], query.FormatDuration(doctorResetsWindow)))
		case restarts[t] > 1:
			loops = append(loops, fmt.Sprintf("%s: %g restarts in %s", t, restarts[t], query.FormatDuration(doctorResetsWindow)))
		}
	}
	sort.Strings(bad)
	sort.Strings(loops)
	if len(bad) > 0 {
		r.add(Check{ID: CheckCounterResets, Title: title(CheckCounterResets), Status: Warn,
			Seen:     fmt.Sprintf("%d targets are several processes answering the scrapes in turn", len(bad)),
			Why:      "several processes answer the scrapes in turn (gunicorn workers without multiprocess mode): each has its own counters, rate() reads every switch as a reset, and the rates and error ratios of these targets are wrong",
			Fix:      "use GunicornPrometheusMetrics (or GunicornInternalPrometheusMetrics) with PROMETHEUS_MULTIPROC_DIR set, so one /metrics sums every worker",
			Subjects: bad})
		return
	}
	if len(loops) > 0 {
		// Restarts, not processes in turn: the rates are right, and the
		// restarts are what needs a look.
		r.add(Check{ID: CheckCounterResets, Title: title(CheckCounterResets), Status: Info,
			Seen:     fmt.Sprintf("%d targets restarted more than once in the last %s: a crash loop? their rates are right", len(loops), query.FormatDuration(doctorResetsWindow)),
			Why:      "each restart starts the counters from zero and rate() accounts for it; the start time only moved forward, so these are restarts, not workers",
			Fix:      "find why the process exits (its log, the OOM killer, a failing health check)",
			Subjects: loops})
		return
	}
	r.add(Check{ID: CheckCounterResets, Title: title(CheckCounterResets), Status: OK,
		Seen: fmt.Sprintf("no target's counters reset more than its restarts explain in the last %s (%d checked)", query.FormatDuration(doctorResetsWindow), len(resets))})
}

// checkExceptions compares the 500 responses of the histogram with the
// exceptions counter over an hour.
func (r *Report) checkExceptions(d *Detected, x query.Answer) {
	if x.Err != nil {
		r.add(Check{ID: CheckExceptions, Title: title(CheckExceptions), Status: Unknown, Seen: "query exceptions failed: " + x.Err.Error()})
		return
	}
	s500, exc, excSeen := 0.0, 0.0, false
	for _, smp := range x.Vec {
		if smp.Metric[query.SeriesLabel] == "status500" {
			s500 = float64(smp.Value)
		} else {
			exc, excSeen = float64(smp.Value), true
		}
	}
	if math.IsNaN(s500) {
		s500 = 0
	}
	h := query.FormatDuration(doctorExcWindow)
	switch {
	case s500 < 1:
		// Not a pass (i, not ✓): with no 500 there is nothing the counter
		// could have missed, and the next 500 may show it does; nothing to
		// fix either, so `vigil doctor` does not fail on it.
		r.add(Check{ID: CheckExceptions, Title: title(CheckExceptions), Status: Info,
			Seen: "not checked yet: no status 500 response in the last " + h + " to compare"})
	case !excSeen || exc < s500/2:
		counted := "no " + d.ExceptionsMetric + " series"
		if excSeen {
			counted = fmt.Sprintf("%s counted %.0f", d.ExceptionsMetric, exc)
		}
		r.add(Check{ID: CheckExceptions, Title: title(CheckExceptions), Status: Warn,
			Seen: fmt.Sprintf("%.0f responses with status 500 in the last %s; %s", s500, h, counted),
			Why:  "the exceptions counter sees only exceptions that reach teardown_request: an @errorhandler or abort() turns them into handled responses, so it stays low while 500s occur",
			Fix:  "watch 500 responses rather than the counter: vigil's EXC* column counts status 500 from the histogram; the header's exc total undercounts here"})
	default:
		r.add(Check{ID: CheckExceptions, Title: title(CheckExceptions), Status: OK, Seen: fmt.Sprintf("%.0f responses with status 500 and %.0f exceptions counted in the last %s", s500, exc, h)})
	}
}

// checkBuckets finds the top finite bucket and the endpoints whose p99 is
// at it: their true p99 is that or more.
func (r *Report) checkBuckets(label string, x query.Answer) {
	if x.Err != nil {
		r.add(Check{ID: CheckP99Capped, Title: title(CheckP99Capped), Status: Unknown, Seen: "query buckets failed: " + x.Err.Error()})
		return
	}
	top := 0.0
	var p99 []*model.Sample
	for _, smp := range x.Vec {
		switch smp.Metric[query.SeriesLabel] {
		case "le":
			if le, err := strconv.ParseFloat(string(smp.Metric["le"]), 64); err == nil && !math.IsInf(le, 1) && le > top {
				top = le
			}
		case "p99":
			p99 = append(p99, smp)
		}
	}
	r.Detected.TopBucket = top
	if top == 0 {
		r.add(Check{ID: CheckP99Capped, Title: title(CheckP99Capped), Status: Unknown, Seen: "no finite bucket bound was found"})
		return
	}
	var capped []string
	for _, smp := range p99 {
		if float64(smp.Value) >= top {
			capped = append(capped, string(smp.Metric[model.LabelName(label)]))
		}
	}
	sort.Strings(capped)
	topText := FormatSeconds(top)
	if len(capped) > 0 {
		r.add(Check{ID: CheckP99Capped, Title: title(CheckP99Capped), Status: Warn,
			Seen:     fmt.Sprintf("the p99 of %d endpoints is at the top bucket, %s", len(capped), topText),
			Why:      fmt.Sprintf("histogram_quantile cannot read past the highest finite bucket: their true p99 is %s or more, and vigil shows ≥%s", topText, topText),
			Fix:      "PrometheusMetrics(app, buckets=(..., 10, 30, 60)) with bounds above the slowest requests",
			Subjects: capped})
		return
	}
	r.add(Check{ID: CheckP99Capped, Title: title(CheckP99Capped), Status: OK, Seen: fmt.Sprintf("every p99 is below the top bucket, %s", topText)})
}

// FormatSeconds prints seconds as a short duration: 10s, 2.5s, 750ms.
func FormatSeconds(s float64) string {
	if s >= 1 {
		return strconv.FormatFloat(s, 'f', -1, 64) + "s"
	}
	return strconv.FormatFloat(s*1000, 'f', -1, 64) + "ms"
}
