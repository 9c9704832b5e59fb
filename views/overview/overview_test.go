package overview

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/viewstest"
)

// sampleOverview has healthy, warning, critical and idle endpoints, a NaN
// quantile, a hostile label value and wide Unicode.
func sampleOverview() *query.Overview {
	nan := math.NaN()
	return &query.Overview{
		Endpoints: []query.Endpoint{
			{Name: "/", RPS: 12.5, ErrorRatio: 0, P50: 0.012, P99: 0.09, Exceptions: 0, Trend: []float64{0, 0, 0}},
			{Name: "/api/checkout", RPS: 3.2, ErrorRatio: 0.31, P50: 0.08, P99: 0.45, Exceptions: 59, Trend: []float64{0, 0.1, 0.3}, Changed: viewstest.FixedNow.Add(-12*time.Minute - 20*time.Second)},
			{Name: "/api/search", RPS: 5.1, ErrorRatio: 0.002, P50: 0.4, P99: 3.1, Exceptions: 1, Trend: []float64{0, 0, 0.002}},
			{Name: "/login", RPS: 1.1, ErrorRatio: 0.015, P50: 0.02, P99: 1.2, Exceptions: 2, Trend: []float64{0.01, 0.02, 0.015}},
			{Name: "/idle", RPS: 0, ErrorRatio: nan, P50: nan, P99: nan, Exceptions: 0, Trend: []float64{nan, nan}},
			{Name: "/blog/\x1b]0;pwned\x07\x1b[2Jevil", RPS: 0.5, ErrorRatio: 0, P50: 0.01, P99: 0.02, Exceptions: 0},
			{Name: "/blog/日本語の記事", RPS: 0.7, ErrorRatio: 0, P50: 0.01, P99: 0.03, Exceptions: 0},
		},
		Totals:           query.Totals{RPS: 23.1, ErrorRatio: 0.045, P99: 2.2, Exceptions: 62},
		ExceptionsSource: `flask_http_request_duration_seconds_count{status="500"}`,
		Window:           5 * time.Minute,
		At:               viewstest.FixedNow,
	}
}

func newTestOverview(t testing.TB, w, h int) *Screen {
	o := New(viewstest.Context(t, "dark"))
	o.SetSize(w, h)
	o.Update(views.OverviewMsg{Overview: sampleOverview()})
	return o
}

func press(o *Screen, keys ...string) tea.Cmd {
	var cmd tea.Cmd
	for _, k := range keys {
		_, cmd = o.Update(viewstest.Key(k))
	}
	return cmd
}

func names(rows []query.Endpoint) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Name)
	}
	return out
}

func TestOverviewWorstFirst(t *testing.T) {
	o := newTestOverview(t, 80, 20)
	got := names(o.Rows())
	// The worst level of any figure first (checkout: error ratio crit,
	// search: p99 crit), then login (error ratio and p99 warn).
	if got[0] != "/api/checkout" || got[1] != "/api/search" || got[2] != "/login" {
		t.Fatalf("order %q", got)
	}
	if got[len(got)-1] != "/idle" {
		t.Fatalf("the idle endpoint should sort last, got %q", got)
	}
}

func TestOverviewSelectionSurvivesRefreshAndResort(t *testing.T) {
	o := newTestOverview(t, 80, 20)
	press(o, "j", "j") // third row: /login
	if o.Selected() != "/login" {
		t.Fatalf("selected %q", o.Selected())
	}
	// A refresh in which /login got worse and moved to the top.
	ov := sampleOverview()
	ov.Endpoints[3].ErrorRatio = 0.9 // now worse than checkout
	o.Update(views.OverviewMsg{Overview: ov})
	if o.Selected() != "/login" || o.Rows()[o.list.Cursor()].Name != "/login" {
		t.Fatalf("selection lost: %q at %d", o.Selected(), o.list.Cursor())
	}
	press(o, "o") // sort by endpoint name
	if o.Selected() != "/login" || o.Rows()[o.list.Cursor()].Name != "/login" {
		t.Fatalf("selection lost after re-sort: %q", o.Selected())
	}
}

func TestOverviewSortCycleAndReverse(t *testing.T) {
	o := newTestOverview(t, 120, 30)
	press(o, "o")
	if k, _ := o.SortKey(); k != query.SortEndpoint {
		t.Fatalf("after o: %v", k)
	}
	if got := names(o.Rows()); got[0] != "/" {
		t.Fatalf("by name: %q", got)
	}
	press(o, "O")
	if got := names(o.Rows()); got[len(got)-1] != "/" {
		t.Fatalf("reversed: %q", got)
	}
	// Cycling comes back to worst-first.
	for i := 0; i < 6; i++ {
		press(o, "o")
	}
	if k, _ := o.SortKey(); k != query.SortWorst {
		t.Fatalf("cycle ends at %v", k)
	}
}

