package main

import (
	"bytes"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/access"
)

// serveRun runs "vigil serve args" with its state in state and returns
// the exit code and stderr.
func serveRun(t *testing.T, state string, args ...string) (int, string) {
	t.Helper()
	cfgHome := t.TempDir()
	env := map[string]string{"XDG_STATE_HOME": state, "XDG_CONFIG_HOME": cfgHome}
	t.Setenv("XDG_STATE_HOME", state)
	t.Setenv("XDG_CONFIG_HOME", cfgHome)
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"serve", "--prometheus", "http://127.0.0.1:1", "--listen", "127.0.0.1:0"}, args...), &stdout, &stderr,
		func(k string) string { return env[k] })
	return code, stderr.String()
}

func testKeyLine(t *testing.T) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(sp)))
}

// vigil serve refuses to start, with exit code 2 and the reason, without
// a keys file, with a keys file holding an unknown role or no valid key,
// and with a host key others can read.
func TestServeRefusesToStart(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	badRole := write("bad-role", testKeyLine(t)+" ann\nrole=\"amdin\" "+testKeyLine(t)+" bob\n", 0o600)
	none := write("none", "# nobody\nssh-ed25519 garbage x\n", 0o600)
	good := write("good", testKeyLine(t)+" ann\n", 0o600)
	loose := filepath.Join(dir, "state", "vigil", "ssh_host_ed25519_key")
	open := filepath.Join(dir, "open")
	if err := os.Mkdir(open, 0o700); err != nil || os.Chmod(open, 0o777) != nil {
		t.Fatal(err)
	}
	worldDir := filepath.Join(open, "ssh_host_ed25519_key")
	looseKeys := write("loose-keys", testKeyLine(t)+" ann\n", 0o600)
	if err := os.Chmod(looseKeys, 0o666); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"no keys file", nil, []string{"serve.authorized_keys: not set"}},
		{"unknown role", []string{"--authorized-keys", badRole}, []string{"flag --authorized-keys: serve.authorized_keys: " + badRole + `:2: unknown role "amdin"`}},
		{"no valid key", []string{"--authorized-keys", none}, []string{none + ":2: not an authorized key line", "no valid authorized key"}},
		{"host key folder world-writable", []string{"--authorized-keys", good, "--host-key", worldDir},
			[]string{"serve.host_key: host key folder " + open + " is mode 0777: group or others may write it"}},
		{"world-writable keys file", []string{"--authorized-keys", looseKeys}, []string{"loose-keys is mode 0666"}},
		{"loose host key", []string{"--authorized-keys", good, "--host-key", loose}, []string{"serve.host_key: " + loose + ": mode -rw-r--r--: a host key must be readable by its owner only"}},
	}
	if err := os.MkdirAll(filepath.Dir(loose), 0o700); err != nil {
		t.Fatal(err)
	}
	// A host key file readable by all.
	write(filepath.Join("state", "vigil", "ssh_host_ed25519_key"), "x", 0o644)
	if err := os.Chmod(loose, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		code, stderr := serveRun(t, filepath.Join(dir, "state"), c.args...)
		if code != 2 {
			t.Errorf("%s: exit %d, want 2; stderr:\n%s", c.name, code, stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s: stderr does not say %q:\n%s", c.name, w, stderr)
			}
		}
	}
}

// The host key is made once, mode 0600, and read back the same after.
func TestHostKeyCreatedOnceAndKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigil", "ssh_host_ed25519_key")
	pem1, fp1, err := hostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key mode: %v %v", fi, err)
	}
	if di, err := os.Stat(filepath.Dir(path)); err != nil || di.Mode().Perm() != 0o700 {
		t.Errorf("its directory: %v %v", di, err)
	}
	pem2, fp2, err := hostKey(path)
	if err != nil || fp1 != fp2 || !bytes.Equal(pem1, pem2) || !strings.HasPrefix(fp1, "SHA256:") {
		t.Errorf("second read: %s vs %s, %v", fp1, fp2, err)
	}
}

// stubModel records the keys it gets.
type stubModel struct{ got []string }

func (s *stubModel) Init() tea.Cmd { return nil }
func (s *stubModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		s.got = append(s.got, k.String())
	}
	return s, nil
}
func (s *stubModel) View() tea.View { return tea.NewView("the console") }

// F2 shows an admin who is connected, and nothing else reaches the console
// under the list until it is closed; for anyone else F2 is the console's.
func TestWhoIsConnectedIsTheAdminsOnly(t *testing.T) {
	srv := &server{sessions: map[uint64]*session{}}
	add := func(name string, role query.Role) *session {
		ss := &session{id: uint64(len(srv.sessions) + 1), key: access.Key{Name: name, Role: role, Fingerprint: "SHA256:" + name},
			remote: "10.0.0.1:2222", started: time.Now().Add(-time.Minute)}
		ss.lastInput.Store(time.Now().UnixNano())
		srv.sessions[ss.id] = ss
		return ss
	}
	admin, viewer := add("carol", query.RoleAdmin), add("ann\x1b[2J", query.RoleViewer)
	press := func(r *sessionRoot, k tea.Key) { r.Update(tea.KeyPressMsg(k)) }
	f2 := tea.Key{Code: tea.KeyF2}

	inner := &stubModel{}
	r := &sessionRoot{Model: inner, srv: srv, ss: admin}
	r.Update(tea.WindowSizeMsg{Width: 120, Height: 10})
	press(r, f2)
	v := r.View().Content
	for _, want := range []string{"2 connected", "*carol", "admin", "SHA256:carol", "viewer", "10.0.0.1:2222"} {
		if !strings.Contains(v, want) {
			t.Errorf("the list does not show %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "\x1b[2J") {
		t.Errorf("a name's escape reached the screen: %q", v)
	}
	press(r, tea.Key{Code: 'q', Text: "q"})
	press(r, tea.Key{Code: tea.KeyEscape})
	if len(inner.got) != 0 || r.View().Content != "the console" {
		t.Errorf("keys reached the console under the list: %v; view %q", inner.got, r.View().Content)
	}

	inner = &stubModel{}
	r = &sessionRoot{Model: inner, srv: srv, ss: viewer}
	press(r, f2)
	if r.View().Content != "the console" || len(inner.got) != 1 || inner.got[0] != "f2" {
		t.Errorf("a viewer's F2: view %q, console got %v", r.View().Content, inner.got)
	}
}

// A session's console reads NO_COLOR and TMUX from what the person's
// client sent, never from the server's own environment.
func TestSessionEnv(t *testing.T) {
	server := func(k string) string { return map[string]string{"NO_COLOR": "1", "TMUX": "/tmp/t", "VIGIL_X": "x"}[k] }
	get := sessionEnv([]string{"LANG=C", "TMUX=/tmp/mine,1,0"}, server)
	if get("NO_COLOR") != "" || get("TMUX") != "/tmp/mine,1,0" || get("VIGIL_X") != "x" {
		t.Errorf("NO_COLOR %q TMUX %q VIGIL_X %q", get("NO_COLOR"), get("TMUX"), get("VIGIL_X"))
	}
}
