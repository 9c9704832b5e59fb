package grafana

import (
	"context"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// asked keeps the expressions a variable's query_result() sends: the
// test is of the interpolation, not of Prometheus.
type asked struct{ exprs []string }

func (a *asked) Query(_ context.Context, expr string, _ time.Time) (model.Value, v1.Warnings, error) {
	a.exprs = append(a.exprs, expr)
	return model.Vector{}, nil, nil
}

func (a *asked) QueryRange(_ context.Context, expr string, _ v1.Range) (model.Value, v1.Warnings, error) {
	a.exprs = append(a.exprs, expr)
	return model.Matrix{}, nil, nil
}

func (a *asked) LabelValues(context.Context, string, []string, time.Time, time.Time) ([]string, error) {
	return nil, nil
}

// A variable's query sees $__rate_interval of the scrape interval given,
// as the panels do; Grafana's assumed 15s only when it is unknown.
func TestResolveRateIntervalOfTheScrape(t *testing.T) {
	d := &Dashboard{Variables: []Variable{{Name: "busy", Type: VarQuery,
		Query: `query_result(topk(5, sum by (path) (rate(flask_http_request_total[$__rate_interval]))))`}}}
	for _, c := range []struct {
		scrape time.Duration
		want   string
	}{
		{time.Second, "[4s]"},
		{0, "[1m]"},
	} {
		a := &asked{}
		Resolve(context.Background(), a, d, nil, time.Minute, time.Now(), c.scrape)
		if len(a.exprs) != 1 || !strings.Contains(a.exprs[0], c.want) {
			t.Errorf("scrape %s: asked %q, want a range of %s", c.scrape, a.exprs, c.want)
		}
	}
}
