package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/timeline"
)

const oneTimelineRules = `groups:
  - name: one
    rules:
      - alert: OneCheckout
        expr: sum(rate(flask_http_request_duration_seconds_count{job="flask",path="/api/checkout",status=~"5.."}[5s])) / sum(rate(flask_http_request_duration_seconds_count{job="flask",path="/api/checkout"}[5s])) > 0.2
        for: 2s
        labels: {severity: critical}
`

// One timeline: the Timeline screen and `vigil timeline` over the same
// range read the same window (the overview's: auto, 4 × the 1s scrape
// interval) and list the same events. The command's JSON is compared
// event for event with the build the screen makes
// (Config.TimelineRequest through timeline.Build); the screen in
// tmux shows the window and the firing and the restart at their times.
func TestE2EOneTimeline(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 31}, EvalInterval: time.Second,
		RuleFiles: map[string][]byte{"one.yml": []byte(oneTimelineRules)}})
	since := time.Now().Add(-time.Second).Truncate(time.Second)
	dir := t.TempDir()
	env := []string{"XDG_STATE_HOME=" + dir, "XDG_CONFIG_HOME=" + dir, "VIGIL_CONFIG=", "TZ=UTC"}
	flags := []string{"--prometheus", stack.PrometheusURL, "--selector", `job="flask"`, "--window", "auto"}
	p := startPane(t, 160, 50, env, append([]string{vigilBinary(t), "--refresh", "1s"}, flags...)...)
	p.waitText(40*time.Second, "● live", "4s (auto)")

	// A restart, then an incident that fires the alert. The first start
	// time stays in Prometheus for several scrapes before it, so a 2s step
	// of the 15m range sees it at a point (a restart within the first
	// step of a series has no earlier point to differ from).
	prom, err := query.NewPrometheus(query.PrometheusOptions{URL: stack.PrometheusURL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prom.Close)
	demotest.Eventually(t, 60*time.Second, "4 samples of the first start time", func() (bool, string) {
		v, _, err := prom.Query(context.Background(), `count_over_time(process_start_time_seconds{job="flask"}[1m]) >= 4`, time.Now())
		return err == nil && strings.Contains(fmt.Sprint(v), "=>"), fmt.Sprint(v, err)
	})
	req, _ := http.NewRequest(http.MethodPost, stack.App.URL()+"/-/restart", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	stack.App.SetFault("/api/checkout", demo.Fault{ErrorRatio: 0.7})
	demotest.Eventually(t, 60*time.Second, "OneCheckout firing 2s ago", func() (bool, string) {
		v, _, err := prom.Query(context.Background(), `ALERTS{alertname="OneCheckout",alertstate="firing"}`, time.Now().Add(-2*time.Second))
		return err == nil && strings.Contains(fmt.Sprint(v), "=> 1"), fmt.Sprint(v, err)
	})
	until := time.Now().Truncate(time.Second)

	env = append(os.Environ(), env...)
	code, out, errOut := execVigil(t, vigilBinary(t), env, append([]string{"timeline", "--format", "json",
		"--since", since.UTC().Format(time.RFC3339), "--until", until.UTC().Format(time.RFC3339)}, flags...)...)
	if code != 0 {
		t.Fatalf("vigil timeline: exit %d\n%s%s", code, out, errOut)
	}
	var cli struct {
		timelineJSON
		Window        string  `json:"window"`
		WindowSeconds float64 `json:"window_seconds"`
	}
	if err := json.Unmarshal([]byte(out), &cli); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	if cli.Window != "4s (auto: 4 × scrape interval 1s)" || cli.WindowSeconds != 4 {
		t.Errorf("command's window %q (%vs), want the overview's: 4s (auto: 4 × scrape interval 1s)", cli.Window, cli.WindowSeconds)
	}

	// The screen's build over the same range, from the same request.
	cfg := truthConfig(stack.PrometheusURL, nil)
	cfg.Metrics.Selector = `job="flask"`
	screenReq := cfg.TimelineRequest(since, until, time.Now(), "")
	tl := timeline.Build(context.Background(), prom, screenReq)
	if len(tl.Errors) > 0 {
		t.Fatalf("screen's build: %v", tl.Errors)
	}
	if len(tl.Events) != len(cli.Events) {
		t.Errorf("screen's build has %d events, the command %d", len(tl.Events), len(cli.Events))
	}
	for i := range min(len(tl.Events), len(cli.Events)) {
		s, c := tl.Events[i], cli.Events[i]
		if !s.Time.Equal(c.Time) || string(s.Kind) != c.Kind || s.Summary != c.Summary {
			t.Errorf("event %d: screen %s %s %q, command %s %s %q", i, s.Time.Format(time.RFC3339Nano), s.Kind, s.Summary,
				c.Time.Format(time.RFC3339Nano), c.Kind, c.Summary)
		}
	}
	var firing, restart time.Time
	for _, e := range cli.Events {
		switch e.Kind {
		case string(query.EventAlertFiring):
			firing = e.Time
		case string(query.EventRestart):
			restart = e.Time
		}
	}
	if firing.IsZero() || restart.IsZero() {
		t.Fatalf("the command lists no firing or no restart:\n%s", out)
	}

	// The screen over the last 15m (a step of 2s, under the window): the
	// window in its header, the firing and the restart at the command's
	// times. Over 2h its step, 12s, is the window, and it says so, as the
	// command does over 2h.
	p.keys("5")
	p.waitText(20*time.Second, "Timeline · last 2h · window 12s (the step)")
	p.keys("[", "[", "[")
	p.waitText(20*time.Second, "Timeline · last 15m · window 4s (auto)")
	// Both on the whole list first (a failure shows every event), then
	// each through the filter.
	p.waitText(20*time.Second, firing.UTC().Format("15:04:05")+" FIRING", restart.UTC().Format("15:04:05")+" RESTART")
	p.filter("OneCheckout firing")
	p.waitText(20*time.Second, firing.UTC().Format("15:04:05")+" FIRING")
	p.keys("Escape") // clears the filter
	p.waitFor("the filter cleared", 10*time.Second, func(s string) bool { return !strings.Contains(s, "filter /") })
	// The prompt open, the text echoed, then enter: each step seen on
	// screen before the next (a busy machine once applied the old filter).
	p.keys("/")
	p.waitText(15*time.Second, "text in kind, summary or labels")
	p.keys("C-u")
	p.typeText("restart")
	p.waitText(15*time.Second, "/restart") // the prompt's line: the events' summaries say "restart" already
	p.keys("Enter")
	p.waitText(20*time.Second, restart.UTC().Format("15:04:05")+" RESTART", "filter /restart")
	p.quit(10 * time.Second)
}

// One window advice: the doctor of the console and `vigil doctor` advise
// recording rules of the same window, the overview's (auto: 4 × the 1s
// scrape interval), not the auto window's fallback.
func TestE2EDoctorWindowAdvice(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 32}})
	dir := t.TempDir()
	env := []string{"XDG_STATE_HOME=" + dir, "XDG_CONFIG_HOME=" + dir, "VIGIL_CONFIG=", "TZ=UTC"}
	flags := []string{"--prometheus", stack.PrometheusURL, "--selector", `job="flask"`, "--window", "auto"}
	const advice = "vigil rules --window 4s"

	var out string
	demotest.Eventually(t, 40*time.Second, "vigil doctor to advise rules of the overview's window", func() (bool, string) {
		_, o, e := execVigil(t, vigilBinary(t), append(os.Environ(), env...), append([]string{"doctor"}, flags...)...)
		out = o + e
		return strings.Contains(out, "recording rules") && strings.Contains(out, "vigil rules --window"), out
	})
	if !strings.Contains(out, advice) {
		t.Errorf("vigil doctor lacks %q:\n%s", advice, out)
	}

	p := startPane(t, 200, 40, env, append([]string{vigilBinary(t), "--refresh", "1s"}, flags...)...)
	p.waitText(40*time.Second, "● live")
	p.keys("7")
	p.waitText(30*time.Second, advice)
	p.quit(10 * time.Second)
}
