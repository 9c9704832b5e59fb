package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// twoContextsConfig writes a config whose default context ("eu") is stack a
// and whose [[contexts]] "us" is stack b.
func twoContextsConfig(t *testing.T, a, b *demo.Stack, extra string) string {
	t.Helper()
	amB := ""
	if len(b.AlertmanagerURLs) > 0 {
		amB = fmt.Sprintf("alertmanager = { urls = [%q] }\n", b.AlertmanagerURLs[0])
	}
	doc := fmt.Sprintf(`context = "eu"
[prometheus]
url = %q
[ui]
refresh = "1s"
window = "30s"
[metrics]
selector = 'job="flask"'

[[contexts]]
name = "us"
prometheus = { url = %q }
%s%s`, a.PrometheusURL, b.PrometheusURL, amB, extra)
	file := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// snapshot --context all prints both contexts of two demo stacks; once one
// stack's Prometheus is stopped, the other still prints, the stopped one
// is named with its error, and the exit code is 1.
func TestSnapshotEveryContext(t *testing.T) {
	t.Parallel()
	a := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 7}})
	b := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 8}, Alertmanagers: 1})
	file := twoContextsConfig(t, a, b, "")

	type jsonOut struct {
		Contexts []struct {
			Name       string            `json:"name"`
			Error      string            `json:"error"`
			Context    string            `json:"context"`
			Prometheus string            `json:"prometheus"`
			Endpoints  []json.RawMessage `json:"endpoints"`
		} `json:"contexts"`
	}
	var last string
	demotest.EventuallyTrue(t, 60*time.Second, "both contexts print their endpoints", func() bool {
		out, errOut, code := runBinary(t, nil, "snapshot", "--config", file, "--context", "all", "--format", "json")
		last = fmt.Sprintf("exit %d\n%s\n%s", code, out, errOut)
		var r jsonOut
		if json.Unmarshal([]byte(out), &r) != nil || len(r.Contexts) != 2 {
			return false
		}
		return code == 0 && r.Contexts[0].Name == "eu" && r.Contexts[1].Name == "us" &&
			r.Contexts[0].Prometheus == a.PrometheusURL && r.Contexts[1].Prometheus == b.PrometheusURL &&
			len(r.Contexts[0].Endpoints) > 5 && len(r.Contexts[1].Endpoints) > 5 && r.Contexts[0].Error == "" && r.Contexts[1].Error == ""
	})
	t.Logf("both live:\n%s", last[:min(len(last), 400)])

	// One section per context in text and markdown.
	out, _, code := runBinary(t, nil, "snapshot", "--config", file, "--context", "all", "--format", "text", "--limit", "3")
	if code != 0 || !strings.Contains(out, "=== context eu ===") || !strings.Contains(out, "=== context us ===") ||
		!strings.Contains(out, "vigil · eu · "+a.PrometheusURL) || !strings.Contains(out, "vigil · us · "+b.PrometheusURL) {
		t.Errorf("text: exit %d\n%s", code, out)
	}
	out, _, code = runBinary(t, nil, "snapshot", "--config", file, "--context", "all", "--format", "markdown", "--limit", "3")
	if code != 0 || !strings.Contains(out, "## eu\n") || !strings.Contains(out, "## us\n") {
		t.Errorf("markdown: exit %d\n%s", code, out)
	}
	// --context NAME prints that one context alone, as the usual snapshot.
	out, _, code = runBinary(t, nil, "snapshot", "--config", file, "--context", "us", "--format", "text", "--limit", "3")
	if code != 0 || !strings.HasPrefix(out, "vigil · us · "+b.PrometheusURL) || strings.Contains(out, "===") {
		t.Errorf("--context us: exit %d\n%s", code, out)
	}

	if err := b.StopPrometheus(); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runBinary(t, nil, "snapshot", "--config", file, "--context", "all", "--format", "json")
	var r jsonOut
	if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.Contexts) != 2 {
		t.Fatalf("not the JSON of two contexts: %v\n%s\n%s", err, out, errOut)
	}
	eu, us := r.Contexts[0], r.Contexts[1]
	if eu.Error != "" || len(eu.Endpoints) < 5 || eu.Context != "eu" {
		t.Errorf("eu should still print: %+v", eu)
	}
	if us.Name != "us" || !strings.Contains(us.Error, "connection refused") || us.Endpoints != nil {
		t.Errorf("us should be an error alone: %+v", us)
	}
	if code != 1 || !strings.Contains(errOut, "1 of 2 contexts failed: context us: ") || !strings.Contains(errOut, b.PrometheusURL) {
		t.Errorf("exit %d, stderr %q: want 1 naming context us", code, errOut)
	}
	out, errOut, code = runBinary(t, nil, "snapshot", "--config", file, "--context", "all", "--format", "text", "--limit", "3")
	if code != 1 || !strings.Contains(out, "=== context eu ===\nvigil · eu") || !strings.Contains(out, "=== context us ===\nus: failed: ") ||
		!strings.Contains(errOut, "context us") {
		t.Errorf("text with us down: exit %d\n%s\n%s", code, out, errOut)
	}
}

