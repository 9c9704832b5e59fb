package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// heavyMarker names the heavy queries in Prometheus's query log.
const heavyMarker = "vigil_heavy"

// heavyQuery keeps Prometheus busy for seconds on the demo's data, and the
// same on any of it ten seconds old or more: the 99th percentile of every
// endpoint's requests so far (histogram_quantile over the raw buckets, some
// 500 series) at each millisecond of the last ten seconds, 10,000 steps.
// It costs Prometheus about 100 MB while it runs (the buckets at every
// step), and its work is done step by step, where Prometheus checks the
// query's timeout: a query whose time goes into one step of a range
// function (quantile_over_time over a subquery of one series, say) is not
// stopped by its timeout in Prometheus 2.x and may run for minutes.
const heavyQuery = `max(max_over_time(histogram_quantile(0.99, flask_http_request_duration_seconds_bucket{job!="` + heavyMarker + `"})[10s:1ms]))`

// loggedQuery is one API query of Prometheus's query log: its text, its
// evaluation time, and when it ran in Prometheus (from its queue to its
// end).
type loggedQuery struct {
	expr       string
	eval       time.Duration
	start, end time.Time
}

// loggedQueries reads the API queries Prometheus logged after offset.
func loggedQueries(t *testing.T, path string, offset int64) []loggedQuery {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil || int64(len(data)) < offset {
		return nil
	}
	var out []loggedQuery
	sc := bufio.NewScanner(bytes.NewReader(data[offset:]))
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		var e struct {
			TS          time.Time `json:"ts"`
			HTTPRequest *struct{} `json:"httpRequest"`
			Params      struct {
				Query string `json:"query"`
			} `json:"params"`
			Stats struct {
				Timings struct {
					EvalTotalTime float64 `json:"evalTotalTime"`
					ExecTotalTime float64 `json:"execTotalTime"`
				} `json:"timings"`
			} `json:"stats"`
		}
		// The last line may be half written; rule evaluations have no
		// httpRequest.
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.HTTPRequest == nil {
			continue
		}
		exec := time.Duration(e.Stats.Timings.ExecTotalTime * float64(time.Second))
		out = append(out, loggedQuery{expr: e.Params.Query, eval: time.Duration(e.Stats.Timings.EvalTotalTime * float64(time.Second)),
			start: e.TS.Add(-exec), end: e.TS})
	}
	return out
}

// heavyOnes are the heavy queries among qs: the prompt's count of their
// series before they are sent (label_replace(count(...))) is not one.
func heavyOnes(qs []loggedQuery) []loggedQuery {
	var out []loggedQuery
	for _, q := range qs {
		if strings.Contains(q.expr, heavyMarker) && !isCostCount(q.expr) {
			out = append(out, q)
		}
	}
	return out
}

// isCostCount is whether expr is the prompt's count of a query's series
// (query.SeriesCountQuery).
func isCostCount(expr string) bool { return strings.HasPrefix(expr, "label_replace(count(") }

// mostAtOnce is the most queries of qs that ran in Prometheus at the
// same time.
func mostAtOnce(qs []loggedQuery) int {
	type edge struct {
		at    time.Time
		delta int
	}
	var edges []edge
	for _, q := range qs {
		edges = append(edges, edge{q.start, 1}, edge{q.end, -1})
	}
	// An end before a start at the same instant: one query after another.
	slices.SortFunc(edges, func(a, b edge) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.delta - b.delta
	})
	n, most := 0, 0
	for _, e := range edges {
		n += e.delta
		most = max(most, n)
	}
	return most
}

// overviewEval is the mean evaluation time of the consoles' own queries
// among qs (the heavy ones and the prompt's vector() left out), and how
// many there were.
func overviewEval(qs []loggedQuery) (time.Duration, int) {
	var sum time.Duration
	n := 0
	for _, q := range qs {
		if !strings.Contains(q.expr, heavyMarker) && !strings.HasPrefix(q.expr, "vector(") {
			sum += q.eval
			n++
		}
	}
	if n == 0 {
		return 0, 0
	}
	return sum / time.Duration(n), n
}

// promptCount is the number of a person's prompt queries with that result
// in /metrics (0 when none yet).
func (s *served) promptCount(person, result string) int {
	v, _ := strconv.ParseFloat(s.metric(fmt.Sprintf(`vigil_serve_prompt_queries_total{person=%q,result=%q}`, person, result)), 64)
	return int(v)
}

