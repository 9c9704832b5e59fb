package ui

import (
	"context"
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/poll"
	"github.com/vigilterm/vigil/query/rulecheck"
	"github.com/vigilterm/vigil/views"
)

// RulesCheckInterval is how often the rules check runs: the rules change
// with a deploy, and it costs a fixed handful of requests.
const RulesCheckInterval = 5 * time.Minute

// RulesCheckSource checks the rules Prometheus has loaded, acknowledging
// the findings of ignores (docs/rules.md).
type RulesCheckSource func(ctx context.Context, ignores []rulecheck.Ignore) (*views.RulesCheck, error)

// BacktestSource backtests an alerting rule and its fix.
type BacktestSource func(ctx context.Context, r rulecheck.Rule, fix string) (*rulecheck.Backtest, error)

// rulesSources fills the rules check and the backtest from a client.
func rulesSources(o *Options, p *query.Prometheus) {
	o.RulesCheck = func(ctx context.Context, ignores []rulecheck.Ignore) (*views.RulesCheck, error) {
		api := p.API()
		rules, err := rulecheck.LoadRules(ctx, api)
		if err != nil {
			return nil, err
		}
		env := rulecheck.Gather(ctx, api, rules)
		env.Requests++ // the rules themselves
		return &views.RulesCheck{Rules: rules, Report: rulecheck.Check(rules, env, rulecheck.Options{Ignore: ignores}), At: time.Now()}, nil
	}
	o.Backtest = func(ctx context.Context, r rulecheck.Rule, fix string) (*rulecheck.Backtest, error) {
		return rulecheck.RunBacktest(ctx, p.API(), r, fix, time.Now(), rulecheck.BacktestRanges), nil
	}
}

// rulesPart runs the rules check at start and every RulesCheckInterval,
// for the Doctor screen's Rules section and the alerts' ⚠, and the
// backtests an alert detail asks for.
type rulesPart struct {
	m    *Model
	feed *feed[*views.RulesCheck]
}

func newRulesPart(m *Model) *rulesPart {
	r := &rulesPart{m: m}
	deadline := 3*m.cfg.Prometheus.Timeout.D() + time.Second
	r.feed, _ = sharedFeed[*views.RulesCheck](m, m.teamKey("rulecheck"), poll.Options{Interval: RulesCheckInterval, Deadline: deadline,
		FirstBackoff: 30 * time.Second, Slack: 50 * time.Millisecond, Now: m.ctx.Now})
	return r
}

func (r *rulesPart) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case polled[*views.RulesCheck]:
		// To every screen that shows it: the alerts', the doctor's, an
		// alert detail opened on the timeline.
		return r.m.broadcast(views.RulesCheckMsg{Check: msg.Value, Err: msg.Err}), true
	case views.BacktestWantMsg:
		return r.backtest(msg), true
	case views.BacktestMsg:
		// To the alert detail that asked: the Alerts screen's or the
		// timeline's (each checks the rule is its alert's).
		return r.m.broadcast(msg), true
	}
	return nil, false
}

func (r *rulesPart) poll(at time.Time, now bool) tea.Cmd {
	run := r.m.opts.RulesCheck
	if run == nil {
		return nil
	}
	if !now && !r.feed.p.Due(at) {
		return nil
	}
	ignores := r.m.cfg.RuleIgnores()
	at = dueAt(at, now)
	return r.feed.startDue(func(ctx context.Context) (*views.RulesCheck, error) {
		c, err := run(ctx, ignores)
		if err == nil && c == nil {
			err = errors.New("no report")
		}
		return c, err
	}, at)
}

// backtest runs one on demand: at most a few range queries per range, so
// its deadline is a few of Prometheus's timeouts.
func (r *rulesPart) backtest(want views.BacktestWantMsg) tea.Cmd {
	key := views.RuleKey(want.Rule)
	run := r.m.opts.Backtest
	if run == nil {
		return func() tea.Msg { return views.BacktestMsg{Key: key, Err: errors.New("needs a Prometheus source")} }
	}
	return request(6*r.m.cfg.Prometheus.Timeout.D(), func(ctx context.Context) tea.Msg {
		b, err := run(ctx, want.Rule, want.Fix)
		return views.BacktestMsg{Key: key, Backtest: b, Err: err}
	})
}
