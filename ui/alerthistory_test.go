package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
)

// Opening an alert asks for its history; without a Prometheus source the
// detail says the history is unknown and why, never "fired 0×".
func TestAlertDetailHistoryWithoutPrometheus(t *testing.T) {
	m, _ := newModel(t, &scripted{ov: sample()})
	al := query.Alert{Name: "HighErrorRate", State: query.StateFiring, ActiveAt: time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC),
		Labels: map[string]string{"alertname": "HighErrorRate", "path": "/api/checkout"}}
	partOf[*alertsPart](m).screen.Update(views.AlertsMsg{Alerts: []query.Alert{al}})
	_, cmd := m.Update(keyMsg("2"))
	run(m, cmd)
	_, cmd = m.Update(keyMsg("enter"))
	run(m, cmd)
	s := screen(m)
	if !strings.Contains(s, "history unknown: needs a Prometheus source") || strings.Contains(s, "fired 0") {
		t.Errorf("alert detail history:\n%s", s)
	}
}
