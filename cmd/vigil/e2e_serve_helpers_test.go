package main

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/vigilterm/vigil/demo/demotest"
)

// The vigil serve tests run the built binary as the server and the real
// OpenSSH client in tmux as the people connecting, with keys made by
// ssh-keygen.

// sshKey makes an ed25519 key pair in dir and returns the private key's
// path (the public one is path + ".pub").
func sshKey(t *testing.T, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	return path
}

// authorizedLine is the authorized_keys line of the key at path, with a
// role option (none when "") and name as its comment.
func authorizedLine(t *testing.T, path, role, name string) string {
	t.Helper()
	data, err := os.ReadFile(path + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(data))
	line := f[0] + " " + f[1] + " " + name
	if role != "" {
		line = `role="` + role + `" ` + line
	}
	return line
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// served is a running vigil serve.
type served struct {
	t       *testing.T
	addr    string
	metrics string
	state   string
	logPath string
	cmd     *exec.Cmd
	exited  chan error
	args    []string
	env     []string
}

// startServe runs vigil serve on a free loopback port with the keys file
// and extra flags, its state in state, and waits until it listens.
func startServe(t *testing.T, state, keysFile string, extra ...string) *served {
	t.Helper()
	demotest.RequireTools(t, "ssh", "ssh-keygen", "tmux")
	s := &served{t: t, addr: freePort(t), metrics: freePort(t), state: state, logPath: filepath.Join(t.TempDir(), "serve.log")}
	s.args = append([]string{"serve", "--listen", s.addr, "--metrics-listen", s.metrics, "--authorized-keys", keysFile}, extra...)
	s.env = append(os.Environ(), "XDG_STATE_HOME="+state, "XDG_CONFIG_HOME="+t.TempDir())
	s.start()
	return s
}

func (s *served) start() {
	s.t.Helper()
	// The port is the same on a restart (clients know the host by it): in
	// the moment it was free, another program may have taken it as a
	// source port, so a start that finds it in use is tried again.
	for attempt := 1; ; attempt++ {
		err := s.startOnce()
		if err == nil {
			return
		}
		if attempt == 5 || !strings.Contains(s.log(), "address already in use") {
			s.t.Fatalf("%v; log:\n%s", err, s.log())
		}
		time.Sleep(time.Second)
	}
}

func (s *served) startOnce() error {
	log, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		s.t.Fatal(err)
	}
	defer log.Close()
	cmd := exec.Command(vigilBinary(s.t), s.args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = s.env, log, log
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.cmd = cmd
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	s.exited = exited
	s.t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		// A server built with -race reports here.
		if l := s.log(); strings.Contains(l, "DATA RACE") || strings.Contains(l, "panic") {
			s.t.Errorf("the server's log reports a race or a panic:\n%s", l)
		}
	})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", s.addr, time.Second); err == nil {
			c.Close()
			return nil
		}
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("vigil serve exited (%v) before listening on %s", err, s.addr)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("vigil serve does not listen on %s after 30s", s.addr)
		}
	}
}

// stop ends the server with SIGTERM and waits for it.
func (s *served) stop() {
	s.t.Helper()
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-s.exited:
		s.exited <- err
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		s.t.Fatalf("vigil serve did not stop within 10s; log:\n%s", s.log())
	}
}

func (s *served) log() string {
	data, _ := os.ReadFile(s.logPath)
	return string(data)
}

func (s *served) port() string {
	_, p, _ := net.SplitHostPort(s.addr)
	return p
}

// sshArgs is the OpenSSH command line to the server with key, its known
// hosts in knownHosts; strict refuses a host key that is not known.
func (s *served) sshArgs(key, knownHosts string, strict bool, extra ...string) []string {
	check := "no"
	if strict {
		check = "yes"
	}
	args := []string{"ssh", "-p", s.port(), "-i", key, "-o", "StrictHostKeyChecking=" + check, "-o", "UserKnownHostsFile=" + knownHosts,
		"-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-F", "/dev/null"}
	return append(append(args, extra...), "127.0.0.1")
}

