package demo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"
)

// FaultMode is what a FaultProxy does to the traffic it carries.
type FaultMode int

// The fault modes.
const (
	// FaultPass forwards everything both ways.
	FaultPass FaultMode = iota
	// FaultDelay holds every chunk a client sends for the delay before
	// forwarding it, so each request takes at least that long.
	FaultDelay
	// FaultBlackhole accepts connections and reads what clients send, but
	// forwards nothing and answers nothing. Connections already open stall
	// too, and stay stalled after the proxy is healed: only new connections
	// work again.
	FaultBlackhole
	// FaultDropResponse forwards requests to the server and throws its
	// answers away, holding the connection until the client gives up. Like
	// a blackhole, a connection that lost an answer never carries another.
	FaultDropResponse
	// FaultReset resets new connections (RST) as soon as they are accepted.
	FaultReset
)

func (m FaultMode) String() string {
	switch m {
	case FaultPass:
		return "pass"
	case FaultDelay:
		return "delay"
	case FaultBlackhole:
		return "blackhole"
	case FaultDropResponse:
		return "drop-response"
	case FaultReset:
		return "reset"
	}
	return fmt.Sprintf("FaultMode(%d)", int(m))
}

// faultDialTimeout bounds the connection to the server behind the proxy.
const faultDialTimeout = 5 * time.Second

// faultCloseTimeout bounds how long Close waits for the proxy's goroutines.
const faultCloseTimeout = 5 * time.Second

// FaultProxy is a loopback TCP proxy in front of a real server whose
// behaviour a test switches at any time: pass, delay, blackhole, drop the
// answers, reset. It counts the connections and requests it sees.
//
// A request, for the counters, is what a client sends on a connection
// between two answers: it is open from its first byte until the first byte
// of an answer reaches the client or the connection closes. That is exact
// for HTTP/1.1 without pipelining, which is what vigil's clients speak.
type FaultProxy struct {
	target string
	ln     net.Listener
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu          sync.Mutex
	mode        FaultMode
	delay       time.Duration
	closed      bool
	conns       map[*faultConn]struct{}
	accepted    int64
	requests    int64
	inflight    int
	maxInflight int
}

// FaultStats are a FaultProxy's counters.
type FaultStats struct {
	Connections int64 // connections accepted, reset ones included
	Requests    int64 // requests seen
	Open        int   // connections open now
	InFlight    int   // requests open now
	MaxInFlight int   // the most requests open at once since the start or ResetPeak
}

