package query

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// Overview computes the per-endpoint table and the totals over s.Window as
// of now. See OverviewAt.
func (p *Prometheus) Overview(ctx context.Context, s Shape) (*Overview, error) {
	return p.OverviewAt(ctx, s, time.Time{})
}

// OverviewAt computes the per-endpoint table and the totals over s.Window,
// every query evaluated at the one time at (to the millisecond; now when
// zero) and its requests paced (PaceAfter), under one deadline of the
// client's Timeout. What changes slowly (SlowEvery) is reused from a read
// evaluated less than SlowEvery before at (Overview.SlowAt), unless the
// targets' health changed since: then it is read again after the rest,
// at at, within what is left of ctx's deadline.
//
// With s.AutoWindow the window is AutoWindow of the selected targets'
// scrape interval as the previous refresh read it; the first refresh for a
// selector reads the targets first, then sends the rest.
//
// vigil's recording rules are read when the previous refresh found them;
// the first refresh for the metrics asks for them first, alone.
//
// A query Prometheus rejects (bad_data, ...) lands in Overview.Errors and
// leaves its column NaN; the rest still fills. When no query got an answer
// because Prometheus cannot be reached (IsUnreachable), or ctx ended, the
// Overview is nil and the error is the first query's *ServerError.
func (p *Prometheus) OverviewAt(ctx context.Context, s Shape, at time.Time) (*Overview, error) {
	if err := CheckShape(s); err != nil {
		return nil, err
	}
	orig := s
	began := time.Now()
	if at.IsZero() {
		at = began
	}
	at = time.UnixMilli(at.UnixMilli())

	var res [numQueries]queryResult
	var tg targetsAnswer
	pre := false
	sent := 0 // the requests this refresh sent (Overview.Sent)
	if s.AutoWindow {
		iv, ok := p.cachedInterval(s.Selector)
		if !ok {
			// First refresh: the window needs the scrape interval.
			tq := NamedQuery{Name: queryNames[qTargets], Expr: TargetsQuery(s)}
			res[qTargets] = p.runAllWith(ctx, []NamedQuery{tq}, at, v1.Range{}, &tg)[0]
			sent += 2
			if err := noAnswer(ctx, []queryResult{res[qTargets], {err: tg.err}}); err != nil {
				return nil, err
			}
			iv = intervalOf(res[qTargets], tg)
			pre = true
		}
		s.Window = AutoWindow(iv)
	}
	// Recording rules: the first refresh for the metrics asks for them
	// first (see lookForRules).
	looked, err := p.lookForRules(ctx, s, at)
	if err != nil {
		return nil, err
	}
	sent += looked
	// Grouping: the rules found at the last refresh; on the first, the
	// fresh query (which does not depend on them) is sent first to find
	// them, and not again; from the recorded series when they serve.
	preFresh := false
	var groupWarn string
	if mean, ok := p.summaries.get(groupKey(s)); ok && mean {
		s.latencyMean = true
	}
	if s.Grouping.On() {
		rules, ok := p.groups.get(groupKey(s))
		if !ok {
			fq := NamedQuery{Name: queryNames[qFresh], Expr: FreshQuery(s)}
			if rs, _ := p.useRules(s, at); rs.recorded != "" {
				fq.Expr = recordedPartExprs(rs, PlanTrend(rs.Window, at))[qFresh]
			}
			res[qFresh] = p.runAll(ctx, []NamedQuery{fq}, at, v1.Range{})[0]
			sent++
			if err := noAnswer(ctx, []queryResult{res[qFresh]}); err != nil {
				return nil, err
			}
			preFresh = true
			if res[qFresh].err == nil {
				rules, groupWarn = groupRulesOf(s, splitFresh(s, res[qFresh].vec))
			} else {
				rules = s.Grouping.Rules // the configured ones at least
			}
		}
		s = s.WithGroups(rules)
	}
	s, ru := p.useRules(s, at)
	if n, ok := p.buckets.get(groupKey(s)); ok && s.recorded == "" && !s.latencyMean && bucketsOnceFits(n) {
		s.bucketsOnce = true
	}

	plan := PlanTrend(s.Window, at)
	plan = PlanTrend(s.Window, alignTrend(at, plan.Step))
	qs := OverviewQueries(s, plan)
	tkey := trendKey(qs[wTrend].Expr, plan)
	tStart, tFull, tKept := p.trend.from(tkey, plan)
	// What changes slowly: kept from a read less than SlowEvery ago.
	skey := slowKey(qs)
	kept, reuse := p.slow.get(skey, at)
	var send []NamedQuery
	var idx []wireID
	asked := make([]queryResult, 0, numWire) // the answers of the queries sent
	for i, q := range qs {
		if (pre && wireID(i) == wTargets) || (preFresh && wireID(i) == wFresh) {
			asked = append(asked, res[q.parts[0]])
			continue // read above
		}
		if (reuse && slowWire(wireID(i))) || (tKept != nil && wireID(i) == wTrend) {
			continue
		}
		send, idx = append(send, q), append(idx, wireID(i))
	}
	withTargets := &tg
	if pre {
		withTargets = nil
	} else {
		sent++
	}
	rng := v1.Range{Start: tStart, End: plan.End, Step: plan.Step}
	var wres [numWire]queryResult
	wres[wTargets], wres[wFresh] = res[qTargets], res[qFresh]
	for k, r := range p.runAllWith(ctx, send, at, rng, withTargets) {
		wres[idx[k]] = r
		asked = append(asked, r)
	}
	sent += len(send)
	if reuse && wres[wTargets].err == nil && healthOf(wres[wTargets].vec) != kept.health {
		// A target went down, came back, joined or left since the slow
		// read: its last good scrape, restarts and processes are read
		// again now, not up to SlowEvery later.
		reuse = false
		slow := []NamedQuery{qs[wSlow], qs[wStarts]}
		r := p.runAll(ctx, slow, at, v1.Range{})
		wres[wSlow], wres[wStarts] = r[0], r[1]
		asked = append(asked, r...)
		sent += len(slow)
	}
	// A recorded trend's points are final up to the rules' newest
	// evaluation seen before this refresh.
	var final time.Time
	if s.recordedTrend() {
		final = ru.st.Evaluated[plan.Range]
	}
	if tKept != nil {
		wres[wTrend] = *tKept
	} else {
		wres[wTrend] = p.trend.merge(tkey, plan, tStart, tFull, began, final, wres[wTrend])
	}
	splitWire(qs, &wres, &res)
	if s.bucketsOnce {
		quantilesFromBuckets(s, &res)
	}
	slowAt := at
	if reuse {
		kept.fill(&res)
		slowAt = kept.at
	} else if wres[wTargets].err == nil {
		p.slow.put(skey, at, healthOf(wres[wTargets].vec), &res)
	}
	// The slow halves join the fresh series and the targets' health they
	// were split from.
	if res[qFresh].err == nil && res[qFreshSlow].err == nil {
		res[qFresh].vec = append(slices.Clip(res[qFresh].vec), res[qFreshSlow].vec...)
	}
	if s.bucketsOnce && !preFresh && res[qFresh].err == nil && res[qBuckets].err == nil {
		res[qFresh].vec = append(slices.Clip(res[qFresh].vec), boundsOf(res[qBuckets].vec)...)
	}
	if res[qTargets].err == nil && res[qLastUp].err == nil {
		res[qTargets].vec = withLastUp(res[qTargets].vec, res[qLastUp].vec)
	}
	if s.recorded != "" && s.perEndpointRecorded() && notUnique(s.by(), res[qP50], res[qP99], res[qTrend]) {
		// Several recorded series of one endpoint (replicas or clusters
		// behind one job name): read again, and for SummedRecheck, from
		// the summed rates and buckets, as the raw figures are.
		p.summedRec.put(groupKey(s), at)
		return p.again(ctx, orig, at, sent)
	}
	if !ru.off {
		now := RulesOf(s, res[qRules].vec, res[qRules].err)
		p.keepRules(s, now)
		if s.recorded != "" && now.Err == nil && !now.covers(s) {
			// The rules went away since the last refresh (a reload of
			// Prometheus): what was read is empty, not the figures.
			// Read again, raw; this happens once.
			return p.again(ctx, orig, at, sent)
		}
	}

	if err := noAnswer(ctx, asked); err != nil {
		return nil, err
	}

	ov := assemble(s, plan, qs, &res)
	assembleServices(s, ov, &res)
	ov.WindowAuto = s.AutoWindow
	ov.Recorded, ov.RulesWhy, ov.NotRecorded = s.recorded, ru.why, ru.notRecorded
	ov.TrendEnd, ov.TrendFull, ov.TrendKept = plan.End, tFull, tKept != nil
	ov.LatencyMean, ov.QuantilesInVigil = s.latencyMean, s.bucketsOnce
	if res[qFresh].err == nil && !(s.bucketsOnce && res[qBuckets].err != nil) {
		// With fresh series and no bucket, the duration is a summary: the
		// next refreshes ask for the mean instead of the p50. (With the
		// buckets read once, their bounds come with them: a failed read
		// tells nothing.)
		fa := splitFresh(s, res[qFresh].vec)
		p.summaries.put(groupKey(s), len(fa.fresh) > 0 && fa.topBucket == 0)
		// The series one read of the buckets answers: counted when read
		// so, else endpoints × services × bounds.
		n := len(ov.Endpoints) * max(len(ov.Services), 1) * fa.bounds
		if s.bucketsOnce && res[qBuckets].err == nil {
			n = len(res[qBuckets].vec)
		}
		p.buckets.put(groupKey(s), n)
	}
	if s.Grouping.On() {
		ov.GroupRules = s.GroupRules()
		if groupWarn != "" {
			ov.Warnings = append(ov.Warnings, groupWarn)
		}
		if res[qFresh].err == nil {
			// The rules of the next refresh, from this one's members.
			next, warn := groupRulesOf(s, splitFresh(s, res[qFresh].vec))
			p.groups.put(groupKey(s), next)
			if warn != "" && groupWarn == "" {
				ov.Warnings = append(ov.Warnings, warn)
			}
		}
	}
	ov.Targets = Targets{Known: res[qTargets].err == nil, APIErr: tg.err, StartsErr: res[qStarts].err, LastUpErr: res[qLastUp].err}
	if ov.Targets.Known {
		ov.Targets.List = buildTargets(res[qTargets].vec, tg.api)
		if res[qStarts].err == nil {
			starts := StartsOf(res[qStarts].mat)
			for i := range ov.Targets.List {
				ov.Targets.List[i].Processes = starts[TargetKey{ov.Targets.List[i].Job, ov.Targets.List[i].Instance}]
			}
		}
	}
	if s.AutoWindow {
		var iv time.Duration
		if ov.Targets.Known && tg.err == nil {
			iv = ov.Targets.ScrapeInterval() // the list just built
		}
		p.cacheInterval(s.Selector, iv)
		if iv <= 0 {
			why := "no target matches " + upSelector(s)
			if tg.err != nil {
				why = "targets API: " + tg.err.Error()
			}
			ov.Warnings = append(ov.Warnings, fmt.Sprintf("window auto: scrape interval unknown (%s): %s", why, FormatDuration(s.Window)))
		}
	}
	markStale(ov)
	markInTurn(ov, s.Window)
	serviceTargets(ov)
	nameService(ov)
	ov.Selector = orig.Selector
	ov.At, ov.SlowAt = at, slowAt
	ov.Sent = sent
	ov.Took = time.Since(began)
	return ov, nil
}

