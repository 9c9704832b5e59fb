package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// The modern test dashboard on the real stack, at 200x50 and 80x24: its
// panels side by side (stacked when narrow), the variables as resolved
// from Prometheus, a focused panel full screen (the latency heatmap), [
// for a shorter range; a variable chosen with the picker; and vigil
// snapshot --dashboard with each panel's current value.
//
// The stack is new: until it holds a step or two of the panels' grid (20s
// at 30m), a panel can rightly have no data yet. The waits are for data,
// seen in the panel itself, with the dashboard's 10s refresh to come.
func TestE2EDashboard(t *testing.T) {
	panelRate := regexp.MustCompile(`[0-9] req/s`)
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 26}})
	bin := vigilBinary(t)
	file, err := filepath.Abs("../../query/grafana/testdata/modern.json")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{bin, "--prometheus", stack.PrometheusURL, "--refresh", "1s", "--dashboard", file, "--var", "quantile=0.5"}

	wide := startPane(t, 200, 50, []string{"NO_COLOR="}, args...)
	wide.waitText(30*time.Second, "Overview")
	wide.keys("4")
	s := wide.waitFor("the dashboard's panels with data", 90*time.Second, func(s string) bool {
		return strings.Contains(s, "Dashboard · Flask service (modern)") && panelRate.MatchString(s) &&
			strings.Contains(s, "Job=flask") && strings.Contains(s, "+Inf") && !strings.Contains(s, "waiting for Prometheus")
	})
	t.Logf("200x50:\n%s", s)
	for _, want := range []string{"Latency 0.5 of /api/", "▾ Overview", "panel type \"piechart\" is not drawn", "▸ Business and pitfalls", "Quantile=0.5", "Environment **production**"} {
		if !strings.Contains(s, want) {
			t.Errorf("200x50 lacks %q", want)
		}
	}
	sideBySide := false
	for _, l := range lines(s) {
		if strings.Contains(l, "Requests/s") && strings.Contains(l, "4xx ratio") {
			sideBySide = true
		}
	}
	if !sideBySide {
		t.Error("at 200 columns the first row's panels are not side by side")
	}
	// Focus the heatmap (the eighth panel from the top) and show it whole.
	for i := 0; i < 7; i++ {
		wide.keys("Right")
	}
	wide.keys("Enter")
	// The grid shows the heatmap's bounds too: wait for it alone.
	s = wide.waitFor("the heatmap alone on screen", 20*time.Second, func(s string) bool {
		return strings.Contains(s, "▶ Latency heatmap") && strings.Contains(s, "+Inf") && strings.Contains(s, "5 ms") && !strings.Contains(s, "Requests by status")
	})
	t.Logf("focused heatmap:\n%s", s)
	// $__interval of 15m is 9s: four scrapes of the demo's 1s, not of
	// Grafana's assumed 15s.
	if strings.Contains(s, "rate/window-short") {
		t.Error("the heatmap is marked for a short rate window the demo's scrape interval does not make")
	}
	// esc and [ apart: sent together they read as one escape sequence.
	wide.keys("Escape")
	wide.waitText(20*time.Second, "▾ Overview", "Requests by status")
	wide.keys("[")
	wide.waitText(20*time.Second, "range 15m")
	// The collapsed row opens on enter: its two panels placed and asked.
	stepUntil(t, wide, "Right", "▶ ", "▶ ▸ Business and pitfalls", 14)
	wide.keys("Enter")
	s = wide.waitFor("the opened row's panels with data", 60*time.Second, func(s string) bool {
		return strings.Contains(s, "▶ ▾ Business and pitfalls") && !strings.Contains(s, "folded: not queried") &&
			strings.Contains(s, "Article views") && strings.Contains(s, "p99 over raw buckets") && strings.Contains(s, "histogram/no-rate")
	})
	t.Logf("200x50, the row opened:\n%s", s)
	// The picker at 200x50: Quantile (a custom variable) from 0.5 to 0.99,
	// seen in the latency panel's title.
	wide.keys("v")
	wide.waitText(20*time.Second, "Variables", "lists its values")
	stepUntil(t, wide, "Down", "▸ ", "▸ Quantile", 12)
	wide.keys("Enter")
	wide.waitText(20*time.Second, "Quantile · ", "enter chooses the value under the cursor")
	stepUntil(t, wide, "Down", "▸ ", "0.99", 6)
	wide.keys("Enter")
	s = wide.waitText(60*time.Second, "Quantile=0.99", "Latency 0.99 of ")
	t.Logf("200x50 after the picker:\n%s", s)
	wide.quit(15 * time.Second)

	narrow := startPane(t, 80, 24, []string{"NO_COLOR="}, args...)
	narrow.waitText(30*time.Second, "Overview")
	narrow.keys("4")
	s = narrow.waitFor("the stacked dashboard", 60*time.Second, func(s string) bool {
		return strings.Contains(s, "Requests/s") && panelRate.MatchString(s) && strings.Contains(s, "of 79")
	})
	t.Logf("80x24:\n%s", s)
	for _, l := range lines(s) {
		if strings.Contains(l, "Requests/s") && strings.Contains(l, "4xx ratio") {
			t.Errorf("panels side by side at 80 columns: %q", l)
		}
	}
	for i := 0; i < 7; i++ {
		narrow.keys("Right")
	}
	narrow.keys("Enter")
	s = narrow.waitText(60*time.Second, "▶ Latency heatmap", "+Inf")
	t.Logf("80x24 focused heatmap:\n%s", s)
	narrow.throughTooSmall(80, 24, 20*time.Second, "▶ Latency heatmap", "+Inf")

	// The variable picker: Method from GET + POST to GET alone, by keys.
	narrow.keys("Escape")
	narrow.waitText(20*time.Second, "▶ Latency heatmap", "lines ") // back on the stacked panels
	narrow.keys("v")
	narrow.waitText(20*time.Second, "Variables", "lists its values")
	stepUntil(t, narrow, "Down", "▸ ", "▸ Method", 12)
	narrow.keys("Enter")
	narrow.waitText(20*time.Second, "[x] GET", "[x] POST", "space ticks")
	stepUntil(t, narrow, "Down", "▸ [", "▸ [x] POST", 6)
	narrow.keys("Space")
	narrow.waitText(20*time.Second, "▸ [ ] POST")
	narrow.keys("Enter")
	narrow.waitText(20*time.Second, "Method=GET ·")
	narrow.keys("Home") // the by-method panel is near the top
	s = narrow.waitFor("the panels asked with Method=GET", 60*time.Second, func(s string) bool {
		// One series left: its bar with its rate, no POST bar under it,
		// and no mark on a one-value variable's =~"GET".
		ls := lines(s)
		for i, l := range ls {
			if strings.Contains(l, "Requests/s by method") && i+2 < len(ls) {
				post := false
				for _, m := range ls[i+1 : min(i+6, len(ls))] {
					post = post || strings.Contains(m, "POST")
				}
				return strings.Contains(s, "Method=GET ·") && panelRate.MatchString(ls[i+1]) && !post && !strings.Contains(l, "promql/regexp")
			}
		}
		return false
	})
	t.Logf("80x24 after the picker:\n%s", s)
	narrow.quit(15 * time.Second)

	var snap struct {
		Dashboards []struct {
			Variables map[string]string `json:"variables"`
			Scrape    string            `json:"scrape_interval"`
			Panels    []struct {
				Title  string `json:"title"`
				Series []struct {
					Name  string   `json:"name"`
					Value *float64 `json:"value"`
				} `json:"series"`
				Error    string   `json:"error"`
				Findings []string `json:"findings"`
			} `json:"panels"`
		} `json:"dashboards"`
	}
	// The snapshot reads the panels at its own moment, on its own grid: on
	// a busy machine the newest step may come before Prometheus has
	// stored its scrapes. It is asked again until Requests/s has a value.
	var out []byte
	demotest.Eventually(t, 60*time.Second, "a snapshot with Requests/s", func() (bool, string) {
		var err error
		out, err = exec.Command(bin, "snapshot", "--prometheus", stack.PrometheusURL, "--dashboard", file, "--format", "json").Output()
		if err != nil {
			t.Fatalf("snapshot: %v\n%s", err, out)
		}
		if err := json.Unmarshal(out, &snap); err != nil || len(snap.Dashboards) != 1 {
			t.Fatalf("%v\n%s", err, out)
		}
		for _, p := range snap.Dashboards[0].Panels {
			if p.Title == "Requests/s" && len(p.Series) == 1 && p.Series[0].Value != nil {
				return true, ""
			}
		}
		return false, string(out)
	})
	d := snap.Dashboards[0]
	if d.Variables["job"] != "flask" {
		t.Errorf("variables: %v", d.Variables)
	}
	if d.Scrape != "1s" {
		t.Errorf("scrape interval %q, want the demo's 1s read from Prometheus", d.Scrape)
	}
	for _, p := range d.Panels {
		switch p.Title {
		case "Requests/s":
			if len(p.Series) != 1 || p.Series[0].Value == nil || *p.Series[0].Value <= 0 {
				t.Errorf("Requests/s: %+v", p)
			}
		case "p99 over raw buckets":
			if !strings.Contains(strings.Join(p.Findings, " "), "histogram/no-rate") {
				t.Errorf("raw buckets not marked: %+v", p.Findings)
			}
		}
		if strings.Contains(strings.Join(p.Findings, " "), "rate/window-short") {
			t.Errorf("%s marked for a short rate window at the demo's 1s scrape: %v", p.Title, p.Findings)
		}
		if p.Error != "" {
			t.Errorf("%s: %s", p.Title, p.Error)
		}
	}
}

// stepUntil presses k until the line marked by mark (the focus, the
// cursor) holds want, at most n times, each time waiting for the marked
// line to move: keys are read as they come, the screen a moment later.
func stepUntil(t *testing.T, p *pane, k, mark, want string, n int) {
	t.Helper()
	marked := func(s string) string {
		for _, l := range lines(s) {
			if strings.Contains(l, mark) {
				return l
			}
		}
		return ""
	}
	for i := 0; i < n; i++ {
		now := marked(p.screen())
		if strings.Contains(now, want) {
			return
		}
		p.keys(k)
		p.waitFor("the mark to move from "+strings.TrimSpace(now), 15*time.Second, func(s string) bool { return marked(s) != now })
	}
	if !strings.Contains(marked(p.screen()), want) {
		t.Fatalf("%d × %s did not reach %q", n, k, want)
	}
}
