package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
)

// Faults, with nothing lost: each test puts a real fault between the built
// console and the real demo stack (a fault proxy the test controls, a
// stopped process) and reads what a person would see.

// writeConfig writes a config file for the console and returns its path.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "vigil.toml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// faultProxy starts a fault proxy in front of target, closed at the end.
func faultProxy(t *testing.T, target string) *demo.FaultProxy {
	t.Helper()
	p, err := demo.StartFaultProxy(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("fault proxy: %v", err)
		}
	})
	return p
}

var staleAge = regexp.MustCompile(`◐ stale (\d+)(ms|s|m)`)

// staleFor is the age the screen gives the stale data, 0 when none.
func staleFor(s string) time.Duration {
	m := staleAge.FindStringSubmatch(s)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return map[string]time.Duration{"ms": time.Millisecond, "s": time.Second, "m": time.Minute}[m[2]] * time.Duration(n)
}

// Prometheus is killed mid-session and started again on the same port: the
// data stays, marked stale with its age, and the console is live again
// soon after Prometheus is ready, with no keypress: its retries are capped
// at the refresh interval, however long Prometheus was away.
func TestE2EFaultPrometheusRestartRecoversUnaided(t *testing.T) {
	stack, p := liveThenPrometheusStopped(t)
	s := p.waitFor("stale with its age and the cause", 15*time.Second, func(s string) bool {
		return staleAge.MatchString(s) && strings.Contains(s, "connection refused")
	})
	host := strings.TrimPrefix(stack.PrometheusURL, "http://")
	if !strings.Contains(s, "/api/checkout") || !strings.Contains(s, host) {
		t.Errorf("the last data and the server should stay on screen:\n%s", s)
	}
	// Away long enough that retries doubling without a cap would wait
	// 16s by now: recovering within the bound below shows the cap.
	const away = 15 * time.Second
	p.waitFor(fmt.Sprintf("stale for %s", away), away+45*time.Second, func(s string) bool { return staleFor(s) >= away })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := stack.StartPrometheus(ctx); err != nil {
		t.Fatal(err)
	}
	ready := time.Now()
	// Two refresh intervals on an idle machine; the bound is a multiple a
	// busy one holds, still well under an uncapped retry's wait.
	const refresh = time.Second
	limit := 6 * refresh
	p.waitFor("live again", 60*time.Second, func(s string) bool {
		return strings.Contains(s, "● live") && !strings.Contains(s, "stale")
	})
	took := time.Since(ready)
	t.Logf("live again %s after StartPrometheus returned, away %s (refresh %s, two refreshes on an idle machine, limit %s)", took.Round(time.Millisecond), away, refresh, limit)
	if took > limit {
		t.Errorf("recovery took %s, want within %s (the retries capped at the refresh interval)", took, limit)
	}
	p.quit(10 * time.Second)
}

// keyLatency sends key, then polls the screen every 10 ms until shown
// holds, and returns the time it took.
func keyLatency(p *pane, key string, shown func(string) bool) time.Duration {
	p.t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	p.keys(key)
	for ; ; <-tick.C {
		if shown(p.screen()) {
			return time.Since(start)
		}
		if time.Since(start) > 5*time.Second {
			p.t.Fatalf("key %s: the screen did not change within 5s:\n%s", key, p.screen())
		}
	}
}

// captureCost is how long one capture-pane takes here: the floor under any
// key-to-frame figure measured through tmux.
func captureCost(p *pane) time.Duration {
	var ds []time.Duration
	for i := 0; i < 10; i++ {
		start := time.Now()
		p.screen()
		ds = append(ds, time.Since(start))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2]
}

