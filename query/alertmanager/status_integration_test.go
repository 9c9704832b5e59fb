package alertmanager_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query/alertmanager"
)

// A real Alertmanager 0.25 posting to a receiver that answers 500: the
// failures are read from its own /metrics and counted as the increase
// between readings. Before a second reading, the recent failures are
// unknown, not 0.
func TestIntegrationDeliveryFailuresFromA500Sink(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{Alertmanagers: 1, AlertmanagerConfig: demo.BrokenReceiverConfig})
	am, err := alertmanager.New(alertmanager.Options{URLs: stack.AlertmanagerURLs, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var h alertmanager.DeliveryHistory
	first := am.NotifyMetrics(ctx)
	if first[0].Err != nil {
		t.Fatalf("reading /metrics: %v", first[0].Err)
	}
	h.Add(time.Now(), first)
	rep := h.Report()
	if !rep.Read || rep.RecentKnown {
		t.Fatalf("after one reading: Read %v RecentKnown %v, want the recent failures unknown", rep.Read, rep.RecentKnown)
	}
	if rep.Idle == 0 {
		t.Errorf("Alertmanager 0.25 exports every integration at 0: want idle ones counted, got %+v", rep)
	}

	posted := time.Now()
	demotest.PostAlert(t, stack.AlertmanagerURLs[0], map[string]string{"alertname": "VigilDelivery", "severity": "critical"}, nil)
	var webhook alertmanager.DeliveryRow
	// A reading a second, as the console's refresh takes them.
	demotest.EventuallyEvery(t, 90*time.Second, time.Second, "a failed webhook delivery counted", func() (bool, string) {
		h.Add(time.Now(), am.NotifyMetrics(ctx))
		rep = h.Report()
		for _, r := range rep.Failing() {
			if r.Integration == "webhook" {
				webhook = r
				return true, ""
			}
		}
		return false, "report " + debugReport(rep)
	})
	t.Logf("first failed delivery counted %s after the alert was posted (sink refused %d posts)", time.Since(posted).Round(100*time.Millisecond), stack.Sink.Refused())
	if stack.Sink.Refused() == 0 {
		t.Fatalf("the sink refused nothing, yet %v failures were counted", webhook.Recent)
	}
	// Every failure happened after the first reading, taken at 0.
	if webhook.Recent != webhook.Failed || webhook.Failed < 1 || webhook.Sent < webhook.Failed {
		t.Errorf("webhook: sent %v failed %v recent %v: want recent = failed ≥ 1 and sent ≥ failed", webhook.Sent, webhook.Failed, webhook.Recent)
	}
	if rep.Full || rep.Span <= 0 || rep.Span > 2*time.Minute {
		t.Errorf("span %v full %v: want a span of the readings so far, not a full 5m", rep.Span, rep.Full)
	}
}

func debugReport(r alertmanager.DeliveryReport) string {
	s := ""
	for _, row := range r.Rows {
		s += row.Integration + " "
	}
	if len(r.Errs) > 0 {
		s += "errs " + r.Errs[0].Error()
	}
	return s
}

// The status of each peer of a real clustered pair: version, cluster state,
// members, the same short configuration hash; a stopped peer is named with
// its reason.
func TestIntegrationStatusOfAClusterPair(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{Alertmanagers: 2})
	am, err := alertmanager.New(alertmanager.Options{URLs: stack.AlertmanagerURLs, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sts := am.Statuses(ctx)
	if len(sts) != 2 {
		t.Fatalf("%d statuses", len(sts))
	}
	hash := regexp.MustCompile(`^[0-9a-f]{12}$`)
	for i, st := range sts {
		if st.Err != nil {
			t.Fatalf("peer %d: %v", i, st.Err)
		}
		if st.Version != "0.25.0" || st.ClusterStatus != "ready" || len(st.Members) != 2 || !hash.MatchString(st.ConfigHash) {
			t.Errorf("peer %d: %+v: want version 0.25.0, cluster ready with 2 members, a 12-digit hash", i, st)
		}
		if age := time.Since(st.Started); age < 0 || age > 2*time.Minute {
			t.Errorf("peer %d started %v ago", i, age)
		}
	}
	if sts[0].ConfigHash != sts[1].ConfigHash {
		t.Errorf("the peers run one configuration, hashes %s and %s", sts[0].ConfigHash, sts[1].ConfigHash)
	}

	if err := stack.StopAlertmanager(1); err != nil {
		t.Fatal(err)
	}
	demotest.Eventually(t, 30*time.Second, "peer 0 seeing one member, peer 1 failing", func() (bool, string) {
		sts = am.Statuses(ctx)
		ok := sts[0].Err == nil && len(sts[0].Members) == 1 && sts[1].Err != nil
		return ok, debugStatuses(sts)
	})
	if got := sts[1].Err.Error(); !regexp.MustCompile(`connection refused`).MatchString(got) {
		t.Errorf("stopped peer's error %q does not say why", got)
	}
}

func debugStatuses(sts []alertmanager.AMPeerStatus) string {
	s := ""
	for _, st := range sts {
		s += st.URL + " " + st.ClusterStatus
		if st.Err != nil {
			s += " " + st.Err.Error()
		}
		s += "; "
	}
	return s
}
