package ui

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
)

// routingAM is a countingAM that also serves a routing, and records
// whether each read of it was forced.
type routingAM struct {
	countingAM
	r      *alertmanager.Routing
	mu     sync.Mutex
	forced []bool
}

func (a *routingAM) Routing(_ context.Context, force bool) (*alertmanager.Routing, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.forced = append(a.forced, force)
	return a.r, nil
}

func (a *routingAM) reads() []bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]bool(nil), a.forced...)
}

// The alerts refresh hands the routing to the screens; a refresh asked for
// with r reads Alertmanager's configuration again, a timed one does not.
func TestAlertsRefreshCarriesRouting(t *testing.T) {
	r, err := alertmanager.ParseRouting("route:\n  receiver: pager\nreceivers:\n  - name: pager\n")
	if err != nil {
		t.Fatal(err)
	}
	am := &routingAM{r: r, countingAM: countingAM{alerts: []query.Alert{{
		Name: "HighErrorRate", Severity: "critical", State: query.StateFiring, Source: query.SourceAlertmanager,
		Labels: map[string]string{"alertname": "HighErrorRate", "severity": "critical"},
	}}}}
	m, _ := newModel(t, &scripted{ov: sample()}, func(o *Options) { o.Alertmanager = am })
	drain(m, partOf[*alertsPart](m).refresh())
	amPress(m, "2", "enter")
	if s := screen(m); !strings.Contains(s, "pages") || !strings.Contains(s, "pager (route: default → pager)") {
		t.Fatalf("the detail does not say who the alert pages:\n%s", s)
	}
	if got := am.reads(); len(got) != 1 || got[0] {
		t.Fatalf("routing reads %v, want one unforced", got)
	}
	amPress(m, "r")
	if got := am.reads(); len(got) != 2 || !got[1] {
		t.Errorf("routing reads after r: %v, want the second forced", got)
	}
}

// A source that cannot read the configuration makes it unknown, with why.
func TestAlertsRefreshRoutingUnknown(t *testing.T) {
	m, _ := alertsModel(t)
	amPress(m, "enter")
	if s := screen(m); !strings.Contains(s, "receivers unknown: this Alertmanager source cannot read the") {
		t.Errorf("no unknown routing on the detail:\n%s", s)
	}
}
