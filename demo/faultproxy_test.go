package demo

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// faultServer is a loopback HTTP server that counts the requests reaching
// it; /block waits until release is closed (or 10 s).
func faultServer(t *testing.T) (*httptest.Server, *atomic.Int64, chan struct{}) {
	t.Helper()
	var hits atomic.Int64
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/block" {
			select {
			case <-release:
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}
		_, _ = io.WriteString(w, "ok "+r.URL.Path)
	}))
	return srv, &hits, release
}

func get(c *http.Client, u string) (string, error) {
	resp, err := c.Get(u)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func startProxy(t *testing.T, target string) *FaultProxy {
	t.Helper()
	p, err := StartFaultProxy(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func TestFaultProxyModes(t *testing.T) {
	srv, hits, release := faultServer(t)
	defer srv.Close()
	defer close(release)
	p := startProxy(t, srv.URL)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 5 * time.Second}

	// pass
	if body, err := get(c, p.URL()+"/a"); err != nil || body != "ok /a" {
		t.Fatalf("pass: %q %v", body, err)
	}
	if st := p.Stats(); st.Connections != 1 || st.Requests != 1 || st.InFlight != 0 || st.Open != 1 {
		t.Fatalf("after one request on one kept-alive connection: %+v", st)
	}

	// delay: the request takes at least d, the kept-alive connection too.
	p.Delay(400 * time.Millisecond)
	start := time.Now()
	if body, err := get(c, p.URL()+"/b"); err != nil || body != "ok /b" {
		t.Fatalf("delay: %q %v", body, err)
	}
	if d := time.Since(start); d < 400*time.Millisecond || d > 3*time.Second {
		t.Fatalf("delayed request took %s, want about 400ms", d)
	}
	p.Pass()

	// blackhole: the already-open connection stalls; nothing reaches the server.
	p.Blackhole()
	before := hits.Load()
	short := &http.Client{Transport: tr, Timeout: 500 * time.Millisecond}
	start = time.Now()
	if _, err := get(short, p.URL()+"/c"); err == nil {
		t.Fatal("blackhole: the request got an answer")
	} else if d := time.Since(start); d < 450*time.Millisecond {
		t.Fatalf("blackhole: failed after %s (%v), want the client's 500ms timeout", d, err)
	}
	if hits.Load() != before {
		t.Fatal("blackhole: the request reached the server")
	}
	// Healed: new connections work again.
	p.Pass()
	if body, err := get(c, p.URL()+"/d"); err != nil || body != "ok /d" {
		t.Fatalf("healed: %q %v", body, err)
	}

	// drop-response: the server gets the request, the client no answer.
	p.DropResponses()
	before = hits.Load()
	if _, err := get(short, p.URL()+"/e"); err == nil {
		t.Fatal("drop-response: the request got an answer")
	}
	if hits.Load() != before+1 {
		t.Fatalf("drop-response: the server saw %d requests, want 1", hits.Load()-before)
	}
	p.Pass()
	if body, err := get(c, p.URL()+"/f"); err != nil || body != "ok /f" {
		t.Fatalf("healed after drop-response: %q %v", body, err)
	}

	// reset: new connections get an RST.
	p.ResetConnections()
	tr.CloseIdleConnections()
	conns := p.Stats().Connections
	_, err := get(c, p.URL()+"/g")
	// The RST reaches the client while it reads the answer (reset) or,
	// on a busy machine, while it still writes the request (broken pipe).
	if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) && !errors.Is(err, io.EOF) {
		t.Fatalf("reset: %v, want connection reset", err)
	}
	if p.Stats().Connections <= conns {
		t.Fatal("reset: the connection was not counted")
	}
	raw, err := net.Dial("tcp", p.Addr())
	if err == nil {
		_ = raw.SetReadDeadline(time.Now().Add(2 * time.Second))
		_, err = raw.Read(make([]byte, 1))
		raw.Close()
	}
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("reset: a raw read gave %v, want ECONNRESET", err)
	}
	p.Pass()
	if body, err := get(c, p.URL()+"/h"); err != nil || body != "ok /h" {
		t.Fatalf("after reset: %q %v", body, err)
	}
}

func TestFaultProxyCountsRequestsInFlight(t *testing.T) {
	srv, _, release := faultServer(t)
	defer srv.Close()
	p := startProxy(t, srv.URL)
	tr := &http.Transport{MaxIdleConnsPerHost: 10}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	const n = 5
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = get(c, p.URL()+"/block")
		}()
	}
	deadline := time.Now().Add(5 * time.Second)
	for p.Stats().InFlight < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if st := p.Stats(); st.InFlight != n || st.MaxInFlight != n {
		t.Fatalf("%d blocked requests: %+v", n, st)
	}
	close(release)
	wg.Wait()
	if st := p.Stats(); st.InFlight != 0 || st.MaxInFlight != n || st.Requests != n {
		t.Fatalf("after the answers: %+v", st)
	}
	p.ResetPeak()
	if st := p.Stats(); st.MaxInFlight != 0 {
		t.Fatalf("after ResetPeak: %+v", st)
	}
	// A request dropped is open until the client gives up.
	p.DropResponses()
	short := &http.Client{Transport: tr, Timeout: 300 * time.Millisecond}
	_, _ = get(short, p.URL()+"/x")
	deadline = time.Now().Add(3 * time.Second)
	for p.Stats().InFlight != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if st := p.Stats(); st.InFlight != 0 || st.MaxInFlight != 1 {
		t.Fatalf("after a dropped answer the client gave up on: %+v", st)
	}
}

// Close ends every goroutine of the proxy, with connections open in every
// state: idle, blackholed, delayed, dropping.
func TestFaultProxyCloseEndsGoroutines(t *testing.T) {
	srv, _, release := faultServer(t)
	defer srv.Close()
	defer close(release)
	settle := func(limit int) int {
		deadline := time.Now().Add(5 * time.Second)
		n := runtime.NumGoroutine()
		for n > limit && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
			n = runtime.NumGoroutine()
		}
		return n
	}
	// The server's own goroutines are already running: count from here.
	time.Sleep(50 * time.Millisecond)
	before := runtime.NumGoroutine()

	p, err := StartFaultProxy(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	var clientConns []net.Conn
	send := func(path string) {
		c, err := net.Dial("tcp", p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		clientConns = append(clientConns, c)
		_, _ = io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
	}
	send("/idle")
	p.Delay(time.Minute)
	send("/delayed")
	p.DropResponses()
	send("/dropped")
	p.Blackhole()
	send("/stalled")
	deadline := time.Now().Add(5 * time.Second)
	for p.Stats().Requests < 4 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if st := p.Stats(); st.Open != 4 || st.Requests != 4 {
		t.Fatalf("before Close: %+v", st)
	}
	if runtime.NumGoroutine() <= before {
		t.Fatal("the proxy runs no goroutines?")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("Close did not return")
	}
	for _, c := range clientConns {
		c.Close()
	}
	srv.CloseClientConnections()
	if after := settle(before); after > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before the proxy, %d after Close:\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
	if _, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
		t.Fatal("the proxy still accepts connections after Close")
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}
