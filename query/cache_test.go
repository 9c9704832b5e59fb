package query

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"
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
