package main

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// BenchmarkConsoleRSS runs the console as people do (the vigil binary in
// tmux at 120x45, a 1s refresh, no recording rules) on the demo stack at 50
// and at 10,000 endpoints, for 30 s once its first figures are on screen,
// and reports its peak resident memory (VmHWM) and its resident memory at
// the end (VmRSS). The goals: at most 30 MB at 50 endpoints, 80 MB at
// 10,000.
func BenchmarkConsoleRSS(b *testing.B) {
	figures := regexp.MustCompile(`req/s [0-9]`)
	for _, n := range []int{50, 10000} {
		b.Run(fmt.Sprintf("endpoints=%d", n), func(b *testing.B) {
			stack := demotest.Start(b, demo.StackOptions{App: demo.AppOptions{Endpoints: n, Seed: 7}})
			bin := vigilBinary(b)
			for b.Loop() {
				p := startPane(b, 120, 45, []string{"NO_COLOR="}, bin, "--prometheus", stack.PrometheusURL, "--refresh", "1s")
				p.waitFor("the first figures", 5*time.Minute, figures.MatchString)
				pid := vigilPID(b, p)
				tick := time.NewTicker(time.Second)
				peak := 0
				for begin := time.Now(); time.Since(begin) < 30*time.Second; {
					<-tick.C
					peak = max(peak, statusKB(b, pid, "VmHWM"))
				}
				tick.Stop()
				rss := statusKB(b, pid, "VmRSS")
				p.quit(15 * time.Second)
				b.ReportMetric(float64(peak)/1024, "peak-RSS-MB")
				b.ReportMetric(float64(rss)/1024, "RSS-MB")
				b.Logf("%d endpoints: peak RSS %d MB, RSS %d MB after 30 s of 1 s refreshes (goal: %d MB)", n, peak>>10, rss>>10, map[int]int{50: 30, 10000: 80}[n])
			}
		})
	}
}
