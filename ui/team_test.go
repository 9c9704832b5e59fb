package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/grafana"
	"github.com/vigilterm/vigil/ui/team"
)

// countedOverview is an OverviewSource that counts its calls, safe for
// several consoles at once.
type countedOverview struct {
	calls atomic.Int64
	ov    *query.Overview
}

func (c *countedOverview) Overview(context.Context, query.Shape) (*query.Overview, error) {
	c.calls.Add(1)
	return c.ov, nil
}
func (c *countedOverview) URL() string { return "http://prom.example:9090" }

// teamAM is an Alertmanager whose alerts the test changes while consoles
// read them.
type teamAM struct {
	countingAM
	mu     sync.Mutex
	active []query.Alert
	calls  atomic.Int64
}

func (a *teamAM) Alerts(context.Context) ([]query.Alert, error) {
	a.calls.Add(1)
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]query.Alert(nil), a.active...), nil
}

func (a *teamAM) set(as []query.Alert) {
	a.mu.Lock()
	a.active = as
	a.mu.Unlock()
}

func firingAlert(name, path string) query.Alert {
	return query.Alert{Name: name, Severity: "critical", State: query.StateFiring, Source: query.SourceAlertmanager,
		Labels:      map[string]string{"alertname": name, "severity": "critical", "path": path},
		Annotations: map[string]string{"summary": name + " summary"}}
}

// teamModel is a console of team, joined as id, on the given sources.
func teamModel(t *testing.T, tm *team.Team, id team.Identity, with ...func(*Options)) (*Model, *team.Member) {
	m, member, _ := teamModelClock(t, tm, id, with...)
	return m, member
}

func teamModelClock(t *testing.T, tm *team.Team, id team.Identity, with ...func(*Options)) (*Model, *team.Member, *fakeClock) {
	t.Helper()
	member := tm.Join(id)
	t.Cleanup(member.Leave)
	m, clock := newModel(t, nil, append([]func(*Options){func(o *Options) { o.Team, o.Member = tm, member }}, with...)...)
	return m, member, clock
}

// Three consoles of one Team on the overview ask Prometheus once per
// refresh, not three times; each shows the answer. The poller leaves the
// Team when the last console holding it leaves.
func TestTeamSharesOnePollerAcrossConsoles(t *testing.T) {
	tm := team.New()
	src := &countedOverview{ov: sample()}
	var ds []*driven
	var members []*team.Member
	var clocks []*fakeClock
	for _, name := range []string{"ann", "bob", "cy"} {
		m, member, clock := teamModelClock(t, tm, team.Identity{Name: name}, func(o *Options) { o.Overview = src })
		d := drive(t, m, false)
		ds = append(ds, d)
		members = append(members, member)
		clocks = append(clocks, clock)
	}
	for _, d := range ds {
		d.start()
	}
	for _, d := range ds {
		d.waitScreen(t, 3*time.Second, "the overview on every console", func(s string) bool {
			return strings.Contains(s, "/api/checkout") && strings.Contains(s, "3 watching")
		})
	}
	if n := src.calls.Load(); n != 1 {
		t.Errorf("3 consoles started: %d overview refreshes, want 1", n)
	}
	// A refresh due: every console's heartbeat comes, one refresh runs.
	for _, c := range clocks {
		c.Add(6 * time.Second)
	}
	for _, d := range ds {
		d.send(tickMsg(clocks[0].Now()))
	}
	demotest.EventuallyTrue(t, 10*time.Second, "the refresh due", func() bool { return src.calls.Load() >= 2 })
	// A moment for a second refresh that should not come.
	time.Sleep(200 * time.Millisecond)
	if n := src.calls.Load(); n != 2 {
		t.Errorf("one refresh due seen by 3 consoles: %d refreshes in all, want 2", n)
	}
	if n := tm.SharedPollers(); n == 0 {
		t.Fatal("no shared poller while consoles are open")
	}
	members[0].Leave()
	members[1].Leave()
	if n := tm.SharedPollers(); n == 0 {
		t.Error("the last console's pollers were released while it is open")
	}
	members[2].Leave()
	if n := tm.SharedPollers(); n != 0 {
		t.Errorf("%d shared pollers left after every console left, want 0", n)
	}
	if w := tm.Watching(); w != 0 {
		t.Errorf("%d watching after all left", w)
	}
}

