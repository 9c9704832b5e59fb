package query

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// The cache keeps at most CacheMaxKept answers: past that, each query is
// still answered (and shared while on its way), and not kept; once the
// kept answers expire, new ones are kept again. An answer is kept for its
// ttl within [CacheMinTTL, CacheMaxTTL].
func TestCacheBounded(t *testing.T) {
	now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	c := NewCache(func() time.Time { return now })
	asked := 0
	ask := func(v int) func(context.Context) (any, error) {
		return func(context.Context) (any, error) { asked++; return v, nil }
	}
	for i := range CacheMaxKept + 100 {
		v, err := c.Share(context.Background(), strconv.Itoa(i), time.Hour, ask(i))
		if err != nil || v != i {
			t.Fatalf("key %d: %v %v", i, v, err)
		}
	}
	if c.Kept() != CacheMaxKept {
		t.Errorf("kept %d answers, want at most %d", c.Kept(), CacheMaxKept)
	}
	// The first answers are kept, the last are not.
	c.Share(context.Background(), "0", time.Hour, ask(-1))
	c.Share(context.Background(), strconv.Itoa(CacheMaxKept+99), time.Hour, ask(-1))
	if asked != CacheMaxKept+101 {
		t.Errorf("%d queries asked, want %d: the first answer from the cache, the last asked again", asked, CacheMaxKept+101)
	}
	// A ttl of an hour keeps an answer CacheMaxTTL at most.
	now = now.Add(CacheMaxTTL + time.Second)
	c.Share(context.Background(), "new", time.Hour, ask(1))
	if c.Kept() != 1 {
		t.Errorf("after they expired: %d kept, want the new one only", c.Kept())
	}
	// Below CacheMinTTL, an answer is kept CacheMinTTL.
	c.Share(context.Background(), "short", time.Millisecond, ask(2))
	now = now.Add(CacheMinTTL / 2)
	if v, _ := c.Share(context.Background(), "short", time.Millisecond, ask(3)); v != 2 {
		t.Errorf("within CacheMinTTL: %v, want the kept 2", v)
	}
	// A failure is never kept.
	boom := errors.New("boom")
	c.Share(context.Background(), "fails", time.Minute, func(context.Context) (any, error) { return nil, boom })
	if v, err := c.Share(context.Background(), "fails", time.Minute, ask(4)); err != nil || v != 4 {
		t.Errorf("after a failure: %v %v, want asked again", v, err)
	}
}

// The answers kept hold at most CacheMaxBytes, as CachedBytes estimates:
// a big answer past it is given, not kept; once the kept ones expire, it
// is kept again.
func TestCacheBytesBounded(t *testing.T) {
	now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	c := NewCache(func() time.Time { return now })
	// A matrix of about 12 MiB: 1,000 series of 800 points.
	big := make(model.Matrix, 1000)
	for i := range big {
		big[i] = &model.SampleStream{Metric: model.Metric{"path": model.LabelValue(strconv.Itoa(i))}, Values: make([]model.SamplePair, 800)}
	}
	size := CachedBytes(sharedAnswer{v: big})
	if size < 12<<20 || size > 14<<20 {
		t.Fatalf("CachedBytes of 800,000 points: %d", size)
	}
	for i := range 3 {
		v, err := c.Share(context.Background(), strconv.Itoa(i), time.Minute, func(context.Context) (any, error) { return sharedAnswer{v: big}, nil })
		if err != nil || v == nil {
			t.Fatalf("answer %d: %v %v", i, v, err)
		}
	}
	if c.Kept() != 2 || c.KeptBytes() > CacheMaxBytes {
		t.Errorf("kept %d answers of %d bytes, want 2 within %d", c.Kept(), c.KeptBytes(), CacheMaxBytes)
	}
	now = now.Add(time.Minute)
	c.Share(context.Background(), "again", time.Minute, func(context.Context) (any, error) { return sharedAnswer{v: big}, nil })
	if c.Kept() != 1 || c.KeptBytes() != size {
		t.Errorf("after they expired: %d kept of %d bytes, want the new one, %d", c.Kept(), c.KeptBytes(), size)
	}
}

// timedQuerier records the times its instant queries are asked at.
type timedQuerier struct {
	Querier
	at []time.Time
}

func (q *timedQuerier) Query(_ context.Context, _ string, at time.Time) (model.Value, v1.Warnings, error) {
	q.at = append(q.at, at)
	return model.Vector{}, nil, nil
}

// An instant query through the cache is asked at its own time, not at the
// start of its second (a series born in that fraction of a second would
// read as none), and shared with whoever asks it in the same second.
func TestSharedQuerierAsksAtItsOwnTime(t *testing.T) {
	now := time.Date(2026, 12, 7, 3, 0, 17, 932e6, time.UTC)
	c := NewCache(func() time.Time { return now })
	tq := &timedQuerier{}
	q := SharedQuerier{Q: tq, Share: c.Share, Scope: "prod", Now: func() time.Time { return now }}
	q.Query(context.Background(), "up", now)
	if len(tq.at) != 1 || !tq.at[0].Equal(now) {
		t.Fatalf("asked at %v, want %s", tq.at, now)
	}
	q.Query(context.Background(), "up", now.Add(50*time.Millisecond))
	if len(tq.at) != 1 {
		t.Errorf("the same query in the same second asked %d times, want once", len(tq.at))
	}
	next := now.Add(time.Second)
	now = next
	q.Query(context.Background(), "up", time.Time{})
	if len(tq.at) != 2 || !tq.at[1].Equal(next) {
		t.Errorf("a second later, without a time: asked at %v, want %s", tq.at, next)
	}
}
