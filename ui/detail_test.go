package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/poll"
	"github.com/vigilterm/vigil/views"
	endpointview "github.com/vigilterm/vigil/views/endpoint"
)

// detailSource answers the overview and the detail screen.
type detailSource struct {
	scripted
	requests []query.DetailRequest
}

func (s *detailSource) Detail(ctx context.Context, _ query.Shape, r query.DetailRequest) (*query.Detail, error) {
	s.requests = append(s.requests, r)
	plan := query.PlanDetail(r.Range, r.Columns, time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC))
	d := &query.Detail{Request: r, Plan: plan, At: plan.End, Window: 5 * time.Minute,
		Status: []query.Breakdown{{Value: "200", RPS: 2}, {Value: "500", RPS: 1}}}
	v := make([]float64, plan.Points)
	for i := range v {
		v[i] = 0.3
	}
	d.Charts[query.ChartErrorRatio].Series = []query.Series{{Name: query.SeriesErrorRatio, Values: v}}
	return d, nil
}

func press(m *Model, k string) {
	_, cmd := m.Update(keyMsg(k))
	run(m, cmd)
}

func openedDetail(t *testing.T) (*Model, *detailSource, *fakeClock) {
	t.Helper()
	src := &detailSource{scripted: scripted{ov: sample()}}
	m, clock := newModel(t, src, func(o *Options) { o.Detail = src })
	run(m, m.Init())
	press(m, "j") // the second row
	sel := partOf[*overviewPart](m).screen.Selected()
	press(m, "enter")
	if detailOf(m) == nil || detailOf(m).Endpoint() != sel {
		t.Fatalf("enter on %q did not open its detail", sel)
	}
	return m, src, clock
}

// detailOf is the endpoint detail while it is open, else nil.
func detailOf(m *Model) *endpointview.Screen { return partOf[*overviewPart](m).detail.screen }

func TestEnterOpensDetailAndEscReturns(t *testing.T) {
	m, src, _ := openedDetail(t)
	sel := detailOf(m).Endpoint()
	if len(src.requests) != 1 || src.requests[0].Endpoint != sel || src.requests[0].Range != time.Hour {
		t.Fatalf("requests %+v", src.requests)
	}
	if src.requests[0].Columns != detailOf(m).PlotColumns() || src.requests[0].Columns < 20 {
		t.Errorf("asked for %d columns, the chart draws %d", src.requests[0].Columns, detailOf(m).PlotColumns())
	}
	s := screen(m)
	if !strings.Contains(s, sel) || !strings.Contains(s, "error ratio") || !strings.Contains(s, "1 Endpoint") {
		t.Fatalf("detail screen:\n%s", s)
	}
	if detailOf(m).Data() == nil {
		t.Fatal("the result did not reach the screen")
	}
	press(m, "esc")
	if detailOf(m) != nil || partOf[*overviewPart](m).screen.Selected() != sel {
		t.Fatalf("esc: detail %v, selection %q want %q", detailOf(m), partOf[*overviewPart](m).screen.Selected(), sel)
	}
	if s := screen(m); !strings.Contains(s, "1 Overview") || !strings.Contains(s, "ENDPOINT") {
		t.Fatalf("not back on the overview:\n%s", s)
	}
}

func TestDetailRefreshesOnTheTickAndPauses(t *testing.T) {
	m, src, clock := openedDetail(t)
	n := len(src.requests)
	tickAfter(m, clock, time.Second)
	if len(src.requests) != n {
		t.Fatalf("refreshed after 1s (refresh is 5s): %d", len(src.requests))
	}
	tickAfter(m, clock, 5*time.Second)
	if len(src.requests) != n+1 {
		t.Fatalf("no refresh on the tick: %d requests", len(src.requests))
	}
	// Paused: the ticks do nothing and the screen says so.
	press(m, "p")
	if !strings.Contains(screen(m), "⏸ paused") {
		t.Fatalf("pause not shown:\n%s", screen(m))
	}
	for range 3 {
		tickAfter(m, clock, 10*time.Second)
	}
	if len(src.requests) != n+1 {
		t.Fatalf("refreshed while paused: %d", len(src.requests))
	}
	// Resuming catches up at once.
	press(m, "p")
	if len(src.requests) != n+2 || strings.Contains(screen(m), "⏸ paused") {
		t.Fatalf("resume: %d requests\n%s", len(src.requests), screen(m))
	}
}

func TestDetailKeysRefetch(t *testing.T) {
	m, src, _ := openedDetail(t)
	press(m, "]")
	last := src.requests[len(src.requests)-1]
	if last.Range != 6*time.Hour || detailOf(m).Loading() {
		t.Fatalf("] asked for %s (loading %v)", last.Range, detailOf(m).Loading())
	}
	press(m, "c")
	last = src.requests[len(src.requests)-1]
	if last.Compare != query.CompareDay || last.Range != 6*time.Hour {
		t.Fatalf("c asked for %+v", last)
	}
	if s := screen(m); !strings.Contains(s, "range 6h") || !strings.Contains(s, "vs 1 day earlier") {
		t.Fatalf("header:\n%s", s)
	}
	// Tab leaves the detail open behind; 1 comes back to it.
	press(m, "2")
	press(m, "1")
	if detailOf(m) == nil || !strings.Contains(screen(m), "range 6h") {
		t.Fatal("the detail was lost switching screens")
	}
}

func TestDetailDropsStaleAnswers(t *testing.T) {
	m, _, _ := openedDetail(t)
	first := partOf[*overviewPart](m).detail.start(true)
	second := partOf[*overviewPart](m).detail.start(true)
	m.Update(second())
	at := detailOf(m).Data()
	// The older answer arrives last: it is dropped.
	m.Update(first())
	if detailOf(m).Data() != at {
		t.Fatal("an older answer replaced a newer one")
	}
	// An answer arriving after esc is dropped too.
	cmd := partOf[*overviewPart](m).detail.start(true)
	press(m, "esc")
	m.Update(cmd())
	if detailOf(m) != nil {
		t.Fatal("a late answer reopened the detail")
	}
}

func TestDetailAlertsAndTinyTerminals(t *testing.T) {
	m, _, _ := openedDetail(t)
	sel := detailOf(m).Endpoint()
	m.Update(polled[views.AlertsMsg]{poll.Result[views.AlertsMsg]{Value: views.AlertsMsg{Alerts: []query.Alert{
		{Name: "HighErrorRate", State: query.StateFiring, Labels: map[string]string{"path": sel}},
	}}}})
	// The alerts line comes with the charts at 80x24.
	if s := screen(m); !strings.Contains(s, "HighErrorRate") {
		t.Fatalf("alert naming the endpoint not shown:\n%s", s)
	}
	for _, sz := range [][2]int{{20, 5}, {40, 10}, {1, 1}, {0, 0}, {200, 60}} {
		m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		for _, l := range strings.Split(screen(m), "\n") {
			if w := len([]rune(l)); w > max(sz[0], 1) && sz[0] >= MinWidth {
				t.Fatalf("%dx%d: line of %d", sz[0], sz[1], w)
			}
		}
	}
}
