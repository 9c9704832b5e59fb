package ui

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/keys"
)

// sentQuerier counts the queries that reach Prometheus through it.
type sentQuerier struct {
	q    query.Querier
	sent *atomic.Int64
}

func (s sentQuerier) Query(ctx context.Context, expr string, at time.Time) (model.Value, v1.Warnings, error) {
	s.sent.Add(1)
	return s.q.Query(ctx, expr, at)
}

func (s sentQuerier) QueryRange(ctx context.Context, expr string, r v1.Range) (model.Value, v1.Warnings, error) {
	s.sent.Add(1)
	return s.q.QueryRange(ctx, expr, r)
}

// Two contexts of one console on the same Prometheus, showing the same
// panels at the same time, ask Prometheus once: the second context's
// panels come from the console's cache, with the same figures. A context
// on that Prometheus with other connection settings (another tenant's
// header) asks on its own, as does a console with no cache.
func TestIntegrationCacheSharedAcrossContexts(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 5}})
	prom, err := query.NewPrometheus(query.PrometheusOptions{URL: stack.PrometheusURL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prom.Close)
	th, _ := themes.Get("mono")
	// The clock runs until a first console has seen the panels with data;
	// then it stops, and every console after asks at its time: the panels'
	// instant queries at its second, their graphs ending at their step
	// before it.
	var stopped atomic.Pointer[time.Time]
	now := func() time.Time {
		if at := stopped.Load(); at != nil {
			return *at
		}
		return time.Now()
	}
	cache := query.NewCache(now)

	// panels builds the console of context name, shows its panels and
	// returns them with the queries it sent.
	panels := func(name string, c *query.Cache, header string) ([]query.PanelResult, int64) {
		t.Helper()
		cfg, err := vigil.Parse(uncommentedPanels(t), "test.toml")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Context = name
		cfg.Prometheus.URL = stack.PrometheusURL
		if header != "" {
			cfg.Prometheus.HTTP.HTTPHeaders = map[string]vigil.HTTPHeader{"X-Scope-OrgID": {Values: []string{header}}}
		}
		cfg.Metrics.Selector = `job="flask"`
		cfg.UI.Window = vigil.Window{Fixed: vigil.Duration(30 * time.Second)}
		ctx := &views.Context{Styles: th.Styles(), Keys: keys.New(false), Now: now}
		o := Options{Context: ctx, Config: &cfg, Cache: c}
		o.PrometheusSources(prom)
		sent := &atomic.Int64{}
		o.Querier = sentQuerier{q: o.Querier, sent: sent}
		o.Discover = nil // the configured panels only
		m := New(o)
		m.Update(tea.WindowSizeMsg{Width: 160, Height: 60})
		_, cmd := m.Update(keyMsg("4"))
		run(m, cmd)
		var res []query.PanelResult
		demotest.EventuallyEvery(t, 60*time.Second, time.Second, name+": the configured panels with data", func() (bool, string) {
			run(m, panelsOf(m).start())
			res = panelsOf(m).screen.Results()
			for _, r := range res {
				if r.Err != nil {
					return false, r.Err.Error()
				}
			}
			return len(res) == 3 && len(res[0].Rows) > 0 && hasData(res[1]) && hasData(res[2]), fmt.Sprintf("%d results", len(res))
		})
		return res, sent.Load()
	}

	panels("warm-up", nil, "")
	at := time.Now()
	stopped.Store(&at)
	first, sentFirst := panels("prod", cache, "")
	if sentFirst < 3 {
		t.Fatalf("the first context sent %d queries for 3 panels", sentFirst)
	}
	saved := cache.Saved()
	second, sentSecond := panels("prod-again", cache, "")
	if sentSecond != 0 {
		t.Errorf("the second context on the same Prometheus sent %d queries, want 0: its panels are the first's", sentSecond)
	}
	if cache.Saved()-saved < 3 {
		t.Errorf("the cache answered %d queries of the second context, want at least 3", cache.Saved()-saved)
	}
	if fmt.Sprint(first[0].Rows) != fmt.Sprint(second[0].Rows) || fmt.Sprint(first[1].Range) != fmt.Sprint(second[1].Range) {
		t.Errorf("the same panels differ:\n%v\n%v", first[0].Rows, second[0].Rows)
	}
	if _, n := panels("tenant-b", cache, "tenant-b"); n < 3 {
		t.Errorf("a context with another tenant's header sent %d queries, want its own (at least 3)", n)
	}
	if _, n := panels("no-cache", nil, ""); n < 3 {
		t.Errorf("a console without a cache sent %d queries, want its own (at least 3)", n)
	}
}