// A console with no Team is the console of one: no "watching", no poller
// shared, w and i are not its keys.
func TestNoTeamIsTheConsoleOfOne(t *testing.T) {
	src := &countedOverview{ov: sample()}
	m, _ := newModel(t, src)
	run(m, m.Init())
	press(m, "w")
	s := screen(m)
	if strings.Contains(s, "watching") || strings.Contains(s, "Who is watching") {
		t.Errorf("a console of one speaks of watchers:\n%s", s)
	}
	if m.link != nil {
		t.Error("a console of one is linked to a team")
	}
}

// blockingQuerier answers after release is closed, counting its calls.
type blockingQuerier struct {
	calls   atomic.Int64
	release chan struct{}
	fail    atomic.Bool
}

func (b *blockingQuerier) Query(ctx context.Context, expr string, at time.Time) (model.Value, v1.Warnings, error) {
	b.calls.Add(1)
	return model.Vector{}, nil, nil
}

func (b *blockingQuerier) QueryRange(ctx context.Context, expr string, r v1.Range) (model.Value, v1.Warnings, error) {
	b.calls.Add(1)
	select {
	case <-b.release:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	if b.fail.Load() {
		return nil, nil, errors.New("boom")
	}
	return model.Matrix{}, nil, nil
}

// Ten consoles asking the same range query at the same step while it is on
// its way send it once; an answer is kept for a step, then asked again; a
// failure is shared with those waiting but never kept; another step is
// another query.
func TestTeamQueryCacheSharesTheSameQuery(t *testing.T) {
	now := time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	tm := team.NewAt(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	b := &blockingQuerier{release: make(chan struct{})}
	q := sharedQuerier(b, tm.Share, tm.Now, "prod")
	r := query.RangeFor(time.Hour, now)
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, _, err := q.QueryRange(ctx, "up", r)
			errs <- err
		}()
	}
	demotest.EventuallyTrue(t, 10*time.Second, "9 callers waiting on the first one's query", func() bool { return tm.QueriesSaved() >= 9 })
	close(b.release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := b.calls.Load(); n != 1 {
		t.Errorf("10 consoles, same query: %d sent, want 1", n)
	}
	if n := tm.QueriesSaved(); n != 9 {
		t.Errorf("queries saved %d, want 9", n)
	}
	// Kept for a step.
	if _, _, err := q.QueryRange(context.Background(), "up", r); err != nil || b.calls.Load() != 1 {
		t.Errorf("asked again within the step: %d sent (err %v), want the kept answer", b.calls.Load(), err)
	}
	// Another query, another step: asked.
	q.QueryRange(context.Background(), "up", query.RangeFor(6*time.Hour, now))
	if n := b.calls.Load(); n != 2 {
		t.Errorf("another step: %d sent in all, want 2", n)
	}
	advance(r.Step + time.Second)
	q.QueryRange(context.Background(), "up", r)
	if n := b.calls.Load(); n != 3 {
		t.Errorf("after the step: %d sent in all, want 3 (the answer expired)", n)
	}
	// A failure is not kept.
	b.fail.Store(true)
	r2 := query.RangeFor(2*time.Hour, now)
	if _, _, err := q.QueryRange(context.Background(), "up", r2); err == nil {
		t.Fatal("the failure was not passed on")
	}
	b.fail.Store(false)
	if _, _, err := q.QueryRange(context.Background(), "up", r2); err != nil {
		t.Errorf("a failure was kept: %v", err)
	}
	if n := b.calls.Load(); n != 5 {
		t.Errorf("%d sent in all, want 5", n)
	}
}

// A waiter whose own deadline ends stops waiting, and the query goes on
// for the one who asked first.
func TestTeamQueryCacheWaiterLeavesAlone(t *testing.T) {
	tm := team.New()
	b := &blockingQuerier{release: make(chan struct{})}
	q := sharedQuerier(b, tm.Share, tm.Now, "prod")
	r := query.RangeFor(time.Hour, time.Now())
	first := make(chan error, 1)
	go func() {
		_, _, err := q.QueryRange(context.Background(), "up", r)
		first <- err
	}()
	demotest.EventuallyTrue(t, 10*time.Second, "the first query sent", func() bool { return b.calls.Load() > 0 })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := q.QueryRange(ctx, "up", r); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiter past its deadline: %v", err)
	}
	close(b.release)
	if err := <-first; err != nil {
		t.Errorf("the first caller's query failed: %v", err)
	}
}

