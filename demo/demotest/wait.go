package demotest

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Eventually polls cond every 100ms until it holds, and fails the test
// when it still does not after within, with what cond said last.
func Eventually(t testing.TB, within time.Duration, what string, cond func() (ok bool, state string)) {
	t.Helper()
	EventuallyEvery(t, within, 100*time.Millisecond, what, cond)
}

// EventuallyEvery is Eventually asking cond once every tick, for a
// condition that reads something over time (a reading a second, as a
// console refreshes) rather than waiting for one change.
func EventuallyEvery(t testing.TB, within, tick time.Duration, what string, cond func() (ok bool, state string)) {
	t.Helper()
	deadline := time.Now().Add(within)
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s, still waiting for %s (last: %s)", within, what, state)
		}
		<-ticker.C
	}
}

// GetJSON decodes the answer of a GET of url into v, and fails the test
// unless the answer is 200 OK and JSON.
func GetJSON(t testing.TB, url string, v any) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %s", url, resp.Status, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// ClosedURL is the http URL of a loopback port nothing listens on, for as
// long as the test runs: a connection to it is refused.
func ClosedURL(t testing.TB) string {
	t.Helper()
	return "http://" + ClosedAddr(t)
}

// ClosedAddr is a loopback host:port that refuses connections until the
// test ends. The port is held by a socket bound to it that never listens:
// a port only closed after picking it could be taken meanwhile by a server
// of a test running beside this one, which would then answer instead.
func ClosedAddr(t testing.TB) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	in4, ok := sa.(*syscall.SockaddrInet4)
	if !ok {
		t.Fatalf("getsockname: %T", sa)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(in4.Port))
}

// EventuallyTrue is Eventually for a condition with nothing to say.
func EventuallyTrue(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	Eventually(t, within, what, func() (bool, string) { return cond(), "not yet" })
}
