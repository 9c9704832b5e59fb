package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
)

// rowWith is the first line of screen that contains s.
func rowWith(screen, s string) string {
	for _, l := range lines(screen) {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// The overview's TREND spans 15 minutes, and says so: after an incident
// ends and the ERR% is back at 0%, the trend still shows it (a trend of
// the 30s window would be flat by then). EXC's head names its window. At
// 200 columns the figures sit next to the names, with 5XX/S and a wider
// TREND; at 80 there is no room for 5XX/S.
func TestE2EOverviewTrend15mAndWidth(t *testing.T) {
	t.Parallel()
	stack := startIncidentStack(t)
	p := startConsole(t, 80, 24, []string{"NO_COLOR="}, stack)
	s := p.waitText(40*time.Second, "● live", "/api/checkout", "TREND 15m", "EXC*/30s")
	if strings.Contains(s, "5XX/S") {
		t.Errorf("5XX/S at 80 columns:\n%s", s)
	}
	high := regexp.MustCompile(`[▅▆▇█]`)
	p.waitFor("the incident in checkout's trend", 120*time.Second, func(s string) bool {
		return high.MatchString(rowWith(s, "/api/checkout"))
	})

	p.resize(200, 50)
	s = p.waitText(15*time.Second, "5XX/S")
	head := rowWith(s, "ENDPOINT")
	if at := strings.Index(head, "REQ/S"); at < 0 || at > 60 {
		t.Errorf("REQ/S at cell %d of 200, want the figures next to the names:\n%s", at, s)
	}
	p.resize(80, 24)

	// The incident ends; the ERR% goes back to 0% over the 30s window, and
	// the trend keeps the incident.
	stack.App.SetFault("/api/checkout", demo.Fault{})
	zero := regexp.MustCompile(`/api/checkout\s+[0-9.]+\s+0%`)
	s = p.waitFor("checkout's ERR% back at 0%", 120*time.Second, func(s string) bool {
		return zero.MatchString(rowWith(s, "/api/checkout"))
	})
	if !high.MatchString(rowWith(s, "/api/checkout")) {
		t.Errorf("the trend lost the incident once the window's ERR%% is 0%%:\n%s", s)
	}
}

// The endpoint's charts at 80x24: each threshold line sits on the row
// labelled with its value (the error ratio's 1% and 5%, the latency's 1s
// and 2s), never on another figure's label.
func TestE2EChartThresholdsOnTheirValue(t *testing.T) {
	t.Parallel()
	stack := startIncidentStack(t)
	p := startConsole(t, 80, 24, []string{"NO_COLOR="}, stack)
	p.waitText(40*time.Second, "● live", "/api/checkout")
	p.filter("checkout")
	p.keys("Enter")
	s := p.waitText(30*time.Second, "error ratio", "latency", "requests/s", "┤")
	lineLabel := regexp.MustCompile(`^\s*(\S+)[┤┼]`)
	seen := 0
	for _, l := range lines(s) {
		// Each chart's half of the line: two charts side by side.
		for _, part := range splitCharts(l) {
			m := lineLabel.FindStringSubmatch(part)
			if m == nil {
				continue
			}
			crit, warn := strings.Count(part, "╍") >= 5, strings.Count(part, "┄") >= 5
			if crit {
				seen++
				if m[1] != "5.00%" && m[1] != "2.00s" {
					t.Errorf("a crit line on the row labelled %q:\n%s", m[1], s)
				}
			}
			if warn && !crit {
				seen++
				if m[1] != "1.00%" && m[1] != "1.00s" {
					t.Errorf("a warn line on the row labelled %q:\n%s", m[1], s)
				}
			}
		}
	}
	if seen == 0 {
		t.Errorf("no threshold line drawn on either chart:\n%s", s)
	}
}

// splitCharts cuts a line of two charts side by side before the second
// chart's axis label (a space and 7 cells before its axis).
func splitCharts(l string) []string {
	r := []rune(l)
	for i := 20; i < len(r); i++ {
		if r[i] == '┤' || r[i] == '┼' {
			return []string{string(r[:i-8]), string(r[i-8:])}
		}
	}
	return []string{l}
}