// promptTeam is a served team on the demo stack with Prometheus's query
// log: bob (a silencer) watching the overview at 120 columns, and two
// viewers, ann and dan, at width columns, each live; extra are vigil
// serve's arguments after the console's. idle is the mean evaluation of
// the overview's queries over the first n logged after that: by their
// end, the demo has the ten seconds of data the heavy query reads.
type promptTeam struct {
	stack         *demo.Stack
	srv           *served
	bob, ann, dan *pane
	logPath       string
	idle          time.Duration
	nIdle         int
}

func newPromptTeam(t *testing.T, width, n int, extra ...string) *promptTeam {
	t.Helper()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 7}, QueryLog: true})
	dir, keysFile, keys := serveTeam(t)
	keys["dan"] = sshKey(t, dir, "dan")
	data, err := os.ReadFile(keysFile)
	must(t, err)
	must(t, os.WriteFile(keysFile, append(data, []byte(authorizedLine(t, keys["dan"], "", "dan")+"\n")...), 0o600))
	tm := &promptTeam{stack: stack, srv: startServe(t, t.TempDir(), keysFile, consoleArgs(stack, extra...)...), logPath: stack.QueryLogPath()}
	kh := filepath.Join(dir, "known_hosts")
	tm.bob = tm.srv.connect(120, 30, keys["bob"], kh, false)
	tm.bob.waitText(40*time.Second, "● live", "/api/checkout")
	tm.ann = tm.srv.connect(width, 30, keys["ann"], kh, false)
	tm.ann.waitText(40*time.Second, "● live")
	tm.dan = tm.srv.connect(width, 30, keys["dan"], kh, false)
	tm.dan.waitText(40*time.Second, "● live")
	idleFrom := demotest.QueryLogSize(t, tm.logPath)
	demoWait(t, 90*time.Second, func() bool { _, got := overviewEval(loggedQueries(t, tm.logPath, idleFrom)); return got >= n })
	tm.idle, tm.nIdle = overviewEval(loggedQueries(t, tm.logPath, idleFrom))
	return tm
}

// typeHeavy opens each viewer's prompt and types the heavy query, unsent.
func (tm *promptTeam) typeHeavy() {
	for _, p := range []*pane{tm.ann, tm.dan} {
		p.keys(":")
		p.waitText(10*time.Second, "enter run")
		p.typeText(heavyQuery)
		p.waitText(20*time.Second, "[10s:1ms]))")
	}
}

