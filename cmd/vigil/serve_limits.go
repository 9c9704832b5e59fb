package main

import (
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// What one client can make the server hold is bounded here, before any
// of it reaches a console: every refusal is counted in
// vigil_serve_refusals_total by its reason.
const (
	// maxCols and maxRows bound the size a console is drawn at, whatever
	// the pty or window change asks (reason pty_size).
	maxCols, maxRows = 500, 200
	// maxTermName bounds the TERM of a pty request (longer: cut).
	maxTermName = 64
	// maxChannelsPerConn bounds the session channels open at once on one
	// connection (reason max_channels).
	maxChannelsPerConn = 4
	// maxEnvRequests bounds the env requests of one session (reason
	// env_count), maxEnvBytes one's name and value (env_size); a variable
	// vigil does not read is not kept (env_ignored).
	maxEnvRequests = 16
	maxEnvBytes    = 256
	// inputBuffer bounds the keystrokes held for a console that has not
	// read them yet, per channel; inputRate and inputBurst the bytes a
	// second a client may type (more is dropped: reason input_dropped).
	inputBuffer = 64 << 10
	inputRate   = 16 << 10
	inputBurst  = 64 << 10
	// maxChannelRequests bounds the other requests (signals, breaks, …) a
	// session may send in all (reason requests).
	maxChannelRequests = 4096
)

// keptEnv are the variables of a client's environment vigil reads (the
// terminal's colours and features, the locale); every other is refused.
var keptEnv = map[string]bool{"TERM": true, "COLORTERM": true, "NO_COLOR": true, "CLICOLOR": true, "CLICOLOR_FORCE": true,
	"TERM_PROGRAM": true, "TMUX": true, "LANG": true, "LC_ALL": true, "LC_CTYPE": true}

// maxConnections bounds the connections open at once, authenticated or
// not (reason max_connections): twice the sessions allowed, so that a
// person's reconnection never waits for their old connection to time out.
func (s *server) maxConnections() int { return 2*s.serve.MaxSessions + 8 }

// connState is what the server keeps of one connection.
type connState struct {
	channels atomic.Int32
	mu       sync.Mutex
	logged   map[string]bool // the refusals logged once already
}

const connStateKey = "vigil.conn"

// limitedConn counts a connection out once when it is closed.
type limitedConn struct {
	net.Conn
	once sync.Once
	done func()
}

func (c *limitedConn) Close() error {
	c.once.Do(c.done)
	return c.Conn.Close()
}

// acceptConn admits a new connection, or refuses it when too many are open.
func (s *server) acceptConn(ctx ssh.Context, c net.Conn) net.Conn {
	if n := s.conns.Add(1); int(n) > s.maxConnections() {
		s.conns.Add(-1)
		s.metrics.refused("max_connections")
		s.logRefusalLimited("max_connections", c.RemoteAddr().String())
		return nil
	}
	ctx.SetValue(connStateKey, &connState{logged: map[string]bool{}})
	return &limitedConn{Conn: c, done: func() { s.conns.Add(-1) }}
}

// logRefusalLimited logs a connection refused for the number of
// connections at most once a second: a flood of them is counted, not
// written out one by one.
func (s *server) logRefusalLimited(reason, remote string) {
	now := time.Now().UnixNano()
	last := s.lastConnLog.Load()
	if now-last < int64(time.Second) || !s.lastConnLog.CompareAndSwap(last, now) {
		return
	}
	s.log.Warn("connection refused", "reason", reason, "remote", remote, "connections", s.conns.Load())
}

// refusal counts one refused request of a connection, and logs it the
// first time its reason is met on that connection.
func (s *server) refusal(ctx ssh.Context, reason, detail string) {
	s.metrics.refused(reason)
	cs, _ := ctx.Value(connStateKey).(*connState)
	if cs != nil {
		cs.mu.Lock()
		seen := cs.logged[reason]
		cs.logged[reason] = true
		cs.mu.Unlock()
		if seen {
			return
		}
	}
	pub, _ := ctx.Value(ssh.ContextKeyPublicKey).(ssh.PublicKey)
	s.log.Warn("request refused (logged once per connection and reason)", "reason", reason, "detail", detail,
		"user", s.personOf(pub), "remote", ctx.RemoteAddr().String(), "login", ctx.User())
}

// sessionChannel opens a session channel unless the connection has as
// many as allowed, with its requests and input bounded.
func (s *server) sessionChannel(srv *ssh.Server, conn *gossh.ServerConn, nc gossh.NewChannel, ctx ssh.Context) {
	cs, _ := ctx.Value(connStateKey).(*connState)
	if cs == nil {
		_ = nc.Reject(gossh.ConnectionFailed, "no connection state")
		return
	}
	if cs.channels.Add(1) > maxChannelsPerConn {
		cs.channels.Add(-1)
		s.refusal(ctx, "max_channels", fmt.Sprintf("more than %d sessions on one connection", maxChannelsPerConn))
		_ = nc.Reject(gossh.ResourceShortage, fmt.Sprintf("at most %d sessions on one connection", maxChannelsPerConn))
		return
	}
	defer cs.channels.Add(-1)
	ssh.DefaultSessionHandler(srv, conn, &boundedNewChannel{NewChannel: nc, s: s, ctx: ctx}, ctx)
}

// boundedNewChannel is a session channel whose requests are filtered and
// whose input is read into a bounded buffer as it comes.
type boundedNewChannel struct {
	gossh.NewChannel
	s   *server
	ctx ssh.Context
}

func (b *boundedNewChannel) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := b.NewChannel.Accept()
	if err != nil {
		return ch, reqs, err
	}
	in := newInputPump(ch, func(n int) { b.s.refusal(b.ctx, "input_dropped", fmt.Sprintf("%d bytes of input dropped", n)) })
	out := make(chan *gossh.Request)
	go b.filter(reqs, out)
	return in, out, nil
}

