package main

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// terminalModes is what the pane's terminal is left in: the alternate
// screen, the cursor shown, the mouse modes.
func (p *pane) terminalModes() string {
	p.t.Helper()
	return strings.TrimSpace(p.tmux("display-message", "-p", "-t", p.name,
		"alternate=#{alternate_on} cursor=#{cursor_flag} mouse=#{mouse_any_flag}#{mouse_button_flag}#{mouse_standard_flag}#{mouse_sgr_flag}#{mouse_utf8_flag}"))
}

// restoredTerminal is the state a terminal is left in by a program that
// cleaned up after itself.
const restoredTerminal = "alternate=0 cursor=1 mouse=00000"

// waitGoneWith waits until the ssh client in p has exited, then checks
// that its terminal is back on the normal screen with the cursor shown
// and the mouse off, that no frame of the console is left on it, and
// that it says why, once.
func waitGoneWith(t *testing.T, who string, p *pane, why string) {
	t.Helper()
	s := p.waitText(30*time.Second, "[exited")
	t.Logf("%s's pane after the ssh client exited:\n%s", who, s)
	if got := p.terminalModes(); got != restoredTerminal {
		t.Errorf("%s's terminal is left as %q, want %q", who, got, restoredTerminal)
	}
	if strings.Contains(s, "● live") || strings.Contains(s, "q quit") {
		t.Errorf("%s's terminal keeps a frame of the console:\n%s", who, s)
	}
	line := "vigil serve: session closed: " + why
	if n := strings.Count(strings.Join(strings.Fields(s), " "), line); n != 1 {
		t.Errorf("%s's terminal says %q %d times, want once:\n%s", who, line, n, s)
	}
}

// closedIn is the reasons the server's log gives for the sessions of user
// it closed.
func closedIn(log, user string) []string {
	re := regexp.MustCompile(`msg="session closed" user=` + regexp.QuoteMeta(user) + ` .*reason=(\S+)`)
	var out []string
	for _, m := range re.FindAllStringSubmatch(log, -1) {
		out = append(out, m[1])
	}
	return out
}

// When the server goes away, each person's terminal is given back clean,
// at 80x24: a removed key, a session idle too long, and three sessions at
// a SIGTERM each leave the normal screen with the cursor shown and one
// line saying why; the server logs every close with its reason, the three
// at the shutdown included.
func TestE2EServeGoesAwayTerminalRestored(t *testing.T) {
	t.Parallel()
	stack := startIncidentStack(t)
	dir, keysFile, keys := serveTeam(t)
	good, err := os.ReadFile(keysFile)
	if err != nil {
		t.Fatal(err)
	}
	kh := filepath.Join(dir, "known_hosts")
	srv := startServe(t, t.TempDir(), keysFile, consoleArgs(stack)...)

	// A removed key.
	ann := srv.connect(80, 24, keys["ann"], kh, false)
	ann.waitText(40*time.Second, "● live")
	var kept []string
	for _, l := range strings.Split(string(good), "\n") {
		if !strings.HasSuffix(l, " ann") {
			kept = append(kept, l)
		}
	}
	must(t, os.WriteFile(keysFile, []byte(strings.Join(kept, "\n")), 0o600))
	waitGoneWith(t, "ann (key removed)", ann, "this key is no longer authorized")
	must(t, os.WriteFile(keysFile, good, 0o600))
	srv.waitMetric("vigil_serve_authorized_keys", "3", 10*time.Second)

	// No keystroke for serve.idle_timeout, on a server of its own.
	cfgPath := filepath.Join(dir, "config.toml")
	must(t, os.WriteFile(cfgPath, []byte("[serve]\nidle_timeout = \"6s\"\n"), 0o600))
	idle := startServe(t, t.TempDir(), keysFile, consoleArgs(stack, "--config", cfgPath)...)
	carol := idle.connect(80, 24, keys["carol"], kh, false)
	carol.waitText(40*time.Second, "● live")
	waitGoneWith(t, "carol (idle)", carol, "no keystroke for 6s (serve.idle_timeout)")
	demoWait(t, 10*time.Second, func() bool { return len(closedIn(idle.log(), "carol")) == 1 })
	if got := closedIn(idle.log(), "carol"); len(got) != 1 || got[0] != "idle" {
		t.Errorf("the log closes carol's idle session for %q, want idle", got)
	}

	// Three sessions at a SIGTERM.
	panes := map[string]*pane{}
	for _, who := range []string{"ann", "bob", "carol"} {
		panes[who] = srv.connect(80, 24, keys[who], kh, false)
	}
	for _, p := range panes {
		p.waitText(40*time.Second, "● live")
	}
	must(t, srv.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-srv.exited:
		srv.exited <- err
		t.Logf("vigil serve exited: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatalf("vigil serve did not stop within 20s of SIGTERM; log:\n%s", srv.log())
	}
	for who, p := range panes {
		waitGoneWith(t, who+" (shutdown)", p, "the server is shutting down")
	}
	log := srv.log()
	for user, want := range map[string][]string{
		"ann":           {"key_removed", "shutdown"},
		"carol":         {"shutdown"},
		`"Bob Builder"`: {"shutdown"},
	} {
		if got := closedIn(log, user); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("the log closes %s's sessions for %q, want %q", user, got, want)
		}
	}
	if t.Failed() {
		t.Logf("server log:\n%s", log)
	}
}

// The server's banner names it once; a refused session names the person
// of the key in the log, and tells the real port and host to connect to.
func TestE2EServeBannerAndRefusals(t *testing.T) {
	t.Parallel()
	stack := startIncidentStack(t)
	dir, keysFile, keys := serveTeam(t)
	srv := startServe(t, t.TempDir(), keysFile, consoleArgs(stack)...)
	kh := filepath.Join(dir, "known_hosts")

	c, err := net.DialTimeout("tcp", srv.addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
	banner, err := bufio.NewReader(c).ReadString('\n')
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	if banner != "SSH-2.0-vigil\r\n" {
		t.Errorf("banner %q, want %q", banner, "SSH-2.0-vigil\r\n")
	}

	args := append(srv.sshArgs(keys["bob"], kh, false, "-T"), "uptime")
	out, _ := exec.Command(args[0], args[1:]...).CombinedOutput()
	t.Logf("ssh with a command:\n%s", out)
	want := "connect with plain ssh -p " + srv.port() + " 127.0.0.1 to open the console"
	if !strings.Contains(string(out), want) {
		t.Errorf("a command is refused without %q:\n%s", want, out)
	}
	args = srv.sshArgs(keys["ann"], kh, false, "-T")
	out, _ = exec.Command(args[0], args[1:]...).CombinedOutput()
	t.Logf("ssh without a pty:\n%s", out)
	if want := "connect with ssh -t -p " + srv.port() + " 127.0.0.1 (no pty was asked for)"; !strings.Contains(string(out), want) {
		t.Errorf("a session without a pty is refused without %q:\n%s", want, out)
	}
	demoWait(t, 10*time.Second, func() bool { return strings.Count(srv.log(), `msg="session refused"`) == 2 })
	for _, l := range []string{`msg="session refused" reason=command user="Bob Builder"`, `msg="session refused" reason=no_pty user=ann`} {
		if !strings.Contains(srv.log(), l) {
			t.Errorf("the log has no %s:\n%s", l, srv.log())
		}
	}
}
