package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
	gossh "golang.org/x/crypto/ssh"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/access"
	"github.com/vigilterm/vigil/query/alertmanager"
)

// sessionClosedAt is when the server's log says the last session of user
// closed, with reason.
func sessionClosedAt(log, user, reason string) (time.Time, bool) {
	re := regexp.MustCompile(`time=(\S+) .*msg="session closed" user=` + regexp.QuoteMeta(user) + ` .*reason=` + reason)
	var at time.Time
	for _, l := range strings.Split(log, "\n") {
		if m := re.FindStringSubmatch(l); m != nil {
			if t, err := time.Parse(time.RFC3339Nano, m[1]); err == nil {
				at = t
			}
		}
	}
	return at, !at.IsZero()
}

// Every way the keys file can go wrong ends the live sessions, telling
// why, and refuses every key until the file is fixed: emptied, deleted,
// unreadable, world-writable, and a line removed in the same edit as a
// typo in a role elsewhere. The cut-off is timed from the server's log.
func TestE2EServeKeysFileFailsClosed(t *testing.T) {
	t.Parallel()
	stack := startIncidentStack(t)
	dir, keysFile, keys := serveTeam(t)
	good, err := os.ReadFile(keysFile)
	if err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, t.TempDir(), keysFile, consoleArgs(stack)...)
	kh := filepath.Join(dir, "known_hosts")
	restore := func() {
		t.Helper()
		if fi, err := os.Stat(keysFile); err == nil && fi.IsDir() {
			if err := os.Remove(keysFile); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(keysFile, good, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(keysFile, 0o600); err != nil {
			t.Fatal(err)
		}
		srv.waitMetric("vigil_serve_authorized_keys", "3", 10*time.Second)
	}
	typo := strings.Replace(strings.Replace(string(good), `role="admin"`, `role="amdin"`, 1), "\n"+authorizedLine(t, keys["bob"], "silencer", "Bob Builder"), "", 1)
	cases := []struct {
		name, want string
		break_     func()
	}{
		{"empty", "the file is empty", func() { must(t, os.WriteFile(keysFile, nil, 0o600)) }},
		{"deleted", "no such file or directory", func() { must(t, os.Remove(keysFile)) }},
		{"unreadable", "not a regular file", func() {
			// The tests may run as root, who reads a mode 000 file: a
			// folder in its place cannot be read by anyone.
			must(t, os.Remove(keysFile))
			must(t, os.Mkdir(keysFile, 0o700))
		}},
		{"world-writable", "is mode 0666", func() { must(t, os.Chmod(keysFile, 0o666)) }},
		{"invalid role", `unknown role "amdin"`, func() { must(t, os.WriteFile(keysFile, []byte(typo), 0o600)) }},
	}
	var worst time.Duration
	for _, c := range cases {
		p := srv.connect(120, 30, keys["bob"], kh, false)
		p.waitText(40*time.Second, "● live")
		before := strings.Count(srv.log(), `msg="session closed" user="Bob Builder"`)
		at := time.Now()
		c.break_()
		s := p.waitText(20*time.Second, "session closed", "[exited")
		if !strings.Contains(strings.Join(strings.Fields(s), " "), c.want) && !strings.Contains(s, "no key is authorized") {
			t.Errorf("%s: the person is not told why:\n%s", c.name, s)
		}
		if !strings.Contains(srv.log(), "AUTHORIZED KEYS REFUSED") {
			t.Errorf("%s: the server's log does not say it loudly", c.name)
		}
		args := srv.sshArgs(keys["bob"], kh, false, "-T")
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err == nil || !strings.Contains(string(out), "Permission denied (publickey)") {
			t.Errorf("%s: bob's key is not refused: %v\n%s", c.name, err, out)
		}
		demoWait(t, 10*time.Second, func() bool {
			return strings.Count(srv.log(), `msg="session closed" user="Bob Builder"`) > before
		})
		if closed, ok := sessionClosedAt(srv.log(), `"Bob Builder"`, "keys_refused"); ok {
			cut := closed.Sub(at)
			t.Logf("%s: cut off %s after the change", c.name, cut.Round(time.Millisecond))
			worst = max(worst, cut)
		} else {
			t.Errorf("%s: no session closed for keys_refused in the log:\n%s", c.name, tail(srv.log(), 20))
		}
		restore()
	}
	srv.waitMetric(`vigil_serve_sessions_closed_total{reason="keys_refused"}`, "5", 5*time.Second)
	// The bound, asserted loosely (a busy machine): the poll is every
	// second, the console has closeGrace to say why.
	t.Logf("worst cut-off: %s", worst.Round(time.Millisecond))
	if worst > 2*time.Second+time.Second {
		t.Errorf("a refused keys file cut the session off only after %s (bound: 2s)", worst)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// demoWait waits until cond holds, polling.
func demoWait(t *testing.T, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for ; !cond(); <-tick.C {
		if time.Now().After(deadline) {
			t.Fatalf("not so after %s", within)
		}
	}
}

// A silencer demoted to viewer while connected, an ack's confirmation
// open: the console is rebuilt at once (the confirmation closed, the
// writing keys refused) and says why; the ack key is then refused, and
// Alertmanager holds no silence. (Writes made through the session's rights
// after the change, a form submitted as the file changed, are refused
// where they are written and audited: TestServeWritesCheckCurrentRights.)
func TestE2EServeDemotionIsLive(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 5}, Alertmanagers: 1})
	am := stack.AlertmanagerURLs[0]
	postDiskFull(t, am)
	dir, keysFile, keys := serveTeam(t)
	good, err := os.ReadFile(keysFile)
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	srv := startServe(t, state, keysFile, consoleArgs(stack, "--alertmanager", am)...)
	kh := filepath.Join(dir, "known_hosts")
	bob := srv.connect(120, 30, keys["bob"], kh, false)
	bob.waitText(40*time.Second, "● live")
	bob.keys("2")
	bob.waitText(15*time.Second, "DiskFull", "disk 97% full")
	bob.filter("DiskFull")
	bob.keys("a")
	bob.waitText(10*time.Second, "Ack DiskFull with this silence?", "enter: send to Alertmanager")

	demoted := strings.Replace(string(good), `role="silencer" `, `role="viewer" `, 1)
	must(t, os.WriteFile(keysFile, []byte(demoted), 0o600))
	s := bob.waitText(10*time.Second, "your role is now viewer")
	if strings.Contains(s, "Ack DiskFull with this silence?") {
		t.Errorf("the ack's confirmation stayed open after the demotion:\n%s", s)
	}
	srv.waitMetric(`vigil_serve_sessions{role="viewer"}`, "1", 5*time.Second)
	// Back on the alert, the ack key: refused.
	bob.keys("2")
	bob.waitText(15*time.Second, "DiskFull", "disk 97% full")
	bob.keys("a")
	bob.waitText(10*time.Second, "viewer: writes are not allowed")
	bob.keys("Escape")
	bob.waitFor("the notice hidden", 10*time.Second, func(s string) bool { return !strings.Contains(s, "your role is now") })
	if sils := servedSilences(t, am); len(sils) != 0 {
		t.Errorf("Alertmanager holds %d silences after the demoted silencer's keys: %+v", len(sils), sils)
	}
	if got := srv.metric(`vigil_serve_writes_total{op="create",result="ok",role="silencer"}`); got != "" {
		t.Errorf("a write counted for the silencer: %s", got)
	}
	if !strings.Contains(srv.log(), "rights changed in a live session") {
		t.Errorf("the server's log does not record the change")
	}
}