// connect opens the console of key in a w x h tmux pane.
func (s *served) connect(w, h int, key, knownHosts string, strict bool) *pane {
	s.t.Helper()
	return startPane(s.t, w, h, []string{"TERM=xterm-256color"}, s.sshArgs(key, knownHosts, strict, "-t")...)
}

// metric reads one sample of the server's /metrics ("" when absent).
func (s *served) metric(series string) string {
	s.t.Helper()
	resp, err := http.Get("http://" + s.metrics + "/metrics")
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			return v
		}
	}
	return ""
}

// waitMetric waits until the series has the value want.
func (s *served) waitMetric(series, want string, timeout time.Duration) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := s.metric(series)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s = %q after %s, want %s; log:\n%s", series, got, timeout, want, s.log())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// serveTeam makes keys for a viewer (ann), a silencer (Bob Builder) and an
// admin (carol), and a stranger's key not in the file.
func serveTeam(t *testing.T) (dir, keysFile string, keys map[string]string) {
	t.Helper()
	demotest.RequireTools(t, "ssh-keygen")
	dir = t.TempDir()
	keys = map[string]string{}
	var lines []string
	for _, k := range []struct{ file, role, name string }{{"ann", "", "ann"}, {"bob", "silencer", "Bob Builder"}, {"carol", "admin", "carol"}} {
		keys[k.file] = sshKey(t, dir, k.file)
		lines = append(lines, authorizedLine(t, keys[k.file], k.role, k.name))
	}
	keys["eve"] = sshKey(t, dir, "eve")
	keysFile = filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(keysFile, []byte("# the incident team\n"+strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, keysFile, keys
}

// frozenConn is a connection whose reads stop when frozen: a link that
// stops reading (the peer's window and socket buffers then fill up).
type frozenConn struct {
	net.Conn
	once   sync.Once
	frozen chan struct{}
	closed chan struct{}
}

func (c *frozenConn) freeze() { c.once.Do(func() { close(c.frozen) }) }

func (c *frozenConn) Read(p []byte) (int, error) {
	select {
	case <-c.frozen:
		<-c.closed
		return 0, net.ErrClosed
	default:
		return c.Conn.Read(p)
	}
}

func (c *frozenConn) Close() error {
	select {
	case <-c.closed:
	default:
		close(c.closed)
	}
	return c.Conn.Close()
}

// slowSession opens a console with a raw SSH client and stops reading.
// flood then asks for full redraws at a large size, resizing and going to
// the next screen, again and again until the server closes the connection
// (at most for three minutes), so the server has much to write that is
// never taken.
func slowSession(t *testing.T, addr, keyPath string) (flood func()) {
	t.Helper()
	fc, sess := rawSession(t, addr, keyPath, 300, 100)
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	fc.freeze()
	return func() {
		go func() {
			for end := time.Now().Add(3 * time.Minute); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
				// Written, never waited for: a resize wants no reply.
				if err := sess.WindowChange(100+rand.IntN(2), 300-rand.IntN(3)); err != nil {
					return
				}
				if _, err := stdin.Write([]byte("\t")); err != nil {
					return
				}
			}
		}()
	}
}

// readingSession opens a 120x40 console with a raw SSH client that reads
// and drops everything.
func readingSession(t *testing.T, addr, keyPath string) {
	t.Helper()
	_, sess := rawSession(t, addr, keyPath, 120, 40)
	out, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
}

// rawSession asks for a pty of w x h with a Go SSH client; the caller
// starts the shell.
func rawSession(t *testing.T, addr, keyPath string, w, h int) (*frozenConn, *gossh.Session) {
	t.Helper()
	pem, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.ParsePrivateKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	// A small receive buffer, set before connecting so the window is
	// small from the start: once reads stop, little is in flight, and the
	// server's writes block soon after.
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) }); err != nil {
			return err
		}
		return serr
	}}
	raw, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fc := &frozenConn{Conn: raw, frozen: make(chan struct{}), closed: make(chan struct{})}
	t.Cleanup(func() { fc.Close() })
	cfg := &gossh.ClientConfig{User: "slow", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second}
	cc, chans, reqs, err := gossh.NewClientConn(fc, addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	client := gossh.NewClient(cc, chans, reqs)
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	return fc, sess
}
