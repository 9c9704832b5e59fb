package alerting

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/viewstest"
)

func TestVaryingLabelsFirst(t *testing.T) {
	sets := []map[string]string{
		{"job": "flask", "instance": "a:1", "db": "orders"},
		{"job": "flask", "instance": "a:1", "db": "users"},
		{}, // an alert without those labels (the Watchdog)
	}
	got := varyingFirst([]string{"job", "instance", "db"}, varyingLabels(sets, false))
	if want := []string{"db", "job", "instance"}; !slices.Equal(got, want) {
		t.Errorf("alerts: %v, want %v", got, want)
	}
	got = varyingFirst([]string{"job", "instance", "db"}, varyingLabels(sets, true))
	if want := []string{"job", "instance", "db"}; !slices.Equal(got, want) {
		t.Errorf("matchers, missing differs: %v, want %v", got, want)
	}
}

// An alert among four of its name is named with the labels that tell it
// from them; the only one of its name by its name.
func TestAlertWhich(t *testing.T) {
	mk := func(name, method, status string) query.Alert {
		return query.Alert{Name: name, Labels: map[string]string{"alertname": name, "job": "flask", "method": method, "status": status}}
	}
	all := []query.Alert{mk("HighErrorRate", "GET", "503"), mk("HighErrorRate", "POST", "500"),
		mk("HighErrorRate", "GET", "500"), mk("HighErrorRate", "PUT", "502"), mk("Watchdog", "", "")}
	if got, want := AlertWhich(all[1], all), `HighErrorRate{method="POST",status="500"}`; got != want {
		t.Errorf("AlertWhich = %q, want %q", got, want)
	}
	if got := AlertWhich(all[4], all); got != "Watchdog" {
		t.Errorf("the only alert of its name: %q", got)
	}
}

// Two rows of one alert name tell apart at 80 columns: the label that
// differs between them (ruleset) comes first on each, before labels that
// differ only across other alerts (method).
func TestAlertRowsOfOneNameTellApart(t *testing.T) {
	a := NewAlerts(viewstest.Context(t, "dark"))
	a.SetSize(80, 20)
	mk := func(name string, ls map[string]string) query.Alert {
		ls["alertname"] = name
		return query.Alert{Name: name, Severity: "warning", State: query.StateFiring, Source: query.SourceAlertmanager, Labels: ls, Fingerprint: name + ls["ruleset"] + ls["method"]}
	}
	a.Update(views.AlertsMsg{At: viewstest.FixedNow, NoAlertmanager: true, Alerts: []query.Alert{
		mk("SlowAPIResponses", map[string]string{"method": "GET", "ruleset": "reference", "severity": "warning", "path": "/api/search", "job": "flask"}),
		mk("SlowAPIResponses", map[string]string{"ruleset": "corrected", "severity": "warning", "job": "flask"}),
		mk("HighErrorRate", map[string]string{"method": "POST", "ruleset": "reference", "severity": "critical", "path": "/api/checkout", "job": "flask"}),
	}})
	out := ansi.Strip(a.View())
	var rows []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "SlowAPIResponses") {
			rows = append(rows, l)
		}
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows of SlowAPIResponses:\n%s", len(rows), out)
	}
	for _, r := range rows {
		if !strings.Contains(r, "ruleset=reference") && !strings.Contains(r, "ruleset=corrected") {
			t.Errorf("a row without its ruleset (the label that tells the two apart):\n%s", r)
		}
	}
}