func TestOverviewFilter(t *testing.T) {
	o := newTestOverview(t, 80, 20)
	press(o, "/")
	if !o.Capturing() {
		t.Fatal("the prompt should own the keyboard")
	}
	for _, r := range "api" {
		press(o, string(r))
	}
	press(o, "enter")
	if o.Capturing() {
		t.Fatal("enter should return to the table")
	}
	if got := names(o.Rows()); len(got) != 2 {
		t.Fatalf("substring filter: %q", got)
	}
	// A regular expression.
	press(o, "/")
	for i := 0; i < 3; i++ {
		o.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
	for _, r := range "^/(login|idle)$" {
		press(o, string(r))
	}
	press(o, "enter")
	if got := names(o.Rows()); len(got) != 2 || got[0] != "/login" {
		t.Fatalf("regex filter: %q", got)
	}
	// An invalid expression falls back to text.
	o.setFilter("[blog")
	if len(o.Rows()) != 0 || o.filterNote == "" {
		t.Fatalf("invalid regex: rows %q note %q", names(o.Rows()), o.filterNote)
	}
	press(o, "esc")
	if o.Filter() != "" || len(o.Rows()) != 7 {
		t.Fatalf("esc should clear: %q %d", o.Filter(), len(o.Rows()))
	}
	if v := ansi.Strip(o.View()); !strings.Contains(v, "7 of 7 endpoints") {
		t.Errorf("without a filter the count is still shown:\n%s", v)
	}
}

// !text hides the rows that match text; the count says how many are left.
func TestOverviewFilterNegation(t *testing.T) {
	o := newTestOverview(t, 80, 20)
	o.setFilter("!blog")
	for _, n := range names(o.Rows()) {
		if strings.Contains(n, "blog") {
			t.Errorf("!blog shows %q", n)
		}
	}
	if len(o.Rows()) != 5 {
		t.Errorf("!blog: %q", names(o.Rows()))
	}
	if v := ansi.Strip(o.View()); !strings.Contains(v, "filter /!blog  5 of 7 endpoints") {
		t.Errorf("count line:\n%s", v)
	}
	o.setFilter("!^/(login|idle)$")
	if got := names(o.Rows()); len(got) != 5 || strings.Contains(strings.Join(got, " "), "/login") {
		t.Errorf("negated regex: %q", got)
	}
}

// A stale endpoint shows its age and no figure, and ranks with the
// critical ones.
func TestOverviewStaleRowsShowAgeNotFigures(t *testing.T) {
	o := New(viewstest.Context(t, "dark"))
	o.SetSize(100, 12)
	ov := sampleOverview()
	ov.Endpoints[2].Stale = true // /api/search
	ov.Endpoints[2].StaleSince = viewstest.FixedNow.Add(-42 * time.Second)
	ov.Endpoints[0].Stale = true // / (no age known)
	o.Update(views.OverviewMsg{Overview: ov})
	v := ansi.Strip(o.View())
	var search string
	for _, l := range strings.Split(v, "\n") {
		if strings.Contains(l, "/api/search") {
			search = l
		}
	}
	if !strings.Contains(search, "◌ stale 42s") || strings.Contains(search, "5.10") || strings.Contains(search, "3.10s") {
		t.Errorf("stale row: %q\n%s", search, v)
	}
	if !strings.Contains(v, "(2 stale: no fresh series)") {
		t.Errorf("the count does not say how many are stale:\n%s", v)
	}
	if got := names(o.Rows()); got[0] != "/api/checkout" || got[1] != "/api/search" || got[2] != "/" {
		t.Errorf("stale endpoints rank with the critical ones: %q", got)
	}
}

func TestOverviewEnterOpensSelectedEndpoint(t *testing.T) {
	o := newTestOverview(t, 80, 20)
	cmd := press(o, "enter")
	if cmd == nil {
		t.Fatal("no command")
	}
	msg, ok := cmd().(views.OpenEndpointMsg)
	if !ok || msg.Endpoint != "/api/checkout" {
		t.Fatalf("got %#v", msg)
	}
}

func TestOverviewRendersOnlyVisibleRows(t *testing.T) {
	o := New(viewstest.Context(t, "dark"))
	o.SetSize(80, 10)
	ov := &query.Overview{Window: 5 * time.Minute}
	for i := 0; i < 10000; i++ {
		ov.Endpoints = append(ov.Endpoints, query.Endpoint{Name: fmt.Sprintf("/item/%05d", i), RPS: 1, ErrorRatio: 0, P50: 0.01, P99: 0.02})
	}
	o.Update(views.OverviewMsg{Overview: ov})
	v := o.View()
	// The column header, 7 rows, the "N of M endpoints" line and the
	// scope line.
	if n := strings.Count(v, "/item/"); n != 7 || !strings.Contains(v, "10000 endpoints") {
		t.Fatalf("%d rows rendered in a 10-line area", n)
	}
	press(o, "G")
	if !strings.Contains(o.View(), "/item/09999") {
		t.Fatal("G should show the last row")
	}
}

// No line is ever wider than the terminal, whatever the size and content.
func TestOverviewNeverWraps(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 45}, {40, 10}, {20, 5}, {1, 1}, {0, 0}, {200, 60}} {
		o := newTestOverview(t, sz[0], sz[1])
		press(o, "/")
		viewstest.Fits(t, o.View(), sz[0], sz[1])
	}
}