// Prometheus answers ten times slower than the refresh interval: refreshes
// do not pile up and keys still answer at once.
func TestE2EFaultSlowPrometheusNoPileUp(t *testing.T) {
	stack := startIncidentStack(t)
	proxy := faultProxy(t, stack.PrometheusURL)
	cfg := writeConfig(t, "[prometheus]\ntimeout = \"15s\"\n")
	bin := vigilBinary(t)
	p := startPane(t, 100, 30, nil, bin, "--config", cfg, "--prometheus", proxy.URL(),
		"--refresh", "1s", "--window", "30s", "--selector", `job="flask"`)
	p.waitText(40*time.Second, "● live", "/api/checkout")

	proxy.Delay(10 * time.Second)
	proxy.ResetPeak()
	startReqs := proxy.Stats().Requests

	// Sample the requests open through the proxy while the keys are timed.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var samples, peakSampled int
	wg.Add(1)
	go func() {
		defer wg.Done()
		tk := time.NewTicker(20 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
				samples++
				peakSampled = max(peakSampled, proxy.Stats().InFlight)
			}
		}
	}()
	began := time.Now()
	// limit is one refresh's worth: the overview's queries plus the one
	// request of the alerts refresh (Prometheus's /api/v1/alerts; no
	// Alertmanager).
	limit := query.QueriesPerRefresh + 1
	// An overview refresh sends QueriesPerRefresh requests, or fewer when
	// it reuses what changes slowly, and one fewer again when it keeps the
	// trend: the first delayed one is under way once that many are open
	// (its queries paced 20ms apart when none answers), and answered once
	// as many as it sent are.
	fewest := query.FastQueriesPerRefresh - 1
	first := 0
	demotest.Eventually(t, 30*time.Second, "the first delayed refresh under way", func() (bool, string) {
		st := proxy.Stats()
		first = int(st.InFlight)
		return first >= fewest, fmt.Sprintf("%d requests open", st.InFlight)
	})

	cost := captureCost(p)
	var open, closeHelp []time.Duration
	for i := 0; i < 5; i++ {
		open = append(open, keyLatency(p, "?", func(s string) bool { return strings.Contains(s, "Keys — Overview") }))
		// Closed on screen: the esc was read alone, the next ? can follow.
		closeHelp = append(closeHelp, keyLatency(p, "Escape", func(s string) bool { return !strings.Contains(s, "Keys — Overview") }))
	}
	// Watched until the first delayed refresh is answered (10s after it
	// began): until then, any refresh started beside it piled up on it.
	demotest.Eventually(t, 60*time.Second, "the first delayed refresh answered", func() (bool, string) {
		st := proxy.Stats()
		answered := st.Requests - startReqs - int64(st.InFlight)
		return answered >= int64(first), fmt.Sprintf("%d of %d requests answered", answered, st.Requests-startReqs)
	})
	close(stop)
	wg.Wait()
	st := proxy.Stats()
	window := time.Since(began)

	t.Logf("over %s with a 10s delay and a 1s refresh: at most %d requests open at once (proxy peak; %d from %d samples), %d requests in all; limit %d = %d overview queries + 1 alerts request",
		window.Round(time.Second), st.MaxInFlight, peakSampled, samples, st.Requests-startReqs, limit, query.QueriesPerRefresh)
	if st.MaxInFlight > limit {
		t.Errorf("%d requests open at once: refreshes piled up (limit %d)", st.MaxInFlight, limit)
	}
	if st.MaxInFlight < fewest {
		t.Errorf("only %d requests open at once: the delayed refresh was not measured", st.MaxInFlight)
	}
	// A refresh takes 10s: by the time the first is answered, at most the
	// next overview refresh and alerts refresh have started beside it.
	if n := st.Requests - startReqs; n > int64(2*limit) {
		t.Errorf("%d requests in %s: more refreshes started than finished", n, window)
	}

	// tmux's own capture is in every figure: the bound on the median is
	// 100ms above it. On a shared, loaded box a single key can wait for the
	// CPU; each one must still come far under the 10s a key would take if
	// it waited for the network.
	bound := 100*time.Millisecond + 2*cost
	const each = 3 * time.Second
	load, _ := os.ReadFile("/proc/loadavg")
	t.Logf("key-to-frame while a refresh hangs (capture-pane costs %s, load %s): help opens %v, closes %v; median bound %s, each under %s",
		cost, strings.TrimSpace(string(load)), round(open), round(closeHelp), bound, each)
	for name, ds := range map[string][]time.Duration{"open help": open, "close help": closeHelp} {
		if med := median(ds); med > bound {
			t.Errorf("%s: median %s, want under %s", name, med, bound)
		}
		for i, d := range ds {
			if d > each {
				t.Errorf("%s, key %d: %s, want under %s", name, i+1, d, each)
			}
		}
	}
	proxy.Pass()
	p.quit(20 * time.Second)
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func round(ds []time.Duration) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond).String()
	}
	return out
}

// amSilence is the part of Alertmanager's silence the tests read.
type amSilence struct {
	ID      string `json:"id"`
	Comment string `json:"comment"`
	Status  struct {
		State string `json:"state"`
	} `json:"status"`
}

// silencesWithComment lists the silences of one Alertmanager with a comment.
func silencesWithComment(t *testing.T, am, comment string) []amSilence {
	t.Helper()
	var all []amSilence
	demotest.GetJSON(t, am+"/api/v2/silences", &all)
	var out []amSilence
	for _, s := range all {
		if s.Comment == comment {
			out = append(out, s)
		}
	}
	return out
}

