package timeline

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/rulecheck"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/alerting"
	"github.com/vigilterm/vigil/views/viewstest"
)

// wantsOf runs a command and lists the messages it sends, a batch opened.

// The alert detail opened from the timeline shows its rule's findings, the
// fix and the backtest, as the Alerts screen's does: with the rules check
// read before it opens, and with one that comes while it is open; a check
// that could not run reads as unknown.
func TestTimelineAlertDetailShowsTheRuleBlock(t *testing.T) {
	active := query.Alert{Name: "HighErrorRate", State: query.StateFiring, Severity: "critical",
		Labels: map[string]string{"alertname": "HighErrorRate", "severity": "critical", "path": "/api/checkout", "job": "flask"}}
	openFiring := func(tl *Screen) tea.Cmd {
		t.Helper()
		pressTL(tl, "g")
		for i := 0; i < 10; i++ {
			if e, _ := tl.Selected(); e.Kind == query.EventAlertFiring {
				return pressTL(tl, "enter")
			}
			pressTL(tl, "j")
		}
		t.Fatal("no firing event")
		return nil
	}
	backtest := func(tl *Screen, cmd tea.Cmd) {
		t.Helper()
		var want *views.BacktestWantMsg
		for _, m := range viewstest.Run(cmd) {
			if w, ok := m.(views.BacktestWantMsg); ok {
				want = &w
			}
		}
		if want == nil || want.Rule.Name != "HighErrorRate" || !strings.Contains(want.Fix, "/ sum by (job)") {
			t.Fatalf("no backtest asked for the rule and its fix: %+v", want)
		}
		if v := ansi.Strip(tl.View()); !strings.Contains(v, "backtest: reading ALERTS") {
			t.Errorf("the backtest is not said to be running:\n%s", v)
		}
		tl.Update(views.BacktestMsg{Key: views.RuleKey(want.Rule), Backtest: &rulecheck.Backtest{Rule: "HighErrorRate",
			Ranges: []rulecheck.BacktestRange{{Range: 24 * time.Hour, Data: 24 * time.Hour,
				Original: rulecheck.Firing{Times: 1, Duration: 23*time.Hour + 59*time.Minute}, Fixed: &rulecheck.Firing{}}}}})
		v := ansi.Strip(tl.View())
		for _, want := range []string{"⚠ this rule: errors per second, not a ratio", "fix: sum by (job)",
			"backtest last 24h: fired 1 time, 23h59m firing; the fixed rule: 0 times"} {
			if !strings.Contains(v, want) {
				t.Errorf("the timeline's alert detail lacks %q:\n%s", want, v)
			}
		}
	}

	t.Run("check read before the detail opens", func(t *testing.T) {
		tl := newTestTimeline(t, 100, 60)
		tl.Update(views.AlertsMsg{Alerts: []query.Alert{active}})
		tl.Update(views.RulesCheckMsg{Check: viewstest.RulesCheck(t)})
		cmd := openFiring(tl)
		if _, ok := tl.detail.Top().(*alerting.AlertDetail); !ok {
			t.Fatalf("enter opened %T", tl.detail.Top())
		}
		backtest(tl, cmd)
	})
	t.Run("check coming while the detail is open", func(t *testing.T) {
		tl := newTestTimeline(t, 100, 60)
		tl.Update(views.AlertsMsg{Alerts: []query.Alert{active}})
		tl.Update(views.RulesCheckMsg{Err: errors.New("prometheus rules: timeout")})
		openFiring(tl)
		if v := ansi.Strip(tl.View()); !strings.Contains(v, "check unknown: prometheus rules: timeout") {
			t.Errorf("a check that could not run does not read as unknown:\n%s", v)
		}
		_, cmd := tl.Update(views.RulesCheckMsg{Check: viewstest.RulesCheck(t)})
		backtest(tl, cmd)
	})
}

// The alert detail opened from the timeline says the same: with
// Alertmanager down, the ack is unknown, never "resolved".
func TestAckUntilResolvedInTimelineDetail(t *testing.T) {
	tl := newTestTimeline(t, 100, 40)
	labels := map[string]string{"alertname": "HighErrorRate", "severity": "critical", "path": "/api/checkout", "job": "flask"}
	al := query.Alert{Name: "HighErrorRate", Severity: "critical", State: query.StateSilenced, Labels: labels,
		ActiveAt: viewstest.FixedNow.Add(-39 * time.Minute), Source: query.SourceBoth}
	end := viewstest.FixedNow.Add(10 * time.Minute)
	ack := query.Silence{ID: "sil-ack", State: query.SilenceActive, CreatedBy: "alice", Comment: query.WithAckMarker("ack by alice", end),
		Matchers: query.MatchersFromLabels(labels), StartsAt: viewstest.FixedNow.Add(-5 * time.Minute), EndsAt: end}
	tl.Update(views.AlertsMsg{Alerts: []query.Alert{al}, Silences: []query.Silence{ack}, At: viewstest.FixedNow})
	al.Source, al.State = query.SourcePrometheus, query.StateFiring
	tl.Update(views.AlertsMsg{Alerts: []query.Alert{al}, AlertmanagerErr: errors.New("connection refused"), At: viewstest.FixedNow})
	for i := 0; i < len(tl.Rows()); i++ {
		if e, _ := tl.Selected(); e.Kind == query.EventAlertFiring {
			break
		}
		pressTL(tl, "j")
	}
	pressTL(tl, "enter")
	if _, ok := tl.detail.Top().(*alerting.AlertDetail); !ok {
		t.Fatalf("opened %T", tl.detail.Top())
	}
	v := ansi.Strip(tl.View())
	if strings.Contains(v, "resolved, not extended") || !strings.Contains(v, "acked until resolved by alice: unknown whether it holds") {
		t.Fatalf("timeline's alert detail with Alertmanager down:\n%s", v)
	}
}
