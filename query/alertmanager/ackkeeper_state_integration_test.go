package alertmanager

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
)

// lockedBuffer is a log written by the keeper's goroutine and read by the
// test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.b.String(), s)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// roundCounter counts the keeper's rounds: each reads the silences once.
type roundCounter struct {
	AckSource
	rounds atomic.Int64
}

func (r *roundCounter) Silences(ctx context.Context) ([]query.Silence, error) {
	r.rounds.Add(1)
	return r.AckSource.Silences(ctx)
}

// A keeper whose Alertmanager stops answering logs it once, however many
// rounds fail, and once when it answers again; a second outage is logged
// again.
func TestIntegrationAckKeeperLogsChangesOfState(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 3}, Alertmanagers: 1})
	am, err := New(Options{URLs: stack.AlertmanagerURLs, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var log lockedBuffer
	src := &roundCounter{AckSource: am}
	k := NewAckKeeper(AckKeeperOptions{Source: src, Interval: 50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&log, nil)), Policy: AckPolicy{Duration: time.Minute, Max: time.Hour}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = k.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	const stopped, resumed = "ack keeper stopped", "ack keeper resumed"
	// rounds waits until n more rounds have run.
	rounds := func(n int64) {
		t.Helper()
		from := src.rounds.Load()
		demotest.EventuallyTrue(t, 60*time.Second, "the keeper's rounds", func() bool { return src.rounds.Load() >= from+n })
	}
	rounds(5)
	for i, want := range []struct{ stopped, resumed int }{{1, 1}, {2, 2}} {
		must(t, stack.StopAlertmanager(0))
		rounds(20)
		if n := log.count(stopped); n != want.stopped {
			t.Errorf("outage %d: %q logged %d times, want %d; log:\n%s", i+1, stopped, n, want.stopped, log.String())
		}
		must(t, stack.StartAlertmanager(context.Background(), 0))
		demotest.EventuallyTrue(t, 60*time.Second, "the keeper logs Alertmanager answering again", func() bool {
			return log.count(resumed) == want.resumed
		})
		rounds(20)
		if n := log.count(resumed); n != want.resumed {
			t.Errorf("outage %d: %q logged %d times, want %d", i+1, resumed, n, want.resumed)
		}
	}
	if n := log.count("level=WARN"); n != 2 {
		t.Errorf("%d warnings for two outages, want 2; log:\n%s", n, log.String())
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
