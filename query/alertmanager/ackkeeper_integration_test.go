package alertmanager

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
)

const ackRules = `groups:
  - name: ack-test
    rules:
      - alert: AckCheckoutErrors
        expr: sum by (path) (rate(flask_http_request_duration_seconds_count{path="/api/checkout",status=~"5.."}[5s])) / sum by (path) (rate(flask_http_request_duration_seconds_count{path="/api/checkout"}[5s])) > 0.2
        for: 1s
        labels: {severity: critical}
`

// TestIntegrationAckUntilResolved acks a real alert until resolved, on the
// real stack, in a protected context: the keeper extends the short silence
// while the alert fires, without asking for the context's name again and
// audited as its own writes; a second keeper, started after the first
// stopped, finds the ack in Alertmanager and keeps it; once the alert
// resolves the silence is no longer extended and expires on its own.
func TestIntegrationAckUntilResolved(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{
		App:           demo.AppOptions{Seed: 6},
		EvalInterval:  time.Second,
		Alertmanagers: 1,
		RuleFiles:     map[string][]byte{"ack.yml": []byte(ackRules)},
	})
	am, err := New(Options{URLs: stack.AlertmanagerURLs, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const ep = "/api/checkout"
	auditPath := filepath.Join(t.TempDir(), "audit.log")
	svc := NewSilenceService(SilenceServiceOptions{Alertmanager: am, Audit: query.NewAuditLog(auditPath), Writer: "tester@host",
		Peers: stack.AlertmanagerURLs, Timeout: 5 * time.Second, Protected: "prod"})
	policy := AckPolicy{Duration: 8 * time.Second, Max: 5 * time.Minute}

	stack.App.SetFault(ep, demo.Fault{ErrorRatio: 0.9})
	var alert query.Alert
	demotest.Eventually(t, 45*time.Second, "the alert in Alertmanager", func() (bool, string) {
		as, err := am.Alerts(ctx)
		if err != nil {
			return false, err.Error()
		}
		for _, a := range as {
			if a.Name == "AckCheckoutErrors" {
				alert = a
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d alerts, none AckCheckoutErrors", len(as))
	})

	// The ack, as the form makes it: the alert's labels, the ack duration,
	// the marker; confirmed with the context's name.
	end := time.Now().Add(policy.Duration).Truncate(time.Second)
	spec := query.SilenceSpec{Matchers: query.MatchersFromLabels(alert.Labels), EndsAt: end, CreatedBy: "alice",
		Comment: query.WithAckMarker("ack by alice", end)}
	r := svc.Write(ctx, SilenceRequest{Op: SilenceCreate, Spec: spec, Ack: true, Confirmed: "prod"})
	if r.Err != nil || !r.Verified {
		t.Fatalf("ack: %+v", r)
	}

	current := func() query.Silence {
		t.Helper()
		ss, err := am.Silences(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var found []query.Silence
		for _, s := range ss {
			if s.UntilResolved() && !s.Expired() {
				found = append(found, s)
			}
		}
		if len(found) != 1 {
			t.Fatalf("%d unexpired acks kept until resolved, want 1: %+v", len(found), found)
		}
		return found[0]
	}
	run := func(name string) (stop func() []AckDecision, k *AckKeeper) {
		k = NewAckKeeper(AckKeeperOptions{Service: svc, Policy: policy, Source: am, Interval: time.Second})
		kctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); _ = k.Run(kctx) }()
		return func() []AckDecision {
			cancel()
			select {
			case <-done:
			case <-time.After(time.Minute):
				// A write in flight is seen through first (ackWriteTimeout).
				t.Fatalf("keeper %s did not stop", name)
			}
			return k.Decisions()
		}, k
	}
	waitExtendedBeyond := func(what string, after time.Time) query.Silence {
		t.Helper()
		var s query.Silence
		demotest.Eventually(t, 20*time.Second, what, func() (bool, string) {
			s = current()
			return s.EndsAt.After(after.Add(time.Second)), fmt.Sprintf("ends %s", s.EndsAt)
		})
		return s
	}

	stop, _ := run("first")
	s := waitExtendedBeyond("the first keeper's extension", end)
	// Extended past its first end, and once more, while the alert fires.
	s = waitExtendedBeyond("a second extension", s.EndsAt)
	ds := stop()
	if _, kept, _ := query.ParseAckMarker(s.Comment); kept.Sub(s.EndsAt).Abs() > time.Second {
		t.Fatalf("the marker says kept to %s, the silence ends %s", kept, s.EndsAt)
	}
	if len(ds) != 1 || (ds[0].Action != AckWait && ds[0].Action != AckExtend) {
		t.Fatalf("first keeper's last decisions %+v", ds)
	}
	if !s.StartsAt.Before(end.Add(-policy.Duration / 2)) {
		t.Errorf("the silence restarted at %s: its start counts for ack_max", s.StartsAt)
	}

	// A keeper started afresh knows nothing but what Alertmanager holds.
	stopped := current()
	stop, second := run("second")
	s = waitExtendedBeyond("the restarted keeper's extension", stopped.EndsAt)

	stack.App.ClearFault(ep)
	demotest.Eventually(t, 45*time.Second, "the alert to resolve in Alertmanager", func() (bool, string) {
		as, err := am.Alerts(ctx)
		if err != nil {
			return false, err.Error()
		}
		for _, a := range as {
			if a.Name == "AckCheckoutErrors" {
				return false, "still " + string(a.State)
			}
		}
		return true, ""
	})
	resolvedAt := time.Now()
	// The keeper may have extended in the moment before it saw the alert
	// go: take the end after a round that saw it resolved.
	demotest.Eventually(t, 30*time.Second, "a keeper round that saw the alert resolved", func() (bool, string) {
		ds := second.Decisions()
		return len(ds) == 1 && ds[0].Action == AckResolved, fmt.Sprintf("decisions %+v", ds)
	})
	s = current()
	if !s.EndsAt.Before(resolvedAt.Add(policy.Duration + 2*time.Second)) {
		t.Fatalf("ends %s, more than the ack duration after the alert resolved at %s", s.EndsAt, resolvedAt)
	}
	demotest.Eventually(t, policy.Duration+10*time.Second, "the ack to expire on its own", func() (bool, string) {
		got, err := am.Silence(ctx, s.ID)
		if err != nil {
			return false, err.Error()
		}
		if !got.EndsAt.Equal(s.EndsAt) {
			t.Fatalf("extended after the alert resolved: ends %s, was %s", got.EndsAt, s.EndsAt)
		}
		return got.State == query.SilenceExpired, got.State
	})
	ds = stop()
	for _, d := range ds {
		if d.Action == AckExtend {
			t.Fatalf("the last round extended: %+v", d)
		}
	}

	// Every extend is in the audit log, as the keeper's, for alice.
	data, err := os.ReadFile(auditPath)
	if err != nil {
		t.Fatal(err)
	}
	entries, bad, err := query.ReadAudit(strings.NewReader(string(data)))
	if err != nil || len(bad) > 0 {
		t.Fatalf("audit: %v %v", err, bad)
	}
	var extends int
	for _, e := range entries {
		switch e.Action {
		case query.AuditAck:
			if e.User != "tester@host" {
				t.Errorf("the ack audited as %q", e.User)
			}
		case query.AuditExtend:
			extends++
			if e.User != "vigil (ack until resolved for alice)" || e.Result != query.AuditOK || !strings.Contains(e.Comment, "[until resolved, kept to ") {
				t.Errorf("extend audited as %+v", e)
			}
		}
	}
	if extends < 3 {
		t.Fatalf("%d extends audited, want at least 3:\n%s", extends, data)
	}
}

// TestIntegrationAckKeeperGuards, on a real Alertmanager with an alert that
// keeps firing: the keeper stops at silence.ack_max; an ack whose end a
// person changed is never extended again; one a person expired is
// dropped; a silence without the marker is never touched.
func TestIntegrationAckKeeperGuards(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 4}, Alertmanagers: 1})
	amURL := stack.AlertmanagerURLs[0]
	am, err := New(Options{URLs: stack.AlertmanagerURLs, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	svc := NewSilenceService(SilenceServiceOptions{Alertmanager: am, Writer: "tester@host", Timeout: 5 * time.Second})
	for _, n := range []string{"CapMe", "EditMe", "PlainMe"} {
		demotest.PostAlert(t, amURL, map[string]string{"alertname": n, "severity": "warning"}, nil)
	}
	ack := func(name string, d time.Duration, marked bool) string {
		t.Helper()
		end := time.Now().Add(d).Truncate(time.Second)
		comment := "ack by alice"
		if marked {
			comment = query.WithAckMarker(comment, end)
		}
		r := svc.Write(ctx, SilenceRequest{Op: SilenceCreate, Ack: true, Spec: query.SilenceSpec{
			Matchers: query.MatchersFromLabels(map[string]string{"alertname": name, "severity": "warning"}), EndsAt: end, CreatedBy: "alice", Comment: comment}})
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		return r.ID
	}
	get := func(id string) query.Silence {
		t.Helper()
		s, err := am.Silence(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	capID, editID, plainID := ack("CapMe", 4*time.Second, true), ack("EditMe", 4*time.Second, true), ack("PlainMe", 4*time.Second, false)
	// A person extends EditMe's ack by hand (the silences screen's e):
	// the marker no longer names its end.
	edited := get(editID)
	if r := svc.Write(ctx, SilenceRequest{Op: SilenceExtend, Silence: edited, NewEnd: edited.EndsAt.Add(3 * time.Second)}); r.Err != nil {
		t.Fatal(r.Err)
	}
	editEnd := get(editID).EndsAt
	plainEnd := get(plainID).EndsAt

	k := NewAckKeeper(AckKeeperOptions{Service: svc, Policy: AckPolicy{Duration: 4 * time.Second, Max: 9 * time.Second}, Source: am, Interval: 500 * time.Millisecond})
	kctx, cancel := context.WithTimeout(ctx, 14*time.Second)
	defer cancel()
	_ = k.Run(kctx)

	c := get(capID)
	if want := c.StartsAt.Add(9 * time.Second); c.EndsAt.Sub(want).Abs() > time.Second || c.State != query.SilenceExpired {
		t.Errorf("CapMe's ack ends %s (%s), want the cap %s and expired", c.EndsAt, c.State, want)
	}
	if e := get(editID); !e.EndsAt.Equal(editEnd) {
		t.Errorf("EditMe's ack, changed by a person, was extended to %s (was %s)", e.EndsAt, editEnd)
	}
	if p := get(plainID); !p.EndsAt.Equal(plainEnd) {
		t.Errorf("an unmarked silence was extended to %s", p.EndsAt)
	}

	// A person expires an ack after the keeper's poll read it: the extend
	// it decided on that read is not sent (the silence is read again
	// first), so the ack is not brought back; the next round leaves it out.
	live := ack("CapMe", 20*time.Second, true)
	k2 := NewAckKeeper(AckKeeperOptions{Service: svc, Policy: AckPolicy{Duration: time.Minute, Max: time.Hour}})
	stale, err := am.Silences(ctx)
	if err != nil {
		t.Fatal(err)
	}
	as, err := am.Alerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r := svc.Write(ctx, SilenceRequest{Op: SilenceExpire, Silence: get(live)}); r.Err != nil {
		t.Fatal(r.Err)
	}
	ds, err := k2.Tick(ctx, time.Now(), as, nil, stale, nil)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range ds {
		if d.Silence.ID == live {
			found = true
			if d.Action != AckChanged || d.Err != nil {
				t.Errorf("the stale round: %s %v", d.Action, d.Err)
			}
		}
	}
	if !found {
		t.Fatal("the stale round did not see the ack")
	}
	fresh, err := am.Silences(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range fresh {
		if !s.Expired() && s.UntilResolved() {
			t.Errorf("an expired ack came back as %s, ending %s", s.ID, s.EndsAt)
		}
	}
	if ds, err = k2.Tick(ctx, time.Now(), as, nil, fresh, nil); err != nil || len(ds) != 0 {
		t.Errorf("after expiry the round decided %+v %v", ds, err)
	}
}