// again is OverviewAt of s once more, within the refresh that already
// sent sent requests.
func (p *Prometheus) again(ctx context.Context, s Shape, at time.Time, sent int) (*Overview, error) {
	ov, err := p.OverviewAt(ctx, s, at)
	if ov != nil {
		ov.Sent += sent
	}
	return ov, err
}

// assemble joins the results of a refresh by endpoint label value. It is
// pure: a test or a benchmark can feed it vectors directly.
func assemble(s Shape, plan TrendPlan, qs []NamedQuery, res *[numQueries]queryResult) *Overview {
	ov := &Overview{Window: s.Window}
	ov.Errors, ov.Warnings = collectProblems(qs, wireResults(qs, res))

	label := model.LabelName(s.by())
	n := len(res[qRPS].vec)
	b := &joiner{label: label, index: make(map[model.LabelValue]int, n), eps: make([]Endpoint, 0, n), errRate: make([]float64, 0, n)}

	for _, smp := range res[qRPS].vec {
		b.eps[b.at(smp)].RPS = finite(float64(smp.Value))
	}
	for _, smp := range res[qErrors].vec {
		b.errRate[b.at(smp)] = finite(float64(smp.Value))
	}
	for _, smp := range res[qP50].vec {
		b.eps[b.at(smp)].P50 = finite(float64(smp.Value))
	}
	for _, smp := range res[qP99].vec {
		b.eps[b.at(smp)].P99 = finite(float64(smp.Value))
	}

	// The exceptions counter counts per endpoint only when its series carry
	// the endpoint label; otherwise its by-endpoint sum is one series with an
	// empty label and EXC falls back to status-500 responses.
	exc, excQuery := res[qExc500].vec, qExc500
	ov.ExceptionsSource = Exceptions500Source(s)
	if res[qExcByLabel].err == nil {
		for _, smp := range res[qExcByLabel].vec {
			if smp.Metric[label] != "" {
				exc, excQuery = res[qExcByLabel].vec, qExcByLabel
				ov.ExceptionsByEndpoint = true
				ov.ExceptionsSource = s.ExceptionsMetric
				break
			}
		}
	}
	for _, smp := range exc {
		if ov.ExceptionsByEndpoint && smp.Metric[label] == "" {
			continue // exceptions of no endpoint
		}
		b.eps[b.at(smp)].Exceptions = finite(float64(smp.Value))
	}

	if res[qTrend].err == nil {
		for _, ss := range res[qTrend].mat {
			b.atName(ss.Metric[label])
		}
		points := max(plan.Points, 1)
		backing := make([]float64, len(b.eps)*points)
		for i := range backing {
			backing[i] = math.NaN()
		}
		for i := range b.eps {
			b.eps[i].Trend = backing[i*points : (i+1)*points : (i+1)*points]
		}
		start := model.TimeFromUnixNano(plan.Start.UnixNano())
		stepMs := max(plan.Step.Milliseconds(), 1)
		for _, ss := range res[qTrend].mat {
			tr := b.eps[b.index[ss.Metric[label]]].Trend
			for _, sp := range ss.Values {
				off := int64(sp.Timestamp) - int64(start)
				k := (off + stepMs/2) / stepMs
				if off < -stepMs/2 || k >= int64(points) {
					continue
				}
				tr[k] = finite(float64(sp.Value))
			}
		}
	}

	for i := range b.eps {
		b.eps[i].CounterResets = math.NaN()
	}
	if res[qFresh].err == nil {
		resetsOK := res[qFreshSlow].err == nil
		fa := splitFresh(s, res[qFresh].vec)
		ov.TopBucket = fa.topBucket
		ov.fresh = make(map[string]bool, len(fa.fresh))
		rules := compileRules(s.GroupRules())
		for _, v := range fa.fresh {
			row := rules.name(v)
			ov.fresh[row] = true
			if i, ok := b.index[model.LabelValue(row)]; ok {
				b.eps[i].Series += int(fa.series[v])
				// The resets come with the slow query: unknown when
				// it failed.
				if resetsOK && math.IsNaN(b.eps[i].CounterResets) {
					b.eps[i].CounterResets = 0
				}
				b.eps[i].CounterResets += fa.resets[v]
			}
			if fa.inTurn[v] > 0 {
				if ov.inTurn == nil {
					ov.inTurn = map[string]bool{}
				}
				ov.inTurn[row] = true
			}
		}
		if len(s.GroupRules()) > 0 {
			assembleMembers(b, rules, fa)
		}
	}

	ov.ChangesErr = res[qChanged].err
	if ov.ChangesErr == nil {
		for _, smp := range res[qChanged].vec {
			if v := float64(smp.Value); !Missing(v) && v > 0 {
				// A start time that changed within the range but lies
				// before it (processes answering the scrapes in turn,
				// each with its own start time) is no recent change.
				if i, ok := b.index[smp.Metric[label]]; ok && !unixTime(v).Before(plan.End.Add(-ChangedWithin-time.Minute)) {
					b.eps[i].Changed = unixTime(v)
				}
			}
		}
	}

	errorsOK := res[qErrors].err == nil
	excOK := res[excQuery].err == nil
	for i := range b.eps {
		e := &b.eps[i]
		e.ErrorRatio = errorRatio(b.errRate[i], e.RPS, errorsOK)
		// An endpoint with a request series but no exception series had
		// none in the window.
		if math.IsNaN(e.Exceptions) && excOK && !math.IsNaN(e.RPS) {
			e.Exceptions = 0
		}
	}
	totalRPS, totalRatio := sumTotals(b, res[qRPS].err == nil, errorsOK)
	slices.SortFunc(b.eps, func(x, y Endpoint) int { return strings.Compare(x.Name, y.Name) })
	ov.Endpoints = b.eps

	ov.Totals = Totals{
		P99:        scalarOf(res[qTotalP99].vec),
		Exceptions: scalarOf(res[qTotalExceptions].vec),
		RPS:        totalRPS,
		ErrorRatio: totalRatio,
	}
	// The exceptions counter has no series until the first exception.
	if math.IsNaN(ov.Totals.Exceptions) && res[qTotalExceptions].err == nil && len(res[qTotalExceptions].vec) == 0 && !math.IsNaN(ov.Totals.RPS) {
		ov.Totals.Exceptions = 0
	}
	return ov
}

