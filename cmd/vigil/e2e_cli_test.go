package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo/demotest"
)

// runBinary runs the built vigil with args and an empty config home, and
// returns stdout, stderr and the exit code.
func runBinary(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	code, out, errOut := execVigil(t, vigilBinary(t), append(append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir(), "XDG_STATE_HOME="+t.TempDir()), env...), args...)
	return out, errOut, code
}

func TestHelpGoesToStdoutWithDefaults(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"snapshot", "--help"}, {"demo", "-h"}, {"audit", "--help"}} {
		out, errOut, code := runBinary(t, nil, args...)
		if code != 0 {
			t.Errorf("%v: exit code %d, want 0", args, code)
		}
		if errOut != "" {
			t.Errorf("%v: stderr %q, want the help on stdout only", args, errOut)
		}
		want := []string{"--prometheus", "(default http://127.0.0.1:9090)", "(default 5s)", "(default auto)", "unset: detected from the series", "(default dark)", "(default auto)"}
		if args[0] == "audit" {
			want = []string{"-file", "-json"}
		}
		if args[0] == "snapshot" {
			want = append(want, "(default text)")
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: help lacks %q:\n%s", args, w, out)
			}
		}
	}
	// A bad flag still goes to stderr with exit code 2.
	out, errOut, code := runBinary(t, nil, "--nope")
	if code != 2 || out != "" || !strings.Contains(errOut, "nope") {
		t.Errorf("bad flag: code %d stdout %q stderr %q", code, out, errOut)
	}
}

// countingListener accepts connections and counts them, answering nothing.
func countingListener(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return "http://" + ln.Addr().String(), &n
}

func TestBadSelectorExits2BeforeAnyConnection(t *testing.T) {
	url, conns := countingListener(t)
	cases := []struct {
		args  []string
		env   []string
		where string
	}{
		{args: []string{"snapshot", "--prometheus", url, "--selector", `job="flask`}, where: "flag --selector"},
		{args: []string{"snapshot", "--prometheus", url, "--selector", `job=flask`}, where: "flag --selector"},
		{args: []string{"snapshot", "--prometheus", url, "--selector", `path=~"(x"`}, where: "flag --selector"},
		{args: []string{"snapshot", "--prometheus", url}, env: []string{`VIGIL_SELECTOR=job="a" env="b"`}, where: "env VIGIL_SELECTOR"},
		{args: []string{"--prometheus", url, "--selector", `job="a",,`}, where: "flag --selector"},
	}
	for _, c := range cases {
		_, errOut, code := runBinary(t, c.env, c.args...)
		if code != 2 {
			t.Errorf("%v %v: exit code %d, want 2 (%s)", c.args, c.env, code, errOut)
		}
		for _, w := range []string{c.where, "metrics.selector", "column "} {
			if !strings.Contains(errOut, w) {
				t.Errorf("%v %v: stderr %q lacks %q", c.args, c.env, errOut, w)
			}
		}
	}
	// A connection of our own, accepted after any the runs made: once it
	// is counted, theirs are too.
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	demotest.EventuallyTrue(t, 10*time.Second, "the test's own connection counted", func() bool { return conns.Load() >= 1 })
	if n := conns.Load() - 1; n != 0 {
		t.Errorf("%d connections to Prometheus with a bad selector", n)
	}
}

func TestBareDurationAndMissingAuditFileExit2(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.toml")
	if err := os.WriteFile(cfg, []byte("[silence]\nack_duration = 15\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "nonexistent")
	cases := []struct {
		args []string
		env  []string
		want []string
	}{
		{args: []string{"snapshot", "--config", cfg}, want: []string{cfg + ":2:", "silence.ack_duration", "15 needs a unit, e.g. 15s"}},
		{args: []string{"snapshot", "--refresh", "5"}, want: []string{"flag --refresh", "5 needs a unit, e.g. 5s"}},
		{args: []string{"snapshot"}, env: []string{"VIGIL_WINDOW=15"}, want: []string{"env VIGIL_WINDOW", "15 needs a unit"}},
		{args: []string{"audit", "--file", missing}, want: []string{missing, "no such file"}},
	}
	for _, c := range cases {
		_, errOut, code := runBinary(t, c.env, c.args...)
		if code != 2 {
			t.Errorf("%v: exit code %d, want 2 (%s)", c.args, code, errOut)
		}
		for _, w := range c.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%v: stderr %q lacks %q", c.args, errOut, w)
			}
		}
	}
}

func TestNotPrometheusIsNamedInSnapshotAndConsole(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.NotFound(w, r)
	}))
	defer srv.Close()
	const phrase = "this does not look like a Prometheus API"
	for _, format := range []string{"text", "json", "markdown"} {
		out, errOut, code := runBinary(t, nil, "snapshot", "--prometheus", srv.URL, "--format", format)
		if code != 1 {
			t.Errorf("%s: exit code %d, want 1", format, code)
		}
		if all := out + errOut; !strings.Contains(all, phrase) || !strings.Contains(all, srv.URL+"/api/v1/query") {
			t.Errorf("%s: output does not say %q with the URL:\nstdout %s\nstderr %s", format, phrase, out, errOut)
		}
	}
	p := startPane(t, 100, 30, nil, vigilBinary(t), "--prometheus", srv.URL)
	s := p.waitText(15*time.Second, "does not look like a", "✕ down")
	if !strings.Contains(s, strings.TrimPrefix(srv.URL, "http://")) {
		t.Errorf("the console does not name the URL:\n%s", s)
	}
	p.quit(10 * time.Second)
}
