// Package query talks to Prometheus and returns plain Go values: the
// figures, the timeline's events, and the values every layer shares
// (Alert, Silence, Shape, Matchers). Alertmanager is query/alertmanager,
// the metrics doctor query/doctor, the timeline's build query/timeline;
// they import this package, never the other way. Nothing here knows about
// the terminal.
package query

import (
	"fmt"
	"math"
	"time"
)

// Shape names the metric families and labels the overview is computed from.
// The defaults are prometheus_flask_exporter's.
type Shape struct {
	// Selector is the user's label selector without braces, e.g. job="flask".
	Selector string
	// EndpointLabel is the label that names an endpoint (path, url_rule, endpoint).
	EndpointLabel string
	// DurationMetric is the request duration histogram family (without _bucket/_count).
	DurationMetric string
	// RequestsMetric is the request counter (no endpoint label by default).
	RequestsMetric string
	// ExceptionsMetric is the unhandled exceptions counter.
	ExceptionsMetric string
	// ErrorStatus is the regular expression for error statuses, e.g. 5..
	ErrorStatus string
	// Window is the rate window; with AutoWindow, only the fallback.
	Window time.Duration
	// AutoWindow makes Overview pick the window from the scrape interval
	// of the selected targets (AutoWindow).
	AutoWindow bool
	// InfoMetric is the info metric whose label values changing is a
	// deploy; empty: DefaultInfoMetric.
	InfoMetric string
	// Grouping groups paths that are one route into one row.
	Grouping Grouping
	// ServiceLabel is the label that names a service; empty:
	// DefaultServiceLabel (the job).
	ServiceLabel string

	// groupRules are the rules in force for one refresh (WithGroups);
	// Overview sets them from Grouping.
	groupRules []PathRule
	// latencyMean makes the P50 query the mean latency: the duration has
	// no buckets (see Overview.LatencyMean).
	latencyMean bool
	// bucketsOnce reads the bucket rates once, by endpoint, service and
	// le, and computes every quantile of the refresh from them in vigil
	// (quantiles.go), in place of one histogram_quantile query each.
	bucketsOnce bool
	// recorded is the window of vigil's recording rules the refresh reads
	// ("1m"), or empty for the raw series (see RulesFor).
	recorded string
	// recParts are the parts beyond the rates and latencies read from the
	// recorded series.
	recParts recordedParts
	// recSummed makes a recorded refresh compute the quantiles and error
	// ratios from the summed recorded rates and buckets even where the
	// selector picks one job: its endpoints have several recorded series
	// each (replicas or clusters behind one job name).
	recSummed bool
	// recTrendRatio is whether the error ratio over the trend's range
	// (TrendPlan.Range: 1m for windows of 1m and more) is recorded with
	// the shape's error statuses.
	recTrendRatio bool
}

// Endpoint holds the figures of one endpoint over the rate window. A figure
// that does not exist (no traffic, NaN from Prometheus) is NaN.
type Endpoint struct {
	Name string
	// Service is the service of the endpoint's series when the selection
	// has one ("" when it spans several or none: see Overview.Services).
	Service    string
	RPS        float64   // requests per second
	ErrorRatio float64   // 0..1; NaN when the endpoint had no traffic
	P50        float64   // seconds
	P99        float64   // seconds
	Exceptions float64   // count over the window
	Trend      []float64 // error ratio over the window, oldest first; NaN gaps
	// ErrorRatioChange and P99Change are the change against a baseline in
	// the past (Baseline.Apply): now minus then; NaN when not compared.
	ErrorRatioChange float64
	P99Change        float64
	// Stale is true when the rate still shows old samples but no series of
	// the endpoint has a sample now (its target died, or stopped exposing
	// it): the figures are not current.
	Stale bool
	// StaleSince is when its target went down; zero when unknown.
	StaleSince time.Time
	// Members is the number of endpoint label values with a fresh series
	// in a group's row (grouping on; 0 for a plain row or when unknown).
	// Group is true for the row of a group (or the unmatched row).
	Members int
	Group   bool
	// WorstMember is the member of a group with the highest error ratio,
	// with its figures, for a group row; "" when unknown.
	WorstMember           string
	WorstMemberErrorRatio float64
	WorstMemberP99        float64
	// SlowestMember is the member with the highest p99 and its p99.
	SlowestMember    string
	SlowestMemberP99 float64
	// CounterResets is how often the endpoint's request counters reset
	// over ResetsRange(window), summed over its series (NaN unknown); Series is how many
	// fresh series it has. Far more resets than series means several
	// processes answer the scrapes in turn: its rates are wrong.
	CounterResets float64
	Series        int
	// Unknown, when set, is why the endpoint's figures are not shown:
	// they are known wrong (several processes answer its target's
	// scrapes in turn). Its figures and trend are then NaN.
	Unknown string
	// FiringAlerts is the number of firing alerts naming the endpoint (set
	// by the console for the worst-first sort).
	FiringAlerts int
	// Changed is the newest restart or deploy of the endpoint's targets
	// within ChangedWithin; zero when none (or unknown: Overview.ChangesErr).
	Changed time.Time
}

