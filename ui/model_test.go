package ui

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/keys"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// scripted is an OverviewSource whose answers the test sets. The root model
// runs it inside commands, which the tests execute by hand.
type scripted struct {
	ov    *query.Overview
	err   error
	calls int
}

func (s *scripted) Overview(ctx context.Context, _ query.Shape) (*query.Overview, error) {
	s.calls++
	return s.ov, s.err
}
func (s *scripted) URL() string { return "http://prom.example:9090" }

// newModel builds a root model on src, at 80x24 with a fixed clock; with
// adds the other sources a test needs.
func newModel(t testing.TB, src OverviewSource, with ...func(*Options)) (*Model, *fakeClock) {
	t.Helper()
	cfg := vigil.Defaults()
	th, err := themes.Get("dark")
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)}
	ctx := &views.Context{Styles: th.Styles(), Keys: keys.New(false), Now: clock.Now}
	o := Options{Context: ctx, Config: &cfg, Overview: src, Identity: "oncall@bastion"}
	for _, f := range with {
		f(&o)
	}
	m := New(o)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	return m, clock
}

// reconfigure changes m's configuration after it was built, and gives its
// screens the new values, as a console built with them would have.
func reconfigure(m *Model, f func(*vigil.Config)) {
	f(m.cfg)
	m.ctx.Settings = ViewSettings(m.cfg)
}

func sample() *query.Overview {
	return &query.Overview{
		Endpoints: []query.Endpoint{
			{Name: "/api/checkout", RPS: 3, ErrorRatio: 0.3, P50: 0.1, P99: 0.5, Exceptions: 10},
			{Name: "/", RPS: 10, ErrorRatio: 0, P50: 0.01, P99: 0.05},
		},
		Totals:     query.Totals{RPS: 13, ErrorRatio: 0.07, P99: 0.4, Exceptions: 10},
		Window:     5 * time.Minute,
		WindowAuto: true,
		Targets:    query.Targets{Known: true, List: []query.Target{{Job: "flask", Instance: "10.0.0.1:5000", Up: true}}},
	}
}

// run executes a command tree and feeds every message back into the
// model, as the program would; ticks are dropped so it terminates.
func run(m *Model, cmd tea.Cmd) { drain(m, cmd) }

// tickAfter moves the clock on by d and delivers the tick of that time,
// running what it starts.
func tickAfter(m *Model, clock *fakeClock, d time.Duration) {
	clock.Add(d)
	_, cmd := m.Update(tickMsg(clock.Now()))
	run(m, cmd)
}

