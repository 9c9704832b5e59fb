package alertmanager

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"

	"github.com/vigilterm/vigil/query"
)

func ackSilence(t *testing.T, start, end time.Time, comment string) query.Silence {
	t.Helper()
	m, err := labels.NewMatcher(labels.MatchEqual, "alertname", "Down")
	if err != nil {
		t.Fatal(err)
	}
	return query.Silence{ID: "s1", Matchers: labels.Matchers{m}, StartsAt: start, EndsAt: end, CreatedBy: "alice",
		Comment: comment, State: query.SilenceActive}
}

// The marker round-trips, replaces an older one, and is not found in an
// ordinary comment.
func TestAckMarker(t *testing.T) {
	end := time.Date(2026, 11, 29, 6, 12, 0, 500, time.UTC)
	c := query.WithAckMarker("ack by alice", end)
	if c != "ack by alice [until resolved, kept to 2026-11-29T06:12:00Z]" {
		t.Fatalf("comment %q", c)
	}
	base, kept, ok := query.ParseAckMarker(query.WithAckMarker(c, end.Add(time.Hour)))
	if !ok || base != "ack by alice" || !kept.Equal(end.Add(time.Hour).Truncate(time.Second)) {
		t.Fatalf("parsed %q %v %v", base, kept, ok)
	}
	if _, kept, ok := query.ParseAckMarker("by hand [until resolved]"); !ok || !kept.IsZero() {
		t.Fatalf("hand marker: %v %v", kept, ok)
	}
	for _, c := range []string{"ack by alice", "[until resolved] then more", "until resolved"} {
		if _, _, ok := query.ParseAckMarker(c); ok {
			t.Errorf("%q taken for a marker", c)
		}
	}
}

// The keeper's decisions: wait while more than half is left, extend to
// now+duration when less is, stop when the alert resolved, never beyond
// the cap, never over someone else's change, nothing when the alerts are
// unknown.
func TestDecideAck(t *testing.T) {
	now := time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)
	p := AckPolicy{Duration: 10 * time.Minute, Max: time.Hour}
	start := now.Add(-20 * time.Minute)
	mk := func(end time.Time) query.Silence {
		return ackSilence(t, start, end, query.WithAckMarker("ack by alice", end))
	}
	unreachable := errors.New("connection refused")
	cases := []struct {
		name    string
		s       query.Silence
		firing  bool
		err     error
		want    AckAction
		newEnd  time.Time
		nextExt time.Time
	}{
		{"more than half left", mk(now.Add(6 * time.Minute)), true, nil, AckWait, time.Time{}, now.Add(time.Minute)},
		{"less than half left", mk(now.Add(4 * time.Minute)), true, nil, AckExtend, now.Add(10 * time.Minute), time.Time{}},
		{"resolved", mk(now.Add(4 * time.Minute)), false, nil, AckResolved, time.Time{}, time.Time{}},
		{"alerts unknown", mk(now.Add(4 * time.Minute)), false, unreachable, AckUnknown, time.Time{}, time.Time{}},
		{"cap cuts the extension", ackSilence(t, now.Add(-55*time.Minute), now.Add(2*time.Minute), query.WithAckMarker("a", now.Add(2*time.Minute))), true, nil, AckExtend, now.Add(5 * time.Minute), time.Time{}},
		{"cap reached", ackSilence(t, now.Add(-58*time.Minute), now.Add(2*time.Minute), query.WithAckMarker("a", now.Add(2*time.Minute))), true, nil, AckCapped, time.Time{}, time.Time{}},
		{"end changed by someone", ackSilence(t, start, now.Add(time.Minute), query.WithAckMarker("a", now.Add(4*time.Minute))), true, nil, AckEdited, time.Time{}, time.Time{}},
		{"expired by someone", func() query.Silence { s := mk(now.Add(4 * time.Minute)); s.State = query.SilenceExpired; return s }(), true, nil, AckExpired, time.Time{}, time.Time{}},
		{"ran out", mk(now.Add(-time.Second)), true, nil, AckExpired, time.Time{}, time.Time{}},
		{"hand marker taken on", ackSilence(t, start, now.Add(time.Minute), "[until resolved]"), true, nil, AckExtend, now.Add(10 * time.Minute), time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := DecideAck(c.s, c.firing, c.err, now, p)
			if d.Action != c.want || !d.NewEnd.Equal(c.newEnd) || !d.NextExtend.Equal(c.nextExt) {
				t.Fatalf("got %s new end %v next %v, want %s %v %v", d.Action, d.NewEnd, d.NextExtend, c.want, c.newEnd, c.nextExt)
			}
			if txt := d.Text(now, time.UTC); !strings.HasPrefix(txt, "acked until resolved by alice") {
				t.Fatalf("text %q", txt)
			}
		})
	}
	d := DecideAck(mk(now.Add(4*time.Minute)), false, unreachable, now, p)
	if txt := d.Text(now, time.UTC); !strings.Contains(txt, "unknown") || !strings.Contains(txt, "connection refused") {
		t.Fatalf("unknown text %q", txt)
	}
}