// Totals are the figures across the whole selection.
type Totals struct {
	// Unknown, when set, is why the totals are NaN though there is
	// traffic: a row they would sum is known wrong.
	Unknown    string
	RPS        float64
	ErrorRatio float64
	P99        float64
	// Exceptions is the true total from the exceptions counter over the window.
	Exceptions float64
}

// QueryError is a failed named query: the rest of the refresh still stands.
type QueryError struct {
	Name  string // e.g. "p99"
	Query string // the PromQL sent
	Err   error  // Prometheus's own error
}

func (e QueryError) Error() string {
	return fmt.Sprintf("query %s: %v", e.Name, e.Err)
}

// Overview is one refresh of the per-endpoint table.
type Overview struct {
	Endpoints []Endpoint
	Totals    Totals
	// ExceptionsByEndpoint is true when the exceptions counter carries the
	// endpoint label and EXC counts it; otherwise EXC counts responses with
	// status="500" from the duration histogram.
	ExceptionsByEndpoint bool
	// ExceptionsSource names the metric EXC was computed from.
	ExceptionsSource string
	Window           time.Duration
	// WindowAuto is true when Window was picked from the scrape interval.
	WindowAuto bool
	// Services are the services of the selection (by ServiceLabel), by
	// name; ServicesErr is why they are unknown. With more than one, an
	// endpoint's row mixes the services' series of its path.
	Services     []Service
	ServiceLabel string
	ServicesErr  error
	// Selector is the selector the refresh was asked with.
	Selector string
	// Targets are the scrape targets behind the selector and their health.
	Targets Targets
	At      time.Time // evaluation time
	// SlowAt is the evaluation time of what changes slowly (the latest
	// change, counter resets, processes in turn, last good scrapes): At,
	// or up to SlowEvery before it when this refresh reused an answer.
	SlowAt time.Time
	// Sent is the number of requests this refresh sent to Prometheus.
	Sent int
	// QuantilesInVigil is set when the refresh computed its quantiles
	// from one read of the buckets (quantiles.go), not with
	// histogram_quantile in Prometheus.
	QuantilesInVigil bool
	Took             time.Duration // wall time of the refresh
	Errors           []QueryError
	Warnings         []string
	// ChangesErr is why the endpoints' changes (Endpoint.Changed) are
	// unknown; nil when they are known.
	ChangesErr error

	fresh map[string]bool // endpoints with a fresh series, while assembling
	// inTurn are the rows served by a target whose processes answer in
	// turn, while assembling.
	inTurn map[string]bool
	// TopBucket is the highest finite bucket bound of the duration
	// histogram, in seconds: a p99 at it is that or more. 0 when unknown
	// or when there is no bucket.
	TopBucket float64
	// LatencyMean is true when the duration has no buckets (a summary):
	// P50 then holds the mean latency (_sum/_count) and P99 is unknown.
	LatencyMean bool
	// GroupRules are the grouping rules this refresh used (grouping on);
	// a drill-down or a detail of a group row needs them.
	GroupRules []PathRule
	// Recorded is the window of vigil's recording rules the figures were
	// read from ("1m"); empty when they come from the raw series, and
	// RulesWhy says why.
	Recorded string
	RulesWhy string
	// NotRecorded names the parts the rules do not record, read another
	// way, while Recorded is set (see RulesStatus.NotRecorded).
	NotRecorded []string
	// TrendEnd is the time of the trend's last point: the evaluation time
	// rounded down to the trend's step. TrendFull reports that the whole
	// trend was read, not only its new steps.
	TrendEnd  time.Time
	TrendFull bool
	// TrendKept reports that the trend was not asked: every step of it was
	// final at the last read, and no new step has come since.
	TrendKept bool
}

// ResetsWrong reports whether an endpoint's counters reset far more often
// than a restart explains (once per series): its rates are wrong.
func (e *Endpoint) ResetsWrong() bool {
	return !math.IsNaN(e.CounterResets) && e.Series > 0 && e.CounterResets > 2*float64(e.Series)
}

// P99Capped reports whether a p99 is at the top finite bucket: the true
// p99 is that or more.
func (o *Overview) P99Capped(p99 float64) bool {
	return o != nil && o.TopBucket > 0 && !Missing(p99) && p99 >= o.TopBucket
}

// Missing reports whether a figure is absent: NaN or infinite.
func Missing(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
