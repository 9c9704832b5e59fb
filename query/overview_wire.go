package query

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// The queries of a refresh: the parts (one figure's PromQL each) and the
// fixed queries they travel in.

// queryID names one part of a refresh: one figure's PromQL. Several parts
// travel in one query (see wireID), each tagged with PartLabel.
type queryID int

const (
	qRPS queryID = iota
	qErrors
	qP50
	qP99
	qExcByLabel
	qExc500
	qTotalP99
	qTotalExceptions
	qTrend
	qFresh
	qChanged
	qTargets
	qRules
	qStarts
	qSvcRPS
	qSvcErrors
	qSvcP99
	qSvcExc
	qFreshSlow // the fresh query's parts that change slowly: counter resets, processes in turn
	qLastUp    // each target's last good scrape
	qBuckets   // the bucket rates by endpoint, service and le, read once for every quantile (quantiles.go)
	numQueries // the number of parts
)

// wireID names one of the fixed queries a refresh sends.
type wireID int

const (
	wRates   wireID = iota // rps, errors, exceptions by endpoint, status 500 by endpoint, each service's errors (all that the error statuses' regexp reads)
	wLatency               // p50 (or the mean), p99
	wTotals                // the overall p99, the true exception total, which rules are recorded, each service's other figures
	wTrend
	wFresh
	wTargets // the targets' health; the first refresh of an auto window sends it alone
	wSlow    // what changes slowly (see SlowEvery): the latest change, counter resets, processes in turn, last good scrapes
	wStarts  // the targets' start times: a matrix of raw samples; slow too
	numWire
)

// wireParts are the parts each query of a refresh carries. The totals of
// requests/s and of the error ratio are not asked: they are the sums of
// the per-endpoint figures (see assemble).
var wireParts = [numWire][]queryID{
	wRates:   {qRPS, qErrors, qExcByLabel, qExc500, qSvcErrors},
	wLatency: {qP50, qP99},
	wTotals:  {qTotalP99, qTotalExceptions, qRules, qSvcRPS, qSvcP99, qSvcExc},
	wTrend:   {qTrend},
	wFresh:   {qFresh},
	wTargets: {qTargets},
	wSlow:    {qChanged, qFreshSlow, qLastUp},
	wStarts:  {qStarts},
}

// wirePartsBucketsOnce is wireParts when the bucket rates are read once
// for every quantile (Shape.bucketsOnce): the latency query carries them,
// and the totals no quantile.
var wirePartsBucketsOnce = func() [numWire][]queryID {
	out := wireParts
	out[wLatency] = []queryID{qBuckets}
	out[wTotals] = slices.DeleteFunc(slices.Clone(out[wTotals]), func(q queryID) bool { return q == qTotalP99 || q == qSvcP99 })
	return out
}()

// slowWire reports the queries of a refresh read every SlowEvery only.
func slowWire(w wireID) bool { return w == wSlow || w == wStarts }

// PartLabel tags each part's series in a query that carries several.
const PartLabel = "vigil_part"

// PromQLQueriesPerRefresh is the number of PromQL queries one Overview call
// sends at most: seven instant queries (the per-endpoint rates, the
// per-endpoint latency, the totals that cannot be summed from the rows, the
// fresh series, the targets' health, what changes slowly and the targets'
// start times) and one range query (the trend).
const PromQLQueriesPerRefresh = int(numWire)

// SlowPromQLQueries is the number of PromQL queries a refresh sends only
// when what changes slowly is due (see SlowEvery): the slow query and the
// start times.
const SlowPromQLQueries = 2

// QueriesPerRefresh is the number of HTTP requests one Overview call sends
// at most: the PromQL queries and one read of the targets API. It does not
// depend on the number of endpoints or targets.
const QueriesPerRefresh = PromQLQueriesPerRefresh + 1

// FastQueriesPerRefresh is the number of HTTP requests of a refresh that
// reuses what changes slowly: QueriesPerRefresh without the slow queries.
const FastQueriesPerRefresh = QueriesPerRefresh - SlowPromQLQueries

// SlowEvery is how often a refresh reads again what changes slowly and
// costs Prometheus much to read: the endpoints' latest restart or deploy
// (over ChangedWithin), the counter resets (over at least
// ResetsWindowMin), the processes answering in turn (the start times over
// StartsRange) and each target's last good scrape (over
// TargetsLookback). The refreshes between reuse the answer. A change of the
// targets' health, or of their set, reads them again at once, in the same
// refresh: a target that just went down or came back is never shown with
// an older answer.
const SlowEvery = 15 * time.Second

