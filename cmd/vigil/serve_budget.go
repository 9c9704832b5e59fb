package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/query"
)

// The budget of the PromQL prompt's ad-hoc queries in vigil serve, per
// person (a key's name, however many sessions): at most promptMaxRunning
// at once, at most promptBurst in a row and promptPerMinute a minute
// after that, each evaluated by Prometheus for at most promptTimeout (its
// timeout parameter). All people together run at most promptMaxRunningAll
// at once, so that the prompt never takes more of Prometheus than the
// consoles' own refreshes leave. Before it is sent, a query's cost is
// estimated (query.EstimateCost), and one above serve.prompt_max_series_steps
// is not sent.
const (
	promptMaxRunning    = 2
	promptMaxRunningAll = 2
	promptBurst         = 4
	promptPerMinute     = 12
	promptTimeout       = 10 * time.Second
)

// promptBudget admits the prompt's queries of everyone.
type promptBudget struct {
	mu      sync.Mutex
	running int
	people  map[string]*personBudget
	now     func() time.Time

	queries  *prometheus.CounterVec
	seconds  *prometheus.CounterVec
	inflight *prometheus.GaugeVec
}

type personBudget struct {
	running int
	tokens  float64
	last    time.Time
}

func newPromptBudget(reg prometheus.Registerer) *promptBudget {
	b := &promptBudget{people: map[string]*personBudget{}, now: time.Now,
		queries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_serve_prompt_queries_total",
			Help: "PromQL prompt queries by person and result: ok, failed, refused_running (too many at once), refused_rate (too many a minute), refused_cost (above serve.prompt_max_series_steps, or a cost that cannot be estimated)."},
			[]string{"person", "result"}),
		seconds: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_serve_prompt_query_seconds_total",
			Help: "Seconds the PromQL prompt's queries took, by person: what the person's ad-hoc queries cost Prometheus."},
			[]string{"person"}),
		inflight: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "vigil_serve_prompt_running",
			Help: "PromQL prompt queries running now, by person."}, []string{"person"}),
	}
	reg.MustRegister(b.queries, b.seconds, b.inflight)
	return b
}

// admit reserves a place for one query of person, or says why not now.
func (b *promptBudget) admit(person string) (release func(took time.Duration, err error), refusal error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	pb := b.people[person]
	if pb == nil {
		pb = &personBudget{tokens: promptBurst, last: now}
		b.people[person] = pb
	}
	pb.tokens = min(promptBurst, pb.tokens+now.Sub(pb.last).Minutes()*promptPerMinute)
	pb.last = now
	switch {
	case pb.running >= promptMaxRunning:
		b.queries.WithLabelValues(person, "refused_running").Inc()
		return nil, fmt.Errorf("query not run: %d of your queries are still running, the most at once for one person (vigil serve); wait for one to end", pb.running)
	case b.running >= promptMaxRunningAll:
		b.queries.WithLabelValues(person, "refused_running").Inc()
		return nil, fmt.Errorf("query not run: %d ad-hoc queries of the team are running, the most at once (vigil serve); try again in a moment", b.running)
	case pb.tokens < 1:
		b.queries.WithLabelValues(person, "refused_rate").Inc()
		wait := time.Duration((1 - pb.tokens) / promptPerMinute * float64(time.Minute)).Round(time.Second)
		return nil, fmt.Errorf("query not run: at most %d queries a minute for one person (vigil serve); the next in %s", promptPerMinute, max(wait, time.Second))
	}
	pb.tokens--
	pb.running++
	b.running++
	b.inflight.WithLabelValues(person).Inc()
	var once sync.Once
	return func(took time.Duration, err error) {
		once.Do(func() {
			b.mu.Lock()
			pb.running--
			b.running--
			b.inflight.WithLabelValues(person).Dec()
			b.mu.Unlock()
			result := "ok"
			var refused costRefusal
			switch {
			case errors.As(err, &refused):
				result = "refused_cost"
			case err != nil:
				result = "failed"
			}
			b.queries.WithLabelValues(person, result).Inc()
			b.seconds.WithLabelValues(person).Add(took.Seconds())
		})
	}, nil
}

// costRefusal is a query not sent for its cost.
type costRefusal struct{ msg string }

func (e costRefusal) Error() string { return e.msg }

// budgetQuerier is the prompt's querier of one person: each query is
// admitted by the budget, its cost estimated, then sent with the prompt's
// timeout.
type budgetQuerier struct {
	q       query.Querier
	b       *promptBudget
	person  string
	maxCost int64 // serve.prompt_max_series_steps
}

// checkCost refuses a query above the cost limit, or whose cost cannot be
// estimated, before it is sent.
func (q budgetQuerier) checkCost(ctx context.Context, expr string, points int64, at time.Time) error {
	c, err := query.EstimateCost(ctx, q.q, expr, points, at)
	var unanswered *query.CountError
	switch {
	case errors.As(err, &unanswered):
		// Prometheus did not answer the count: a failure, not a refusal.
		return fmt.Errorf("query not run: %w", err)
	case err != nil:
		return costRefusal{"query not run: its cost cannot be estimated (vigil serve): " + err.Error()}
	}
	if c.SeriesSteps > q.maxCost {
		return costRefusal{fmt.Sprintf("query not run: it would evaluate %s, above the %s a prompt query may cost (vigil serve, serve.prompt_max_series_steps); shorten its range or coarsen its subquery's step",
			c, query.CountText(q.maxCost))}
	}
	return nil
}

func (q budgetQuerier) Query(ctx context.Context, expr string, at time.Time) (model.Value, v1.Warnings, error) {
	release, err := q.b.admit(q.person)
	if err != nil {
		return nil, nil, err
	}
	start := time.Now()
	if err := q.checkCost(ctx, expr, 1, at); err != nil {
		release(time.Since(start), err)
		return nil, nil, err
	}
	v, w, err := q.q.Query(ctx, expr, at)
	release(time.Since(start), err)
	return v, w, err
}

func (q budgetQuerier) QueryRange(ctx context.Context, expr string, r v1.Range) (model.Value, v1.Warnings, error) {
	release, err := q.b.admit(q.person)
	if err != nil {
		return nil, nil, err
	}
	start := time.Now()
	if err := q.checkCost(ctx, expr, query.RangePoints(r), r.End); err != nil {
		release(time.Since(start), err)
		return nil, nil, err
	}
	v, w, err := q.q.QueryRange(ctx, expr, r)
	release(time.Since(start), err)
	return v, w, err
}

// promptClient is the context's Prometheus client for the prompt: the
// same server, with at most promptTimeout for each query.
func (p *prepared) promptClient() (*query.Prometheus, error) {
	p.promptOnce.Do(func() {
		cfg := p.cfg
		if d := cfg.Prometheus.Timeout.D(); d <= 0 || d > promptTimeout {
			cfg.Prometheus.Timeout = vigil.Duration(promptTimeout)
		}
		p.promptProm, p.promptErr = newPrometheus(&cfg)
	})
	return p.promptProm, p.promptErr
}
