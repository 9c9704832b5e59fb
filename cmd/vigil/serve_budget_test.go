package main

import (
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/vigilterm/vigil"
)

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// A person runs at most promptMaxRunning prompt queries at once and
// promptBurst in a row, then promptPerMinute a minute; the team at most
// promptMaxRunningAll at once; every refusal says why and is counted by
// person.
func TestPromptBudget(t *testing.T) {
	b := newPromptBudget(prometheus.NewRegistry())
	now := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	b.now = func() time.Time { return now }
	r1, err := b.admit("ann")
	if err != nil {
		t.Fatal(err)
	}
	r2, err := b.admit("ann")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.admit("ann"); err == nil || !strings.Contains(err.Error(), "2 of your queries are still running") {
		t.Fatalf("a third at once: %v", err)
	}
	if _, err := b.admit("bob"); err == nil || !strings.Contains(err.Error(), "ad-hoc queries of the team are running") {
		t.Fatalf("bob while the team's places are taken: %v", err)
	}
	r1(time.Second, nil)
	r2(2*time.Second, nil)
	r1(time.Second, nil) // a second release counts nothing
	for range promptBurst - 2 {
		r, err := b.admit("ann")
		if err != nil {
			t.Fatal(err)
		}
		r(0, nil)
	}
	if _, err := b.admit("ann"); err == nil || !strings.Contains(err.Error(), "queries a minute") {
		t.Fatalf("past the burst: %v", err)
	}
	now = now.Add(time.Minute / promptPerMinute)
	if r, err := b.admit("ann"); err != nil {
		t.Fatalf("after the rate's interval: %v", err)
	} else {
		r(0, nil)
	}
	if got := counterValue(t, b.seconds.WithLabelValues("ann")); got != 3 {
		t.Errorf("ann's seconds: %v, want 3", got)
	}
	for res, want := range map[string]float64{"ok": 5, "refused_running": 1, "refused_rate": 1} {
		if got := counterValue(t, b.queries.WithLabelValues("ann", res)); got != want {
			t.Errorf("ann's %s queries: %v, want %v", res, got, want)
		}
	}
}

// The server's log escapes what a client sends (a user name, a TERM):
// no C1 control or bidi character is written raw.
func TestServeLogEscapesHostileStrings(t *testing.T) {
	var buf strings.Builder
	cfg := vigil.Config{}
	log, closeLog, err := serveLogger(&cfg, &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer closeLog()
	log.Warn("refused: unknown key", "user", "ann\u009b2J\u202eevil\u2066", "remote", "127.0.0.1:1\x1b[2J")
	for _, r := range buf.String() {
		if (r >= 0x80 && !unicode.IsPrint(r)) || (r < 0x20 && r != '\n') {
			t.Fatalf("the log holds %U raw: %q", r, buf.String())
		}
	}
	if !strings.Contains(buf.String(), `\u009b`) || !strings.Contains(buf.String(), `\u202e`) {
		t.Errorf("the log does not escape them: %s", buf.String())
	}
}

// The prompt's client gives Prometheus at most promptTimeout for each
// query (its timeout parameter and the client's deadline), whatever the
// context's own timeout; a shorter one is kept.
func TestPromptClientTimeout(t *testing.T) {
	for _, tc := range []struct{ cfg, want time.Duration }{{0, promptTimeout}, {time.Minute, promptTimeout}, {3 * time.Second, 3 * time.Second}} {
		var cfg vigil.Config
		cfg.Prometheus.URL = "http://127.0.0.1:9"
		cfg.Prometheus.Timeout = vigil.Duration(tc.cfg)
		p := &prepared{cfg: cfg}
		pq, err := p.promptClient()
		if err != nil {
			t.Fatal(err)
		}
		if got := pq.Timeout(); got != tc.want {
			t.Errorf("context timeout %s: the prompt's is %s, want %s", tc.cfg, got, tc.want)
		}
	}
	if promptTimeout > 10*time.Second {
		t.Errorf("the prompt's timeout is %s, above the 10s the documentation promises", promptTimeout)
	}
}