// openSilenceForm selects the alert named name on the Alerts screen and
// opens the silence form, up to its confirm step, with comment typed.
func openSilenceForm(p *pane, name, comment string) {
	p.t.Helper()
	p.keys("2")
	p.waitText(15*time.Second, "SEVERITY")
	p.filter(`alertname="` + name + `"`)
	p.waitText(15*time.Second, `filter /alertname="`+name+`"`, name+" ")
	typeSilenceComment(p, comment, `alertname="`+name+`"`)
	p.keys("Enter")
	p.waitText(15*time.Second, "Create this silence?")
}

// The silence POST gets no answer until its deadline (the proxy drops the
// answer, or swallows the request), then the network heals and enter
// retries: exactly one silence results either way.
func TestE2EFaultSilencePostLostThenRetriedOnce(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 5}, Alertmanagers: 1})
	am := stack.AlertmanagerURLs[0]
	proxy := faultProxy(t, am)
	postAlert(t, am, map[string]string{"alertname": "DiskFull", "severity": "warning", "instance": "db-1"}, "disk 97% full on db-1")
	postAlert(t, am, map[string]string{"alertname": "QueueBacklog", "severity": "warning", "instance": "mq-1"}, "queue backlog on mq-1")
	cfg := writeConfig(t, "[alertmanager]\ntimeout = \"2s\"\n")
	p := startConsole(t, 120, 30, []string{"XDG_STATE_HOME=" + t.TempDir()}, stack, "--config", cfg, "--alertmanager", proxy.URL())
	p.waitText(40*time.Second, "● live")

	for _, c := range []struct {
		mode, alert string
		fault       func()
		reused      bool
	}{
		{"drop-response", "DiskFull", proxy.DropResponses, true},
		{"blackhole", "QueueBacklog", proxy.Blackhole, false},
	} {
		comment := "post lost to " + c.mode
		openSilenceForm(p, c.alert, comment)
		c.fault()
		p.keys("Enter")
		s := p.waitText(30*time.Second, "enter: try again")
		host := strings.TrimPrefix(proxy.URL(), "http://")
		if !strings.Contains(s, host) || !strings.Contains(s, "no answer within 2s") {
			t.Errorf("%s: the error should name the peer and the deadline:\n%s", c.mode, s)
		}
		if got := len(silencesWithComment(t, am, comment)); c.reused != (got == 1) || got > 1 {
			t.Errorf("%s: %d silences in Alertmanager after the lost post", c.mode, got)
		}
		proxy.Pass()
		p.keys("Enter")
		// The confirmation of this round: the previous round's may still
		// be on screen, so the id shown must be this comment's silence.
		s = p.waitFor("the retried silence confirmed", 30*time.Second, func(scr string) bool {
			m := silenceID.FindStringSubmatch(scr)
			if m == nil || !strings.Contains(scr, "silenced:") || !strings.Contains(scr, "verified active") {
				return false
			}
			sils := silencesWithComment(t, am, comment)
			return len(sils) == 1 && sils[0].ID == m[1]
		})
		if c.reused != strings.Contains(s, "made by the earlier attempt") {
			t.Errorf("%s: the retry should say whether it found the earlier silence:\n%s", c.mode, s)
		}
		m := silenceID.FindStringSubmatch(s)
		sils := silencesWithComment(t, am, comment)
		if len(sils) != 1 || m == nil || sils[0].ID != m[1] || sils[0].Status.State != "active" {
			t.Fatalf("%s: want exactly one active silence, the one on screen; Alertmanager has %+v; screen:\n%s", c.mode, sils, s)
		}
		t.Logf("%s: one silence %s (proxy: %+v)", c.mode, sils[0].ID, proxy.Stats())
	}
	p.quit(10 * time.Second)
}

