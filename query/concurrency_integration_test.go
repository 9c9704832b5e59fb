package query

import (
	"context"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// prometheus.max_concurrent_queries = 1 against a real Prometheus behind a
// proxy that holds every request 400ms: a refresh's requests go one at a
// time (never two in flight), each bounded by the 1.5s timeout from when
// it is sent, so the refresh (2.8s for 7) is whole, not cut at 1.5s.
func TestIntegrationMaxConcurrentQueriesOneByOne(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 5}})
	proxy, err := demo.StartFaultProxy(stack.PrometheusURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	p, err := NewPrometheus(PrometheusOptions{URL: proxy.URL(), Timeout: 1500 * time.Millisecond, MaxConcurrent: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	s := demoShape(time.Minute)
	ctx := context.Background()
	if _, err := p.Overview(ctx, s); err != nil { // the auto window, the rules: found
		t.Fatal(err)
	}
	proxy.Delay(400 * time.Millisecond)
	proxy.ResetPeak()
	began := time.Now()
	ov, err := p.Overview(ctx, s)
	took := time.Since(began)
	if err != nil {
		t.Fatal(err)
	}
	if len(ov.Errors) > 0 || ov.Targets.APIErr != nil || !ov.Targets.Known || ov.ChangesErr != nil {
		t.Errorf("a refresh one query at a time, 400ms each, 1.5s timeout: errors %v, targets API %v, changes %v", ov.Errors, ov.Targets.APIErr, ov.ChangesErr)
	}
	if st := proxy.Stats(); st.MaxInFlight != 1 {
		t.Errorf("%d requests in flight at once, want 1", st.MaxInFlight)
	}
	// What changes slowly was read by the first refresh: this one sends
	// the rest, 7 requests (6 if it keeps the trend), 2.8s one at a time.
	if ov.Sent < FastQueriesPerRefresh-1 || took < time.Duration(ov.Sent)*400*time.Millisecond {
		t.Errorf("the refresh of %d requests took %s: its requests were not one at a time", ov.Sent, took)
	}
	if d := RefreshDeadline(1500*time.Millisecond, 1); d != time.Duration(QueriesPerRefresh)*1500*time.Millisecond {
		t.Errorf("refresh deadline %s", d)
	}
	if d := RefreshDeadline(10*time.Second, 0); d != 10*time.Second {
		t.Errorf("refresh deadline without a cap %s", d)
	}
}

// The timeout parameter a query carries is one Prometheus reads: Go writes
// 1500ms as "1.5s", which Prometheus refuses, so it goes up to 2s.
func TestEvalTimeoutIsOnePrometheusReads(t *testing.T) {
	for in, want := range map[time.Duration]time.Duration{
		500 * time.Millisecond:  500 * time.Millisecond,
		time.Second:             time.Second,
		1500 * time.Millisecond: 2 * time.Second,
		10 * time.Second:        10 * time.Second,
		90 * time.Second:        90 * time.Second,
	} {
		if got := evalTimeout(in); got != want {
			t.Errorf("evalTimeout(%s) = %s, want %s", in, got, want)
		}
	}
}
