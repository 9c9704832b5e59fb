package query

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/prometheus/common/model"
)

// FiringCountExpr is the one query of Prometheus's own firing alerts.
const FiringCountExpr = `count(ALERTS{alertstate="firing"}) or vector(0)`

// FiringCount counts Prometheus's own firing alerts with one instant query,
// for a context without an Alertmanager.
func (p *Prometheus) FiringCount(ctx context.Context) (int, error) {
	if e, err := p.DetectEngine(ctx); err == nil && !e.EvaluatesRules() {
		// Its ALERTS would read 0 whatever fires: unknown, not none.
		return 0, &NoRulesError{Engine: e}
	}
	v, _, err := p.Query(ctx, FiringCountExpr, time.Time{})
	if err != nil {
		return 0, err
	}
	vec, ok := v.(model.Vector)
	if !ok || len(vec) != 1 {
		return 0, fmt.Errorf("prometheus %s: %s: unexpected answer %s", p.url, FiringCountExpr, v)
	}
	f := float64(vec[0].Value)
	if math.IsNaN(f) || f < 0 || f > math.MaxInt32 {
		return 0, fmt.Errorf("prometheus %s: %s: unexpected value %v", p.url, FiringCountExpr, f)
	}
	return int(f), nil
}

// CountFiring is a context's firing count, wherever it is shown (its
// header, its tab, the list of all contexts): the alerts in state firing
// of the list its Alerts screen shows, MergeAlerts of Alertmanager's and
// Prometheus's. A firing alert only Prometheus has (not delivered, or sent
// to no Alertmanager of the context) counts: it fires.
func CountFiring(alerts []Alert) int {
	n := 0
	for _, a := range alerts {
		if a.State == StateFiring {
			n++
		}
	}
	return n
}
