package main

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo/demotest"
)

// demoChildren lists the prometheus and alertmanager processes whose
// command line mentions the given text.
func demoChildren(t *testing.T, mention string) []string {
	t.Helper()
	out, _ := exec.Command("ps", "-eo", "pid,args").Output()
	var found []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, mention) && (strings.Contains(l, "prometheus ") || strings.Contains(l, "prometheus-alertmanager")) && !strings.Contains(l, "ps -eo") {
			found = append(found, strings.TrimSpace(l))
		}
	}
	return found
}

var storageDir = regexp.MustCompile(`--storage\.tsdb\.path=(\S+)`)

// vigil demo --no-tui prints the URLs, serves until interrupted, and on
// Ctrl-C stops everything it started and removes its directory.
func TestDemoNoTUIStopsEverythingOnInterrupt(t *testing.T) {
	t.Parallel()
	demotest.RequireTools(t, "prometheus", "prometheus-alertmanager")
	bin := vigilBinary(t)
	cmd := exec.Command(bin, "demo", "--no-tui")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	urls := map[string]string{}
	sc := bufio.NewScanner(stdout)
	deadline := time.AfterFunc(90*time.Second, func() { cmd.Process.Kill() })
	defer deadline.Stop()
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 {
			urls[f[0]] = f[1]
		}
		if strings.HasPrefix(sc.Text(), "running;") {
			break
		}
	}
	prom := urls["prometheus"]
	if prom == "" || urls["alertmanager"] == "" {
		t.Fatalf("no URLs printed: %v", urls)
	}
	for _, u := range []string{prom + "/-/ready", urls["alertmanager"] + "/-/ready"} {
		resp, err := http.Get(u)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v", u, err)
		}
		resp.Body.Close()
	}
	port := prom[strings.LastIndex(prom, ":")+1:]
	children := demoChildren(t, "127.0.0.1:"+port)
	if len(children) == 0 {
		t.Fatal("the demo's prometheus process is not visible")
	}
	m := storageDir.FindStringSubmatch(strings.Join(children, " "))
	if m == nil {
		t.Fatalf("no storage dir in %q", children)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("vigil demo exited with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("vigil demo did not stop within 30s of Ctrl-C")
	}
	if left := demoChildren(t, "127.0.0.1:"+port); len(left) != 0 {
		t.Fatalf("processes left behind: %q", left)
	}
	// The scratch directory (its parent holds the storage) is gone.
	dir := m[1][:strings.LastIndex(m[1], "/")]
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("demo directory %s left behind (%v)", dir, err)
	}
}

// vigil demo opens the console on the stack, reading vigil's recording
// rules; q stops everything.
func TestE2EDemoConsoleQuitStopsTheStack(t *testing.T) {
	t.Parallel()
	demotest.RequireTools(t, "prometheus", "prometheus-alertmanager")
	bin := vigilBinary(t)
	p := startPane(t, 100, 30, nil, bin, "demo", "--refresh", "1s")
	s := p.waitText(90*time.Second, "● live", "/api/checkout", "vigil · demo")
	host := regexp.MustCompile(`vigil · demo · (127\.0\.0\.1:\d+)`).FindStringSubmatch(s)
	if host == nil {
		t.Fatalf("no Prometheus host in the header:\n%s", s)
	}
	if len(demoChildren(t, host[1])) == 0 {
		t.Fatal("no demo prometheus running")
	}
	// The demo loads vigil's recording rules of its window: the console
	// reads them, and the doctor says so as the header does.
	p.waitText(60*time.Second, "window 4s (auto) · rules ✓")
	p.keys("7")
	p.waitText(30*time.Second, "✓ recording rules: the overview reads vigil's recorded series of window 4s")
	p.quit(30 * time.Second)
	if left := demoChildren(t, host[1]); len(left) != 0 {
		t.Fatalf("processes left behind after q: %q", left)
	}
}