func TestOverviewHostileLabelIsNeutralised(t *testing.T) {
	o := newTestOverview(t, 120, 30)
	v := o.View()
	if strings.Contains(v, "\x1b]") || strings.Contains(v, "\x07") || strings.Contains(v, "\x1b[2J") {
		t.Fatalf("raw escape sequence reached the screen: %q", v)
	}
}

func TestOverviewWideUnicodeKeepsColumnsAligned(t *testing.T) {
	o := newTestOverview(t, 100, 30)
	var widths []int
	for _, l := range strings.Split(ansi.Strip(o.View()), "\n") {
		if strings.Contains(l, "/blog/") || strings.Contains(l, "/login") {
			// The REQ/S column ends at the same cell on every row.
			widths = append(widths, text.Width(l[:strings.Index(l, "/")]))
			widths = append(widths, text.Width(l))
		}
	}
	if len(widths) < 4 {
		t.Fatalf("rows not found")
	}
	for i := 1; i < len(widths)/2; i++ {
		if widths[2*i+1] != widths[1] {
			t.Fatalf("row widths differ: %v", widths)
		}
	}
}

func TestOverviewDashesForMissingFigures(t *testing.T) {
	o := newTestOverview(t, 120, 30)
	for _, l := range strings.Split(ansi.Strip(o.View()), "\n") {
		if strings.Contains(l, "/idle") {
			if strings.Count(l, views.Dash) < 3 || strings.Contains(l, "NaN") {
				t.Fatalf("idle row: %q", l)
			}
			return
		}
	}
	t.Fatal("idle row not shown")
}

func TestOverviewMarksExceptionsFallback(t *testing.T) {
	o := newTestOverview(t, 120, 30)
	if !strings.Contains(o.View(), "EXC*") {
		t.Fatal("EXC* not shown when counting status 500")
	}
	ov := sampleOverview()
	ov.ExceptionsByEndpoint = true
	o.Update(views.OverviewMsg{Overview: ov})
	if strings.Contains(o.View(), "EXC*") || !strings.Contains(o.View(), "EXC") {
		t.Fatal("EXC should be plain when the counter has the endpoint label")
	}
}

func TestOverviewShowsQueryErrorsAndKeepsTable(t *testing.T) {
	o := newTestOverview(t, 120, 30)
	ov := sampleOverview()
	ov.Errors = []query.QueryError{{Name: "p99", Query: "histogram_quantile(", Err: fmt.Errorf(`bad_data: invalid parameter "query": 1:20: parse error: unexpected end of input`)}}
	o.Update(views.OverviewMsg{Overview: ov})
	v := ansi.Strip(o.View())
	if !strings.Contains(v, "p99: bad_data") || !strings.Contains(v, "parse error") || !strings.Contains(v, "/api/checkout") {
		t.Fatalf("screen:\n%s", v)
	}
}

func TestOverviewEmptyStates(t *testing.T) {
	o := New(viewstest.Context(t, "dark"))
	o.SetSize(80, 20)
	if !strings.Contains(o.View(), "waiting") {
		t.Fatal("no waiting note")
	}
	o.Update(views.OverviewMsg{Overview: &query.Overview{Window: time.Minute}})
	if !strings.Contains(o.View(), "no endpoints") {
		t.Fatal("no empty note")
	}
}

func TestOverviewGolden(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 45}} {
		o := newTestOverview(t, sz[0], sz[1]-3)
		viewstest.Golden(t, fmt.Sprintf("overview-%dx%d", sz[0], sz[1]), ansi.Strip(o.View())+"\n")
	}
}

