package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	bm "charm.land/wish/v2/bubbletea"
	wishrecover "charm.land/wish/v2/recover"
	gossh "golang.org/x/crypto/ssh"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/access"
	"github.com/vigilterm/vigil/ui"
)

// server is vigil serve: one console per SSH session, each built from the
// contexts prepared once at start, written as the person of the session's
// key.
type server struct {
	all      *vigil.Config
	serve    vigil.ServeConfig
	keys     *access.Keyring
	contexts []*prepared
	active   int
	getenv   func(string) string
	log      *slog.Logger
	metrics  *serveMetrics
	ssh      *ssh.Server
	// team shares the queries of every session's consoles, who is
	// watching and the claims.
	team *ui.Team

	// open maps each ssh.Session to its *session while its console runs.
	open sync.Map

	mu       sync.Mutex
	sessions map[uint64]*session
	next     uint64
	closing  bool
}

// session is one person's console.
type session struct {
	id        uint64
	key       access.Key
	remote    string
	term      string
	started   time.Time
	lastInput atomic.Int64 // unix nanoseconds
	conn      *gossh.ServerConn
	closeOnce sync.Once
	// member is the session's place in the team; left when it ends.
	member *ui.Member
	// closed says why the session was ended by the server ("" when the
	// person quit).
	closed atomic.Value
}

// SessionInfo describes a connected person, for the admin's list and for
// presence.
type SessionInfo struct {
	ID          uint64
	Name        string
	Role        query.Role
	Fingerprint string
	Remote      string
	Term        string
	Since       time.Time
	LastInput   time.Time
}

// Sessions lists the connected sessions, oldest first.
func (s *server) Sessions() []SessionInfo {
	s.mu.Lock()
	out := make([]SessionInfo, 0, len(s.sessions))
	for _, ss := range s.sessions {
		out = append(out, SessionInfo{ID: ss.id, Name: ss.key.Name, Role: ss.key.Role, Fingerprint: ss.key.Fingerprint,
			Remote: ss.remote, Term: ss.term, Since: ss.started, LastInput: time.Unix(0, ss.lastInput.Load())})
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b SessionInfo) int { return int(a.ID) - int(b.ID) })
	return out
}

// ctxKey is the authorized key found at authentication, kept in the
// connection's context for its sessions.
const ctxKey = "vigil.key"

// newSSHServer builds the SSH server: public keys only, each session a
// console through the Bubble Tea middleware.
func (s *server) newSSHServer(hostKeyPEM []byte) (*ssh.Server, error) {
	srv, err := wish.NewServer(
		wish.WithHostKeyPEM(hostKeyPEM),
		wish.WithVersion("SSH-2.0-vigil"),
		wish.WithPublicKeyAuth(s.authorize),
		// The last is outermost: the Bubble Tea middleware runs the
		// console, then the one under it counts the session out, as soon as
		// the console ends even when the connection stays open for others.
		// A panic in one session (its console built, its handler) is
		// logged and ends that session, never the server.
		wish.WithMiddleware(wishrecover.MiddlewareWithLogger(panicLogger{s.log}, s.ended, bm.MiddlewareWithProgramHandler(s.program))),
	)
	if err != nil {
		return nil, err
	}
	// No passwords, no keyboard-interactive: wish.NewServer sets neither,
	// and they stay unset. Nothing is forwarded.
	srv.PasswordHandler, srv.KeyboardInteractiveHandler = nil, nil
	srv.HandshakeTimeout = 20 * time.Second
	// A backstop under the session's own idle rule: a connection with no
	// traffic either way (a refused client that stopped reading, a session
	// never started) is closed after the idle timeout too.
	srv.IdleTimeout = s.serve.IdleTimeout.D()
	s.ssh = srv
	return srv, nil
}

// authorize accepts a key of the authorized keys file, and no other.
func (s *server) authorize(ctx ssh.Context, pub ssh.PublicKey) bool {
	k, ok := s.keys.Lookup(pub)
	if !ok {
		s.metrics.refused("unknown_key")
		s.log.Warn("refused: unknown key", "key", gossh.FingerprintSHA256(pub), "remote", ctx.RemoteAddr().String(), "user", ctx.User())
		return false
	}
	ctx.SetValue(ctxKey, k)
	return true
}