// filter passes the channel's requests on, bounded: env requests by count,
// size and name; pty and window sizes clamped; the rest by count.
func (b *boundedNewChannel) filter(in <-chan *gossh.Request, out chan<- *gossh.Request) {
	defer close(out)
	envs, others := 0, 0
	refuse := func(req *gossh.Request, reason, detail string) {
		b.s.refusal(b.ctx, reason, detail)
		_ = req.Reply(false, nil)
	}
	for req := range in {
		switch req.Type {
		case "env":
			envs++
			var kv struct{ Key, Value string }
			switch {
			case envs > maxEnvRequests:
				refuse(req, "env_count", fmt.Sprintf("more than %d env requests", maxEnvRequests))
				continue
			case len(req.Payload) > maxEnvBytes+8:
				refuse(req, "env_size", fmt.Sprintf("an env request of %d bytes (at most %d)", len(req.Payload), maxEnvBytes))
				continue
			case gossh.Unmarshal(req.Payload, &kv) != nil:
				refuse(req, "env_size", "a malformed env request")
				continue
			case !keptEnv[kv.Key]:
				refuse(req, "env_ignored", "a variable vigil does not read")
				continue
			}
		case "pty-req":
			p, clamped, ok := clampPty(req.Payload)
			if !ok {
				refuse(req, "pty_size", "a malformed pty request")
				continue
			}
			if clamped {
				b.s.refusal(b.ctx, "pty_size", fmt.Sprintf("a pty above %dx%d drawn at most at that size", maxCols, maxRows))
			}
			req.Payload = p
		case "window-change":
			p, clamped, ok := clampWindow(req.Payload)
			if !ok {
				refuse(req, "pty_size", "a malformed window change")
				continue
			}
			if clamped {
				b.s.refusal(b.ctx, "pty_size", fmt.Sprintf("a window above %dx%d drawn at most at that size", maxCols, maxRows))
			}
			req.Payload = p
		default:
			if others++; others > maxChannelRequests {
				refuse(req, "requests", fmt.Sprintf("more than %d requests on one session", maxChannelRequests))
				continue
			}
		}
		out <- req
	}
}

// ptyRequest is RFC 4254's pty-req; window its window-change.
type ptyRequest struct {
	Term                          string
	Cols, Rows, WidthPx, HeightPx uint32
	Modes                         string
}

type windowChange struct{ Cols, Rows, WidthPx, HeightPx uint32 }

func clampSize(cols, rows uint32) (uint32, uint32, bool) {
	c, r := min(cols, maxCols), min(rows, maxRows)
	return c, r, c != cols || r != rows
}

// clampPty rewrites a pty request at most maxCols x maxRows, its TERM at
// most maxTermName bytes and its terminal modes dropped (the console's pty
// is emulated: it reads none).
func clampPty(payload []byte) (out []byte, clamped, ok bool) {
	var p ptyRequest
	if gossh.Unmarshal(payload, &p) != nil {
		return nil, false, false
	}
	p.Cols, p.Rows, clamped = clampSize(p.Cols, p.Rows)
	if len(p.Term) > maxTermName || strings.ContainsFunc(p.Term, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		p.Term, clamped = "xterm", true
	}
	p.WidthPx, p.HeightPx, p.Modes = 0, 0, "\x00"
	return gossh.Marshal(&p), clamped, true
}

func clampWindow(payload []byte) (out []byte, clamped, ok bool) {
	var w windowChange
	if gossh.Unmarshal(payload, &w) != nil {
		return nil, false, false
	}
	w.Cols, w.Rows, clamped = clampSize(w.Cols, w.Rows)
	w.WidthPx, w.HeightPx = 0, 0
	return gossh.Marshal(&w), clamped, true
}

// inputPump reads a channel's input as it comes, so that the SSH layer
// never holds its 2 MB window of it, into a buffer of at most inputBuffer
// bytes at no more than inputRate bytes a second (inputBurst at once):
// what is beyond is dropped and counted. The client's stderr stream is
// read and dropped.
type inputPump struct {
	gossh.Channel
	dropped func(n int)

	mu   sync.Mutex
	cond *sync.Cond
	buf  []byte
	err  error

	tokens float64
	last   time.Time
}

func newInputPump(ch gossh.Channel, dropped func(n int)) *inputPump {
	p := &inputPump{Channel: ch, dropped: dropped, tokens: inputBurst, last: time.Now()}
	p.cond = sync.NewCond(&p.mu)
	go p.run()
	go func() { _, _ = io.Copy(io.Discard, ch.Stderr()) }()
	return p
}

func (p *inputPump) run() {
	b := make([]byte, 4096)
	for {
		n, err := p.Channel.Read(b)
		p.mu.Lock()
		if n > 0 {
			now := time.Now()
			p.tokens = min(inputBurst, p.tokens+now.Sub(p.last).Seconds()*inputRate)
			p.last = now
			if float64(n) > p.tokens || len(p.buf)+n > inputBuffer {
				p.mu.Unlock()
				p.dropped(n)
				p.mu.Lock()
			} else {
				p.tokens -= float64(n)
				p.buf = append(p.buf, b[:n]...)
			}
		}
		if err != nil {
			p.err = err
		}
		p.cond.Broadcast()
		p.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// Read gives the buffered input, waiting for some.
func (p *inputPump) Read(out []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.buf) == 0 && p.err == nil {
		p.cond.Wait()
	}
	if len(p.buf) > 0 {
		n := copy(out, p.buf)
		p.buf = append(p.buf[:0], p.buf[n:]...)
		return n, nil
	}
	return 0, p.err
}
