package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo/demotest"
)

// The reading issue: every symbol on screen is explained by ?, which
// scrolls; the header at 80 columns keeps the server's address and keeps the
// alert counts apart from the tab numbers; exc says its window; rows cut at
// 80 columns show first the labels that tell them apart.

// postSilenceMatchers makes a one-hour silence of the given equality
// matchers, in this order, straight in Alertmanager.
func postSilenceMatchers(t *testing.T, am, comment string, matchers [][2]string) {
	t.Helper()
	var ms []map[string]any
	for _, m := range matchers {
		ms = append(ms, map[string]any{"name": m[0], "value": m[1], "isRegex": false, "isEqual": true})
	}
	demotest.PostJSON(t, am+"/api/v2/silences", map[string]any{
		"matchers":  ms,
		"startsAt":  time.Now().UTC().Format(time.RFC3339),
		"endsAt":    time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		"createdBy": "test", "comment": comment,
	})
}

// legendMarks are the symbols the legend test looks for on the screens: each
// one found on a screen must have a line in that screen's legend.
var legendMarks = []string{"●", "◐", "◌", "⟳", "×", "⚠", "!", "≥", "—", "✕", "⚕", "▪", "▾", "✓", "…", "EXC*", "▼", "▲", "▁", "notify ✕", "am ●", "exc "}