// detailCounter counts detail refreshes and records their requests.
type detailCounter struct {
	mu   sync.Mutex
	reqs []query.DetailRequest
}

func (d *detailCounter) Detail(_ context.Context, _ query.Shape, r query.DetailRequest) (*query.Detail, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.reqs = append(d.reqs, r)
	return &query.Detail{Request: r}, nil
}

// Two people on the same endpoint's detail within one second share one
// refresh, its range ending at that second (the newest samples in it); a
// second later is another refresh, and so is another width.
func TestTeamDetailSharedWithinASecond(t *testing.T) {
	now := time.Date(2026, 11, 24, 3, 0, 17, 100e6, time.UTC)
	tm := team.NewAt(func() time.Time { return now })
	src := &detailCounter{}
	d := sharedDetail{src: src, share: tm.Share, now: tm.Now, scope: "prod"}
	req := query.DetailRequest{Endpoint: "/api/checkout", Range: time.Hour, Columns: 60}
	d.Detail(context.Background(), query.Shape{}, req)
	now = now.Add(800 * time.Millisecond)
	d.Detail(context.Background(), query.Shape{}, req)
	if len(src.reqs) != 1 {
		t.Fatalf("same detail in one second: %d refreshes, want 1", len(src.reqs))
	}
	if end, want := src.reqs[0].End, now.Truncate(time.Second); !end.Equal(want) {
		t.Errorf("range ends at %s, want %s: the newest samples lost", end, want)
	}
	now = now.Add(time.Second)
	d.Detail(context.Background(), query.Shape{}, req)
	if len(src.reqs) != 2 || !src.reqs[1].End.Equal(now.Truncate(time.Second)) {
		t.Fatalf("a second later: %d refreshes (want 2), the last ending at %s", len(src.reqs), src.reqs[len(src.reqs)-1].End)
	}
	req.Columns = 100
	d.Detail(context.Background(), query.Shape{}, req)
	if len(src.reqs) != 3 {
		t.Errorf("another width: %d refreshes, want 3", len(src.reqs))
	}
	if tm.QueriesSaved() != 1 {
		t.Errorf("saved %d, want 1", tm.QueriesSaved())
	}
}

// A dashboard's source through the cache still says its scrape interval:
// without it a dashboard takes Grafana's 15 s and marks rate windows of a
// faster scrape as short.
func TestSharedDashboardsKeepScrapeInterval(t *testing.T) {
	c := query.NewCache(time.Now)
	o := &Options{DashboardSource: scrapeSource{d: 2 * time.Second}}
	shareSources(o, c.Share, nil, "prod")
	if _, ok := o.DashboardSource.(sharedDashboards); !ok {
		t.Fatalf("the dashboards' source is not shared: %T", o.DashboardSource)
	}
	got, err := grafana.ScrapeOf(context.Background(), o.DashboardSource)
	if err != nil || got != 2*time.Second {
		t.Errorf("scrape interval through the cache: %s, %v; want 2s", got, err)
	}
	o = &Options{DashboardSource: scrapeSource{}}
	shareSources(o, c.Share, nil, "prod")
	if got, err := grafana.ScrapeOf(context.Background(), o.DashboardSource); err == nil || got != grafana.DefaultScrapeInterval {
		t.Errorf("a source that does not know: %s, %v; want Grafana's default with a reason", got, err)
	}
}

// scrapeSource is a dashboards' source that knows its scrape interval
// (none when d is 0); it answers no query.
type scrapeSource struct{ d time.Duration }

func (s scrapeSource) QueryRange(context.Context, string, v1.Range) (model.Value, v1.Warnings, error) {
	return nil, nil, errors.New("no query here")
}

