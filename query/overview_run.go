package query

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"golang.org/x/sync/errgroup"
)

// How a refresh sends its queries and reads their answers.

// targetsAnswer is the targets API's answer of a refresh.
type targetsAnswer struct {
	api []apiTarget
	err error
}

// intervalOf is the longest scrape interval of the targets the targets
// query names; 0 when unknown.
func intervalOf(up queryResult, tg targetsAnswer) time.Duration {
	if up.err != nil || tg.err != nil {
		return 0
	}
	t := Targets{List: buildTargets(up.vec, tg.api)}
	return t.ScrapeInterval()
}

// runAll sends every query, paced (PaceAfter) unless a cap is set, under
// one deadline of the client's Timeout: instant ones evaluated at at,
// range ones over rng. Each result keeps its own error.
func (p *Prometheus) runAll(ctx context.Context, qs []NamedQuery, at time.Time, rng v1.Range) []queryResult {
	return p.runAllWith(ctx, qs, at, rng, nil)
}

// PaceAfter is how long a query of a refresh holds back the next one when
// no cap is set (PrometheusOptions.MaxConcurrent 0): the next is sent when
// it has answered, or PaceAfter after it was sent. Cheap queries (those of
// a small app, or read from recording rules) thus go one after another:
// they hold one of Prometheus's query slots, not seven, and none waits for
// the others' CPU, so Prometheus evaluates each in its own time; a slow
// one delays the others by PaceAfter at most.
const PaceAfter = 20 * time.Millisecond

// runAllWith is runAll that also reads the targets API into tg, when set,
// under the same deadline. With a cap on the queries in flight
// (PrometheusOptions.MaxConcurrent), each request has the client's Timeout
// from when it is sent, and the whole the Timeout of each round.
func (p *Prometheus) runAllWith(ctx context.Context, qs []NamedQuery, at time.Time, rng v1.Range, tg *targetsAnswer) []queryResult {
	n := len(qs)
	if tg != nil {
		n++
	}
	cctx, cancel := context.WithTimeout(ctx, p.timeout*time.Duration(p.rounds(n)))
	defer cancel()
	res := make([]queryResult, len(qs))
	var g errgroup.Group
	if p.maxConcurrent > 0 {
		g.SetLimit(p.maxConcurrent)
	}
	// each bounds one request from when it is sent.
	each := func() (context.Context, context.CancelFunc) {
		if p.maxConcurrent > 0 {
			return context.WithTimeout(cctx, p.timeout)
		}
		return cctx, func() {}
	}
	if tg != nil {
		g.Go(func() error {
			qctx, done := each()
			defer done()
			tg.api, tg.err = p.targetsAPI(ctx, qctx)
			return nil
		})
	}
	// With no cap, the queries are paced: each is sent when the one
	// before it has answered, or PaceAfter after that one was sent.
	var turn <-chan struct{} // closed when this query may go; nil: at once
	for i, q := range qs {
		wait := turn
		var next chan struct{}
		if p.maxConcurrent == 0 {
			next = make(chan struct{})
			turn = next
		}
		g.Go(func() error {
			if wait != nil {
				select {
				case <-wait:
				case <-cctx.Done():
				}
			}
			if next != nil {
				var once sync.Once
				pass := func() { once.Do(func() { close(next) }) }
				t := time.AfterFunc(PaceAfter, pass)
				defer func() { t.Stop(); pass() }()
			}
			cctx, done := each()
			defer done()
			var v model.Value
			var w v1.Warnings
			var err error
			if q.Range {
				v, w, err = p.queryRange(ctx, cctx, q.Expr, rng)
			} else {
				v, w, err = p.query(ctx, cctx, q.Expr, at)
			}
			res[i] = toResult(q, v, w, err)
			return nil
		})
	}
	_ = g.Wait()
	return res
}

// noAnswer returns the first error when no query of a refresh got an
// answer because Prometheus could not be reached (or ctx ended): then there
// is nothing to show but the failure. Otherwise nil: a refresh in which
// some queries were rejected still shows the rest.
func noAnswer(ctx context.Context, res []queryResult) error {
	failed, unreachable := 0, 0
	var first error
	for _, r := range res {
		if r.err == nil {
			continue
		}
		failed++
		if first == nil {
			first = r.err
		}
		if IsUnreachable(r.err) {
			unreachable++
		}
	}
	if len(res) > 0 && failed == len(res) && (unreachable == failed || ctx.Err() != nil) {
		// A server that answers and then cuts the connection (HTTPS
		// spoken to in plain HTTP) resets the requests still sending
		// their body: the answer one of them got says more.
		for _, r := range res {
			if !errors.Is(r.err, syscall.ECONNRESET) {
				return r.err
			}
		}
		return first
	}
	return nil
}

// toResult checks the type of a query's value.
func toResult(q NamedQuery, v model.Value, w v1.Warnings, err error) queryResult {
	r := queryResult{warnings: w, err: err}
	if err != nil {
		return r
	}
	switch x := v.(type) {
	case model.Vector:
		if !q.Range {
			r.vec = x
			return r
		}
	case model.Matrix:
		if q.Range || q.Samples {
			r.mat = x
			return r
		}
	case nil:
		return r
	}
	r.err = fmt.Errorf("query %s: unexpected result type %s", q.Name, v.Type())
	return r
}
