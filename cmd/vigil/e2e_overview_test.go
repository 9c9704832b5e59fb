package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// startIncidentStack starts the demo stack with a fixed incident: half the
// checkout requests fail, so /api/checkout is the worst endpoint.
func startIncidentStack(t *testing.T) *demo.Stack {
	t.Helper()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 7}})
	stack.App.SetFault("/api/checkout", demo.Fault{ErrorRatio: 0.5})
	return stack
}

// startConsole runs the console in a w x h pane against stack, with flags
// before the stack's console flags.
func startConsole(t *testing.T, w, h int, env []string, stack *demo.Stack, flags ...string) *pane {
	t.Helper()
	argv := append([]string{vigilBinary(t)}, flags...)
	return startPane(t, w, h, env, append(argv, consoleArgs(stack)...)...)
}

// liveThenPrometheusStopped starts the console at 100x30 on the incident
// stack, waits until it is live with /api/checkout shown, then stops
// Prometheus.
func liveThenPrometheusStopped(t *testing.T) (*demo.Stack, *pane) {
	t.Helper()
	stack := startIncidentStack(t)
	p := startConsole(t, 100, 30, nil, stack)
	p.waitText(40*time.Second, "● live", "/api/checkout")
	if err := stack.StopPrometheus(); err != nil {
		t.Fatal(err)
	}
	return stack, p
}

// consoleArgs are the console flags used against a stack: a short window so
// the incident shows within seconds.
func consoleArgs(stack *demo.Stack, extra ...string) []string {
	args := []string{"--prometheus", stack.PrometheusURL, "--refresh", "1s", "--window", "30s", "--selector", `job="flask"`}
	return append(args, extra...)
}

// firstRow returns the first table row after the column header.
func firstRow(screen string) string {
	ls := lines(screen)
	for i, l := range ls {
		if strings.Contains(l, "ENDPOINT") && i+1 < len(ls) {
			return ls[i+1]
		}
	}
	return ""
}

