package query

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// The targets behind the selector. Every refresh reads them with one PromQL
// query and one request to the targets API, whatever the number of
// endpoints or targets, and every SlowEvery (or when their health changed)
// the time of each one's last good scrape, in the slow query:
//
//	targets  label_replace(up{S}, "vigil_part", "health", "", "")
//	last_up  max_over_time((timestamp(up{S}) and up{S} == 1)[15m:1s])
//
// give each target's health now and the time of its last good scrape in
// the last 15 minutes; /api/v1/targets?state=active gives each target's last
// error and scrape interval, matched by job and instance.

// TargetsLookback is how far back the time a target went down is looked for.
const TargetsLookback = 15 * time.Minute

// DefaultAutoWindow is the auto window when the scrape interval of the
// selected targets cannot be read.
const DefaultAutoWindow = time.Minute

// AutoWindowFactor is the auto window in scrape intervals, as Grafana's
// $__rate_interval: four samples in every window.
const AutoWindowFactor = 4

// targetPartLabel tags the targets' health and their last good scrapes
// (withLastUp) for buildTargets.
const targetPartLabel = "vigil_part"

// Target is one scrape target behind the selector.
type Target struct {
	Job      string
	Instance string
	Up       bool
	// Since is when a down target went down: its first failed scrape after
	// the last good one (the last good one plus a scrape interval). Zero
	// when it has been down for all of TargetsLookback.
	Since time.Time
	// LastUp is its last good scrape in TargetsLookback; zero when none.
	LastUp time.Time
	// LastError is the targets API's last scrape error ("" when none or
	// unknown).
	LastError string
	// ScrapeInterval from the targets API; 0 when unknown.
	ScrapeInterval time.Duration
	// Processes is what its start times over StartsRange say: restarts,
	// or several processes answering its scrapes in turn. Zero when it
	// exposes no start time (the exporter's multiprocess mode) or the
	// read failed (Targets.StartsErr).
	Processes Processes
}

// Targets is what a refresh knows of the targets behind the selector.
type Targets struct {
	// List is every target up{S} names: down ones first, then by job and
	// instance.
	List []Target
	// Known is false when the targets query failed: health is unknown.
	Known bool
	// APIErr is the targets API's failure, if any: no last errors and no
	// scrape interval then.
	APIErr error
	// StartsErr is why the targets' processes are unknown.
	StartsErr error
	// LastUpErr is why the down targets' last good scrape, and so since
	// when they are down, is unknown: the slow query failed.
	LastUpErr error
}

// InTurn returns the targets whose processes answer the scrapes in turn.
func (t *Targets) InTurn() []Target {
	var out []Target
	for _, x := range t.List {
		if x.Processes.InTurn() {
			out = append(out, x)
		}
	}
	return out
}

// Down returns the down targets.
func (t *Targets) Down() []Target {
	var out []Target
	for _, x := range t.List {
		if !x.Up {
			out = append(out, x)
		}
	}
	return out
}

// FirstDown is the earliest Since of the down targets; zero when none is
// down or none has a known Since.
func (t *Targets) FirstDown() time.Time {
	var first time.Time
	for _, x := range t.List {
		if !x.Up && !x.Since.IsZero() && (first.IsZero() || x.Since.Before(first)) {
			first = x.Since
		}
	}
	return first
}

// ShortestScrapeInterval is the shortest scrape interval of the targets:
// no target can have a newer sample sooner. 0 when unknown.
func (t *Targets) ShortestScrapeInterval() time.Duration {
	var d time.Duration
	for _, x := range t.List {
		if x.ScrapeInterval > 0 && (d == 0 || x.ScrapeInterval < d) {
			d = x.ScrapeInterval
		}
	}
	return d
}

// ScrapeInterval is the longest scrape interval of the targets; 0 when
// none is known.
func (t *Targets) ScrapeInterval() time.Duration {
	var d time.Duration
	for _, x := range t.List {
		d = max(d, x.ScrapeInterval)
	}
	return d
}