// One peer of the HA pair dies while the silence is being created on it:
// the post reached it, the answer never came back. The silence exists once,
// on the surviving peer.
func TestE2EFaultHAPeerKilledDuringSilenceCreation(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 9}, Alertmanagers: 2})
	am0, am1 := stack.AlertmanagerURLs[0], stack.AlertmanagerURLs[1]
	proxy := faultProxy(t, am0)
	labels := map[string]string{"alertname": "DiskFull", "severity": "warning", "instance": "db-1"}
	// Prometheus sends every alert to every peer.
	postAlert(t, am0, labels, "disk 97% full on db-1")
	postAlert(t, am1, labels, "disk 97% full on db-1")
	cfg := writeConfig(t, "[alertmanager]\ntimeout = \"2s\"\n")
	p := startConsole(t, 120, 30, []string{"XDG_STATE_HOME=" + t.TempDir()}, stack,
		"--config", cfg, "--alertmanager", proxy.URL(), "--alertmanager", am1)
	p.waitText(40*time.Second, "am ●●", "● live")

	comment := "db-1 disk being expanded"
	openSilenceForm(p, "DiskFull", comment)
	proxy.DropResponses()
	p.keys("Enter")
	// The post reached peer 0, which shared the silence with peer 1; then
	// peer 0 dies before answering.
	demotest.EventuallyTrue(t, 30*time.Second, "the post to reach peer 0 and be gossiped to peer 1", func() bool {
		return len(silencesWithComment(t, am1, comment)) > 0
	})
	if err := stack.StopAlertmanager(0); err != nil {
		t.Fatal(err)
	}
	s := p.waitText(30*time.Second, "silenced:", "verified active")
	m := silenceID.FindStringSubmatch(s)
	sils := silencesWithComment(t, am1, comment)
	var all []amSilence
	demotest.GetJSON(t, am1+"/api/v2/silences", &all)
	if len(sils) != 1 || len(all) != 1 || m == nil || sils[0].ID != m[1] || sils[0].Status.State != "active" {
		t.Fatalf("want exactly one active silence on the surviving peer, the one on screen; it has %+v; screen:\n%s", all, s)
	}
	p.waitText(20*time.Second, "am ✕●")
	p.quit(10 * time.Second)
}

