package alertmanager

import (
	"sort"
	"time"
)

// DefaultDeliveryWindow is how far back the recent failures are counted.
const DefaultDeliveryWindow = 5 * time.Minute

// DeliveryHistory keeps the readings of Alertmanager's notification
// counters over time, so that the failures of the last few minutes are the
// increase between two real readings, never a guess. It is not safe for
// concurrent use.
type DeliveryHistory struct {
	// Window is how far back the recent failures are counted (default
	// DefaultDeliveryWindow).
	Window   time.Duration
	readings []deliveryReading
	last     []PeerNotify
	started  time.Time // the first reading
}

// deliveryReading is one round of readings: per peer URL, the counters by
// integration; a peer that could not be read is absent.
type deliveryReading struct {
	at    time.Time
	peers map[string]map[string]NotifyCount
}

// Add records a round of readings taken at at.
func (h *DeliveryHistory) Add(at time.Time, peers []PeerNotify) {
	r := deliveryReading{at: at, peers: map[string]map[string]NotifyCount{}}
	for _, p := range peers {
		if p.Err == nil {
			r.peers[p.URL] = p.Counts
		}
	}
	h.last = peers
	if h.started.IsZero() {
		h.started = at
	}
	h.readings = append(h.readings, r)
	// Keep the readings inside the window only: every failure counted
	// happened within it (the ones between the reading just before the
	// window and the first inside it are not counted: a lower bound).
	cut := at.Add(-h.window())
	keep := 0
	for keep < len(h.readings) && h.readings[keep].at.Before(cut) {
		keep++
	}
	h.readings = append([]deliveryReading(nil), h.readings[keep:]...)
}

func (h *DeliveryHistory) window() time.Duration {
	if h.Window <= 0 {
		return DefaultDeliveryWindow
	}
	return h.Window
}

// DeliveryRow is one integration's figures across the peers that answered.
type DeliveryRow struct {
	Integration string
	// Sent and Failed are the counters' totals now (since each peer
	// started).
	Sent, Failed float64
	// Recent is the increase of the failures over Report.Span; meaningful
	// only when Report.RecentKnown.
	Recent float64
}

// DeliveryReport is what the history says now.
type DeliveryReport struct {
	// Read is false until a reading of at least one peer succeeded.
	Read bool
	// Rows are the integrations that sent or failed at least once, by name.
	Rows []DeliveryRow
	// Idle is how many integrations the peers export that never sent.
	Idle int
	// RecentKnown is true once two readings are at least a moment apart.
	// Span is the time between the oldest reading of the window and the
	// newest. Full is true once vigil has read the counters for a whole
	// Window: the recent failures are then those of the last Window (less
	// at most one refresh interval); before, those of the last Span.
	RecentKnown bool
	Span        time.Duration
	Full        bool
	Window      time.Duration
	// Errs are the peers whose counters could not be read this time.
	Errs []error
}

// Failing are the rows whose failures rose over the span.
func (r DeliveryReport) Failing() []DeliveryRow {
	var out []DeliveryRow
	if !r.RecentKnown {
		return nil
	}
	for _, row := range r.Rows {
		if row.Recent > 0 {
			out = append(out, row)
		}
	}
	return out
}

// Report computes the figures from the readings kept. The recent failures
// of a peer are the sum of the increases between its consecutive readings
// since the start of the window, a counter that went down (the peer
// restarted) counting from zero, as Prometheus's increase() does.
func (h *DeliveryHistory) Report() DeliveryReport {
	rep := DeliveryReport{Window: h.window()}
	for _, p := range h.last {
		if p.Err != nil {
			rep.Errs = append(rep.Errs, p.Err)
		}
	}
	if len(h.readings) == 0 {
		return rep
	}
	now := h.readings[len(h.readings)-1]
	rows := map[string]*DeliveryRow{}
	idle := map[string]bool{}
	latest := map[string]map[string]NotifyCount{} // per peer: its newest reading
	for _, r := range h.readings {
		for peer, c := range r.peers {
			latest[peer] = c
		}
	}
	for _, counts := range latest {
		rep.Read = true
		for integ, c := range counts {
			if c.Sent == 0 && c.Failed == 0 {
				idle[integ] = true
				continue
			}
			row := rows[integ]
			if row == nil {
				row = &DeliveryRow{Integration: integ}
				rows[integ] = row
			}
			row.Sent += c.Sent
			row.Failed += c.Failed
		}
	}
	first := h.readings[0]
	if span := now.at.Sub(first.at); span > 0 {
		rep.RecentKnown, rep.Span = true, span
		rep.Full = now.at.Sub(h.started) >= rep.Window
		for peer := range latest {
			var prev map[string]NotifyCount
			for _, r := range h.readings {
				cur, ok := r.peers[peer]
				if !ok {
					continue
				}
				if prev != nil {
					for integ, c := range cur {
						d := c.Failed - prev[integ].Failed
						if d < 0 {
							d = c.Failed // reset: counted from zero
						}
						if d > 0 {
							row := rows[integ]
							if row == nil {
								row = &DeliveryRow{Integration: integ}
								rows[integ] = row
							}
							row.Recent += d
						}
					}
				}
				prev = cur
			}
		}
	}
	for integ := range idle {
		if rows[integ] == nil {
			rep.Idle++
		}
	}
	for _, r := range rows {
		rep.Rows = append(rep.Rows, *r)
	}
	sort.Slice(rep.Rows, func(i, j int) bool { return rep.Rows[i].Integration < rep.Rows[j].Integration })
	return rep
}