// AutoWindow is the rate window for a scrape interval: AutoWindowFactor
// intervals, or DefaultAutoWindow when the interval is unknown.
func AutoWindow(interval time.Duration) time.Duration {
	if interval <= 0 {
		return DefaultAutoWindow
	}
	return AutoWindowFactor * interval
}

// upSelector is up{S}.
func upSelector(s Shape) string { return Selector("up", s.Selector) }

// TargetsQuery is the PromQL query of the health of the targets behind the
// selector, each sample tagged "health".
func TargetsQuery(s Shape) string {
	return `label_replace(` + upSelector(s) + `, "` + targetPartLabel + `", "health", "", "")`
}

// LastUpQuery is the time of the last good scrape of each target behind
// the selector within TargetsLookback, a part of the slow query.
func LastUpQuery(s Shape) string {
	up := upSelector(s)
	return `max_over_time((timestamp(` + up + `) and ` + up + ` == 1)[` + FormatDuration(TargetsLookback) + `:1s])`
}

// withLastUp is the targets' health vec with the last good scrapes of
// lastUp tagged "last_up" after it, as buildTargets reads them. Neither
// vector is changed: lastUp may be a kept answer.
func withLastUp(health, lastUp model.Vector) model.Vector {
	out := make(model.Vector, 0, len(health)+len(lastUp))
	out = append(out, health...)
	for _, smp := range lastUp {
		m := smp.Metric.Clone()
		m[targetPartLabel] = "last_up"
		out = append(out, &model.Sample{Metric: m, Value: smp.Value, Timestamp: smp.Timestamp})
	}
	return out
}

// FreshQuery counts, per endpoint, the series of the duration histogram
// that have a sample now: a series whose target died carries a stale
// marker and drops out at once, while the rate over the window still
// shows its old samples.
//
// The same query brings, tagged (SeriesLabel), what the exporter's
// pitfalls need, so the number of queries stays the same: the bucket
// bounds (le: the top finite one caps every p99; not read when the
// buckets are read once, whose answer has them) and, with grouping on,
// the paths that only ever answered 404 (only404) and each member's error
// ratio (member_err) and p99 (member_p99), so that a group row can name
// its worst member. The counter resets per endpoint (resets: several
// processes behind one target make them go back and forth) and the
// processes answering in turn (in_turn) change slowly: they travel in the
// slow query (FreshSlowQuery).
func FreshQuery(s Shape) string { return freshQueryOf(s, rawFreshParts(s)) }

// freshParts are the PromQL of the fresh query's parts, each by the
// endpoint label (le by le); the last three only with grouping on. The
// resets come only where there are some: an endpoint with fresh series
// and none has 0.
type freshParts struct{ series, le, resets, inTurn, only404, memberErr, memberP99 string }

// rawFreshParts reads every part from the raw series.
func rawFreshParts(s Shape) freshParts {
	L := s.EndpointLabel
	count := s.countMetric()
	all := "sum by (" + L + ") (rate(" + RangeSelector(count, s.Selector, s.Window) + "))"
	errs := "sum by (" + L + ") (rate(" + RangeSelector(count, s.Selector, s.Window, s.errorMatcher()) + "))"
	return freshParts{
		series:    "count by (" + L + ") (" + Selector(count, s.Selector) + ")",
		le:        "count by (le) (" + Selector(s.bucketMetric(), s.Selector) + ")",
		resets:    "sum by (" + L + ") (resets(" + RangeSelector(count, s.Selector, ResetsRange(s.Window)) + ")) > 0",
		inTurn:    inTurnPart(s, Selector(count, s.Selector)),
		only404:   Only404Query(count, s.Selector, L),
		memberErr: errorRatioOf(errs, all),
		memberP99: "histogram_quantile(0.99, sum by (" + L + ", le) (rate(" + RangeSelector(s.bucketMetric(), s.Selector, s.Window) + ")))",
	}
}

// FreshSlowQuery is the fresh query's parts that change slowly, read with
// the slow query (SlowEvery): the counter resets and the processes
// answering in turn per endpoint, tagged as in the fresh query.
func FreshSlowQuery(s Shape) string { return freshSlowOf(rawFreshParts(s)) }