// At 80x24: the header names the other context with its firing count; C
// lists the contexts with their state; enter switches; each context keeps
// its own filter; switching back is immediate.
func TestSwitchContextInTmux(t *testing.T) {
	a := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 7}})
	b := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 8}, Alertmanagers: 1})
	demotest.PostAlert(t, b.AlertmanagerURLs[0], map[string]string{"alertname": "UsDiskFull", "severity": "critical"}, map[string]string{"summary": "disk full"})
	file := twoContextsConfig(t, a, b, "")
	p := startPane(t, 80, 24, []string{"XDG_STATE_HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir()}, vigilBinary(t), "--config", file)
	s := p.waitText(30*time.Second, "vigil · eu", "● live", "us ●1")
	t.Logf("eu shown:\n%s", s)
	p.filter("checkout")
	p.waitText(10*time.Second, "/api/checkout", "checkout")

	p.keys("C")
	s = p.waitText(15*time.Second, "Contexts", "▸ eu", "us", "firing 1", "● live")
	t.Logf("the list:\n%s", s)
	p.keys("j", "Enter")
	s = p.waitText(30*time.Second, "vigil · us", "● live", "eu ●")
	t.Logf("us shown:\n%s", s)
	if strings.Contains(s, "filter /checkout") || !strings.Contains(s, "19 of 19 endpoints") {
		t.Errorf("us shows eu's filter:\n%s", s)
	}
	p.keys("2")
	p.waitText(20*time.Second, "UsDiskFull")

	// Back to eu: its filter is as it was, at once.
	p.keys("C", "k", "Enter")
	start := time.Now()
	s = p.waitText(15*time.Second, "vigil · eu", "filter /checkout  1 of 19 endpoints")
	t.Logf("back to eu after %s:\n%s", time.Since(start), s)
	if strings.Contains(s, "UsDiskFull") {
		t.Errorf("eu shows us's alert:\n%s", s)
	}

	// us's Alertmanager stops: its count is not known any more, and the
	// header and the list say down, with the cause, never a count.
	if err := b.StopAlertmanager(0); err != nil {
		t.Fatal(err)
	}
	s = p.waitText(15*time.Second, "us ✕")
	t.Logf("us down:\n%s", s)
	p.keys("C")
	s = p.waitText(15*time.Second, "us               firing ?   ✕ down", "connection refused")
	t.Logf("the list with us down:\n%s", s)
	p.keys("Escape")
	p.waitText(15*time.Second, "vigil · eu", "filter /checkout")
	p.quit(10 * time.Second)
}

// refreshHandler is the API request a console sends its Prometheus once
// per overview refresh, and only then: the refresh clock of perRefresh.
const refreshHandler = "/api/v1/targets"

// consoleRefreshes is how many overview refreshes the consoles asking
// promURL have made: its count of refreshHandler requests.
func consoleRefreshes(t *testing.T, promURL string) float64 {
	t.Helper()
	return demotest.PrometheusRequests(t, promURL)[refreshHandler]
}

// waitRefreshes waits until the consoles asking promURL have refreshed k
// more times, and returns their count of refreshes then.
func waitRefreshes(t *testing.T, promURL string, k int) float64 {
	t.Helper()
	from := consoleRefreshes(t, promURL)
	var now float64
	demotest.Eventually(t, time.Duration(k)*10*time.Second+30*time.Second, fmt.Sprintf("%d refreshes of the console", k), func() (bool, string) {
		now = consoleRefreshes(t, promURL)
		return now-from >= float64(k), fmt.Sprintf("%v refreshes", now-from)
	})
	return now
}

// perRefresh counts the API requests each Prometheus of urls answers while
// the console shown refreshes n times, its refreshes counted by clock (the
// Prometheus it asks, one refreshHandler request each), and returns them
// per refresh. settle refreshes go by first, so whatever a start or a
// switch left running has ended. The interval is one of events, not of
// wall time: a busy machine that slows the refreshes slows the clock too.
func perRefresh(t *testing.T, clock string, settle, n int, urls ...string) []float64 {
	t.Helper()
	waitRefreshes(t, clock, settle)
	before := make([]map[string]float64, len(urls))
	for i, u := range urls {
		before[i] = demotest.PrometheusRequests(t, u)
	}
	from := consoleRefreshes(t, clock)
	to := waitRefreshes(t, clock, n)
	out := make([]float64, len(urls))
	for i, u := range urls {
		after := demotest.PrometheusRequests(t, u)
		var parts []string
		for h, v := range after {
			if d := v - before[i][h]; d > 0 {
				out[i] += d
				parts = append(parts, fmt.Sprintf("%s %.2f", h, d/(to-from)))
			}
		}
		sort.Strings(parts)
		out[i] /= to - from
		// Which requests make the figure, for a failure to name them.
		t.Logf("%s a refresh, over %v refreshes: %s", u, to-from, strings.Join(parts, ", "))
	}
	return out
}

// The context shown costs its Prometheus what a console of one context
// does; each context not shown costs its Prometheus one request per
// refresh (its alerts, for its count of firing alerts, merged with its
// Alertmanager's when it has one), whatever it has.
func TestQueriesPerRefreshWithThreeContexts(t *testing.T) {
	a := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 7}})
	b := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 8}, Alertmanagers: 1})
	env := []string{"XDG_STATE_HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir()}
	// Counted over refreshes of the console shown, whatever they take.
	const settle, refreshes = 2, 10

	// One context: stack a's console alone.
	one := startPane(t, 80, 24, env, vigilBinary(t), "--prometheus", a.PrometheusURL, "--refresh", "1s", "--window", "30s", "--selector", `job="flask"`)
	one.waitText(30*time.Second, "● live")
	r1 := perRefresh(t, a.PrometheusURL, settle, refreshes, a.PrometheusURL)[0]
	one.quit(10 * time.Second)
	t.Logf("one context: %.2f requests a refresh to its Prometheus", r1)
	tolerance := max(1.5, 0.2*r1)

	// Three: eu (a, shown), us (b with its Alertmanager), staging (b's
	// Prometheus without an Alertmanager): b's Prometheus answers both
	// counts.
	file := twoContextsConfig(t, a, b, fmt.Sprintf("\n[[contexts]]\nname = \"staging\"\nprometheus = { url = %q }\n", b.PrometheusURL))
	p := startPane(t, 80, 24, env, vigilBinary(t), "--config", file)
	p.waitText(30*time.Second, "vigil · eu", "● live", "us ●", "staging ●")
	r3 := perRefresh(t, a.PrometheusURL, settle, refreshes, a.PrometheusURL, b.PrometheusURL)
	t.Logf("three contexts, eu shown, a refresh: %.2f requests to eu's Prometheus, %.2f to b's (us's and staging's counts)", r3[0], r3[1])
	if d := r3[0] - r1; d > tolerance || d < -tolerance {
		t.Errorf("the shown context costs %.2f requests a refresh with three contexts, %.2f with one", r3[0], r1)
	}
	if r3[1] < 1.5 || r3[1] > 2.5 {
		t.Errorf("the contexts not shown cost b's Prometheus %.2f requests a refresh, want one count per refresh each (2)", r3[1])
	}

	// Switch to us: eu's pollers stop, only its count is left. us's
	// console asks b's Prometheus: its refreshes are the clock.
	p.keys("C", "j", "Enter")
	p.waitText(30*time.Second, "vigil · us", "● live", "eu ●")
	r3 = perRefresh(t, b.PrometheusURL, settle, refreshes, a.PrometheusURL, b.PrometheusURL)
	t.Logf("three contexts, us shown, a refresh: %.2f requests to a's Prometheus (eu's count), %.2f to b's (us's console and staging's count)", r3[0], r3[1])
	if r3[0] < 0.5 || r3[0] > 1.5 {
		t.Errorf("eu, not shown, costs %.2f requests a refresh, want its one count per refresh", r3[0])
	}
	if d := r3[1] - (r1 + 1); d > tolerance || d < -tolerance {
		t.Errorf("us shown costs b's Prometheus %.2f requests a refresh, want about %.2f (one console and one count)", r3[1], r1+1)
	}
	p.quit(10 * time.Second)
}

