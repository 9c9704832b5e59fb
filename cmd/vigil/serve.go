package main

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	"github.com/vigilterm/vigil/ui/team"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
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
	budget   *promptBudget
	ssh      *ssh.Server
	// team shares the queries of every session's consoles, who is
	// watching and the claims.
	team *team.Team

	// open maps each ssh.Session to its *session while its console runs.
	open sync.Map

	// conns counts the connections open; lastConnLog is when a refused
	// connection was last logged (unix nanoseconds).
	conns       atomic.Int64
	lastConnLog atomic.Int64

	mu       sync.Mutex
	sessions map[uint64]*session
	// live counts the sessions not yet logged closed.
	live    sync.WaitGroup
	next    uint64
	closing bool
}

// session is one person's console.
type session struct {
	id        uint64
	keyMu     sync.Mutex
	key       access.Key // keyNow
	remote    string
	term      string
	started   time.Time
	lastInput atomic.Int64 // unix nanoseconds
	conn      *gossh.ServerConn
	closeOnce sync.Once
	// member is the session's place in the team; left when it ends.
	member *team.Member
	// closed says why the session was ended by the server ("" when the
	// person quit); farewell what the person is told then.
	closed   atomic.Value
	farewell atomic.Value
	// prog is the session's console program once it is built.
	prog atomic.Pointer[tea.Program]
}

// keyNow is the session's key as last read from the keys file.
func (ss *session) keyNow() access.Key {
	ss.keyMu.Lock()
	defer ss.keyMu.Unlock()
	return ss.key
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
		out = append(out, SessionInfo{ID: ss.id, Name: ss.keyNow().Name, Role: ss.keyNow().Role, Fingerprint: ss.keyNow().Fingerprint,
			Remote: ss.remote, Term: ss.term, Since: ss.started, LastInput: time.Unix(0, ss.lastInput.Load())})
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b SessionInfo) int { return int(a.ID) - int(b.ID) })
	return out
}

// newSSHServer builds the SSH server: public keys only, each session a
// console through the Bubble Tea middleware.
func (s *server) newSSHServer(hostKeyPEM []byte) (*ssh.Server, error) {
	srv, err := wish.NewServer(
		wish.WithHostKeyPEM(hostKeyPEM),
		// The software version only: the SSH library adds "SSH-2.0-".
		wish.WithVersion("vigil"),
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
	// Bounded by construction (serve_limits.go): connections, session
	// channels per connection, their requests and their input.
	srv.ConnCallback = s.acceptConn
	srv.ChannelHandlers = map[string]ssh.ChannelHandler{"session": s.sessionChannel}
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
	if _, ok := s.keys.Lookup(pub); !ok {
		s.metrics.refused("unknown_key")
		s.log.Warn("refused: unknown key", "key", gossh.FingerprintSHA256(pub), "remote", ctx.RemoteAddr().String(), "login", ctx.User())
		return false
	}
	// Nothing is kept of the key offered here: a client may offer several
	// keys and sign with another, and only the key it proved it holds
	// (sess.PublicKey) says who a session is.
	return true
}

// refuse tells the client why its session is not opened, and ends it.
// The log names the person of the session's key, as the keys file says
// now (the login name a client sends is anything it likes).
func (s *server) refuse(sess ssh.Session, reason, msg string) {
	s.metrics.refused(reason)
	s.log.Warn("session refused", "reason", reason, "user", s.personOf(sess.PublicKey()), "remote", sess.RemoteAddr().String(),
		"login", sess.User())
	wish.Fatalln(sess, "vigil serve: "+msg)
}

// personOf names the person of a key for the log: the keys file's name,
// else the key's fingerprint.
func (s *server) personOf(pub ssh.PublicKey) string {
	if pub == nil {
		return "(no key)"
	}
	if k, ok := s.keys.Lookup(pub); ok {
		return k.Name
	}
	return "(unknown key " + gossh.FingerprintSHA256(pub) + ")"
}

// connectHint is the ssh command line, with flags, to the address the
// client reached: the port listened on and the host's address.
func connectHint(sess ssh.Session, flags string) string {
	host, port, err := net.SplitHostPort(sess.LocalAddr().String())
	if err != nil {
		return "ssh " + flags
	}
	return strings.TrimSpace("ssh "+flags) + " -p " + port + " " + host
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
		s.refuse(sess, "key_removed", s.revoked())
		return nil
	}
	pty, _, hasPty := sess.Pty()
	switch {
	case len(sess.Command()) > 0:
		s.refuse(sess, "command", "runs no commands; connect with plain "+connectHint(sess, "")+" to open the console")
		return nil
	case !hasPty:
		s.refuse(sess, "no_pty", "the console needs a terminal: connect with "+connectHint(sess, "-t")+" (no pty was asked for)")
		return nil
	}
	ss, why, msg := s.admit(sess, k, pty)
	if ss == nil {
		s.refuse(sess, why, msg)
		return nil
	}
	env := sessionEnv(sess.Environ(), s.getenv)
	root, err := s.root(ss, env)
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
		tea.WithInput(&inputReader{r: sess, ss: ss, idle: s.serve.IdleTimeout.D(), kill: func() {
			s.closeWith(ss, "idle", "no keystroke for "+views.FormatDuration(s.serve.IdleTimeout.D())+" (serve.idle_timeout)")
		}}),
		tea.WithOutput(newDeadlineWriter(sess, s.serve.WriteTimeout.D(), func() { s.kill(ss, "write_timeout") })),
		tea.WithoutSignalHandler(),
	)
	root.env = env
	prog := tea.NewProgram(root, opts...)
	ss.prog.Store(prog)
	return prog
}

