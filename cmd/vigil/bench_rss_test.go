package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
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
				// VIGIL_BENCH_ENV adds to the console's environment, to
				// compare settings: VIGIL_BENCH_ENV="GOGC=100".
				env := append([]string{"NO_COLOR="}, strings.Fields(os.Getenv("VIGIL_BENCH_ENV"))...)
				p := startPane(b, 120, 45, env, bin, "--prometheus", stack.PrometheusURL, "--refresh", "1s")
				p.waitFor("the first figures", 5*time.Minute, figures.MatchString)
				pid := vigilPID(b, p)
				cpu0 := cpuSeconds(b, pid)
				tick := time.NewTicker(time.Second)
				peak := 0
				for begin := time.Now(); time.Since(begin) < 30*time.Second; {
					<-tick.C
					peak = max(peak, statusKB(b, pid, "VmHWM"))
				}
				tick.Stop()
				rss := statusKB(b, pid, "VmRSS")
				cpu := cpuSeconds(b, pid) - cpu0
				p.quit(15 * time.Second)
				b.ReportMetric(float64(peak)/1024, "peak-RSS-MB")
				b.ReportMetric(float64(rss)/1024, "RSS-MB")
				b.ReportMetric(cpu, "CPU-s/30s")
				b.Logf("%d endpoints: peak RSS %d MB, RSS %d MB, CPU %.2f s over 30 s of 1 s refreshes (goal: %d MB)", n, peak>>10, rss>>10, cpu, map[int]int{50: 30, 10000: 80}[n])
			}
		})
	}
}

// cpuSeconds is the CPU time (user and system) process pid has used.
func cpuSeconds(t testing.TB, pid int) float64 {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// The fields after the command's name, which is in parentheses and
	// may hold spaces: utime and stime are the 12th and 13th of them.
	rest := string(raw[bytes.LastIndexByte(raw, ')')+1:])
	f := strings.Fields(rest)
	if len(f) < 13 {
		t.Fatalf("/proc/%d/stat: %q", pid, raw)
	}
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("/proc/%d/stat: %q", pid, raw)
	}
	return (ut + st) / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times: 100 on Linux.
const clockTicks = 100
