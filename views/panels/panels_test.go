package panels

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/viewstest"
)

func fptr(v float64) *float64 { return &v }

// samplePanels are the three shipped examples and a panel whose query fails.
func samplePanels() ([]query.PanelSpec, []query.PanelResult) {
	specs := []query.PanelSpec{
		{Title: "Most viewed articles", Kind: query.PanelTop, Unit: "none", Limit: 10},
		{Title: "DB query p99", Kind: query.PanelGraph, Unit: "s", Warn: fptr(0.25), Crit: fptr(1)},
		{Title: "Celery task p99", Kind: query.PanelGraph, Unit: "s", Warn: fptr(5), Crit: fptr(30)},
		{Title: "Broken", Kind: query.PanelStat, Unit: "req/s"},
		{Title: "Requests", Kind: query.PanelStat, Unit: "req/s", Warn: fptr(100)},
	}
	end := viewstest.FixedNow
	start := end.Add(-time.Hour)
	wave := func(n int, base, amp float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = base + amp*math.Sin(float64(i)/7)
		}
		v[n/3] = math.NaN() // a gap
		return v
	}
	results := []query.PanelResult{
		{Query: "topk(...)", Total: 12, Rows: []query.PanelRow{
			{Label: "flask-monitoring", Value: 412}, {Label: "hello-world", Value: 230}, {Label: "日本語の記事", Value: 99},
			{Label: "evil\x1b]0;x\x07", Value: 12}, {Label: "none", Value: math.NaN()},
		}},
		{Query: "hq(db)", Range: &query.RangeData{Start: start, End: end, Step: 15 * time.Second, Series: []query.TimeSeries{
			{Name: `query="select_article"`, Values: wave(240, 0.2, 0.1)},
			{Name: `query="update_views"`, Values: wave(240, 0.05, 0.02)},
		}}},
		{Query: "hq(celery)", Range: &query.RangeData{Start: start, End: end, Step: 15 * time.Second, Series: []query.TimeSeries{
			{Name: `task="send_mail"`, Values: wave(240, 3, 2)},
		}}},
		{Query: "rate(broken", Err: errors.New(`prometheus http://127.0.0.1:9090: bad_data: invalid parameter "query": 1:12: parse error: unclosed left parenthesis`)},
		{Query: "sum(rate(x[5m]))", Value: 23.4, ValueSeries: 1},
	}
	return specs, results
}

func newTestPanels(t testing.TB, w, h int) *Screen {
	specs, res := samplePanels()
	p := New(viewstest.Context(t, "dark"), specs)
	p.SetSize(w, h)
	p.Update(Msg{Results: res})
	return p
}

func TestPanelsGridAdaptsToWidth(t *testing.T) {
	for _, c := range []struct{ w, h, cols int }{{80, 21, 1}, {120, 30, 1}, {140, 40, 2}, {160, 47, 2}, {220, 60, 3}, {400, 60, 3}} {
		p := newTestPanels(t, c.w, c.h)
		if p.Columns() != c.cols {
			t.Errorf("%dx%d: %d columns, want %d", c.w, c.h, p.Columns(), c.cols)
		}
	}
}

func TestPanelsViewFitsEverySize(t *testing.T) {
	for _, sz := range [][2]int{{80, 21}, {160, 47}, {20, 5}, {1, 1}, {0, 0}, {45, 3}, {300, 100}} {
		p := newTestPanels(t, sz[0], sz[1])
		out := p.View()
		if sz[0] == 0 || sz[1] == 0 {
			if out != "" {
				t.Errorf("%v: %q", sz, out)
			}
			continue
		}
		lines := strings.Split(out, "\n")
		if len(lines) != sz[1] {
			t.Errorf("%v: %d lines", sz, len(lines))
		}
		for i, l := range lines {
			if w := text.Width(l); w > sz[0] {
				t.Errorf("%v: line %d is %d wide", sz, i, w)
			}
			if strings.Contains(l, "\x07") || strings.Contains(ansi.Strip(l), "\x1b") {
				t.Errorf("%v: line %d carries a control character", sz, i)
			}
		}
	}
}

func TestPanelsShowErrorAndKeepOthers(t *testing.T) {
	p := newTestPanels(t, 160, 47)
	out := ansi.Strip(p.View())
	for _, want := range []string{"Broken", "1:12:", "parse error: unclosed left parenthesis", "flask-monitoring", "412", "DB query p99", "23.4", "… 7 more"} {
		if !strings.Contains(out, want) {
			t.Errorf("view lacks %q:\n%s", want, out)
		}
	}
}

func TestPanelsScrollWhenTheyDoNotFit(t *testing.T) {
	p := newTestPanels(t, 80, 21)
	first := ansi.Strip(p.View())
	if !strings.Contains(first, "Most viewed") || strings.Contains(first, "Requests") {
		t.Fatalf("first page:\n%s", first)
	}
	p.Update(viewstest.Key("G"))
	last := ansi.Strip(p.View())
	if !strings.Contains(last, "Requests") {
		t.Fatalf("last page:\n%s", last)
	}
}

func TestPanelsEmptyAndNaN(t *testing.T) {
	p := New(viewstest.Context(t, "dark"), nil)
	p.SetSize(80, 21)
	if !strings.Contains(ansi.Strip(p.View()), "No custom panels") {
		t.Fatal(p.View())
	}
	specs := []query.PanelSpec{{Title: "g", Kind: query.PanelGraph}, {Title: "s", Kind: query.PanelStat}, {Title: "t", Kind: query.PanelTop}}
	p = New(viewstest.Context(t, "mono"), specs)
	for _, sz := range [][2]int{{20, 5}, {80, 24}} {
		p.SetSize(sz[0], sz[1])
		p.Update(Msg{Results: []query.PanelResult{
			{Range: &query.RangeData{Series: []query.TimeSeries{{Values: []float64{math.NaN(), math.Inf(1)}}}}},
			{Value: math.NaN()},
			{},
		}})
		_ = p.View()
		p.Update(Msg{})
		_ = p.View()
	}
}

func TestFormatPanelValue(t *testing.T) {
	cases := []struct {
		v    float64
		unit string
		want string
	}{
		{0.25, "s", views.FormatSeconds(0.25)}, {0.05, "%", views.FormatPercent(0.05)}, {12.5, "req/s", views.FormatRPS(12.5)},
		{412, "none", "412"}, {12345, "", "12.3k"}, {0.0123, "", "0.012"}, {3, "MB", "3 MB"}, {math.NaN(), "s", views.Dash},
	}
	for _, c := range cases {
		if got := formatPanelValue(c.v, c.unit); got != c.want {
			t.Errorf("%v %q: %q, want %q", c.v, c.unit, got, c.want)
		}
	}
}

func TestPanelsGolden(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {160, 50}} {
		p := newTestPanels(t, sz[0], sz[1]-3)
		viewstest.Golden(t, fmt.Sprintf("panels-%dx%d", sz[0], sz[1]), ansi.Strip(p.View())+"\n")
	}
}