// ended counts a session out when its console has ended.
func (s *server) ended(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if ss, ok := s.open.LoadAndDelete(sess); ok {
			// The person's terminal is given back as it was, whatever
			// the console's end wrote or did not write: then, when the
			// server ended the session, one line says why.
			out := restoreTerminal
			if msg, _ := ss.(*session).farewell.Load().(string); msg != "" {
				out += "vigil serve: session closed: " + text.Sanitize(msg) + "\r\n"
			}
			_, _ = io.WriteString(sess, out)
			s.end(ss.(*session), "")
		}
		next(sess)
	}
}

// restoreTerminal leaves the alternate screen, shows the cursor, resets
// the attributes and every mode the console may have set (mouse tracking,
// focus events, bracketed paste, keyboard enhancements), and starts a
// fresh line.
const restoreTerminal = "\x1b[0m\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1004l\x1b[?2004l\x1b[>4m\x1b[<u" +
	"\x1b[?1049l\x1b[?25h\r\n"

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
	s.live.Add(1)
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
	defer s.live.Done()
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
	s.metrics.sessionEnded(ss.keyNow().Role, reason)
	s.log.Info("session closed", "user", ss.keyNow().Name, "remote", ss.remote, "reason", reason,
		"duration", time.Since(ss.started).Round(time.Second).String(), "sessions", n)
}

// kill ends a session from the server's side by closing its connection,
// which also unblocks a write stuck on a client that stopped reading.
func (s *server) kill(ss *session, reason string) {
	ss.closeOnce.Do(func() {
		ss.closed.Store(reason)
		s.log.Warn("closing session", "user", ss.keyNow().Name, "remote", ss.remote, "reason", reason)
		if ss.conn != nil {
			_ = ss.conn.Close()
		}
	})
}

// closeGrace is how long a session closed by the server has to say why
// before its connection is closed anyway (a client that stopped reading).
const closeGrace = 750 * time.Millisecond

// revoked is what a person whose key is not authorized now is told.
func (s *server) revoked() string {
	if p := s.keys.Problem(); p != nil {
		return "no key is authorized until the authorized keys file is fixed: " + p.Error()
	}
	return "this key is no longer authorized (removed from " + s.keys.Path() + ")"
}

// keysChanged applies the keys file as it is now to every live session:
// a session whose key is no longer authorized ends, told why, within
// closeGrace; one whose role or name changed gets a console built for its
// new rights at once.
func (s *server) keysChanged() {
	s.mu.Lock()
	var gone []*session
	type change struct {
		ss  *session
		key access.Key
	}
	var changed []change
	for _, ss := range s.sessions {
		k, ok := s.keys.Lookup(ss.keyNow().Public)
		switch {
		case !ok:
			gone = append(gone, ss)
		case k.Role != ss.keyNow().Role || k.Name != ss.keyNow().Name || k.Source != ss.keyNow().Source:
			changed = append(changed, change{ss, k})
		}
	}
	s.mu.Unlock()
	reason := "key_removed"
	if s.keys.Problem() != nil {
		reason = "keys_refused"
	}
	why := s.revoked()
	for _, ss := range gone {
		s.closeWith(ss, reason, why)
	}
	for _, c := range changed {
		s.rightsChanged(c.ss, c.key)
	}
	s.metrics.keys.Set(float64(s.keys.Len()))
}

// closeWith ends a session from the server's side, telling the person
// why: its console quits and the message is written after it; the
// connection is closed after closeGrace whatever happens.
func (s *server) closeWith(ss *session, reason, msg string) {
	ss.farewell.Store(msg)
	prog := ss.prog.Load()
	if prog == nil {
		s.kill(ss, reason)
		return
	}
	ss.closed.Store(reason)
	s.log.Warn("closing session", "user", ss.keyNow().Name, "remote", ss.remote, "reason", reason, "why", msg)
	prog.Quit()
	time.AfterFunc(closeGrace, func() { s.kill(ss, reason) })
}