// keyMsg is the key press named s: a letter, or enter, esc, up, ctrl+c.
func keyMsg(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

func screen(m *Model) string { return ansi.Strip(m.View().Content) }

func TestRefreshFillsTheOverviewAndHeader(t *testing.T) {
	src := &scripted{ov: sample()}
	m, _ := newModel(t, src)
	run(m, m.Init())
	if partOf[*overviewPart](m).conn() != connLive {
		t.Fatalf("conn %v", partOf[*overviewPart](m).conn())
	}
	s := screen(m)
	for _, want := range []string{"prom.example:9090", "● live", "req/s 13.0", "err 7.00%", "/api/checkout", "every 5s", "window 5m (auto)"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
}

// A down target replaces "● live" with how many are down and since when,
// and a line under the header names it with its last error.
func TestHeaderSaysTargetsDown(t *testing.T) {
	ov := sample()
	since := time.Date(2026, 11, 24, 2, 54, 56, 0, time.Local)
	ov.Targets.List = []query.Target{
		{Job: "flask2", Instance: "10.0.0.9:5000", Up: false, Since: since, LastError: "connection refused"},
		{Job: "flask", Instance: "10.0.0.1:5000", Up: true},
		{Job: "flask", Instance: "10.0.0.2:5000", Up: true},
	}
	m, _ := newModel(t, &scripted{ov: ov})
	run(m, m.Init())
	s := screen(m)
	ls := strings.Split(s, "\n")
	if len(ls) != 24 {
		t.Errorf("%d lines on a 24-line terminal", len(ls))
	}
	if !strings.Contains(ls[0], "✕ 1 of 3 targets down since 02:54:56") || strings.Contains(s, "● live") {
		t.Errorf("header:\n%s", s)
	}
	if !strings.Contains(ls[2], "job flask2 10.0.0.9:5000 down since 02:54:56: connection refused") {
		t.Errorf("no line naming the down target:\n%s", s)
	}
}

// A refresh that runs past its interval says so instead of "live"; the
// read-only badge shows in the header.
func TestHeaderRefreshingAndReadOnly(t *testing.T) {
	src := &scripted{ov: sample()}
	m, clock := newModel(t, src)
	run(m, m.Init())
	cmd := partOf[*overviewPart](m).start()
	clock.Add(7 * time.Second)
	s := screen(m)
	if !strings.Contains(s, "↻ refreshing 7s…") || strings.Contains(s, "● live") {
		t.Errorf("a refresh 7s old:\n%s", s)
	}
	run(m, cmd)
	if s := screen(m); !strings.Contains(s, "● live") {
		t.Errorf("after the answer:\n%s", s)
	}
	reconfigure(m, func(c *vigil.Config) { c.UI.ReadOnly = true })
	if s := screen(m); !strings.Contains(strings.Split(s, "\n")[0], "read-only") {
		t.Errorf("no read-only badge:\n%s", s)
	}
}

func TestABusyRefreshMakesTheNextTickSkip(t *testing.T) {
	src := &scripted{ov: sample()}
	m, clock := newModel(t, src)
	cmd := partOf[*overviewPart](m).start() // in flight, not answered yet
	if cmd == nil || !partOf[*overviewPart](m).inflight() {
		t.Fatal("no refresh started")
	}
	clock.Add(10 * time.Second)
	_, next := m.Update(tickMsg(clock.Now()))
	if partOf[*overviewPart](m).feed.p.Due(clock.Now()) {
		t.Fatal("a refresh is due while one is running")
	}
	// The tick only schedules the next heartbeat; pressing r is refused.
	run(m, next)
	if src.calls != 0 {
		t.Fatal("the tick started a refresh while one was running")
	}
	if c := partOf[*overviewPart](m).start(); c != nil || partOf[*overviewPart](m).feed.status().Skipped != 1 {
		t.Fatalf("second refresh started (skipped %d)", partOf[*overviewPart](m).feed.status().Skipped)
	}
	m.Update(tea.KeyPressMsg{Code: 'r', Text: "r"})
	if !strings.Contains(screen(m), "still running") {
		t.Fatalf("no note that a refresh is running:\n%s", screen(m))
	}
	// Keys answer while the refresh is out.
	m.Update(tea.KeyPressMsg{Code: '?', Text: "?"})
	if !strings.Contains(screen(m), "Keys — Overview") {
		t.Fatal("help did not open while a refresh was running")
	}
	run(m, cmd)
	if partOf[*overviewPart](m).inflight() {
		t.Fatal("still in flight after the answer")
	}
}

func TestDownThenBackoffThenRecovery(t *testing.T) {
	src := &scripted{err: &query.ServerError{URL: "http://prom.example:9090", Op: "query", Err: errors.New("connection refused")}}
	m, clock := newModel(t, src)
	run(m, m.Init())
	if partOf[*overviewPart](m).conn() != connDown {
		t.Fatalf("conn %v", partOf[*overviewPart](m).conn())
	}
	s := screen(m)
	if !strings.Contains(s, "Prometheus is not answering") || !strings.Contains(s, "connection refused") || !strings.Contains(s, "prom.example:9090") {
		t.Fatalf("down screen:\n%s", s)
	}
	// Backoff: 1s, 2s, 4s, then capped at the refresh interval (5s).
	var waits []time.Duration
	for i := 0; i < 5; i++ {
		retryAt := partOf[*overviewPart](m).feed.status().RetryAt
		waits = append(waits, retryAt.Sub(clock.Now()))
		clock.Add(retryAt.Sub(clock.Now()))
		cmd := partOf[*overviewPart](m).poll(clock.Now(), false)
		if cmd == nil {
			t.Fatalf("retry %d not due at retryAt", i)
		}
		run(m, cmd)
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	if fmt.Sprint(waits) != fmt.Sprint(want) {
		t.Fatalf("backoff %v, want %v", waits, want)
	}
	// Not due before the retry time.
	clock.Add(time.Second)
	if partOf[*overviewPart](m).poll(clock.Now(), false) != nil {
		t.Fatal("retry due before its time")
	}
	// Prometheus comes back: recovered without a keypress.
	src.err, src.ov = nil, sample()
	tickAfter(m, clock, 5*time.Second)
	if partOf[*overviewPart](m).conn() != connLive || !strings.Contains(screen(m), "/api/checkout") {
		t.Fatalf("not recovered:\n%s", screen(m))
	}
}

func TestStaleKeepsDataWithItsAge(t *testing.T) {
	src := &scripted{ov: sample()}
	m, clock := newModel(t, src)
	run(m, m.Init())
	src.ov, src.err = nil, &query.ServerError{URL: "http://prom.example:9090", Op: "query", Err: errors.New("connection refused")}
	clock.Add(42 * time.Second)
	run(m, partOf[*overviewPart](m).start())
	if partOf[*overviewPart](m).conn() != connStale {
		t.Fatalf("conn %v", partOf[*overviewPart](m).conn())
	}
	s := screen(m)
	for _, want := range []string{"◐ stale 42s", "/api/checkout", "connection refused", "retry in"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	if n := len(strings.Split(strings.TrimRight(s, "\n"), "\n")); n != 24 {
		t.Errorf("%d lines", n)
	}
}

func TestPauseFreezesAndResumeCatchesUp(t *testing.T) {
	src := &scripted{ov: sample()}
	m, clock := newModel(t, src)
	run(m, m.Init())
	m.Update(tea.KeyPressMsg{Code: 'p', Text: "p"})
	if !m.paused() || !strings.Contains(screen(m), "paused since 03:00:00") {
		t.Fatalf("not paused:\n%s", screen(m))
	}
	calls := src.calls
	tickAfter(m, clock, time.Minute)
	if src.calls != calls {
		t.Fatal("refreshed while paused")
	}
	_, cmd := m.Update(tea.KeyPressMsg{Code: 'p', Text: "p"})
	run(m, cmd)
	if m.paused() || src.calls != calls+1 {
		t.Fatalf("resume did not refresh at once (calls %d→%d)", calls, src.calls)
	}
}

func TestQueryErrorsShowAndTheRestWorks(t *testing.T) {
	ov := sample()
	ov.Errors = []query.QueryError{{Name: "p99", Query: "histogram_quantile(0.99, …", Err: errors.New(`bad_data: invalid parameter "query": 1:20: parse error: unexpected ")"`)}}
	ov.Endpoints[0].P99 = math.NaN()
	m, _ := newModel(t, &scripted{ov: ov})
	run(m, m.Init())
	s := screen(m)
	if !strings.Contains(s, "p99: bad_data") || !strings.Contains(s, "/api/checkout") || partOf[*overviewPart](m).conn() != connLive {
		t.Fatalf("screen:\n%s", s)
	}
}

func TestTinyTerminalsNeverPanic(t *testing.T) {
	m, _ := newModel(t, &scripted{ov: sample()})
	run(m, m.Init())
	for _, sz := range [][2]int{{20, 5}, {0, 0}, {1, 1}, {39, 9}, {40, 10}, {80, 24}, {300, 100}, {20, 5}} {
		m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		for _, k := range []string{"?", "j", "G", "/", "x", "enter", "esc", "2", "3", "1"} {
			m.Update(tea.KeyPressMsg{Code: []rune(k)[0], Text: k})
		}
		s := m.View().Content
		for _, l := range strings.Split(s, "\n") {
			if w := ansi.StringWidth(l); w > sz[0] && sz[0] > 0 {
				t.Errorf("%dx%d: line %d wide: %q", sz[0], sz[1], w, ansi.Strip(l))
			}
		}
		if sz[0] < MinWidth || sz[1] < MinHeight {
			if !strings.Contains(ansi.Strip(s), "too small") && sz[0] > 10 {
				t.Errorf("%dx%d: no too-small note: %q", sz[0], sz[1], ansi.Strip(s))
			}
		}
	}
}

func TestQuitKeys(t *testing.T) {
	m, _ := newModel(t, &scripted{ov: sample()})
	for _, k := range []tea.KeyPressMsg{{Code: 'q', Text: "q"}, {Code: 'c', Mod: tea.ModCtrl}} {
		_, cmd := m.Update(k)
		if cmd == nil {
			t.Fatalf("%v: no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Fatalf("%v does not quit", k)
		}
	}
	// In the filter prompt q is text, ctrl+c still quits.
	m.Update(tea.KeyPressMsg{Code: '/', Text: "/"})
	if _, cmd := m.Update(tea.KeyPressMsg{Code: 'q', Text: "q"}); cmd != nil {
		if _, ok := cmd().(tea.QuitMsg); ok {
			t.Fatal("q quit while typing a filter")
		}
	}
}

func TestFlashClearsItself(t *testing.T) {
	m, clock := newModel(t, &scripted{ov: sample()})
	m.Update(views.FlashMsg{Text: "hello \x1b]0;x\x07there"})
	s := m.View().Content
	if !strings.Contains(ansi.Strip(s), "hello") || strings.Contains(s, "\x1b]0;x") {
		t.Fatalf("flash: %q", s)
	}
	clock.Add(flashTTL + time.Second)
	m.Update(tickMsg(clock.Now()))
	if strings.Contains(screen(m), "hello") {
		t.Fatal("flash did not clear")
	}
}

// With Prometheus down, the alert screens still work: the failure is one
// line there, not the whole screen.
func TestPrometheusDownLeavesTheOtherScreensUsable(t *testing.T) {
	src := &scripted{err: &query.ServerError{URL: "http://prom.example:9090", Op: "query", Err: errors.New("connection refused")}}
	m, _ := newModel(t, src)
	run(m, m.Init())
	if !strings.Contains(screen(m), "Prometheus is not answering") {
		t.Fatalf("overview:\n%s", screen(m))
	}
	m.Update(tea.KeyPressMsg{Code: '2', Text: "2"})
	s := screen(m)
	if strings.Contains(s, "Prometheus is not answering") || !strings.Contains(s, "connection refused") || !strings.Contains(s, "SEV") {
		t.Fatalf("alerts screen while Prometheus is down:\n%s", s)
	}
	if n := len(strings.Split(strings.TrimRight(s, "\n"), "\n")); n != 24 {
		t.Errorf("%d lines", n)
	}
}

// comparing records the baseline offsets it was asked for.
type comparing struct {
	scripted
	offsets []time.Duration
}

func (c *comparing) OverviewAt(ctx context.Context, s query.Shape, _ time.Time) (*query.Overview, error) {
	return c.Overview(ctx, s)
}

func (c *comparing) BaselineAt(_ context.Context, _ query.Shape, off time.Duration, _ time.Time) (*query.Baseline, error) {
	c.offsets = append(c.offsets, off)
	return &query.Baseline{Offset: off, ErrorRatio: map[string]float64{"/api/checkout": 0.05}, P99: map[string]float64{}}, nil
}

func TestCompareFetchesTheBaselineWithTheOverview(t *testing.T) {
	src := &comparing{scripted: scripted{ov: sample()}}
	m, _ := newModel(t, src, func(o *Options) { o.Baseline = src })
	run(m, m.Init())
	if len(src.offsets) != 0 {
		t.Fatal("baseline fetched with the comparison off")
	}
	_, cmd := m.Update(tea.KeyPressMsg{Code: 'c', Text: "c"})
	run(m, cmd)
	if len(src.offsets) != 1 || src.offsets[0] != 24*time.Hour {
		t.Fatalf("offsets %v", src.offsets)
	}
	var got float64 = -1
	for _, e := range partOf[*overviewPart](m).screen.Rows() {
		if e.Name == "/api/checkout" {
			got = e.ErrorRatioChange
		}
	}
	if math.Abs(got-0.25) > 1e-9 {
		t.Fatalf("checkout change %v, want 0.25", got)
	}
}
