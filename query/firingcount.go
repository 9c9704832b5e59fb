package query

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/prometheus/alertmanager/api/v2/client/alert"
	"github.com/prometheus/common/model"
)

// FiringCount counts the alerts Alertmanager sends notifications for: one
// GET /api/v2/alerts?active=true&silenced=false&inhibited=false on the
// first healthy peer. It is the cheap question a console asks of the
// contexts it does not show.
func (a *Alertmanager) FiringCount(ctx context.Context) (int, error) {
	n := 0
	err := a.read(ctx, "count alerts", func(ctx context.Context, p *amPeer) error {
		t, f := true, false
		params := alert.NewGetAlertsParamsWithContext(ctx).WithTimeout(a.timeout).
			WithActive(&t).WithSilenced(&f).WithInhibited(&f)
		res, err := p.api.Alert.GetAlerts(params)
		if err != nil {
			return err
		}
		n = 0
		for _, g := range res.Payload {
			if g != nil {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

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
