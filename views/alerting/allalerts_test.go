package alerting

import (
	"errors"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
	"github.com/vigilterm/vigil/views/viewstest"
)

func clusterAlert(name, sev string, st query.AlertState, on, of int, labels ...string) alertmanager.ClusterAlert {
	ls := map[string]string{"alertname": name, "severity": sev}
	for i := 0; i+1 < len(labels); i += 2 {
		ls[labels[i]] = labels[i+1]
	}
	return alertmanager.ClusterAlert{Alert: query.Alert{Name: name, Severity: sev, State: st, Labels: ls,
		Annotations: map[string]string{"summary": name + " summary"}}, On: on, Of: of}
}

// The alerts of three contexts in one list: tagged with the context, firing
// and critical first, each once with the peers that hold it; a context
// that failed is named with why, never counted as quiet; the filter takes
// context="…"; enter asks for the alert in its context.
func TestAllAlertsTaggedSortedAndUnknownNamed(t *testing.T) {
	ctx := viewstest.Context(t, "dark")
	a := NewAllAlerts(ctx, []string{"eu", "us", "staging"})
	a.SetSize(100, 20)
	if v := ansi.Strip(a.View()); !strings.Contains(v, "eu      ? not read yet") || !strings.Contains(v, "reading the alerts of every context") {
		t.Fatalf("before any answer:\n%s", v)
	}
	a.Update(ContextAlertsMsg{Index: 0, At: viewstest.FixedNow, Alerts: alertmanager.ClusterAlerts{Peers: 2, Alerts: []alertmanager.ClusterAlert{
		clusterAlert("SlowCheckout", "warning", query.StateFiring, 2, 2),
		clusterAlert("DiskFull", "critical", query.StateSilenced, 1, 2, "path", "\x1b[31m/evil"),
	}}})
	// Without a summary the row shows its labels, the hostile one among them.
	delete(a.contexts[0].answer.Alerts.Alerts[1].Annotations, "summary")
	a.rebuild()
	a.Update(ContextAlertsMsg{Index: 1, At: viewstest.FixedNow, Alerts: alertmanager.ClusterAlerts{Peers: 2,
		Failed: []error{errors.New("am-1: connection refused")},
		Alerts: []alertmanager.ClusterAlert{clusterAlert("HighErrors", "critical", query.StateFiring, 1, 1)}}})
	a.Update(ContextAlertsMsg{Index: 2, At: viewstest.FixedNow, Err: errors.New("prometheus staging: connection refused")})
	v := ansi.Strip(a.View())
	t.Logf("\n%s", v)
	if got := strings.Join(a.Rows(), ","); got != "us HighErrors,eu SlowCheckout,eu DiskFull" {
		t.Errorf("order %s", got)
	}
	for _, want := range []string{
		"eu      ● 1 firing, 1 silenced · 2/2 peers answered",
		"us      ● 1 firing · 1/2 peers answered (am-1: connection refused)",
		"staging ✕ alerts unknown: prometheus staging: connection refused",
		"HighErrors                1/2?", "DiskFull                  1/2!", "SlowCheckout              2/2 ",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("missing %q", want)
		}
	}
	if strings.Contains(a.View(), "\x1b[31m/evil") || !strings.Contains(rowWith(v, "DiskFull"), "/evil") {
		t.Errorf("a hostile label reached the screen raw, or is not shown:\n%s", v)
	}

	// The filter by context.
	a.Update(viewstest.Key("/"))
	for _, r := range `context="eu"` {
		a.Update(viewstest.Key(string(r)))
	}
	a.Update(viewstest.Key("enter"))
	if got := strings.Join(a.Rows(), ","); got != "eu SlowCheckout,eu DiskFull" {
		t.Errorf("filtered %s", got)
	}
	cmd := a.Update(viewstest.Key("enter"))
	if cmd == nil {
		t.Fatal("enter asked for nothing")
	}
	open, ok := cmd().(OpenContextAlertMsg)
	if !ok || open.Index != 0 || open.Key != clusterAlert("SlowCheckout", "warning", query.StateFiring, 2, 2).Key() {
		t.Errorf("enter asked %+v", open)
	}

	// Every context failed: the list says unknown, never "no alerts".
	b := NewAllAlerts(ctx, []string{"eu", "us"})
	b.Update(ContextAlertsMsg{Index: 0, Err: errors.New("refused")})
	b.Update(ContextAlertsMsg{Index: 1, Err: errors.New("refused")})
	if v := ansi.Strip(b.View()); !strings.Contains(v, "no context answered: alerts unknown") {
		t.Errorf("all failed:\n%s", v)
	}
	// A tiny terminal draws without panicking.
	a.SetSize(20, 5)
	if v := a.View(); len(strings.Split(v, "\n")) > 5 {
		t.Errorf("20x5 drew %d lines", len(strings.Split(v, "\n")))
	}
}

func rowWith(screen, s string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}
