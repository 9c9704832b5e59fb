package status

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/viewstest"
)

func statusView(t *testing.T, s *Screen) string {
	t.Helper()
	v := ansi.Strip(s.View())
	for i, l := range strings.Split(v, "\n") {
		if w := ansi.StringWidth(l); w > s.width {
			t.Errorf("line %d is %d wide, more than %d: %q", i, w, s.width, l)
		}
	}
	return v
}

// What the Status screen cannot know reads as unknown with the reason:
// recent failures before a second reading, an unreachable peer, no
// Alertmanager; hostile text from a server is neutralised.
func TestStatusScreenUnknownsAndFailures(t *testing.T) {
	ctx := viewstest.Context(t, "dark")
	ctx.Settings.Watchdog = "Watchdog"
	s := New(ctx)
	s.SetSize(80, 21)
	if v := statusView(t, s); !strings.Contains(v, "reading the status") {
		t.Errorf("before any answer:\n%s", v)
	}

	var h alertmanager.DeliveryHistory
	h.Add(viewstest.FixedNow.Add(-time.Minute), []alertmanager.PeerNotify{{URL: "http://am-0:9093", Counts: map[string]alertmanager.NotifyCount{"webhook": {Sent: 4, Failed: 1}}}})
	msg := Msg{
		Alertmanager: []alertmanager.AMPeerStatus{
			{URL: "http://am-0:9093", Version: "0.25.0\x1b[2J", ClusterStatus: "ready", ConfigHash: "0123456789ab", Started: viewstest.FixedNow.Add(-3 * time.Hour),
				Members: []alertmanager.ClusterMember{{Name: "01A", Address: "10.0.0.1:9094"}, {Name: "01B", Address: "10.0.0.2:9094"}}},
			{URL: "http://am-1:9093", Err: errors.New("am-1: status: connection refused")},
		},
		Delivery:      h.Report(),
		PrometheusURL: "http://prom:9090", PrometheusErr: errors.New("prom: buildinfo: 404 page not found"),
	}
	s.Update(msg)
	v := statusView(t, s)
	for _, want := range []string{"1 of 2 peers answer · cluster ready", "am-1:9093 unreachable: am-1: status: connection refused",
		"0.25.0�", "3h", "0123456789ab", "cluster members as am-0:9093 sees them: 2",
		"FAILED/5m", "webhook", "unknown until a second reading", "Watchdog: not read yet", "version unknown: prom: buildinfo: 404"} {
		if !strings.Contains(v, want) {
			t.Errorf("missing %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "split") {
		t.Errorf("one peer answering is no split:\n%s", v)
	}
	if strings.Contains(v, "\x1b") {
		t.Errorf("raw escape reached the view")
	}
	if DeliveryAlarm(msg.Delivery) != "" {
		t.Errorf("an alarm from one reading: %q", DeliveryAlarm(msg.Delivery))
	}

	// A second reading, failures rose: the row is marked and the header
	// alarm names the integration and the span so far.
	h.Add(viewstest.FixedNow, []alertmanager.PeerNotify{{URL: "http://am-0:9093", Counts: map[string]alertmanager.NotifyCount{"webhook": {Sent: 9, Failed: 13}}}})
	msg.Delivery = h.Report()
	s.Update(msg)
	v = statusView(t, s)
	if !strings.Contains(v, "✕ webhook") || !strings.Contains(v, "FAILED/1m") || !strings.Contains(v, "read for 1m so far") {
		t.Errorf("failing webhook:\n%s", v)
	}
	if got, want := DeliveryAlarm(msg.Delivery), "notify ✕ webhook 12 failed/1m"; got != want {
		t.Errorf("alarm %q, want %q", got, want)
	}

	// The watchdog, as the alerts refresh sees it.
	s.Update(views.AlertsMsg{Watchdog: query.WatchdogState{Name: "Watchdog", Known: true}})
	if v = statusView(t, s); !strings.Contains(v, "✕ watchdog Watchdog not firing: alerting pipeline broken") {
		t.Errorf("watchdog absent:\n%s", v)
	}
	s.Update(views.AlertsMsg{Watchdog: query.WatchdogState{Name: "Watchdog", Known: true, Firing: true}})
	if v = statusView(t, s); !strings.Contains(v, "● Watchdog firing") {
		t.Errorf("watchdog firing:\n%s", v)
	}
	if got := WatchdogAlarm(query.WatchdogState{Name: "Watchdog", Reason: "connection refused"}); !strings.Contains(got, "unknown: connection refused") {
		t.Errorf("unknown watchdog: %q", got)
	}

	// Small and scrolled: no panic, nothing wider than the screen.
	s.SetSize(20, 5)
	statusView(t, s)
	s.Update(tea.KeyPressMsg{Code: 'G', Text: "G"})
	if v = statusView(t, s); !strings.Contains(v, "lines") {
		t.Errorf("no scroll note at 20x5:\n%s", v)
	}

	// Two peers answer, one sees only itself: a split cluster.
	split := New(ctx)
	split.SetSize(100, 21)
	split.Update(Msg{Alertmanager: []alertmanager.AMPeerStatus{
		{URL: "http://am-0:9093", Version: "0.25.0", ClusterStatus: "ready", Members: []alertmanager.ClusterMember{{Name: "a"}, {Name: "b"}}},
		{URL: "http://am-1:9093", Version: "0.25.0", ClusterStatus: "ready", Members: []alertmanager.ClusterMember{{Name: "b"}}},
	}})
	if v = statusView(t, split); !strings.Contains(v, "✕ am-1:9093 sees 1 of 2 answering peers: split cluster") || strings.Contains(v, "am-0:9093 sees 2 of") {
		t.Errorf("split cluster:\n%s", v)
	}

	// No Alertmanager.
	s = New(ctx)
	s.Update(Msg{NoAlertmanager: true, NoPrometheus: true})
	if v = statusView(t, s); !strings.Contains(v, "Alertmanager not configured") || !strings.Contains(v, "unknown, Alertmanager not configured") {
		t.Errorf("no Alertmanager:\n%s", v)
	}
}