// refuse tells the client why its session is not opened, and ends it.
func (s *server) refuse(sess ssh.Session, reason, msg string) {
	s.metrics.refused(reason)
	s.log.Warn("session refused", "reason", reason, "remote", sess.RemoteAddr().String(), "user", sess.User())
	wish.Fatalln(sess, "vigil serve: "+msg)
}

// program builds the console of a new session, or refuses the session
// (nil) with a message saying why.
func (s *server) program(sess ssh.Session) *tea.Program {
	// The key is looked up again for every session, from the key the
	// connection authenticated with: a key removed from the file since
	// (an OpenSSH master connection kept open) opens nothing, and a
	// changed role or name applies now.
	pub := sess.PublicKey()
	if pub == nil {
		s.refuse(sess, "unknown_key", "no authorized key")
		return nil
	}
	k, ok := s.keys.Lookup(pub)
	if !ok {
		s.refuse(sess, "key_removed", "this key is no longer authorized")
		return nil
	}
	pty, _, hasPty := sess.Pty()
	switch {
	case len(sess.Command()) > 0:
		s.refuse(sess, "command", "runs no commands; connect with plain ssh -p PORT HOST to open the console")
		return nil
	case !hasPty:
		s.refuse(sess, "no_pty", "the console needs a terminal: connect with ssh -t (no pty was asked for)")
		return nil
	}
	ss, why, msg := s.admit(sess, k, pty)
	if ss == nil {
		s.refuse(sess, why, msg)
		return nil
	}
	root, err := s.root(ss, sessionEnv(sess.Environ(), s.getenv))
	if err != nil {
		s.end(ss, "")
		s.refuse(sess, "build", "cannot open the console: "+err.Error())
		return nil
	}
	s.open.Store(sess, ss)
	go func() {
		// The connection's end also ends its sessions (end is once).
		<-sess.Context().Done()
		s.end(ss, "")
	}()
	opts := append(bm.MakeOptions(sess),
		tea.WithInput(&inputReader{r: sess, ss: ss, idle: s.serve.IdleTimeout.D(), kill: func() { s.kill(ss, "idle") }}),
		tea.WithOutput(newDeadlineWriter(sess, s.serve.WriteTimeout.D(), func() { s.kill(ss, "write_timeout") })),
		tea.WithoutSignalHandler(),
	)
	return tea.NewProgram(root, opts...)
}

// ended counts a session out when its console has ended.
func (s *server) ended(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if ss, ok := s.open.LoadAndDelete(sess); ok {
			s.end(ss.(*session), "")
		}
		next(sess)
	}
}

// admit counts a new session of k in, unless a limit is reached: then why
// is the metric's reason and msg the person's message.
func (s *server) admit(sess ssh.Session, k access.Key, pty ssh.Pty) (ss *session, why, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil, "shutdown", "shutting down"
	}
	if len(s.sessions) >= s.serve.MaxSessions {
		return nil, "max_sessions", fmt.Sprintf("%d sessions are open, the most allowed (serve.max_sessions)", len(s.sessions))
	}
	n := 0
	for _, o := range s.sessions {
		if o.key.Fingerprint == k.Fingerprint {
			n++
		}
	}
	if n >= s.serve.MaxPerKey {
		return nil, "max_per_key", fmt.Sprintf("%d sessions of this key are open, the most allowed (serve.max_per_key)", n)
	}
	s.next++
	ss = &session{id: s.next, key: k, remote: sess.RemoteAddr().String(), term: pty.Term, started: time.Now()}
	ss.lastInput.Store(ss.started.UnixNano())
	ss.conn, _ = sess.Context().Value(ssh.ContextKeyConn).(*gossh.ServerConn)
	s.sessions[ss.id] = ss
	s.metrics.sessionStarted(k.Role)
	s.log.Info("session opened", "user", k.Name, "role", k.Role, "key", k.Fingerprint, "remote", ss.remote, "term", pty.Term,
		"size", fmt.Sprintf("%dx%d", pty.Window.Width, pty.Window.Height), "sessions", len(s.sessions))
	return ss, "", ""
}