// Two viewers send heavy PromQL from the prompt at once. The budget (the
// numbers docs/serving.md promises, not the constants, so that raising one
// fails here) runs at most two at once for one person and two for the
// team, which Prometheus's
// own query log shows; past it each person reads why on screen; each query
// is bounded in Prometheus by the timeout; past four in a row a person
// reads that the rate is spent; and the third console's overview keeps
// refreshing. The cost shows in /metrics by person.
//
// The heavy query costs 5,000,000 series-steps, above the default
// serve.prompt_max_series_steps: this test raises the limit, so that the
// queries run and the budget's other limits are what holds them
// (TestE2EServePromptCost keeps the default).
func TestE2EServePromptBudget(t *testing.T) {
	cfgPath := filepath.Join(t.TempDir(), "config.toml")
	must(t, os.WriteFile(cfgPath, []byte("[serve]\nprompt_max_series_steps = 1000000000000\n"), 0o600))
	tm := newPromptTeam(t, 160, 40, "--config", cfgPath)
	srv, bob, ann, dan, logPath, idle, nIdle := tm.srv, tm.bob, tm.ann, tm.dan, tm.logPath, tm.idle, tm.nIdle

	// Both viewers type the heavy query. ann sends it twice: both run. While
	// they run, she sends it a third time, changed (so that the answers of
	// the first two, to another text, leave the refusal on her screen), and
	// dan sends it: refused for her, and for the team.
	tm.typeHeavy()
	loadFrom := demotest.QueryLogSize(t, logPath)
	ann.keys("Enter")
	ann.keys("Enter")
	srv.waitMetric(`vigil_serve_prompt_running{person="ann"}`, "2", 20*time.Second)
	dan.keys("Enter")
	ann.typeText(" > 0")
	ann.waitText(10*time.Second, "1ms])) > 0")
	ann.keys("Enter")

	// Refused, or (the budget broken) answered, or cut by the timeout.
	answered := func(s string) bool {
		return strings.Contains(s, "query not run") || strings.Contains(s, "series · sorted") || strings.Contains(s, "✕")
	}
	s := ann.waitFor("ann's third query refused or answered", 60*time.Second, answered)
	if !strings.Contains(s, "query not run: 2 of your queries are still running") {
		t.Errorf("ann's third query is not refused as her own 2 running:\n%s", s)
	}
	s = dan.waitFor("dan's query refused or answered", 60*time.Second, answered)
	if !strings.Contains(s, "query not run: 2 ad-hoc queries of the team are running") {
		t.Errorf("dan's query is not refused for the team's running ones:\n%s", s)
	}

	// The heavy queries let through end, done or cut by the timeout.
	var admitted int
	demoWait(t, 90*time.Second, func() bool {
		admitted = srv.promptCount("ann", "ok") + srv.promptCount("ann", "failed") + srv.promptCount("dan", "ok") + srv.promptCount("dan", "failed")
		return admitted >= 2 && len(heavyOnes(loggedQueries(t, logPath, loadFrom))) >= admitted
	})
	qs := loggedQueries(t, logPath, loadFrom)
	heavy := heavyOnes(qs)
	first, last, longest := heavy[0].start, heavy[0].end, time.Duration(0)
	for _, q := range heavy {
		first, last, longest = minTime(first, q.start), maxTime(last, q.end), max(longest, q.eval)
	}
	var during []loggedQuery
	for _, q := range qs {
		if !strings.Contains(q.expr, heavyMarker) && q.end.After(first) && q.end.Before(last) {
			during = append(during, q)
		}
	}
	loaded, nLoaded := overviewEval(during)
	t.Logf("overview queries: idle %s mean over %d; while the heavy ones ran (%s) %s mean over %d; heavy queries %d, at most %d at once, the longest %s (timeout 10s)",
		idle, nIdle, last.Sub(first).Round(time.Millisecond), loaded, nLoaded, len(heavy), mostAtOnce(heavy), longest.Round(time.Millisecond))
	if n := mostAtOnce(heavy); n > 2 {
		t.Errorf("Prometheus ran %d of the prompt's queries at once, above the team's 2", n)
	}
	if len(heavy) != admitted {
		t.Errorf("Prometheus logged %d heavy queries, the budget let %d through", len(heavy), admitted)
	}
	if longest < time.Second {
		t.Fatalf("the heavy query took %s in Prometheus: it loads nothing, the test measures nothing", longest)
	}
	if longest > 12*time.Second {
		t.Errorf("a prompt query ran %s in Prometheus, above the 10s timeout", longest)
	}
	if nLoaded == 0 {
		t.Errorf("no overview query was answered while the heavy ones ran (%s)", last.Sub(first))
	}
	if v := srv.metric(`vigil_serve_prompt_query_seconds_total{person="ann"}`); v == "" || v == "0" {
		t.Errorf("ann's prompt cost is not in /metrics (%q)", v)
	}

	// Quick queries one after another: past the burst, ann is told the
	// rate is spent. Each is vector(n), so its answer is told apart on
	// screen.
	refused := false
	for i := 1; i <= 14 && !refused; i++ {
		if i == 1 {
			// The prompt is open on the refused text: cleared.
			ann.keys("C-u")
		} else {
			// Opened on the last text, selected: typing replaces it.
			ann.keys(":")
			ann.waitText(10*time.Second, "enter run")
		}
		n := fmt.Sprint(4200 + i)
		ann.typeText("vector(" + n + ")")
		ann.waitText(10*time.Second, ": vector("+n+")")
		ann.keys("Enter")
		s := ann.waitFor("the answer to vector("+n+")", 30*time.Second, func(s string) bool {
			return strings.Contains(s, "queries a minute") || strings.Contains(s, " "+n)
		})
		if refused = strings.Contains(s, "queries a minute"); refused {
			t.Logf("ann's query %d is refused:\n%s", i, s)
			if !strings.Contains(s, "query not run: at most 12 queries a minute") {
				t.Errorf("the refusal does not say the rate:\n%s", s)
			}
		}
	}
	if !refused {
		t.Errorf("14 quick queries in a row, none refused: the rate of 4 in a row then 12 a minute is not held")
	}
	if n := srv.promptCount("ann", "refused_rate"); n < 1 {
		t.Errorf("ann's refused_rate queries in /metrics: %d", n)
	}
	if s := bob.screen(); !strings.Contains(s, "● live") {
		t.Errorf("the other console is no longer live:\n%s", s)
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// heavyWindow is how long the heavy query runs in Prometheus on this
// machine, at the most (TestE2EServePromptBudget logs it).
const heavyWindow = 5 * time.Second

// admittedQuery is the heavy query at a tenth of its steps (1,000, every
// 10ms of the last ten seconds): some 500,000 series-steps, within the
// default serve.prompt_max_series_steps, so it runs.
const admittedQuery = `max(max_over_time(histogram_quantile(0.99, flask_http_request_duration_seconds_bucket{job!="` + heavyMarker + `"})[10s:10ms]))`

// Two viewers send the heavy query at once with the default cost limit:
// each is told its cost and that it was not sent, Prometheus's query log
// has none of it (only the one count() of its series each), and the third
// console's overview queries stay within twice their idle evaluation
// time. A query within the limit runs, and what it costs the overview is
// logged. The refusals are counted in /metrics.
func TestE2EServePromptCost(t *testing.T) {
	tm := newPromptTeam(t, 200, 60)
	srv, ann, dan, logPath, idle, nIdle := tm.srv, tm.ann, tm.dan, tm.logPath, tm.idle, tm.nIdle
	tm.typeHeavy()
	loadFrom := demotest.QueryLogSize(t, logPath)
	sent := time.Now()
	ann.keys("Enter")
	dan.keys("Enter")
	refusal := "query not run: it would evaluate about"
	for _, p := range []*pane{ann, dan} {
		s := p.waitFor("the heavy query refused for its cost, or answered", 60*time.Second, func(s string) bool {
			return strings.Contains(s, "query not run") || strings.Contains(s, "series · sorted") || strings.Contains(s, "✕")
		})
		if !strings.Contains(s, refusal) || !strings.Contains(s, "series-steps") {
			t.Errorf("the heavy query is not refused for its cost:\n%s", s)
		}
		if p == ann {
			for _, l := range lines(s) {
				if strings.Contains(l, "query not run") {
					t.Logf("on ann's screen: %s", strings.TrimSpace(l))
				}
			}
		}
	}
	// The overview's queries that ended in the seconds the heavy ones
	// would have run (3 to 5 s each, TestE2EServePromptBudget).
	window := sent.Add(heavyWindow)
	demoWait(t, 60*time.Second, func() bool {
		qs := loggedQueries(t, logPath, loadFrom)
		return len(qs) > 0 && qs[len(qs)-1].end.After(window)
	})
	qs := loggedQueries(t, logPath, loadFrom)
	if h := heavyOnes(qs); len(h) != 0 {
		t.Errorf("Prometheus ran %d refused heavy queries: %q", len(h), h[0].expr)
	}
	counts := 0
	for _, q := range qs {
		if isCostCount(q.expr) {
			counts++
		}
	}
	if counts != 2 {
		t.Errorf("Prometheus logged %d counts of the heavy query's series, want one a person", counts)
	}
	var inWindow []loggedQuery
	for _, q := range qs {
		if q.end.Before(window) {
			inWindow = append(inWindow, q)
		}
	}
	after, nAfter := overviewEval(inWindow)
	t.Logf("overview queries: idle %s mean over %d; in the %s after two heavy queries were refused for their cost %s mean over %d (%.2f×)",
		idle, nIdle, heavyWindow, after, nAfter, float64(after)/float64(max(idle, time.Microsecond)))
	if nAfter == 0 {
		t.Errorf("no overview query ended in the %s after the refusals", heavyWindow)
	}
	if after > 2*idle {
		t.Errorf("the overview's queries took %s after the refusals, more than twice their idle %s", after, idle)
	}
	for _, who := range []string{"ann", "dan"} {
		if n := srv.promptCount(who, "refused_cost"); n != 1 {
			t.Errorf("%s's refused_cost queries in /metrics: %d, want 1", who, n)
		}
	}

	// Within the limit, the query runs. What it costs the overview is
	// logged, not held: it takes a core while it runs.
	ann.keys("C-u")
	ann.typeText(admittedQuery)
	ann.waitText(20*time.Second, "[10s:10ms]))")
	runFrom := demotest.QueryLogSize(t, logPath)
	ann.keys("Enter")
	// The refusal above stays on screen until the answer replaces it.
	ann.waitText(60*time.Second, "1 series · sorted")
	demoWait(t, 60*time.Second, func() bool { return len(heavyOnes(loggedQueries(t, logPath, runFrom))) == 1 })
	qs = loggedQueries(t, logPath, runFrom)
	h := heavyOnes(qs)[0]
	var during []loggedQuery
	for _, q := range qs {
		if !strings.Contains(q.expr, heavyMarker) && q.end.After(h.start) && q.end.Before(h.end) {
			during = append(during, q)
		}
	}
	if loaded, nLoaded := overviewEval(during); nLoaded > 0 {
		t.Logf("a query within the limit ran %s in Prometheus; the overview's queries meanwhile %s mean over %d (%.2f× idle)",
			h.eval.Round(time.Millisecond), loaded, nLoaded, float64(loaded)/float64(max(idle, time.Microsecond)))
	} else {
		t.Logf("a query within the limit ran %s in Prometheus; no overview query ended meanwhile", h.eval.Round(time.Millisecond))
	}
	if n := srv.promptCount("ann", "ok"); n != 1 {
		t.Errorf("ann's ok queries in /metrics: %d, want 1", n)
	}
}