// Only alerts Alertmanager holds, matched by the silence, count as firing.
func TestAlertsFiring(t *testing.T) {
	s := ackSilence(t, time.Now(), time.Now().Add(time.Hour), "[until resolved]")
	down := query.Alert{Labels: map[string]string{"alertname": "Down"}, State: query.StateSilenced, Source: query.SourceAlertmanager}
	other := query.Alert{Labels: map[string]string{"alertname": "Other"}, State: query.StateFiring, Source: query.SourceAlertmanager}
	pending := query.Alert{Labels: map[string]string{"alertname": "Down"}, State: query.StatePending, Source: query.SourcePrometheus}
	if !AlertsFiring(s, []query.Alert{other, down}) {
		t.Fatal("the silenced alert does not count")
	}
	if AlertsFiring(s, []query.Alert{other, pending}) || AlertsFiring(s, nil) {
		t.Fatal("a pending or other alert counts")
	}
}

// Tick with unknown silences decides nothing; with unknown alerts nothing
// is written; an unmarked silence is never touched; and the service
// refuses an automatic write of anything but a marked extend.
func TestAckKeeperTickUnknown(t *testing.T) {
	now := time.Now()
	k := NewAckKeeper(AckKeeperOptions{Policy: AckPolicy{Duration: time.Minute, Max: time.Hour}})
	if _, err := k.Tick(context.Background(), now, nil, nil, nil, errors.New("down")); err == nil {
		t.Fatal("unknown silences gave no error")
	}
	marked := ackSilence(t, now.Add(-time.Minute), now.Add(10*time.Second), query.WithAckMarker("a", now.Add(10*time.Second)))
	plain := ackSilence(t, now.Add(-time.Minute), now.Add(10*time.Second), "ordinary")
	ds, err := k.Tick(context.Background(), now, nil, errors.New("timeout"), []query.Silence{marked, plain}, nil)
	if err != nil || len(ds) != 1 || ds[0].Action != AckUnknown || ds[0].Err != nil {
		t.Fatalf("decisions %+v %v", ds, err)
	}
	svc := NewSilenceService(SilenceServiceOptions{Alertmanager: &Client{}, Protected: "prod"})
	for _, req := range []SilenceRequest{
		{Op: SilenceExtend, Silence: plain, NewEnd: now.Add(time.Hour), Keeper: true},
		{Op: SilenceExpire, Silence: marked, Keeper: true},
	} {
		if r := svc.Write(context.Background(), req); r.Err == nil || !strings.Contains(r.Err.Error(), "refused") {
			t.Errorf("automatic %s: %v", req.Op, r.Err)
		}
	}
}

// A keeper stopped in the middle of a round begins no new write: the
// extension it would have made reads as not made, and why.
func TestAckKeeperStoppedWritesNothing(t *testing.T) {
	now := time.Now()
	am, err := New(Options{URLs: []string{"http://127.0.0.1:1"}, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	svc := NewSilenceService(SilenceServiceOptions{Alertmanager: am})
	k := NewAckKeeper(AckKeeperOptions{Service: svc, Policy: AckPolicy{Duration: 10 * time.Minute, Max: time.Hour}})
	s := ackSilence(t, now.Add(-time.Minute), now.Add(time.Minute), query.WithAckMarker("ack by alice", now.Add(time.Minute)))
	firing := query.Alert{Name: "Down", State: query.StateFiring, Labels: map[string]string{"alertname": "Down"}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ds, err := k.Tick(ctx, now, []query.Alert{firing}, nil, []query.Silence{s}, nil)
	if err != nil || len(ds) != 1 || ds[0].Action != AckExtend {
		t.Fatalf("decisions %+v %v", ds, err)
	}
	if d := ds[0]; !errors.Is(d.Err, context.Canceled) || !strings.Contains(d.Err.Error(), "not extended") || d.NewID != "" {
		t.Fatalf("a stopped keeper's extend: %+v", d)
	}
}