func TestOverviewCompareColumnAndRanking(t *testing.T) {
	o := newTestOverview(t, 100, 20)
	if strings.Contains(o.View(), "ΔERR") || o.CompareOffset() != 0 {
		t.Fatal("comparison should start off")
	}
	// With it off, o never sorts by a column that is not shown.
	for i := 0; i < 10; i++ {
		press(o, "o")
		if k, _ := o.SortKey(); k == query.SortChange {
			t.Fatal("sorted by ΔERR with the comparison off")
		}
	}
	press(o, "c")
	if o.CompareOffset() != 24*time.Hour || !strings.Contains(o.View(), "ΔERR") {
		t.Fatalf("c: offset %v", o.CompareOffset())
	}
	ov := sampleOverview()
	for i := range ov.Endpoints {
		ov.Endpoints[i].ErrorRatioChange = math.NaN()
	}
	ov.Endpoints[3].ErrorRatioChange = 0.4 // /login regressed the most
	ov.Endpoints[1].ErrorRatioChange = 0.1
	o.Update(views.OverviewMsg{Overview: ov})
	for k, _ := o.SortKey(); k != query.SortChange; k, _ = o.SortKey() {
		press(o, "o")
	}
	if got := names(o.Rows()); got[0] != "/login" || got[1] != "/api/checkout" {
		t.Fatalf("ranked by change: %q", got)
	}
	if v := ansi.Strip(o.View()); !strings.Contains(v, "+40.0") || !strings.Contains(v, "ΔERR▼") {
		t.Fatalf("view:\n%s", v)
	}
	press(o, "c")
	if o.CompareOffset() != 7*24*time.Hour {
		t.Fatal("second c should compare with a week earlier")
	}
	press(o, "c")
	if k, _ := o.SortKey(); o.CompareOffset() != 0 || k == query.SortChange || strings.Contains(o.View(), "ΔERR") {
		t.Fatal("third c should turn it off and leave the ΔERR sort")
	}
}

// Until the user moves the cursor it stays on the worst endpoint, whatever
// that becomes; once moved, it follows the endpoint chosen.
func TestOverviewCursorFollowsTheWorstUntilMoved(t *testing.T) {
	o := newTestOverview(t, 80, 20)
	ov := sampleOverview()
	ov.Endpoints[3].ErrorRatio = 0.9 // /login becomes the worst
	o.Update(views.OverviewMsg{Overview: ov})
	if o.Selected() != "/login" || o.list.Cursor() != 0 {
		t.Fatalf("untouched cursor on %q at %d, want the new worst", o.Selected(), o.list.Cursor())
	}
	press(o, "j")
	chosen := o.Selected()
	o.Update(views.OverviewMsg{Overview: sampleOverview()})
	if o.Selected() != chosen {
		t.Fatalf("moved cursor left %q for %q", chosen, o.Selected())
	}
}

// A jump from an alert puts the cursor on the endpoint, and says so when
// the overview does not show it.
func TestOverviewJumpToEndpoint(t *testing.T) {
	o := newTestOverview(t, 120, 20)
	want := o.Rows()[len(o.Rows())-1].Name
	if _, cmd := o.Update(views.JumpToEndpointMsg{Endpoint: want}); cmd != nil || o.Selected() != want {
		t.Fatalf("selected %q, want %q", o.Selected(), want)
	}
	_, cmd := o.Update(views.JumpToEndpointMsg{Endpoint: "/nowhere"})
	if f := viewstest.Only[views.FlashMsg](t, viewstest.Run(cmd)); !strings.Contains(f.Text, "/nowhere is not in the overview") || o.Selected() != want {
		t.Fatalf("flash %q, selected %q", f.Text, o.Selected())
	}
}

// The overview marks the endpoints that firing alerts name, from the alerts
// refresh itself; a refresh in which no source answered keeps the marks.
func TestOverviewMarksAlertingEndpointsFromAlertsMsg(t *testing.T) {
	o := newTestOverview(t, 120, 20)
	firing := query.Alert{Name: "Slow", State: query.StateFiring, Labels: map[string]string{"alertname": "Slow", "path": "/login"}}
	pending := query.Alert{Name: "Maybe", State: query.StatePending, Labels: map[string]string{"alertname": "Maybe", "path": "/"}}
	o.Update(views.AlertsMsg{Alerts: []query.Alert{firing, pending}})
	marked := func() []string {
		var out []string
		for _, l := range strings.Split(ansi.Strip(o.View()), "\n") {
			if strings.HasPrefix(l, "● ") {
				out = append(out, strings.Fields(l)[1])
			}
		}
		return out
	}
	if got := marked(); len(got) != 1 || got[0] != "/login" {
		t.Fatalf("marked %v, want only /login", got)
	}
	o.Update(views.AlertsMsg{Err: errors.New("no source answered")})
	if got := marked(); len(got) != 1 {
		t.Fatalf("an unknown alerts list dropped the marks: %v", got)
	}
}