// end counts a session out, once; reason is why the server ended it ("":
// the person left).
func (s *server) end(ss *session, reason string) {
	s.mu.Lock()
	_, ok := s.sessions[ss.id]
	delete(s.sessions, ss.id)
	n := len(s.sessions)
	s.mu.Unlock()
	if !ok {
		return
	}
	if ss.member != nil {
		// Frees the shared queries its consoles held and ends its claims
		// when it was that person's last session.
		ss.member.Leave()
	}
	if r, _ := ss.closed.Load().(string); r != "" {
		reason = r
	}
	if reason == "" {
		reason = "left"
	}
	s.metrics.sessionEnded(ss.key.Role, reason)
	s.log.Info("session closed", "user", ss.key.Name, "remote", ss.remote, "reason", reason,
		"duration", time.Since(ss.started).Round(time.Second).String(), "sessions", n)
}

// kill ends a session from the server's side by closing its connection,
// which also unblocks a write stuck on a client that stopped reading.
func (s *server) kill(ss *session, reason string) {
	ss.closeOnce.Do(func() {
		ss.closed.Store(reason)
		s.log.Warn("closing session", "user", ss.key.Name, "remote", ss.remote, "reason", reason)
		if ss.conn != nil {
			_ = ss.conn.Close()
		}
	})
}

// keysChanged closes the sessions whose key is no longer authorized.
func (s *server) keysChanged() {
	s.mu.Lock()
	var gone []*session
	for _, ss := range s.sessions {
		if _, ok := s.keys.Lookup(ss.key.Public); !ok {
			gone = append(gone, ss)
		}
	}
	s.mu.Unlock()
	for _, ss := range gone {
		s.kill(ss, "key_removed")
	}
	s.metrics.keys.Set(float64(s.keys.Len()))
}

// root builds the session's console: every context, written as the
// session's person.
func (s *server) root(ss *session, getenv func(string) string) (tea.Model, error) {
	p := ss.key.Principal(ss.remote)
	ss.member = s.team.Join(ui.Identity{Name: p.Name, Role: string(p.Role), Remote: ss.remote})
	w := writer{identity: p.Name, auditUser: p.Name, principal: &p, observe: s.metrics.observeWrite(p.Role), member: ss.member}
	m, err := s.contexts[s.active].model(getenv, s.log, w)
	if err != nil {
		return nil, err
	}
	var root tea.Model = m
	if len(s.contexts) > 1 {
		specs := make([]ui.ContextSpec, len(s.contexts))
		for i, c := range s.contexts {
			specs[i] = c.spec(func() (*ui.Model, error) { return c.model(getenv, s.log, w) })
		}
		root = ui.NewContexts(specs, s.active, m)
	}
	return &sessionRoot{Model: root, srv: s, ss: ss}, nil
}

// sessionEnv is the environment a session's console reads: what is about
// the person's terminal (NO_COLOR, TMUX) from what their client sent, the
// rest from the server's.
func sessionEnv(env []string, server func(string) string) func(string) string {
	return func(k string) string {
		switch k {
		case "NO_COLOR", "TMUX":
			for _, kv := range env {
				if v, ok := strings.CutPrefix(kv, k+"="); ok {
					return v
				}
			}
			return ""
		}
		return server(k)
	}
}

// spec is the prepared context as one of several in a console, with its
// clients shared by every session.
func (p *prepared) spec(build func() (*ui.Model, error)) ui.ContextSpec {
	sp := ui.ContextSpec{Name: p.cfg.Context, Refresh: p.cfg.UI.Refresh.D(), Timeout: p.cfg.Prometheus.Timeout.D(), Build: build}
	if p.am != nil {
		return counted(sp, &p.cfg, p.am, nil, nil)
	}
	return counted(sp, &p.cfg, nil, p.prom, nil)
}

// serveOn runs the server on l until ctx ends, then closes every session.
func (s *server) serveOn(ctx context.Context, l net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- s.ssh.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.log.Info("shutting down", "sessions", len(s.Sessions()))
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.ssh.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		s.log.Warn("shutdown", "err", err)
	}
	_ = s.ssh.Close()
	return nil
}

// panicLogger writes a recovered panic to the server's log.
type panicLogger struct{ log *slog.Logger }

func (l panicLogger) Printf(format string, v ...any) { l.log.Error(fmt.Sprintf(format, v...)) }
