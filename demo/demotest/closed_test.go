package demotest

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"
)

// A closed address refuses connections, and no server beside the test can
// take its port while the test runs.
func TestClosedAddrStaysClosed(t *testing.T) {
	addr := ClosedAddr(t)
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err == nil {
		c.Close()
		t.Fatalf("%s accepted a connection", addr)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial %s: %v, want connection refused", addr, err)
	}
	if ln, err := net.Listen("tcp", addr); err == nil {
		ln.Close()
		t.Errorf("a server could listen on %s while it is meant to be closed", addr)
	}
}
