package query

import (
	"context"
	"strconv"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// Sharer runs ask once for every caller asking the same key at the same
// time, and keeps its answer for ttl (vigil serve's cache of one-off
// queries, shared by the consoles of one process).
type Sharer func(ctx context.Context, key string, ttl time.Duration, ask func(ctx context.Context) (any, error)) (any, error)

// SharedQuerier is a Querier whose queries go through a Sharer. Scope
// tells the Prometheus servers apart; Now is the clock that an instant
// query without a time is asked at.
type SharedQuerier struct {
	Q     Querier
	Share Sharer
	Scope string
	Now   func() time.Time
}

type sharedAnswer struct {
	v model.Value
	w v1.Warnings
}

// QueryRange implements Querier: shared by (query, start, end, step); the
// callers align the end to the step (RangeFor does).
func (q SharedQuerier) QueryRange(ctx context.Context, expr string, r v1.Range) (model.Value, v1.Warnings, error) {
	key := "range\x00" + q.Scope + "\x00" + expr + "\x00" + strconv.FormatInt(r.Start.UnixNano(), 10) +
		"\x00" + strconv.FormatInt(r.End.UnixNano(), 10) + "\x00" + r.Step.String()
	a, err := q.Share(ctx, key, r.Step, func(ctx context.Context) (any, error) {
		v, w, err := q.Q.QueryRange(ctx, expr, r)
		return sharedAnswer{v, w}, err
	})
	ans, _ := a.(sharedAnswer)
	return ans.v, ans.w, err
}

// Query implements Querier: an instant query is shared by the whole
// second it is asked at, and asked of Prometheus at its own time, not
// the second's start: the first to ask loses none of the newest samples
// (a series younger than the fraction of a second would read as no
// series), and those who ask in the same second get an answer at most a
// second apart from theirs, as a refresh a second earlier would.
func (q SharedQuerier) Query(ctx context.Context, expr string, at time.Time) (model.Value, v1.Warnings, error) {
	if at.IsZero() {
		at = q.Now()
	}
	sec := at.Truncate(time.Second)
	key := "instant\x00" + q.Scope + "\x00" + expr + "\x00" + strconv.FormatInt(sec.UnixNano(), 10)
	a, err := q.Share(ctx, key, time.Second, func(ctx context.Context) (any, error) {
		v, w, err := q.Q.Query(ctx, expr, at)
		return sharedAnswer{v, w}, err
	})
	ans, _ := a.(sharedAnswer)
	return ans.v, ans.w, err
}