// At 80x24: switched with C to the protected context us, its name is in
// the critical colour's place in the header, and a silence waits for the
// name: a wrong name is refused and nothing reaches Alertmanager; esc
// leaves it unsent; typed exactly, it is sent and verified.
func TestProtectedContextWriteInTmux(t *testing.T) {
	a := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 7}})
	b := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 8}, Alertmanagers: 1})
	am := b.AlertmanagerURLs[0]
	postDiskFull(t, am)
	file := twoContextsConfig(t, a, b, "protected = true\n")
	p := startPane(t, 80, 24, []string{"XDG_STATE_HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir()}, vigilBinary(t), "--config", file)
	p.waitText(30*time.Second, "vigil · eu", "● live", "us ●1")
	p.keys("C", "j", "Enter")
	p.waitText(30*time.Second, "vigil · us", "● live")

	silenceDiskFull(p, "enter: send to Alertmanager")
	p.keys("Enter")
	s := p.waitText(15*time.Second, "protected: type us to silence:", "not sent yet: type us's name below")
	t.Logf("asked for the name:\n%s", s)
	if strings.Contains(s, "sending…") {
		t.Errorf("the held silence reads as sending:\n%s", s)
	}
	p.typeText("eu")
	p.keys("Enter")
	s = p.waitText(15*time.Second, "✕ not us — type us to silence:")
	t.Logf("wrong name:\n%s", s)
	stayed(t, am, 0, 2*time.Second)

	p.keys("Escape")
	// "not sent yet" has been on screen since the prompt opened: the
	// cancel's own words.
	s = p.waitText(15*time.Second, "not sent: us's name was not typed")
	t.Logf("cancelled:\n%s", s)
	stayed(t, am, 0, time.Second)

	// Again (the form's "try again"), with the name.
	p.waitText(15*time.Second, "enter: try again")
	p.keys("Enter")
	p.waitText(15*time.Second, "protected: type us to silence:")
	p.typeText("us")
	p.keys("Enter")
	s = p.waitText(20*time.Second, "silenced:", "verified active")
	t.Logf("sent:\n%s", s)
	stayed(t, am, 1, time.Second)
	p.quit(10 * time.Second)
}
