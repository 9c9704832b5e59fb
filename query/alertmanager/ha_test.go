package alertmanager_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
)

// An HA pair of real Alertmanagers, clustered on loopback by the demo
// launcher: a silence made through one peer reaches the other by gossip,
// and with one peer dead vigil keeps working through the other.
func TestAlertmanagerHA(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{Alertmanagers: 2})
	if len(stack.AlertmanagerURLs) != 2 {
		t.Fatalf("stack runs %d alertmanagers", len(stack.AlertmanagerURLs))
	}
	u0, u1 := stack.AlertmanagerURLs[0], stack.AlertmanagerURLs[1]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// Prometheus sends every alert to every peer; so does the test.
	alert := []map[string]any{{"labels": map[string]string{"alertname": "VigilHA", "severity": "critical", "path": "/checkout"}}}
	for _, u := range stack.AlertmanagerURLs {
		demotest.PostJSON(t, u+"/api/v2/alerts", alert)
	}

	newAM := func(timeout time.Duration, urls ...string) *alertmanager.Client {
		a, err := alertmanager.New(alertmanager.Options{URLs: urls, Timeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	c0, c1 := newAM(3*time.Second, u0), newAM(3*time.Second, u1)
	both := newAM(2*time.Second, u0, u1)

	matchers, err := query.ParseMatchers(`VigilHA path="/checkout"`)
	if err != nil {
		t.Fatal(err)
	}
	spec := query.SilenceSpec{Matchers: matchers, EndsAt: time.Now().Add(time.Hour), CreatedBy: "vigil-test", Comment: "ha: made on peer 0"}
	id, err := c0.CreateSilence(ctx, spec)
	if err != nil {
		t.Fatalf("CreateSilence on peer 0: %v", err)
	}
	demotest.EventuallyTrue(t, 20*time.Second, "the silence gossiped to peer 1", func() bool {
		s, err := c1.Silence(ctx, id)
		return err == nil && s.State == query.SilenceActive
	})
	demotest.EventuallyTrue(t, 10*time.Second, "peer 1 silencing the alert", func() bool {
		alerts, err := c1.Alerts(ctx)
		if err != nil {
			return false
		}
		for _, a := range alerts {
			if a.Name == "VigilHA" {
				return a.State == query.StateSilenced && len(a.SilencedBy) == 1 && a.SilencedBy[0] == id
			}
		}
		return false
	})

	if err := stack.StopAlertmanager(0); err != nil {
		t.Fatalf("stopping peer 0: %v", err)
	}

	alerts, err := both.Alerts(ctx)
	if err != nil {
		t.Fatalf("Alerts with peer 0 down: %v", err)
	}
	found := false
	for _, a := range alerts {
		found = found || (a.Name == "VigilHA" && a.State == query.StateSilenced)
	}
	if !found {
		t.Errorf("VigilHA not listed as silenced through peer 1: %+v", alerts)
	}
	ps := both.Peers()
	if ps[0].URL != u0 || ps[0].Healthy || ps[0].Err == "" || !ps[1].Healthy {
		t.Errorf("peers after peer 0 died: %+v", ps)
	}

	spec2 := spec
	spec2.Comment = "ha: made with peer 0 down"
	id2, err := both.CreateSilence(ctx, spec2)
	if err != nil {
		t.Fatalf("CreateSilence with peer 0 down: %v", err)
	}
	if s, err := c1.Silence(ctx, id2); err != nil || s.State != query.SilenceActive {
		t.Errorf("silence on peer 1: %+v %v", s, err)
	}
	if n := haCountSilences(t, u1, spec2.Comment); n != 1 {
		t.Errorf("peer 1 holds %d silences %q, want 1", n, spec2.Comment)
	}
	for _, sid := range []string{id2, id} {
		if err := both.ExpireSilence(ctx, sid); err != nil {
			t.Errorf("ExpireSilence(%s) with peer 0 down: %v", sid, err)
		}
		if s, err := c1.Silence(ctx, sid); err != nil || s.State != query.SilenceExpired {
			t.Errorf("silence %s after expiry: %+v %v", sid, s, err)
		}
	}
	ps = both.CheckPeers(ctx)
	if ps[0].Healthy || !ps[1].Healthy {
		t.Errorf("CheckPeers: %+v", ps)
	}
	t.Logf("peers: %+v", ps)
}

func haCountSilences(t *testing.T, baseURL, comment string) int {
	t.Helper()
	hc := &http.Client{Timeout: 10 * time.Second}
	resp, err := hc.Get(baseURL + "/api/v2/silences")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ss []struct {
		Comment string `json:"comment"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ss); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range ss {
		if s.Comment == comment {
			n++
		}
	}
	return n
}