var queryNames = [numQueries]string{
	qRPS:             "rps",
	qErrors:          "errors",
	qP50:             "p50",
	qP99:             "p99",
	qExcByLabel:      "exceptions_by_endpoint",
	qExc500:          "exceptions_500",
	qTotalP99:        "total_p99",
	qTotalExceptions: "total_exceptions",
	qTrend:           "trend",
	qFresh:           "fresh",
	qChanged:         "changed",
	qTargets:         "targets",
	qRules:           "rules",
	qStarts:          "starts",
	qSvcRPS:          "service_rps",
	qSvcErrors:       "service_errors",
	qSvcP99:          "service_p99",
	qSvcExc:          "service_exceptions",
	qFreshSlow:       "fresh_slow",
	qLastUp:          "last_up",
	qBuckets:         "buckets",
}

var wireNames = [numWire]string{
	wRates:   "rates",
	wLatency: "latency",
	wTotals:  "totals",
	wTrend:   "trend",
	wFresh:   "fresh",
	wTargets: "targets",
	wSlow:    "slow",
	wStarts:  "starts",
}

// NamedQuery is one query of a refresh: its name (as in QueryError.Name),
// its PromQL and whether it is a range query over the trend plan.
type NamedQuery struct {
	Name  string
	Expr  string
	Range bool
	// Samples is an instant query of a range selector: its answer is a
	// matrix of raw samples.
	Samples bool
	// byMetric, for a query that selects its parts' series by their
	// names in one selector, is the part of each metric name.
	byMetric map[model.LabelValue]queryID
	// parts are the parts the query carries, of an overview's query.
	parts []queryID
}

// partExprs returns the PromQL of every part for s; the trend uses plan's
// inner range. With s.recorded the rates and latencies read the recorded
// series of vigil's rules.
func partExprs(s Shape, plan TrendPlan) [numQueries]string {
	if s.recorded != "" {
		return recordedPartExprs(s, plan)
	}
	out := [numQueries]string{
		qRPS:             RPSQuery(s),
		qErrors:          ErrorsQuery(s),
		qP50:             p50Query(s),
		qP99:             QuantileQuery(s, 0.99),
		qExcByLabel:      ExceptionsByLabelQuery(s),
		qExc500:          Exceptions500Query(s),
		qTotalP99:        TotalP99Query(s),
		qTotalExceptions: TotalExceptionsQuery(s),
		qTrend:           TrendQuery(s, plan.Range),
		qFresh:           FreshQuery(s),
		qFreshSlow:       FreshSlowQuery(s),
		qChanged:         ChangedQuery(s, ChangedWithin),
		qTargets:         TargetsQuery(s),
		qLastUp:          LastUpQuery(s),
		qRules:           RulesQuery(s),
		qStarts:          StartsQuery(s, StartsRange(s.Window)),
	}
	servicePartExprs(s, &out, nil, "")
	return out
}

// OverviewQueries returns the PromQLQueriesPerRefresh queries one Overview
// call sends for s, in a fixed order; the trend query uses plan's inner range.
// A query of several parts tags each part's series with PartLabel.
func OverviewQueries(s Shape, plan TrendPlan) []NamedQuery {
	exprs, bare := partExprs(s, plan), bareParts(s)
	layout := &wireParts
	if s.bucketsOnce {
		layout = &wirePartsBucketsOnce
		exprs[qBuckets] = BucketsQuery(s)
	}
	out := make([]NamedQuery, numWire)
	for w, parts := range layout {
		expr := exprs[parts[0]]
		if q, ok := selectByName(s, parts, bare); ok {
			out[w] = q
			out[w].Name, out[w].parts = wireNames[w], parts
			continue
		}
		if len(parts) > 1 {
			tagged := make([]string, len(parts))
			for i, q := range parts {
				tagged[i] = tagPart(exprs[q], queryNames[q])
			}
			expr = strings.Join(tagged, " or ")
		}
		out[w] = NamedQuery{Name: wireNames[w], Expr: expr, Range: wireID(w) == wTrend, Samples: wireID(w) == wStarts, parts: parts}
	}
	return out
}