func (s scrapeSource) Query(context.Context, string, time.Time) (model.Value, v1.Warnings, error) {
	return nil, nil, errors.New("no query here")
}

func (s scrapeSource) LabelValues(context.Context, string, []string, time.Time, time.Time) ([]string, error) {
	return nil, errors.New("no label values here")
}

func (s scrapeSource) ScrapeInterval(context.Context) (time.Duration, error) {
	if s.d == 0 {
		return 0, errors.New("no target says")
	}
	return s.d, nil
}

// Two consoles see each other at once: "2 watching" in the header, the
// other on the list of who is watching with the screen and the alert
// selected; a claim made in one shows in the other on the alert's row and
// in its detail; it ends when given up, when the alert resolves, and when
// its person leaves. Hostile names never reach the screen raw.
func TestTeamPresenceAndClaimsReachTheOthers(t *testing.T) {
	tm := team.New()
	src := &countedOverview{ov: sample()}
	am := &teamAM{}
	am.set([]query.Alert{firingAlert("HighErrorRate", "/api/checkout"), firingAlert("SlowSearch", "/api/search")})
	with := func(o *Options) { o.Overview, o.Alertmanager = src, am }
	ma, memberA := teamModel(t, tm, team.Identity{Name: "ann", Role: "sre\x1b]0;pwned\x07", Remote: "10.0.0.7:5522"}, with)
	mb, _ := teamModel(t, tm, team.Identity{Name: "bob", Role: "dev", Remote: "10.0.0.8:40022"}, with)
	a, b := drive(t, ma, false), drive(t, mb, false)
	a.start()
	b.start()
	b.waitScreen(t, 10*time.Second, "2 watching in bob's header", func(s string) bool { return strings.Contains(s, "2 watching") })

	a.send(keyMsg("2"))
	a.waitScreen(t, 10*time.Second, "ann's alerts", func(s string) bool { return strings.Contains(s, "HighErrorRate") })
	b.send(keyMsg("w"))
	s := b.waitScreen(t, 10*time.Second, "ann on the alerts, in bob's list", func(s string) bool {
		return strings.Contains(s, "Who is watching (2)") && strings.Contains(s, "alert HighErrorRate")
	})
	for _, want := range []string{"ann", "sre", "10.0.0.7:5522", "Alerts", "▸ bob"} {
		if !strings.Contains(s, want) {
			t.Errorf("bob's list lacks %q:\n%s", want, s)
		}
	}
	b.send(keyMsg("w")) // closes the list

	// ann claims the selected alert; bob sees it on its row.
	a.send(keyMsg("i"))
	b.send(keyMsg("2"))
	s = b.waitScreen(t, 10*time.Second, "ann's claim on bob's alerts", func(s string) bool {
		return strings.Contains(s, "is on it")
	})
	if !strings.Contains(s, "ann is on it · <1m") {
		t.Errorf("the claim does not name ann:\n%s", s)
	}
	for _, raw := range []string{"\x1b]0;", "\x07"} {
		if strings.Contains(b.screen(), raw) || strings.Contains(a.screen(), raw) {
			t.Errorf("a raw control %q reached the screen", raw)
		}
	}
	// bob opens the alert: the detail says who is on it.
	b.send(keyMsg("enter"))
	b.waitScreen(t, 10*time.Second, "the claim in bob's detail", func(s string) bool {
		return strings.Contains(s, "claimed") && strings.Contains(s, "ann is on it")
	})
	b.send(keyMsg("esc"))
	// ann gives it up: gone from bob's list.
	a.send(keyMsg("i"))
	b.waitScreen(t, 10*time.Second, "the claim gone from bob's list", func(s string) bool {
		return strings.Contains(s, "HighErrorRate") && !strings.Contains(s, "is on it")
	})
	// Claimed again, then the alert resolves: the claim ends.
	a.send(keyMsg("i"))
	b.waitScreen(t, 10*time.Second, "ann's claim again", func(s string) bool { return strings.Contains(s, "ann is on it") })
	am.set([]query.Alert{firingAlert("SlowSearch", "/api/search")})
	a.with(func(m *Model) { a.exec(partOf[*alertsPart](m).refresh()) })
	demotest.Eventually(t, 10*time.Second, "no claim after the alert resolved", func() (bool, string) {
		n := tm.Claims()
		return n == 0, fmt.Sprintf("%d claims", n)
	})
	// bob claims the other alert, once his list no longer has the
	// resolved one (a claim sent before would be on HighErrorRate); bob
	// leaves: the claim ends, ann's header no longer says 2 watching.
	b.waitScreen(t, 10*time.Second, "the resolved alert gone from bob's list", func(s string) bool {
		return strings.Contains(s, "SlowSearch") && !strings.Contains(s, "HighErrorRate")
	})
	b.send(keyMsg("i"))
	a.waitScreen(t, 10*time.Second, "bob's claim on ann's list", func(s string) bool { return strings.Contains(s, "bob is on it") })
	b.close()
	mb.link.member.Leave()
	a.waitScreen(t, 10*time.Second, "bob gone", func(s string) bool {
		return !strings.Contains(s, "bob is on it") && !strings.Contains(s, "watching")
	})
	_ = memberA
}