// StartFaultProxy listens on a free loopback port and forwards to target,
// "host:port" or a URL such as http://127.0.0.1:9090. It starts in
// FaultPass mode.
func StartFaultProxy(target string) (*FaultProxy, error) {
	if strings.Contains(target, "://") {
		u, err := url.Parse(target)
		if err != nil {
			return nil, fmt.Errorf("fault proxy: target %q: %v", target, err)
		}
		target = u.Host
	}
	if _, _, err := net.SplitHostPort(target); err != nil {
		return nil, fmt.Errorf("fault proxy: target %q: %v", target, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fault proxy: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &FaultProxy{target: target, ln: ln, ctx: ctx, cancel: cancel, conns: map[*faultConn]struct{}{}}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// URL is the proxy's base URL, http://127.0.0.1:PORT.
func (p *FaultProxy) URL() string { return "http://" + p.ln.Addr().String() }

// Addr is the proxy's host:port.
func (p *FaultProxy) Addr() string { return p.ln.Addr().String() }

// Target is the host:port the proxy forwards to.
func (p *FaultProxy) Target() string { return p.target }

func (p *FaultProxy) set(m FaultMode, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode, p.delay = m, d
}

// Pass forwards everything again (heals the proxy).
func (p *FaultProxy) Pass() { p.set(FaultPass, 0) }

// Delay holds every chunk a client sends for d before forwarding it.
func (p *FaultProxy) Delay(d time.Duration) { p.set(FaultDelay, d) }

// Blackhole stops answering: see FaultBlackhole.
func (p *FaultProxy) Blackhole() { p.set(FaultBlackhole, 0) }

// DropResponses forwards requests and discards the answers: see
// FaultDropResponse.
func (p *FaultProxy) DropResponses() { p.set(FaultDropResponse, 0) }

// ResetConnections resets every new connection.
func (p *FaultProxy) ResetConnections() { p.set(FaultReset, 0) }

// Mode returns the current mode and delay.
func (p *FaultProxy) Mode() (FaultMode, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode, p.delay
}

// Stats returns the counters.
func (p *FaultProxy) Stats() FaultStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return FaultStats{Connections: p.accepted, Requests: p.requests, Open: len(p.conns), InFlight: p.inflight, MaxInFlight: p.maxInflight}
}

// ResetPeak starts measuring MaxInFlight afresh from the requests open now.
func (p *FaultProxy) ResetPeak() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.maxInflight = p.inflight
}

// Close stops listening, cuts every connection and waits (at most
// faultCloseTimeout) for the proxy's goroutines to end.
func (p *FaultProxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	conns := make([]*faultConn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	p.cancel()
	err := p.ln.Close()
	for _, c := range conns {
		c.close()
	}
	done := make(chan struct{})
	go func() {
		p.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(faultCloseTimeout):
		return fmt.Errorf("fault proxy %s: goroutines still running after %s", p.Addr(), faultCloseTimeout)
	}
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

func (p *FaultProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			if p.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			// A transient accept error (too many files): wait a little.
			select {
			case <-p.ctx.Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
			continue
		}
		p.mu.Lock()
		p.accepted++
		mode, closed := p.mode, p.closed
		if mode == FaultReset || closed {
			p.mu.Unlock()
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // close sends RST
			}
			_ = c.Close()
			continue
		}
		fc := &faultConn{client: c}
		fc.ctx, fc.cancel = context.WithCancel(p.ctx)
		p.conns[fc] = struct{}{}
		p.wg.Add(1)
		p.mu.Unlock()
		go p.handle(fc)
	}
}

// faultConn is one client connection and its connection to the server.
type faultConn struct {
	client net.Conn
	ctx    context.Context // done when the connection is closed
	cancel context.CancelFunc

	mu       sync.Mutex
	upstream net.Conn
	once     sync.Once

	// Guarded by the proxy's mu.
	awaiting bool // a request is open
	stalled  bool // blackholed: forwards nothing, ever again
	dropping bool // an answer was dropped: answers nothing, ever again
}

func (c *faultConn) close() {
	c.once.Do(func() {
		c.cancel()
		_ = c.client.Close()
		c.mu.Lock()
		if c.upstream != nil {
			_ = c.upstream.Close()
		}
		c.mu.Unlock()
	})
}

func (c *faultConn) setUpstream(up net.Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx.Err() != nil {
		_ = up.Close()
		return false
	}
	c.upstream = up
	return true
}

// chunk is bytes from the client with the time they may be forwarded.
type chunk struct {
	data    []byte
	release time.Time
}

func (p *FaultProxy) handle(c *faultConn) {
	defer p.wg.Done()
	defer p.untrack(c)
	defer c.close()
	dctx, cancel := context.WithTimeout(c.ctx, faultDialTimeout)
	up, err := (&net.Dialer{}).DialContext(dctx, "tcp", p.target)
	cancel()
	if err != nil || !c.setUpstream(up) {
		return // the server is gone: the client sees the connection close
	}
	chunks := make(chan chunk, 64)
	var inner sync.WaitGroup
	inner.Add(2)
	go func() {
		defer inner.Done()
		p.fromClient(c, chunks)
	}()
	go func() {
		defer inner.Done()
		p.toServer(c, up, chunks)
	}()
	p.fromServer(c, up)
	inner.Wait()
}

func (p *FaultProxy) untrack(c *faultConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
	if c.awaiting {
		c.awaiting = false
		p.inflight--
	}
}

// fromClient reads what the client sends and queues it for the server,
// unless the proxy is a blackhole. The client closing ends the connection.
func (p *FaultProxy) fromClient(c *faultConn, out chan<- chunk) {
	defer close(out)
	buf := make([]byte, 32*1024)
	for {
		n, err := c.client.Read(buf)
		if n > 0 {
			p.mu.Lock()
			if !c.awaiting {
				c.awaiting = true
				p.requests++
				p.inflight++
				p.maxInflight = max(p.maxInflight, p.inflight)
			}
			if p.mode == FaultBlackhole {
				c.stalled = true
			}
			stalled, mode, delay := c.stalled, p.mode, p.delay
			p.mu.Unlock()
			if !stalled {
				ch := chunk{data: append([]byte(nil), buf[:n]...), release: time.Now()}
				if mode == FaultDelay {
					ch.release = ch.release.Add(delay)
				}
				select {
				case out <- ch:
				case <-c.ctx.Done():
					return
				}
			}
		}
		if err != nil {
			c.close()
			return
		}
	}
}

// toServer forwards the client's chunks, each at its release time.
func (p *FaultProxy) toServer(c *faultConn, up net.Conn, in <-chan chunk) {
	for ch := range in {
		if wait := time.Until(ch.release); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-c.ctx.Done():
				t.Stop()
				return
			}
		}
		if _, err := up.Write(ch.data); err != nil {
			c.close()
			return
		}
	}
}

// fromServer forwards the server's answers to the client, or drops them.
// When the server closes a connection that is dropping or stalled, the
// client's side stays open until the client gives up.
func (p *FaultProxy) fromServer(c *faultConn, up net.Conn) {
	buf := make([]byte, 32*1024)
	for {
		n, err := up.Read(buf)
		if n > 0 {
			p.mu.Lock()
			switch p.mode {
			case FaultBlackhole:
				c.stalled = true
			case FaultDropResponse:
				c.dropping = true
			}
			forward := !c.stalled && !c.dropping
			if forward && c.awaiting {
				c.awaiting = false
				p.inflight--
			}
			p.mu.Unlock()
			if forward {
				if _, werr := c.client.Write(buf[:n]); werr != nil {
					c.close()
					return
				}
			}
		}
		if err != nil {
			p.mu.Lock()
			hold := c.stalled || c.dropping
			p.mu.Unlock()
			if hold {
				<-c.ctx.Done()
			}
			c.close()
			return
		}
	}
}
