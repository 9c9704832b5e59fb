package alertmanager

import (
	"errors"
	"testing"
	"time"

	"github.com/vigilterm/vigil/query"
)

func reading(url string, failed, sent float64) PeerNotify {
	return PeerNotify{URL: url, Counts: map[string]NotifyCount{"webhook": {Sent: sent, Failed: failed}, "email": {}}}
}

// The recent failures are the increase between real readings: unknown
// with one, a counter reset counts from zero, peers add up, a peer that
// could not be read is named, and the window is full only after 5m.
func TestDeliveryHistoryIncrease(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)
	var h DeliveryHistory
	h.Add(t0, []PeerNotify{reading("a", 10, 20), reading("b", 1, 5)})
	r := h.Report()
	if !r.Read || r.RecentKnown || len(r.Failing()) != 0 {
		t.Fatalf("one reading: %+v; want read, recent unknown, nothing failing", r)
	}
	if len(r.Rows) != 1 || r.Rows[0].Failed != 11 || r.Rows[0].Sent != 25 || r.Idle != 1 {
		t.Fatalf("rows %+v idle %d: want webhook sent 25 failed 11 and email idle", r.Rows, r.Idle)
	}

	// a: +3; b restarted: 1 → 0 → 2 counts 2.
	h.Add(t0.Add(time.Minute), []PeerNotify{reading("a", 13, 25), reading("b", 0, 0)})
	h.Add(t0.Add(2*time.Minute), []PeerNotify{reading("a", 13, 26), reading("b", 2, 3)})
	r = h.Report()
	if !r.RecentKnown || r.Full || r.Span != 2*time.Minute {
		t.Fatalf("after 2m: %+v", r)
	}
	if f := r.Failing(); len(f) != 1 || f[0].Recent != 5 {
		t.Fatalf("failing %+v: want webhook 5 (3 on a, 2 on b after its restart)", f)
	}

	// b unreadable: named, its older readings still count.
	h.Add(t0.Add(3*time.Minute), []PeerNotify{reading("a", 13, 27), {URL: "b", Err: errors.New("b: read /metrics: connection refused")}})
	r = h.Report()
	if len(r.Errs) != 1 || r.Failing()[0].Recent != 5 {
		t.Fatalf("with b down: %+v", r)
	}

	// Past the window: the readings before it are dropped, so the old
	// failures no longer count; the window is full.
	h.Add(t0.Add(7*time.Minute), []PeerNotify{reading("a", 13, 28), reading("b", 2, 3)})
	h.Add(t0.Add(8*time.Minute), []PeerNotify{reading("a", 14, 29), reading("b", 2, 3)})
	r = h.Report()
	if !r.Full || r.Span > 5*time.Minute {
		t.Fatalf("after 8m: full %v span %v", r.Full, r.Span)
	}
	if f := r.Failing(); len(f) != 1 || f[0].Recent != 1 {
		t.Fatalf("failing %+v: want webhook 1 (the last 5m only)", f)
	}
	// Quiet for a whole window: nothing failing, known.
	h.Add(t0.Add(14*time.Minute), []PeerNotify{reading("a", 14, 30), reading("b", 2, 3)})
	h.Add(t0.Add(15*time.Minute), []PeerNotify{reading("a", 14, 30), reading("b", 2, 3)})
	r = h.Report()
	if !r.RecentKnown || len(r.Failing()) != 0 {
		t.Fatalf("quiet: %+v", r)
	}
}

func TestCheckWatchdog(t *testing.T) {
	alerts := []query.Alert{{Labels: map[string]string{"alertname": "Other"}}}
	if st := query.CheckWatchdog("", alerts, nil); st.Name != "" {
		t.Errorf("off: %+v", st)
	}
	if st := query.CheckWatchdog("Watchdog", alerts, nil); !st.Known || st.Firing {
		t.Errorf("absent: %+v, want known and not firing", st)
	}
	silenced := append(alerts, query.Alert{Labels: map[string]string{"alertname": "Watchdog"}, State: query.StateSilenced})
	if st := query.CheckWatchdog("Watchdog", silenced, nil); !st.Firing {
		t.Errorf("silenced Watchdog still arrived: %+v", st)
	}
	if st := query.CheckWatchdog("Watchdog", nil, errors.New("connection refused")); st.Known || st.Reason == "" {
		t.Errorf("Alertmanager down: %+v, want unknown with the reason", st)
	}
}