// bareParts names, for each part of a refresh of s that selects one
// metric's series with the shape's selector and nothing more, that metric.
// Only the recorded quantiles of one job's endpoints are read so.
func bareParts(s Shape) (out [numQueries]string) {
	if s.recorded == "" || !s.perEndpointRecorded() {
		return out
	}
	w, _ := ParseDuration(s.recorded)
	n := RecordedFor(s, w)
	out[qP50], out[qP99] = n.P50, n.P99
	return out
}

// selectByName is the one selector that reads the series of all the parts
// of a query, when each part selects one metric's series (bare) with the
// same selector: they are told apart by their names. Prometheus then reads
// each series once, with no label_replace and no "or" to join them.
func selectByName(s Shape, parts []queryID, bare [numQueries]string) (NamedQuery, bool) {
	if len(parts) < 2 {
		return NamedQuery{}, false
	}
	names := make([]string, len(parts))
	byMetric := make(map[model.LabelValue]queryID, len(parts))
	for i, q := range parts {
		if bare[q] == "" {
			return NamedQuery{}, false
		}
		names[i] = regexp.QuoteMeta(bare[q])
		byMetric[model.LabelValue(bare[q])] = q
	}
	if len(byMetric) < len(parts) {
		return NamedQuery{}, false
	}
	return NamedQuery{Expr: Selector("", s.Selector, LabelMatch(model.MetricNameLabel, "=~", strings.Join(names, "|"))), byMetric: byMetric}, true
}

// tagPart labels every series of expr with its part's name.
func tagPart(expr, name string) string {
	return "label_replace(" + expr + `, "` + PartLabel + `", "` + name + `", "", "")`
}

// splitWire turns the answers of the queries qs of a refresh into the
// answers of their parts: a part's series are those tagged with its name,
// without the tag (or those of its metric, for a query selecting its parts
// by name); each part shares its query's error, and the first carries its
// warnings.
func splitWire(qs []NamedQuery, wres *[numWire]queryResult, res *[numQueries]queryResult) {
	for w, q := range qs {
		parts := q.parts
		r := wres[w]
		if len(parts) == 1 {
			res[parts[0]] = r
			continue
		}
		byName := make(map[model.LabelValue]queryID, len(parts))
		for i, q := range parts {
			res[q] = queryResult{err: r.err}
			if i == 0 {
				res[q].warnings = r.warnings
			}
			byName[model.LabelValue(queryNames[q])] = q
		}
		for _, smp := range r.vec {
			if byMetric := qs[w].byMetric; byMetric != nil {
				if q, ok := byMetric[smp.Metric[model.MetricNameLabel]]; ok {
					res[q].vec = append(res[q].vec, smp)
				}
				continue
			}
			q, ok := byName[smp.Metric[PartLabel]]
			if !ok {
				continue
			}
			delete(smp.Metric, PartLabel)
			res[q].vec = append(res[q].vec, smp)
		}
	}
}

// wireResults is the answer of each query of a refresh from its parts':
// the first error and every warning of its parts.
func wireResults(qs []NamedQuery, res *[numQueries]queryResult) []queryResult {
	out := make([]queryResult, numWire)
	for w, wq := range qs {
		for _, q := range wq.parts {
			if out[w].err == nil {
				out[w].err = res[q].err
			}
			out[w].warnings = append(out[w].warnings, res[q].warnings...)
		}
	}
	return out
}

// p50Query is the p50, or the mean latency when there are no buckets.
func p50Query(s Shape) string {
	if s.latencyMean {
		return MeanLatencyQuery(s)
	}
	return QuantileQuery(s, 0.5)
}

// CheckShape rejects a shape no query can be built from.
func CheckShape(s Shape) error {
	switch {
	case s.Window <= 0:
		return fmt.Errorf("query: invalid shape: window %s must be above 0", s.Window)
	case s.EndpointLabel == "":
		return errors.New("query: invalid shape: no endpoint label")
	case s.DurationMetric == "":
		return errors.New("query: invalid shape: no duration metric")
	case s.ExceptionsMetric == "":
		return errors.New("query: invalid shape: no exceptions metric")
	case s.ErrorStatus == "":
		return errors.New("query: invalid shape: no error status")
	}
	return nil
}

// queryResult is what one query of a refresh came back with.
type queryResult struct {
	vec      model.Vector // instant queries
	mat      model.Matrix // the trend, the start times
	warnings v1.Warnings
	err      error
}