// The write paths check the rights where they write: a note, a claim and
// an ack made through a session's rights after a demotion (a form
// submitted as the keys file changed) are refused, and the audit log records each
// refusal with the current role, the key and the address.
func TestServeWritesCheckCurrentRights(t *testing.T) {
	_, keysFile, keys := serveTeam(t)
	good, err := os.ReadFile(keysFile)
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, keysFile)
	pub := publicKeyOf(t, keys["bob"])
	k, ok := s.keys.Lookup(pub)
	if !ok {
		t.Fatal("bob not authorized")
	}
	ss := &session{key: k, remote: "127.0.0.1:5555"}
	p := s.livePrincipal(ss)
	guard := s.claimGuard(ss, p)
	notes := filepath.Join(t.TempDir(), "notes.log")
	audit := query.NewAuditLog(auditPath(s.all))
	if err := query.WriteNote(notes, query.Note{Time: time.Now(), Text: "before"}, p, audit); err != nil {
		t.Fatalf("the silencer's note: %v", err)
	}
	must(t, os.WriteFile(keysFile, []byte(strings.Replace(string(good), `role="silencer" `, `role="viewer" `, 1)), 0o600))
	if _, _, err := s.keys.Reload(); err != nil {
		t.Fatal(err)
	}
	if err := query.WriteNote(notes, query.Note{Time: time.Now(), Text: "after"}, p, audit); err == nil || !strings.Contains(err.Error(), "viewer: writes are not allowed") {
		t.Fatalf("the demoted note: %v", err)
	}
	if err := guard("claim", s.all.Context, "HighErrorRate"); err == nil {
		t.Fatal("the demoted claim was allowed")
	}
	// An ack confirmed as the file changed: refused before anything is
	// sent (no Alertmanager listens where this one points: a write that
	// went out would fail otherwise, not be refused).
	am, err := alertmanager.New(alertmanager.Options{URLs: []string{demotest.ClosedURL(t)}, Timeout: time.Second})
	must(t, err)
	m, err := labels.NewMatcher(labels.MatchEqual, "alertname", "HighErrorRate")
	must(t, err)
	svc := alertmanager.NewSilenceService(alertmanager.SilenceServiceOptions{Alertmanager: am, Audit: audit, Writer: "Bob Builder", Principal: p})
	res := svc.Write(context.Background(), alertmanager.SilenceRequest{Op: alertmanager.SilenceCreate, Ack: true, Spec: query.SilenceSpec{
		Matchers: labels.Matchers{m},
		EndsAt:   time.Now().Add(15 * time.Minute), Comment: "ack by Bob Builder"}})
	var forbidden *query.ForbiddenError
	if !errors.As(res.Err, &forbidden) {
		t.Fatalf("the demoted ack: %v, want refused for the role", res.Err)
	}
	data, err := os.ReadFile(auditPath(s.all))
	if err != nil {
		t.Fatal(err)
	}
	entries, _, _ := query.ReadAudit(strings.NewReader(string(data)))
	want := []struct{ action, role, result string }{{"note", "silencer", "ok"}, {"note", "viewer", "refused"}, {"claim", "viewer", "refused"}, {"ack", "viewer", "refused"}}
	if len(entries) != len(want) {
		t.Fatalf("%d audit entries, want %d:\n%s", len(entries), len(want), data)
	}
	for i, w := range want {
		e := entries[i]
		if e.Action != w.action || e.Role != w.role || e.Result != w.result || e.User != "Bob Builder" || e.KeyFingerprint != k.Fingerprint || e.Remote != "127.0.0.1:5555" {
			t.Errorf("audit entry %d: %+v, want %+v", i, e, w)
		}
	}
	if ns, _ := query.NewNoteLog(notes).Read(); len(ns) != 1 {
		t.Errorf("%d notes stored, want the one before the demotion", len(ns))
	}
}

// newTestServer is a server of the keys file with no context, its audit
// log in a temporary folder, for what needs no console.
func newTestServer(t *testing.T, keysFile string) *server {
	t.Helper()
	kr, _, err := access.Load(keysFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &vigil.Config{AuditLog: filepath.Join(t.TempDir(), "audit.log")}
	cfg.Context = "test"
	return &server{all: cfg, keys: kr, log: slog.New(slog.DiscardHandler), sessions: map[uint64]*session{}}
}

// publicKeyOf reads the public half of the key at path.
func publicKeyOf(t *testing.T, path string) gossh.PublicKey {
	t.Helper()
	data, err := os.ReadFile(path + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	pub, _, _, _, err := gossh.ParseAuthorizedKey(data)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}