func TestE2EOverviewAt80x24(t *testing.T) {
	t.Parallel()
	stack := startIncidentStack(t)
	p := startConsole(t, 80, 24, []string{"NO_COLOR="}, stack)

	checkoutBad := regexp.MustCompile(`/api/checkout\s+[0-9.]+\s+[1-9][0-9]\.[0-9]%`)
	s := p.waitFor("checkout as the worst endpoint, with a high error ratio", 40*time.Second, func(s string) bool {
		return checkoutBad.MatchString(firstRow(s)) && strings.Contains(s, "● live")
	})
	for _, want := range []string{"vigil", "ENDPOINT", "REQ/S", "ERR%", "P50", "P99", "EXC*", "TREND", "req/s", "every 1s", "window 30s", "1 Overview", "q quit"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	ls := lines(s)
	if len(ls) != 24 {
		t.Errorf("%d lines on a 24-line terminal", len(ls))
	}

	// Filter: a substring, enter returns to the table.
	p.keys("/")
	p.waitText(15*time.Second, "text or regular expression")
	p.typeText("blog")
	p.keys("Enter")
	s = p.waitText(15*time.Second, "filter /blog")
	body := lines(s)
	for _, l := range body[3 : len(body)-1] { // the table, without the footer
		if strings.HasPrefix(strings.TrimSpace(l), "/") && !strings.Contains(l, "/blog") && !strings.Contains(l, "filter /blog") {
			t.Errorf("row not matching the filter: %q", l)
		}
	}
	// A regular expression.
	p.filter("^/api/(cart|checkout)$")
	s = p.waitText(15*time.Second, "2 of")
	if !strings.Contains(s, "/api/cart") || !strings.Contains(s, "/api/checkout") || strings.Contains(s, "/api/search") {
		t.Errorf("regex filter:\n%s", s)
	}
	p.keys("Escape")
	p.waitFor("filter cleared", 15*time.Second, func(s string) bool { return !strings.Contains(s, "filter /") })

	// Sort by endpoint name, then reverse.
	p.keys("o")
	s = p.waitText(15*time.Second, "ENDPOINT▼")
	if !strings.HasPrefix(strings.TrimSpace(firstRow(s)), "/ ") {
		t.Errorf("sorted by name, first row %q", firstRow(s))
	}
	p.keys("O")
	s = p.waitText(15*time.Second, "ENDPOINT▲")

	// Help is built from the key bindings.
	p.keys("?")
	s = p.waitText(15*time.Second, "Keys — Overview", "sort column", "filter")
	p.keys("Escape")
	p.waitFor("help closed", 15*time.Second, func(s string) bool {
		return !strings.Contains(s, "Keys — Overview") && strings.Contains(s, "ENDPOINT")
	})

	p.quit(10 * time.Second)
}

func TestE2EOverviewAt120x45AndBytesPerRefresh(t *testing.T) {
	stack := startIncidentStack(t)
	// Every path its own row, to measure with the most rows.
	p := startConsole(t, 120, 45, nil, stack, "--group-paths", "off")
	s := p.waitFor("live overview", 40*time.Second, func(s string) bool {
		return strings.Contains(firstRow(s), "/api/checkout") && strings.Contains(s, "● live") && strings.Count(s, "\n  /") >= 25
	})
	rows := 0
	for _, l := range lines(s) {
		if strings.HasPrefix(strings.TrimSpace(l), "/") {
			rows++
		}
	}
	if rows < 25 {
		t.Errorf("only %d endpoint rows at 120x45:\n%s", rows, s)
	}
	// Steady state: count what the console writes over ten refreshes,
	// counted as Prometheus answers them, once the recording is under way.
	out := p.pipeOutput()
	waitRefreshes(t, stack.PrometheusURL, 1)
	start := fileSize(t, out)
	from := consoleRefreshes(t, stack.PrometheusURL)
	refreshes := int64(waitRefreshes(t, stack.PrometheusURL, 10) - from)
	total := fileSize(t, out) - start
	perRefresh := total / refreshes
	t.Logf("bytes written at 120x45, 30 endpoints, 1s refresh: %d in %d refreshes = %d bytes/refresh", total, refreshes, perRefresh)
	if perRefresh <= 0 {
		t.Errorf("nothing written in %d refreshes: the screen is not live", refreshes)
	}
	if perRefresh > 16*1024 {
		t.Errorf("%d bytes per refresh: the renderer is redrawing far more than changes", perRefresh)
	}
	p.quit(10 * time.Second)
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func TestE2EResizeDownTo20x5AndBack(t *testing.T) {
	t.Parallel()
	stack := startIncidentStack(t)
	p := startConsole(t, 80, 24, nil, stack)
	p.waitText(40*time.Second, "/api/checkout", "● live")
	for _, sz := range [][2]int{{40, 10}, {30, 8}, {20, 5}, {39, 24}, {80, 9}} {
		p.resize(sz[0], sz[1])
		if sz[0] < 40 || sz[1] < 10 {
			// The note names the size, so the one of the size before does
			// not pass for it.
			p.waitText(15*time.Second, "too small", fmt.Sprintf("%dx%d,", sz[0], sz[1]))
		} else {
			p.waitText(15*time.Second, "ENDPOINT")
		}
	}
	p.resize(80, 24)
	p.waitText(15*time.Second, "ENDPOINT", "/api/checkout")
	p.quit(10 * time.Second)
}

func TestE2EPrometheusDownAtStartThenRecovers(t *testing.T) {
	t.Parallel()
	stack := startIncidentStack(t)
	if err := stack.StopPrometheus(); err != nil {
		t.Fatal(err)
	}
	p := startConsole(t, 100, 30, nil, stack)
	host := strings.TrimPrefix(stack.PrometheusURL, "http://")
	s := p.waitText(15*time.Second, "Prometheus is not answering", "✕ down")
	if !strings.Contains(s, host) || !strings.Contains(s, "connection refused") {
		t.Errorf("the down screen should name the URL and the cause:\n%s", s)
	}
	p.waitText(10*time.Second, "retrying")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := stack.StartPrometheus(ctx); err != nil {
		t.Fatal(err)
	}
	// It recovers on its own, without a keypress.
	p.waitText(30*time.Second, "● live", "/api/checkout")
	p.quit(10 * time.Second)
}

func TestE2EPrometheusDiesMidSessionThenRecovers(t *testing.T) {
	t.Parallel()
	stack, p := liveThenPrometheusStopped(t)
	// The last data stays, marked stale with its age, and the cause is named.
	s := p.waitText(15*time.Second, "◐ stale", "connection refused")
	if !strings.Contains(s, "/api/checkout") {
		t.Errorf("the last data should stay on screen:\n%s", s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := stack.StartPrometheus(ctx); err != nil {
		t.Fatal(err)
	}
	p.waitFor("recovery", 30*time.Second, func(s string) bool {
		return strings.Contains(s, "● live") && !strings.Contains(s, "stale")
	})
	p.quit(10 * time.Second)
}

// hangingServer accepts connections and never answers: what a wedged
// Prometheus behind a load balancer looks like. The real one cannot be made
// to do this.
func hangingServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		case <-time.After(2 * time.Minute):
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		close(done)
		_ = srv.Close()
	})
	return "http://" + ln.Addr().String()
}

func TestE2ESlowPrometheusKeysStillAnswer(t *testing.T) {
	url := hangingServer(t)
	bin := vigilBinary(t)
	dir := t.TempDir()
	logFile := filepath.Join(dir, "vigil.log")
	cfg := filepath.Join(dir, "c.toml")
	if err := os.WriteFile(cfg, []byte("[prometheus]\ntimeout = \"3s\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startPane(t, 80, 24, nil, bin, "--config", cfg, "--prometheus", url, "--refresh", "1s", "--log-file", logFile)
	p.waitText(10*time.Second, "connecting")
	// While the first refresh hangs, keys answer at once.
	start := time.Now()
	p.keys("?")
	p.waitText(15*time.Second, "Keys — Overview")
	if d := time.Since(start); d > time.Second {
		t.Errorf("help took %s to show while a refresh was hanging", d)
	}
	p.keys("Escape")
	// The deadline ends the hang and names the cause.
	s := p.waitText(15*time.Second, "Prometheus is not answering")
	if !strings.Contains(s, "deadline") && !strings.Contains(s, "timeout") {
		t.Errorf("the cause should be the deadline:\n%s", s)
	}
	p.quit(10 * time.Second)
	// Logs went to the file, not the screen.
	data, err := os.ReadFile(logFile)
	if err != nil || !strings.Contains(string(data), "refresh failed") {
		t.Errorf("log file: %v %q", err, data)
	}
}

func TestSnapshotJSONAgainstTheDemo(t *testing.T) {
	t.Parallel()
	stack := startIncidentStack(t)
	bin := vigilBinary(t)
	// A snapshot a second until the incident's endpoint comes first.
	demotest.EventuallyEvery(t, 40*time.Second, time.Second, "checkout first in the snapshot", func() (bool, string) {
		out, err := exec.Command(bin, append([]string{"snapshot", "--format", "json", "--group-paths", "off"}, consoleArgs(stack)...)...).Output()
		if err != nil {
			t.Fatalf("snapshot: %v\n%s", err, out)
		}
		var r struct {
			Endpoints []struct {
				Endpoint         string   `json:"endpoint"`
				RPS              *float64 `json:"rps"`
				ErrorRatio       *float64 `json:"error_ratio"`
				P50              *float64 `json:"p50_seconds"`
				P99              *float64 `json:"p99_seconds"`
				Exceptions       *float64 `json:"exceptions"`
				ExceptionsSource string   `json:"exceptions_source"`
			} `json:"endpoints"`
			Totals struct {
				RPS              *float64 `json:"rps"`
				Exceptions       *float64 `json:"exceptions"`
				ExceptionsSource string   `json:"exceptions_source"`
			} `json:"totals"`
			Window string    `json:"window"`
			Time   time.Time `json:"time"`
		}
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		if len(r.Endpoints) > 0 && r.Endpoints[0].Endpoint == "/api/checkout" && r.Endpoints[0].ErrorRatio != nil && *r.Endpoints[0].ErrorRatio > 0.2 {
			e := r.Endpoints[0]
			if e.RPS == nil || e.P99 == nil || e.Exceptions == nil || !strings.Contains(e.ExceptionsSource, `status="500"`) {
				t.Errorf("checkout: %+v", e)
			}
			if len(r.Endpoints) < 25 || r.Window != "30s" || r.Time.IsZero() || r.Totals.ExceptionsSource != "flask_http_request_exceptions_total" {
				t.Errorf("report: %d endpoints, window %q, time %v, totals %+v", len(r.Endpoints), r.Window, r.Time, r.Totals)
			}
			return true, ""
		}
		return false, string(out)
	})
	// Grouped (the default): the blog's slugs are one row with its
	// member count, a plain path has one member.
	out, err := exec.Command(bin, append([]string{"snapshot", "--format", "json"}, consoleArgs(stack)...)...).Output()
	if err != nil {
		t.Fatalf("snapshot: %v\n%s", err, out)
	}
	var g struct {
		Endpoints []struct {
			Endpoint string `json:"endpoint"`
			Members  int    `json:"members"`
			Group    bool   `json:"group"`
		} `json:"endpoints"`
	}
	if err := json.Unmarshal(out, &g); err != nil {
		t.Fatal(err)
	}
	rows := map[string][2]int{}
	for _, e := range g.Endpoints {
		b := 0
		if e.Group {
			b = 1
		}
		rows[e.Endpoint] = [2]int{e.Members, b}
	}
	if rows["/blog/<slug>"] != [2]int{6, 1} || rows["/api/checkout"] != [2]int{1, 0} || len(g.Endpoints) >= 25 {
		t.Errorf("grouped snapshot: %d rows, /blog/<slug> %v, /api/checkout %v", len(g.Endpoints), rows["/blog/<slug>"], rows["/api/checkout"])
	}
	// Markdown and text name the endpoints too.
	for _, f := range []string{"markdown", "text"} {
		out, err := exec.Command(bin, append([]string{"snapshot", "--format", f}, consoleArgs(stack)...)...).Output()
		if err != nil || !strings.Contains(string(out), "/api/checkout") || !strings.Contains(string(out), "EXC") && !strings.Contains(string(out), "exc") {
			t.Errorf("%s: %v\n%s", f, err, out)
		}
	}
}

func TestSnapshotExitCodes(t *testing.T) {
	bin := vigilBinary(t)
	closed := demotest.ClosedURL(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte("[ui]\nrefresh = \"5s\"\nrefersh = \"1s\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"unreachable", []string{"snapshot", "--prometheus", closed}, 1, []string{closed, "connection refused"}},
		{"bad flag value", []string{"snapshot", "--refresh", "500ms"}, 2, []string{"flag --refresh", "ui.refresh", "below the minimum of 1s"}},
		{"unknown flag", []string{"snapshot", "--nope"}, 2, []string{"nope"}},
		{"bad format", []string{"snapshot", "--format", "yaml"}, 2, []string{"yaml"}},
		{"bad config", []string{"snapshot", "--config", bad}, 2, []string{bad + ":3:1", "ui.refersh", "unknown key"}},
		{"missing config", []string{"--config", filepath.Join(dir, "nope.toml")}, 2, []string{"nope.toml", "no such file"}},
		{"bad env", []string{"snapshot"}, 2, []string{"env VIGIL_WINDOW", "ui.window"}},
		{"version", []string{"version"}, 0, []string{"vigil "}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(bin, c.args...)
			cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+dir)
			if c.name == "bad env" {
				cmd.Env = append(cmd.Env, "VIGIL_WINDOW=ten minutes")
			}
			out, _ := cmd.CombinedOutput()
			if got := cmd.ProcessState.ExitCode(); got != c.code {
				t.Errorf("exit code %d, want %d\n%s", got, c.code, out)
			}
			for _, w := range c.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if c.code == 2 && c.name != "unknown flag" {
				// One line: the problem, nothing else.
				sc := bufio.NewScanner(strings.NewReader(string(out)))
				n := 0
				for sc.Scan() {
					n++
				}
				if n != 1 {
					t.Errorf("%d lines of output, want 1:\n%s", n, out)
				}
			}
		})
	}
}