// helpPages opens ? and pages through it with pgdn to its end; it returns
// every line of the body once, in order, and fails unless the help
// scrolled (when taller than the screen) to its last line.
func helpPages(t *testing.T, p *pane, title string) []string {
	t.Helper()
	p.keys("?")
	s := p.waitText(10*time.Second, "Keys — "+title)
	pos := regexp.MustCompile(`(\d+)–(\d+) of (\d+)`)
	var body []string
	seen := map[int]bool{}
	for range 50 {
		ls := lines(s)
		top := -1
		for i, l := range ls {
			if strings.HasPrefix(l, "Keys — "+title) {
				top = i
			}
		}
		if top < 0 {
			t.Fatalf("no help title on:\n%s", s)
		}
		m := pos.FindStringSubmatch(ls[top])
		if m == nil {
			// It all fits: no scrolling.
			return ls[top+1 : len(ls)-1]
		}
		from := atoi(t, m[1])
		for i, l := range ls[top+1 : len(ls)-1] {
			if n := from + i; !seen[n] && n <= atoi(t, m[2]) {
				seen[n] = true
				body = append(body, l)
			}
		}
		if m[2] == m[3] {
			return body
		}
		p.keys("PageDown")
		last := m[0]
		s = p.waitFor("the help to scroll", 10*time.Second, func(s string) bool {
			return !strings.Contains(s, last) && pos.MatchString(s)
		})
	}
	t.Fatalf("the help never reached its end:\n%s", s)
	return nil
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// legendHas reports whether a legend line (after a "Symbols —" heading,
// before "Notes") has mark in its mark column.
func legendHas(body []string, mark string) bool {
	in := false
	for _, l := range body {
		switch {
		case strings.HasPrefix(l, "Symbols — "):
			in = true
			continue
		case strings.HasPrefix(l, "Notes"):
			in = false
		}
		if !in {
			continue
		}
		r := []rune(l)
		col := string(r[:min(len(r), 19)])
		if strings.Contains(col, mark) {
			return true
		}
	}
	return false
}

// checkLegend reads the screen shown, then its help, and fails for each
// mark on the screen that the legend does not explain.
func checkLegend(t *testing.T, p *pane, title, screen string) {
	t.Helper()
	t.Logf("%s at 80x24:\n%s", title, screen)
	body := helpPages(t, p, title)
	t.Logf("help of %s, %d lines:\n%s", title, len(body), strings.Join(body, "\n"))
	for _, m := range legendMarks {
		if strings.Contains(screen, m) && !legendHas(body, m) {
			t.Errorf("%s shows %q but its legend has no line for it", title, m)
		}
	}
	p.keys("Escape")
	p.waitFor("help closed", 10*time.Second, func(s string) bool { return !strings.Contains(s, "Keys — "+title) })
}

func TestE2EReadingAt80x24(t *testing.T) {
	t.Parallel()
	stack := startAlertingStack(t)
	am := stack.AlertmanagerURLs[0]
	host := strings.TrimPrefix(stack.PrometheusURL, "http://")
	// Two alerts whose only difference is a label that sorts after the
	// labels they share.
	for _, db := range []string{"orders", "users"} {
		postAlert(t, am, map[string]string{"alertname": "ReplicaLagging", "severity": "warning", "job": "flask",
			"instance": "127.0.0.1:65001", "cluster": "production-eu-west-1", "zdb": db}, "replica lagging")
	}
	postAlert(t, am, map[string]string{"alertname": "BackupLate", "severity": "warning", "job": "flask",
		"instance": "127.0.0.1:65001", "cluster": "production-eu-west-1", "zdb": "billing"}, "backup late")
	// Two silences alike but for their last matcher.
	for _, path := range []string{"/api/checkout", "/api/cart"} {
		postSilenceMatchers(t, am, "legend "+path, [][2]string{{"cluster", "production-eu-west-1"}, {"job", "flask"},
			{"instance", "127.0.0.1:65001"}, {"path", path}})
	}

	p := startConsole(t, 80, 24, []string{"NO_COLOR="}, stack, "--alertmanager", am)
	s := p.waitFor("live, with firing alerts counted", 60*time.Second, func(s string) bool {
		return strings.Contains(s, "● live") && regexp.MustCompile(`●[1-9]`).MatchString(s) && strings.Contains(s, "/api/checkout")
	})
	ls := lines(s)
	t.Logf("overview at 80x24:\n%s", s)

	// The header: the whole address, counts beside the Alerts tab's title
	// and never after a bare tab number, exc with its window.
	if !strings.Contains(ls[0], host) {
		t.Errorf("header line 1 cuts the server %s: %q", host, ls[0])
	}
	if bare := regexp.MustCompile(`(^|\s)[0-9] [●◐◌]`); bare.MatchString(ls[1]) {
		t.Errorf("alert counts run into the tab numbers: %q", ls[1])
	}
	if !strings.Contains(ls[1], "Alerts ●") && !strings.Contains(ls[1], "(●") {
		t.Errorf("alert counts not attached to the Alerts tab: %q", ls[1])
	}
	if !regexp.MustCompile(`exc [0-9.kM]+/30s`).MatchString(ls[1]) {
		t.Errorf("exc without its window: %q", ls[1])
	}
	checkLegend(t, p, "Overview", p.screen())

	// Alerts: the label that tells the ReplicaLagging rows apart shows, and
	// BackupLate's differing zdb comes before the labels all rows share.
	p.keys("2")
	p.filter(`alertname=~"ReplicaLagging|BackupLate"`)
	s = p.waitText(20*time.Second, "ReplicaLagging", "BackupLate", "filter /alertname", "3 of")
	for _, want := range []string{"zdb=orders", "zdb=users", "zdb=billing"} {
		if !strings.Contains(s, want) {
			t.Errorf("alerts at 80 columns hide %q:\n%s", want, s)
		}
	}
	checkLegend(t, p, "Alerts", p.screen())
	p.keys("Escape")
	p.waitFor("filter cleared", 10*time.Second, func(s string) bool { return !strings.Contains(s, "filter /") })

	// Silences: the two differ by path only; path comes first.
	p.keys("3")
	s = p.waitText(20*time.Second, `path="/api/checkout"`, `path="/api/cart"`)
	var rows []string
	for _, l := range lines(s) {
		if strings.Contains(l, "production-eu") || strings.Contains(l, "path=") {
			rows = append(rows, strings.Fields(l)[0])
		}
	}
	if len(rows) != 2 || rows[0] == rows[1] {
		t.Errorf("the two silences' first cells do not tell them apart: %q\n%s", rows, s)
	}
	checkLegend(t, p, "Silences", p.screen())

	// The Status and doctor screens.
	p.keys("6")
	checkLegend(t, p, "Status", p.waitFor("the status read", 30*time.Second, func(s string) bool {
		return strings.Contains(s, "WATCHDOG") && !strings.Contains(s, "reading the status")
	}))
	p.keys("7")
	checkLegend(t, p, "Doctor", p.waitText(30*time.Second, "✓"))

	// The help scrolls a line at a time, to the end and back.
	p.keys("1")
	p.waitText(10*time.Second, "ENDPOINT")
	p.keys("?")
	p.waitText(10*time.Second, "Keys — Overview", "1–20 of")
	p.keys("j")
	p.waitText(10*time.Second, "2–21 of")
	p.keys("G")
	s = p.waitFor("the help's last page", 10*time.Second, func(s string) bool {
		m := regexp.MustCompile(`–(\d+) of (\d+)`).FindStringSubmatch(s)
		return m != nil && m[1] == m[2]
	})
	p.keys("k")
	p.waitFor("one line up", 10*time.Second, func(x string) bool { return x != s })
	p.keys("g")
	p.waitText(10*time.Second, "1–20 of")

	// The auto window makes the header longest: the address still shows
	// whole at 80 columns.
	a := startPane(t, 80, 24, []string{"NO_COLOR="}, vigilBinary(t), "--prometheus", stack.PrometheusURL, "--refresh", "1s",
		"--selector", `job="flask"`, "--alertmanager", am)
	s = a.waitFor("live with the auto window", 60*time.Second, func(s string) bool {
		return strings.Contains(s, "● live") && regexp.MustCompile(`exc [0-9.kM]+/4s`).MatchString(s)
	})
	t.Logf("overview at 80x24, auto window:\n%s", s)
	if l := lines(s)[0]; !strings.Contains(l, host) || !strings.Contains(l, "window 4s") {
		t.Errorf("header line 1 at 80 columns, auto window: %q", l)
	}
	a.quit(10 * time.Second)

	// Wide: everything in the header, every tab titled.
	w := startConsole(t, 160, 40, []string{"NO_COLOR="}, stack, "--alertmanager", am)
	s = w.waitFor("live, with firing alerts counted", 60*time.Second, func(s string) bool {
		return strings.Contains(s, "● live") && strings.Contains(s, "2 Alerts ●")
	})
	t.Logf("overview at 160x40:\n%s", s)
	ls = lines(s)
	for _, want := range []string{host, "every 1s", "window 30s"} {
		if !strings.Contains(ls[0], want) {
			t.Errorf("wide header line 1 lacks %q: %q", want, ls[0])
		}
	}
	for _, want := range []string{"1 Overview", "3 Silences", "7 Doctor"} {
		if !strings.Contains(ls[1], want) {
			t.Errorf("wide tabs lack %q: %q", want, ls[1])
		}
	}
	w.quit(10 * time.Second)
	p.keys("Escape")
	p.waitFor("help closed", 10*time.Second, func(s string) bool { return !strings.Contains(s, "Keys — Overview") })
	p.quit(10 * time.Second)
}