// sumTotals is the total requests/s and error ratio across the selection,
// summed from the rows: every series of the selection is in exactly one
// row (one without the endpoint label is the row of the empty name), so
// the sums are the totals. The error ratio is the summed errors over the
// summed requests: 0 with traffic and no error series, NaN without
// traffic or when a query failed.
func sumTotals(b *joiner, rpsOK, errorsOK bool) (rps, ratio float64) {
	nan := math.NaN()
	if !rpsOK {
		return nan, nan
	}
	var reqs, errs float64
	seen := false
	for i := range b.eps {
		if r := b.eps[i].RPS; !math.IsNaN(r) {
			reqs += r
			seen = true
		}
		if e := b.errRate[i]; !math.IsNaN(e) {
			errs += e
		}
	}
	if !seen {
		return nan, nan
	}
	return reqs, errorRatio(errs, reqs, errorsOK)
}

// errorRatio is errors/s over requests/s: NaN without traffic (no ratio, not
// 0), 0 with traffic and no error series, NaN when the errors query failed.
func errorRatio(errs, rps float64, errorsOK bool) float64 {
	if !errorsOK || math.IsNaN(rps) || rps <= 0 {
		return math.NaN()
	}
	if math.IsNaN(errs) {
		return 0
	}
	return finite(errs / rps)
}

// joiner builds one Endpoint per endpoint label value.
type joiner struct {
	label   model.LabelName
	index   map[model.LabelValue]int
	eps     []Endpoint
	errRate []float64 // errors/s, parallel to eps
}

func (b *joiner) at(smp *model.Sample) int { return b.atName(smp.Metric[b.label]) }

func (b *joiner) atName(name model.LabelValue) int {
	if i, ok := b.index[name]; ok {
		return i
	}
	nan := math.NaN()
	i := len(b.eps)
	b.index[name] = i
	b.eps = append(b.eps, Endpoint{Name: string(name), RPS: nan, ErrorRatio: nan, P50: nan, P99: nan, Exceptions: nan})
	b.errRate = append(b.errRate, nan)
	return i
}

// finite turns ±Inf into NaN: every absent figure is NaN.
func finite(v float64) float64 {
	if math.IsInf(v, 0) {
		return math.NaN()
	}
	return v
}

// scalarOf is the value of a one-series result, NaN when there is none.
func scalarOf(v model.Vector) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	return finite(float64(v[0].Value))
}