// rightsChanged gives a live session its key's new role or name: its
// console is built again for them (a demotion removes the writing keys
// and closes any open form) and says why.
func (s *server) rightsChanged(ss *session, k access.Key) {
	s.mu.Lock()
	old := ss.keyNow()
	ss.keyMu.Lock()
	ss.key = k
	ss.keyMu.Unlock()
	s.mu.Unlock()
	s.metrics.sessions.WithLabelValues(string(old.Role)).Dec()
	s.metrics.sessions.WithLabelValues(string(k.Role)).Inc()
	s.log.Warn("rights changed in a live session", "user", k.Name, "was", old.Name, "role", k.Role, "was_role", old.Role,
		"source", k.Source, "remote", ss.remote)
	why := fmt.Sprintf("your role is now %s (%s, was %s)", k.Role, k.Source, old.Role)
	if old.Name != k.Name {
		why = fmt.Sprintf("you are now %s, role %s (%s)", k.Name, k.Role, k.Source)
	}
	if prog := ss.prog.Load(); prog != nil {
		prog.Send(rightsMsg{why: why})
	}
}

// livePrincipal is the session's person as the keys file says now: every
// write checks it where it writes.
func (s *server) livePrincipal(ss *session) *query.Principal {
	p := ss.keyNow().Principal(ss.remote)
	pub, remote, name, fp := ss.keyNow().Public, ss.remote, ss.keyNow().Name, ss.keyNow().Fingerprint
	p.Live = func() query.Principal {
		if k, ok := s.keys.Lookup(pub); ok {
			return k.Principal(remote)
		}
		return query.Principal{Name: name, Role: query.RoleNone, RoleSource: s.revoked(), Fingerprint: fp, Remote: remote}
	}
	return &p
}

// claimGuard checks a claim against the person's rights now and audits
// it, and any unclaim, in the log of the context.
func (s *server) claimGuard(ss *session, p *query.Principal) team.ClaimGuard {
	return func(action, context, alertName string) error {
		cur := p.Current()
		e := query.AuditEntry{Time: time.Now().UTC(), Action: action, Context: context, Alert: alertName, Result: query.AuditOK}
		e.As(cur)
		var err error
		if action == team.AuditClaimAction && !cur.Role.CanWrite() {
			err = &query.ForbiddenError{Principal: cur}
			e.Result, e.Error = query.AuditRefused, err.Error()
			s.log.Warn("claim refused", "user", cur.Name, "role", cur.Role, "key", cur.Fingerprint, "remote", cur.Remote, "alert", alertName)
		}
		if aerr := query.NewAuditLog(s.auditPathOf(context)).Append(e); aerr != nil {
			s.log.Error("audit log", "err", aerr)
		}
		return err
	}
}

// auditPathOf is the audit log of the named context.
func (s *server) auditPathOf(context string) string {
	for _, c := range s.contexts {
		if c.cfg.Context == context {
			return auditPath(&c.cfg)
		}
	}
	return auditPath(s.all)
}

// root builds the session's console: every context, written as the
// session's person.
func (s *server) root(ss *session, getenv func(string) string) (*sessionRoot, error) {
	m, err := s.console(ss, getenv)
	if err != nil {
		return nil, err
	}
	return &sessionRoot{Model: m, srv: s, ss: ss}, nil
}

// console builds the session's console for its key as it is now; the
// session's earlier place in the team, if any, is left.
func (s *server) console(ss *session, getenv func(string) string) (tea.Model, error) {
	p := s.livePrincipal(ss)
	prev := ss.member
	ss.member = s.team.Join(team.Identity{Name: p.Name, Role: string(p.Role), Remote: ss.remote})
	ss.member.SetClaimGuard(s.claimGuard(ss, p))
	if prev != nil {
		prev.Leave()
	}
	w := writer{identity: p.Name, auditUser: p.Name, principal: p, observe: s.metrics.observeWrite(p.Role), member: ss.member,
		prompt: func(c *prepared) (query.Querier, error) {
			pq, err := c.promptClient()
			if err != nil {
				return nil, err
			}
			return budgetQuerier{q: pq, b: s.budget, person: p.Name, maxCost: s.serve.PromptMaxSeriesSteps}, nil
		}}
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
	return root, nil
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
	s.mu.Lock()
	all := make([]*session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		all = append(all, ss)
	}
	s.mu.Unlock()
	s.log.Info("shutting down", "sessions", len(all))
	// Every console quits and its person is told why; a client that does
	// not take it is cut after closeGrace.
	for _, ss := range all {
		s.closeWith(ss, "shutdown", "the server is shutting down")
	}
	sctx, cancel := context.WithTimeout(context.Background(), closeGrace+2*time.Second)
	defer cancel()
	if err := s.ssh.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		s.log.Warn("shutdown", "err", err)
	}
	_ = s.ssh.Close()
	// Whatever is still open is closed here, so that every session's
	// close is logged before the process ends.
	s.mu.Lock()
	left := make([]*session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		left = append(left, ss)
	}
	s.mu.Unlock()
	for _, ss := range left {
		s.end(ss, "shutdown")
	}
	s.live.Wait()
	return nil
}

// panicLogger writes a recovered panic to the server's log.
type panicLogger struct{ log *slog.Logger }

func (l panicLogger) Printf(format string, v ...any) { l.log.Error(fmt.Sprintf(format, v...)) }