// freshSlowOf is the slow half of the fresh query of parts p, tagged.
func freshSlowOf(p freshParts) string {
	return Tag(p.resets, "resets") + " or " + Tag(p.inTurn, "in_turn")
}

// freshQueryOf is the fresh query of parts p, tagged, without its slow
// half (freshSlowOf).
func freshQueryOf(s Shape, p freshParts) string {
	out := Tag(p.series, "fresh")
	if !s.bucketsOnce {
		// Read once, the buckets bring their bounds (boundsOf).
		out += " or " + Tag(p.le, "le")
	}
	if !s.Grouping.On() {
		return out
	}
	return out + " or " + Tag(p.only404, "only404") + " or " + Tag(p.memberErr, "member_err") + " or " + Tag(p.memberP99, "member_p99")
}

// ResetsWindowMin is the shortest range the counter resets are counted
// over: a restart resets each series once, while processes answering the
// scrapes in turn reset them at most scrapes; over a few scrape intervals
// (the auto window) the two could not be told apart.
const ResetsWindowMin = 5 * time.Minute

// ResetsRange is the range the counter resets are counted over for a
// rate window.
func ResetsRange(window time.Duration) time.Duration { return max(window, ResetsWindowMin) }

// freshAnswer is the fresh query's answer split by its tags.
type freshAnswer struct {
	fresh, only404 []string
	series         map[string]float64 // fresh series per endpoint label value
	resets         map[string]float64
	// inTurn counts, per endpoint label value, its targets whose start
	// time went back: processes answering the scrapes in turn.
	inTurn    map[string]float64
	memberErr map[string]float64
	memberP99 map[string]float64
	// topBucket is the highest finite bucket bound; 0 when there is no
	// bucket (a summary, or no series).
	topBucket float64
	// bounds counts the bucket bounds, +Inf included.
	bounds int
}

func splitFresh(s Shape, vec model.Vector) freshAnswer {
	label := model.LabelName(s.EndpointLabel)
	a := freshAnswer{series: map[string]float64{}, resets: map[string]float64{}, inTurn: map[string]float64{}, memberErr: map[string]float64{}, memberP99: map[string]float64{}}
	for _, smp := range vec {
		v := string(smp.Metric[label])
		switch smp.Metric[SeriesLabel] {
		case "fresh":
			a.fresh = append(a.fresh, v)
			a.series[v] = float64(smp.Value)
		case "le":
			a.bounds++
			if le, err := strconv.ParseFloat(string(smp.Metric["le"]), 64); err == nil && !math.IsInf(le, 0) && le > a.topBucket {
				a.topBucket = le
			}
		case "resets":
			a.resets[v] = float64(smp.Value)
		case "in_turn":
			a.inTurn[v] = float64(smp.Value)
		case "only404":
			a.only404 = append(a.only404, v)
		case "member_err":
			a.memberErr[v] = float64(smp.Value)
		case "member_p99":
			a.memberP99[v] = float64(smp.Value)
		}
	}
	slices.Sort(a.fresh)
	slices.Sort(a.only404)
	return a
}

// apiTarget is one active target of /api/v1/targets.
type apiTarget struct {
	Labels         map[string]string `json:"labels"`
	LastError      string            `json:"lastError"`
	Health         string            `json:"health"`
	ScrapeInterval string            `json:"scrapeInterval"`
	// DiscoveredLabels carry __scrape_interval__: VictoriaMetrics and
	// Thanos send no scrapeInterval.
	DiscoveredLabels map[string]string `json:"discoveredLabels"`
}