// A firing alert that names a path of a group counts for the group's row,
// and J from it selects that row.
func TestOverviewAlertsOfGroupedPaths(t *testing.T) {
	ctx := viewstest.Context(t, "mono")
	o := New(ctx)
	o.SetSize(100, 20)
	ov := &query.Overview{
		Endpoints: []query.Endpoint{
			{Name: "/blog/<slug>", RPS: 3, ErrorRatio: 0, P50: 0.01, P99: 0.02, Group: true, Members: 6},
			{Name: "/login", RPS: 9, ErrorRatio: 0, P50: 0.01, P99: 0.02, Members: 1},
		},
		GroupRules: []query.PathRule{{Name: "/blog/<slug>", Pattern: "/blog/[^/]+"}},
	}
	o.Update(views.OverviewMsg{Overview: ov})
	o.Update(views.AlertsMsg{Alerts: []query.Alert{{Name: "BlogDown", State: query.StateFiring, Labels: map[string]string{"path": "/blog/flask-tips"}}}})
	rows := o.Rows()
	if rows[0].Name != "/blog/<slug>" || rows[0].FiringAlerts != 1 {
		t.Fatalf("the group's row does not rank first with its alert: %+v", rows[0])
	}
	if !strings.Contains(o.View(), "● /blog/<slug>") {
		t.Errorf("no ● on the group's row:\n%s", o.View())
	}
	o.list.Select("/login")
	o.Update(views.JumpToEndpointMsg{Endpoint: "/blog/flask-tips"})
	if o.Selected() != "/blog/<slug>" {
		t.Errorf("J to a member selects %q, want the group's row", o.Selected())
	}
}

// On a wide terminal the figures sit next to the names, not 130 cells to
// the right: the name column stops at the widest name and its marks; the
// TREND takes a cell a point, and 5XX/S (errors per second) is shown.
func TestOverviewWideUsesTheWidth(t *testing.T) {
	o := newTestOverview(t, 200, 30)
	out := ansi.Strip(o.View())
	var head, checkout string
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.Contains(l, "ENDPOINT"):
			head = l
		case strings.Contains(l, "/api/checkout"):
			checkout = l
		}
	}
	if at := strings.Index(head, "REQ/S"); at < 0 || at > 60 {
		t.Errorf("REQ/S at cell %d of a 200-cell line, want within the first 60:\n%s", at, head)
	}
	for _, want := range []string{"5XX/S", "TREND 15m"} {
		if !strings.Contains(head, want) {
			t.Errorf("no %s at 200 columns:\n%s", want, head)
		}
	}
	// /api/checkout: 3.20 req/s at 31% errors is 0.99 errors per second.
	if !strings.Contains(checkout, "0.99") {
		t.Errorf("checkout's 5XX/S is not 3.20 × 31%%:\n%s", checkout)
	}
	o.SetSize(80, 21)
	if strings.Contains(ansi.Strip(o.View()), "5XX/S") {
		t.Error("5XX/S at 80 columns: it leaves no room for the names")
	}
}

// Figures fit their columns whatever the value.
func TestFormatWidthsFitColumns(t *testing.T) {
	for _, v := range []float64{0, 1e-9, 0.5, 9.99, 99.9, 999.9, 9999, 99999, 1e6, 1e12} {
		if n := utf8.RuneCountInString(views.FormatRPS(v)); n > rpsW {
			t.Errorf("rps %v: %q is %d wide", v, views.FormatRPS(v), n)
		}
		if n := utf8.RuneCountInString(views.FormatSeconds(v)); n > latW {
			t.Errorf("seconds %v: %q is %d wide", v, views.FormatSeconds(v), n)
		}
		if n := utf8.RuneCountInString(views.FormatCount(v)); n > excW+1 {
			t.Errorf("count %v: %q is %d wide", v, views.FormatCount(v), n)
		}
	}
	for _, v := range []float64{0, 0.00001, 0.05, 0.999, 1} {
		if n := utf8.RuneCountInString(views.FormatPercent(v)); n > errW {
			t.Errorf("percent %v: %q is %d wide", v, views.FormatPercent(v), n)
		}
	}
}