// badServer answers every request the way kind says: what a broken proxy in
// front of Prometheus sends, which a real Prometheus cannot be made to. It
// returns its URL and its count of requests answered (or given up by the
// client).
func badServer(t *testing.T, kind string) (addr string, answered *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	const bigSize = 50 << 20
	answered = new(atomic.Int64)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer answered.Add(1)
		switch kind {
		case "truncated JSON":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"endpoint":"/api/che`)
		case "HTML page":
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<!DOCTYPE html><html><head><title>Sign in</title></head><body><h1>Corporate proxy</h1><p>Please sign in to continue.</p></body></html>\n")
		case "502":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>\n")
		case "50 MB":
			w.Header().Set("Content-Type", "application/json")
			// No Content-Length: the size shows only while reading.
			chunk := []byte(strings.Repeat(" ", 64<<10))
			_, _ = io.WriteString(w, `{"status":"success","data":{"resultType":"vector","result":[`)
			left := bigSize - len(`{"status":"success","data":{"resultType":"vector","result":[`)
			for left > 0 && r.Context().Err() == nil {
				n := min(left, len(chunk))
				if _, err := w.Write(chunk[:n]); err != nil {
					return
				}
				left -= n
			}
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String(), answered
}

// vigilPID finds the console's process: the child of the pane's shell.
func vigilPID(t testing.TB, p *pane) int {
	t.Helper()
	shell, err := strconv.Atoi(strings.TrimSpace(p.tmux("list-panes", "-t", p.name, "-F", "#{pane_pid}")))
	if err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 || !strings.HasPrefix(s[strings.IndexByte(s, '(')+1:], "vigil)") {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(shell) {
			return pid
		}
	}
	t.Fatalf("no vigil process under the pane's shell %d", shell)
	return 0
}

// statusKB reads a "Vm…: N kB" line of /proc/pid/status.
func statusKB(t testing.TB, pid int, field string) int {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// Bad answers in place of Prometheus's: each gives an error on screen that
// names the server and the cause, and memory stays bounded.
func TestE2EFaultBadPrometheusResponses(t *testing.T) {
	bin := vigilBinary(t)
	for _, c := range []struct {
		kind  string
		cause []string
	}{
		{"truncated JSON", []string{"malformed response"}},
		{"HTML page", []string{"malformed response"}},
		{"502", []string{"server returned HTTP 502 Bad Gateway"}},
		// Refused at the per-answer cap or at the budget the answers read at
		// once share (whichever trips first), or read whole and found
		// malformed when the caps are above 50 MB: the cause is named.
		{"50 MB", []string{"response body larger than|answers larger than|malformed response"}},
	} {
		t.Run(strings.ReplaceAll(c.kind, " ", "_"), func(t *testing.T) {
			u, answered := badServer(t, c.kind)
			p := startPane(t, 100, 30, nil, bin, "--prometheus", u, "--refresh", "1s")
			s := p.waitText(30*time.Second, "Prometheus is not answering")
			want := append([]string{"prometheus " + u}, c.cause...)
			s = p.waitFor(fmt.Sprintf("%q", want), 30*time.Second, func(s string) bool {
				flat := strings.Join(strings.Fields(s), " ")
				for _, w := range want {
					alt := false
					for _, a := range strings.Split(w, "|") {
						alt = alt || strings.Contains(flat, a)
					}
					if !alt {
						return false
					}
				}
				return true
			})
			if c.kind == "50 MB" {
				pid := vigilPID(t, p)
				// Several refreshes, each reading the 50 MB answer of every
				// query: counted as the server answers them.
				const refreshes = 4
				from := answered.Load()
				demotest.Eventually(t, 120*time.Second, fmt.Sprintf("%d refreshes of 50 MB answers", refreshes), func() (bool, string) {
					n := answered.Load() - from
					return n >= int64(refreshes*query.QueriesPerRefresh), fmt.Sprintf("%d answers", n)
				})
				hwm, rss := statusKB(t, pid, "VmHWM"), statusKB(t, pid, "VmRSS")
				t.Logf("50 MB answers for %d refreshes (%d answers): VmHWM %d MB, VmRSS %d MB", refreshes, answered.Load()-from, hwm>>10, rss>>10)
				if hwm > 200<<10 {
					t.Errorf("peak RSS %d MB reading 50 MB answers, want under 200 MB: every query of a refresh buffers up to the body cap (query.DefaultMaxBodyBytes = %d MiB) at once", hwm>>10, query.DefaultMaxBodyBytes>>20)
				}
			}
			t.Logf("%s: %s", c.kind, causeLine(s))
			p.quit(10 * time.Second)
		})
	}
}

// causeLine is the line of the down screen that names the server.
func causeLine(s string) string {
	for _, l := range lines(s) {
		if strings.Contains(l, "prometheus http") {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

// A panic inside Update ends the console with the terminal restored: the
// normal screen, the cursor shown, cooked mode; one line on the screen, the
// stack in the log file, exit code 1.
func TestE2EFaultPanicRestoresTerminal(t *testing.T) {
	bin := vigilBinary(t)
	logFile := filepath.Join(t.TempDir(), "vigil.log")
	script := fmt.Sprintf(`%s --prometheus %s --refresh 1s --log-file %s; echo "[vigil exited $?]"; stty -a`,
		shellQuote(bin), shellQuote(demotest.ClosedURL(t)), shellQuote(logFile))
	p := startPane(t, 120, 40, []string{testPanicEnv + "=after-first-frame"}, "sh", "-c", script)
	s := p.waitText(20*time.Second, "[vigil exited 1]", "[exited 0]")

	if alt := strings.TrimSpace(p.tmux("display", "-p", "-t", p.name, "#{alternate_on}")); alt != "0" {
		t.Errorf("alternate screen still on after the crash (alternate_on=%s)", alt)
	}
	if cur := strings.TrimSpace(p.tmux("display", "-p", "-t", p.name, "#{cursor_flag}")); cur != "1" {
		t.Errorf("cursor hidden after the crash (cursor_flag=%s)", cur)
	}
	stty := s[strings.Index(s, "[vigil exited 1]"):]
	for _, flag := range []string{"icanon", "echo", "isig", "icrnl", "opost"} {
		if !regexp.MustCompile(`(^|\s)` + flag + `(\s|$)`).MatchString(stty) {
			t.Errorf("terminal not in cooked mode after the crash: stty -a lacks %q:\n%s", flag, stty)
		}
	}
	// Everything above the shell's line is vigil's output: one line (which
	// the 120-column pane may wrap), naming the panic and the log file.
	out := strings.TrimSpace(s[:strings.Index(s, "[vigil exited 1]")])
	msg := strings.ReplaceAll(out, "\n", "")
	if strings.Count(out, "vigil:") != 1 || !strings.HasPrefix(msg, "vigil: internal error: the console panicked: ") ||
		!strings.Contains(msg, "test panic") || !strings.HasSuffix(msg, "(stack trace in "+logFile+")") || len(msg) > 2*120 {
		t.Errorf("want one line naming the panic and the log file, got %q; screen:\n%s", msg, s)
	}
	msgs := []string{msg}
	for _, bad := range []string{"goroutine ", ".go:", "Caught panic", "panic("} {
		if strings.Contains(s, bad) {
			t.Errorf("the screen shows a Go stack trace (%q):\n%s", bad, s)
		}
	}
	data, err := os.ReadFile(logFile)
	if err != nil || !strings.Contains(string(data), "test panic (VIGIL_TEST_PANIC)") || !strings.Contains(string(data), "testhooks.go") {
		t.Errorf("the log file should hold the panic and its stack: %v\n%s", err, data)
	}
	t.Logf("after the crash: %s", msgs)
}