// targetsAPI reads /api/v1/targets?state=active.
func (p *Prometheus) targetsAPI(parent, ctx context.Context) ([]apiTarget, error) {
	u := p.client.URL("/api/v1/targets", nil)
	q := u.Query()
	q.Set("state", "active")
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, body, err := p.client.Do(ctx, req)
	if err != nil {
		return nil, p.wrap(parent, "targets", err)
	}
	var env struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Active []apiTarget `json:"activeTargets"`
		} `json:"data"`
	}
	if jerr := json.Unmarshal(body, &env); jerr != nil || env.Status != "success" {
		msg := env.Error
		if msg == "" {
			msg = fmt.Sprintf("server returned HTTP %s", resp.Status)
			if jerr != nil && resp.StatusCode/100 == 2 {
				msg = "malformed response: " + jerr.Error()
			}
		}
		return nil, &ServerError{URL: p.url, Op: "targets", Err: fmt.Errorf("%s", oneLine(msg))}
	}
	for i, a := range env.Data.Active {
		if a.ScrapeInterval == "" {
			env.Data.Active[i].ScrapeInterval = a.DiscoveredLabels["__scrape_interval__"]
		}
	}
	return env.Data.Active, nil
}

// buildTargets joins the targets query and the targets API by job and
// instance.
func buildTargets(vec model.Vector, api []apiTarget) []Target {
	type key struct{ job, inst string }
	idx := map[key]int{}
	var out []Target
	at := func(m model.Metric) *Target {
		k := key{string(m["job"]), string(m["instance"])}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, Target{Job: k.job, Instance: k.inst})
		}
		return &out[i]
	}
	health := map[key]bool{}
	for _, smp := range vec {
		t := at(smp.Metric)
		switch smp.Metric[targetPartLabel] {
		case "health":
			t.Up = smp.Value == 1
			health[key{t.Job, t.Instance}] = true
		case "last_up":
			if v := float64(smp.Value); !math.IsNaN(v) && v > 0 {
				t.LastUp = time.UnixMilli(int64(math.Round(v * 1000)))
			}
		}
	}
	// A target with a last good scrape but no health now has left: not
	// listed.
	out = slices.DeleteFunc(out, func(t Target) bool { return !health[key{t.Job, t.Instance}] })
	for i := range out {
		t := &out[i]
		for _, a := range api {
			if a.Labels["job"] == t.Job && a.Labels["instance"] == t.Instance {
				t.LastError = a.LastError
				if d, err := model.ParseDuration(a.ScrapeInterval); err == nil {
					t.ScrapeInterval = time.Duration(d)
				}
				break
			}
		}
		if !t.Up && !t.LastUp.IsZero() {
			step := t.ScrapeInterval
			if step <= 0 {
				step = time.Second
			}
			t.Since = t.LastUp.Add(step)
		}
	}
	slices.SortFunc(out, func(a, b Target) int {
		if a.Up != b.Up {
			if !a.Up {
				return -1
			}
			return 1
		}
		if c := strings.Compare(a.Job, b.Job); c != 0 {
			return c
		}
		return strings.Compare(a.Instance, b.Instance)
	})
	return out
}

// cachedInterval is the scrape interval the last refresh read for a
// selector.
func (p *Prometheus) cachedInterval(sel string) (time.Duration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d, ok := p.intervals[sel]
	return d, ok
}

func (p *Prometheus) cacheInterval(sel string, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.intervals == nil {
		p.intervals = map[string]time.Duration{}
	}
	p.intervals[sel] = d
}

// ScrapeInterval reads the active targets and returns the longest scrape
// interval among them: the interval a rate window must span four of for
// every target (Grafana's $__rate_interval asks the data source's setting,
// 15s unless set; vigil asks Prometheus). 0 with the error when the
// targets cannot be read or none says its interval.
func (p *Prometheus) ScrapeInterval(parent context.Context) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(parent, p.Timeout())
	defer cancel()
	api, err := p.targetsAPI(parent, ctx)
	if err != nil {
		return 0, err
	}
	var longest time.Duration
	for _, a := range api {
		if d, err := model.ParseDuration(a.ScrapeInterval); err == nil && time.Duration(d) > longest {
			longest = time.Duration(d)
		}
	}
	if longest == 0 {
		return 0, fmt.Errorf("prometheus %s: no active target gives its scrape interval", p.url)
	}
	return longest, nil
}
