package query

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// sentQuery is one PromQL request: when it was sent and answered.
type sentQuery struct {
	sent, answered time.Time
	path           string
}

// pacingTransport records the PromQL requests on their way to a real
// Prometheus, and holds back the answer to the first one whose form
// contains hold by holdFor (a Prometheus that hangs on one query).
type pacingTransport struct {
	next    http.RoundTripper
	hold    string
	holdFor time.Duration

	mu   sync.Mutex
	reqs []sentQuery
	held bool
}

func (p *pacingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.HasPrefix(r.URL.Path, "/api/v1/query") {
		return p.next.RoundTrip(r)
	}
	sent := time.Now()
	hold := false
	if p.hold != "" && r.GetBody != nil {
		if body, err := r.GetBody(); err == nil {
			var b strings.Builder
			buf := make([]byte, 64<<10)
			for {
				n, err := body.Read(buf)
				b.Write(buf[:n])
				if err != nil {
					break
				}
			}
			p.mu.Lock()
			hold = !p.held && strings.Contains(b.String(), p.hold)
			p.held = p.held || hold
			p.mu.Unlock()
		}
	}
	resp, err := p.next.RoundTrip(r)
	if hold {
		time.Sleep(p.holdFor)
	}
	p.mu.Lock()
	p.reqs = append(p.reqs, sentQuery{sent: sent, answered: time.Now(), path: r.URL.Path})
	p.mu.Unlock()
	return resp, err
}

// take returns the requests recorded since the last take, by the time
// they were sent.
func (p *pacingTransport) take() []sentQuery {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.reqs
	p.reqs = nil
	slices.SortFunc(out, func(a, b sentQuery) int { return a.sent.Compare(b.sent) })
	return out
}

// A refresh's queries go one after another: each is sent once the one
// before it has answered, or PaceAfter after that one was sent, never
// sooner. When Prometheus hangs on one query, the others are still sent,
// each at most PaceAfter after the one before, and answered before it.
func TestIntegrationRefreshPaced(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 3}})
	rt := &pacingTransport{next: http.DefaultTransport}
	p, err := NewPrometheus(PrometheusOptions{URL: stack.PrometheusURL, Timeout: 20 * time.Second, RoundTripper: rt})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	s := demoShape(30 * time.Second)
	ctx := context.Background()
	demotest.Eventually(t, 60*time.Second, "an overview with figures", func() (bool, string) {
		ov, err := p.Overview(ctx, s)
		if err != nil {
			return false, err.Error()
		}
		return len(ov.Endpoints) > 0 && ov.Totals.RPS > 0 && len(ov.Errors) == 0, fmt.Sprintf("%d endpoints, errors %v", len(ov.Endpoints), ov.Errors)
	})
	// The send times are taken in the transport, a little after each
	// query's turn came: a busy machine can delay one query's more than the
	// next one's, so the gap between two sends may fall short of PaceAfter
	// by a few milliseconds, now and then. Sent all at once, they are
	// microseconds apart, every time.
	const slack = 5 * time.Millisecond
	var pairs int
	var early []string
	for range 5 {
		rt.take()
		if _, err := p.Overview(ctx, s); err != nil {
			t.Fatal(err)
		}
		reqs := rt.take()
		if len(reqs) < 4 {
			t.Fatalf("%d PromQL requests in a refresh", len(reqs))
		}
		for i := 1; i < len(reqs); i++ {
			prev, cur := reqs[i-1], reqs[i]
			pairs++
			if cur.sent.Before(prev.answered) && cur.sent.Sub(prev.sent) < PaceAfter-slack {
				early = append(early, fmt.Sprintf("request %d sent %s after request %d, which had not answered", i, cur.sent.Sub(prev.sent), i-1))
			}
		}
	}
	if len(early) > 2 {
		t.Errorf("%d of %d requests sent before the one before had answered or %s had passed:\n%s", len(early), pairs, PaceAfter, strings.Join(early, "\n"))
	}

	// Prometheus hangs on the rates query for 3 s.
	rt.mu.Lock()
	rt.hold, rt.holdFor, rt.held = "vigil_part", 3*time.Second, false
	rt.mu.Unlock()
	rt.take()
	began := time.Now()
	ov, err := p.Overview(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(began)
	reqs := rt.take()
	if len(reqs) < 4 || !rt.held {
		t.Fatalf("%d requests, held %v", len(reqs), rt.held)
	}
	held := slices.MaxFunc(reqs, func(a, b sentQuery) int { return cmp.Compare(a.answered.Sub(a.sent), b.answered.Sub(b.sent)) })
	if d := held.answered.Sub(held.sent); d < 3*time.Second {
		t.Fatalf("the longest request took %s: none was held", d)
	}
	last := reqs[len(reqs)-1]
	// Each of the others is sent at most PaceAfter after the one before:
	// the bound allows a busy machine 200ms more for each.
	if d := last.sent.Sub(held.sent); d > time.Duration(len(reqs))*(PaceAfter+200*time.Millisecond) {
		t.Errorf("the last request was sent %s after the one Prometheus held: the others waited for it", d)
	}
	if len(ov.Errors) > 0 || ov.Totals.RPS <= 0 || took > 3*time.Second+5*time.Second {
		t.Errorf("refresh with one held query: %s, errors %v, totals %+v", took, ov.Errors, ov.Totals)
	}
	t.Logf("with one query held 3s: the refresh took %s, its last query sent %s after the held one", took, last.sent.Sub(held.sent))
}