// A change in the Team never blocks on a console that does not read its
// wake-ups: each has one coalesced wake-up.
func TestTeamWakeNeverBlocks(t *testing.T) {
	tm := team.New()
	deaf := tm.Join(team.Identity{Name: "deaf"})
	deaf.Listen() // never read
	other := tm.Join(team.Identity{Name: "other"})
	done := make(chan struct{})
	go func() {
		for i := range 1000 {
			other.SetWhere(team.Where{Screen: "Overview", Endpoint: string(rune('a' + i%26))})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("presence changes blocked on a console that does not listen")
	}
	deaf.Leave()
	other.Leave()
}

var _ tea.Msg = teamWokeMsg{}

// Two people showing the custom panels at the same moment send each
// panel's query once: the panels' poller is shared, and a query asked by
// both at the same step is asked once.
func TestTeamPanelsQueriedOnceForTwo(t *testing.T) {
	tm := team.New()
	src := &querySource{scripted: scripted{ov: sample()}}
	var ds []*driven
	for _, name := range []string{"ann", "bob"} {
		m, _ := teamModel(t, tm, team.Identity{Name: name}, func(o *Options) {
			// The failing panel left out: a failure is never kept, so a
			// second refresh would ask it again.
			o.Config.Panels = panelConfig()[:3]
			o.Overview, o.Querier = src, src
		})
		m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
		ds = append(ds, drive(t, m, false))
	}
	for _, d := range ds {
		d.start()
	}
	for _, d := range ds {
		d.send(keyMsg("4"))
	}
	for _, d := range ds {
		d.waitScreen(t, 3*time.Second, "the panels", func(s string) bool { return strings.Contains(s, "hello-world") })
	}
	time.Sleep(100 * time.Millisecond)
	if i, r := src.counts(); i != 2 || r != 1 {
		t.Errorf("two people on the panels: %d instant and %d range queries, want 2 and 1 (one refresh)", i, r)
	}
}

// swappedOverview answers whatever overview the test set last.
type swappedOverview struct {
	ov atomic.Pointer[query.Overview]
}

func (s *swappedOverview) Overview(context.Context, query.Shape) (*query.Overview, error) {
	return s.ov.Load(), nil
}
func (s *swappedOverview) URL() string { return "http://prom.example:9090" }

// A console paused keeps its figures frozen while the others' shared
// refreshes go on; resumed, it shows the newest at once.
func TestTeamPausedConsoleStaysFrozen(t *testing.T) {
	tm := team.New()
	src := &swappedOverview{}
	src.ov.Store(sample())
	ma, _, clockA := teamModelClock(t, tm, team.Identity{Name: "ann"}, func(o *Options) { o.Overview = src })
	mb, _, clockB := teamModelClock(t, tm, team.Identity{Name: "bob"}, func(o *Options) { o.Overview = src })
	a, b := drive(t, ma, false), drive(t, mb, false)
	a.start()
	b.start()
	a.waitScreen(t, 3*time.Second, "ann's overview", func(s string) bool { return strings.Contains(s, "/api/checkout") })
	a.send(keyMsg("p"))
	a.waitScreen(t, 3*time.Second, "ann paused", func(s string) bool { return strings.Contains(s, "paused") })

	next := sample()
	next.Endpoints = append(next.Endpoints, query.Endpoint{Name: "/api/new-endpoint", RPS: 1})
	src.ov.Store(next)
	clockA.Add(6 * time.Second)
	clockB.Add(6 * time.Second)
	b.send(tickMsg(clockB.Now()))
	b.waitScreen(t, 3*time.Second, "bob's refresh", func(s string) bool { return strings.Contains(s, "/api/new-endpoint") })
	time.Sleep(100 * time.Millisecond)
	if s := a.screen(); strings.Contains(s, "/api/new-endpoint") {
		t.Fatalf("a paused console took a shared refresh:\n%s", s)
	}
	a.send(keyMsg("p"))
	a.waitScreen(t, 3*time.Second, "ann resumed on the newest", func(s string) bool { return strings.Contains(s, "/api/new-endpoint") })
}

// A console that joins later shows what the others see at once, without
// asking Prometheus again.
func TestTeamLatecomerStartsFromTheLastAnswer(t *testing.T) {
	tm := team.New()
	src := &countedOverview{ov: sample()}
	ma, _ := teamModel(t, tm, team.Identity{Name: "ann"}, func(o *Options) { o.Overview = src })
	a := drive(t, ma, false)
	a.start()
	a.waitScreen(t, 3*time.Second, "ann's overview", func(s string) bool { return strings.Contains(s, "/api/checkout") })
	mb, _ := teamModel(t, tm, team.Identity{Name: "bob"}, func(o *Options) { o.Overview = src })
	b := drive(t, mb, false)
	b.start()
	b.waitScreen(t, 3*time.Second, "bob's overview", func(s string) bool { return strings.Contains(s, "/api/checkout") })
	if n := src.calls.Load(); n != 1 {
		t.Errorf("a latecomer made %d refreshes in all, want 1", n)
	}
}

// Each shared feed registers its own taker when it is made, one a shared
// poller, so that no screen can forget team mode; a feed let go drops it.
func TestTeamEverySharedFeedTakes(t *testing.T) {
	tm := team.New()
	m, member := teamModel(t, tm, team.Identity{Name: "ann"})
	takers := func() int {
		m.link.takersMu.Lock()
		defer m.link.takersMu.Unlock()
		return len(m.link.takers)
	}
	if n, p := takers(), tm.SharedPollers(); n == 0 || n != p {
		t.Fatalf("%d takers for %d shared pollers of one console", n, p)
	}
	member.Leave()
	if n := takers(); n != 0 {
		t.Fatalf("%d takers left after the console left", n)
	}
}

// partialDetail answers every detail with one chart's query failed.
type partialDetail struct{ calls int }

func (d *partialDetail) Detail(_ context.Context, _ query.Shape, r query.DetailRequest) (*query.Detail, error) {
	d.calls++
	return &query.Detail{Request: r, Errors: []query.QueryError{{Name: "latency", Err: errors.New("timeout")}}}, nil
}

// A detail whose chart query failed is shown as it came, and not kept:
// the next refresh within the step asks again.
func TestSharedDetailPartialNotKept(t *testing.T) {
	now := time.Date(2026, 12, 7, 3, 0, 17, 0, time.UTC)
	c := query.NewCache(func() time.Time { return now })
	src := &partialDetail{}
	d := sharedDetail{src: src, share: c.Share, now: func() time.Time { return now }, scope: "prod"}
	req := query.DetailRequest{Endpoint: "/api/checkout", Range: time.Hour, Columns: 60}
	for i := range 2 {
		det, err := d.Detail(context.Background(), query.Shape{}, req)
		if err != nil || det == nil || len(det.Errors) != 1 {
			t.Fatalf("refresh %d: %+v, %v: want the detail with its failed chart", i, det, err)
		}
	}
	if src.calls != 2 || c.Kept() != 0 {
		t.Errorf("a partial detail: %d refreshes asked, %d kept; want 2 asked, none kept", src.calls, c.Kept())
	}
}
