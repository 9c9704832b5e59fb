package query

import (
	"context"
	"strconv"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// One rate window for every screen and command that does not run the
// overview itself (the timeline, the doctor): the overview's. With
// ui.window = "auto" it is AutoWindow of the selected targets' scrape
// interval, read as the overview reads it; a console's overview has
// usually read it already, and the same client answers from that.

// WindowChoice is a rate window and where it comes from.
type WindowChoice struct {
	Window time.Duration
	// Auto: from the scrape interval (ui.window = "auto"); else ui.window.
	Auto bool
	// Interval is the scrape interval the auto window was computed from;
	// 0 when it is unknown (the window is then DefaultAutoWindow).
	Interval time.Duration
}

// String says the window and why: "12s (auto: 4 × scrape interval 3s)".
func (w WindowChoice) String() string {
	d := FormatDuration(w.Window)
	switch {
	case !w.Auto:
		return d + " (ui.window)"
	case w.Interval <= 0:
		return d + " (auto: scrape interval unknown)"
	}
	return d + " (auto: " + strconv.Itoa(AutoWindowFactor) + " × scrape interval " + FormatDuration(w.Interval) + ")"
}

// ResolveWindow returns s with the window the overview uses: with
// s.AutoWindow, AutoWindow of the scrape interval the last overview
// refresh of this client read, or, when none did, of the one read now (one
// instant query and the targets API, as the overview's first refresh).
// The shape returned has AutoWindow off. The int is the number of requests
// it sent: 0, or 2 (the targets query and the targets API).
func (p *Prometheus) ResolveWindow(ctx context.Context, s Shape) (Shape, WindowChoice, int) {
	if !s.AutoWindow {
		return s, WindowChoice{Window: s.Window}, 0
	}
	sent := 0
	iv, ok := p.cachedInterval(s.Selector)
	if !ok {
		sent = 2
		var tg targetsAnswer
		tq := NamedQuery{Name: queryNames[qTargets], Expr: TargetsQuery(s)}
		res := p.runAllWith(ctx, []NamedQuery{tq}, time.Now(), v1.Range{}, &tg)[0]
		iv = intervalOf(res, tg)
		if res.err == nil && tg.err == nil {
			p.cacheInterval(s.Selector, iv)
		}
	}
	s.Window, s.AutoWindow = AutoWindow(iv), false
	return s, WindowChoice{Window: s.Window, Auto: true, Interval: iv}, sent
}

// ResolveGroups returns s with the grouping rules the overview uses:
// those its last refresh found, or, when none did, those one fresh query
// finds now.
func (p *Prometheus) ResolveGroups(ctx context.Context, s Shape, at time.Time) Shape {
	if !s.Grouping.On() || len(s.groupRules) > 0 {
		return s
	}
	rules, ok := p.groups.get(groupKey(s))
	if !ok {
		fq := NamedQuery{Name: queryNames[qFresh], Expr: FreshQuery(s)}
		x := p.runAll(ctx, []NamedQuery{fq}, at, v1.Range{})[0]
		if x.err != nil {
			return s.WithGroups(s.Grouping.Rules)
		}
		rules, _ = groupRulesOf(s, splitFresh(s, x.vec))
		p.groups.put(groupKey(s), rules)
	}
	return s.WithGroups(rules)
}
