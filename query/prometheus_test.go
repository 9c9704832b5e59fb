package query

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/vigilterm/vigil/demo/demotest"
)

// The servers in this file are hand-made only to send what a real
// Prometheus never does: garbage, silence, a reset, a proxy's error page,
// an endless body. Everything Prometheus does send is tested against the
// real one in overview_integration_test.go.

func newTestClient(t *testing.T, u string, timeout time.Duration, maxBody int64) *Prometheus {
	t.Helper()
	p, err := NewPrometheus(PrometheusOptions{URL: u, Timeout: timeout, MaxBodyBytes: maxBody})
	if err != nil {
		t.Fatalf("NewPrometheus(%q): %v", u, err)
	}
	t.Cleanup(p.Close)
	return p
}

// wantUnreachable checks that an Overview failed as a whole with a
// *ServerError whose one-line message names the URL and contains cause.
func wantUnreachable(t *testing.T, ov *Overview, err error, u, cause string) {
	t.Helper()
	if ov != nil {
		t.Fatalf("got an Overview (%d endpoints, errors %v), want nil", len(ov.Endpoints), ov.Errors)
	}
	if err == nil {
		t.Fatal("no error")
	}
	var se *ServerError
	if !errors.As(err, &se) || se.URL != u {
		t.Fatalf("error %T %v: want *ServerError for %s", err, err, u)
	}
	msg := err.Error()
	t.Logf("error: %s", msg)
	if !strings.HasPrefix(msg, "prometheus "+u+": ") || !strings.Contains(msg, cause) || strings.Contains(msg, "\n") {
		t.Errorf("message %q: want one line %q naming %q", msg, "prometheus "+u+": …", cause)
	}
	if !IsUnreachable(err) {
		t.Errorf("IsUnreachable(%v) = false", err)
	}
}

func TestNewPrometheusOptions(t *testing.T) {
	for _, bad := range []string{"", "127.0.0.1:9090", "ftp://x", "http://", "http://a b/"} {
		if _, err := NewPrometheus(PrometheusOptions{URL: bad}); err == nil {
			t.Errorf("NewPrometheus(%q) accepted", bad)
		}
	}
	if _, err := NewPrometheus(PrometheusOptions{URL: "http://x", Timeout: -1}); err == nil {
		t.Error("negative timeout accepted")
	}
	p, err := NewPrometheus(PrometheusOptions{URL: "http://127.0.0.1:9090/prom/"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.URL() != "http://127.0.0.1:9090/prom" || p.Timeout() != DefaultTimeout || p.maxBody != DefaultMaxBodyBytes {
		t.Errorf("url %q timeout %s max %d", p.URL(), p.Timeout(), p.maxBody)
	}
}

func TestConnectionRefused(t *testing.T) {
	u := demotest.ClosedURL(t)
	p := newTestClient(t, u, 2*time.Second, 0)
	ov, err := p.Overview(context.Background(), flaskShape())
	wantUnreachable(t, ov, err, u, "connection refused")
	if got, want := err.Error(), "prometheus "+u+": connection refused"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	_, _, err = p.Query(context.Background(), "up", time.Time{})
	if err == nil || err.Error() != "prometheus "+u+": connection refused" || !IsUnreachable(err) {
		t.Errorf("Query: %v", err)
	}
}

func TestMalformedJSON(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":`)
	}))
	defer srv.Close()
	p := newTestClient(t, srv.URL, 2*time.Second, 0)
	ov, err := p.Overview(context.Background(), flaskShape())
	wantUnreachable(t, ov, err, srv.URL, "malformed response: ")
	var ae *v1.Error
	if !errors.As(err, &ae) || ae.Type != v1.ErrBadResponse {
		t.Errorf("cause %#v, want a bad_response *v1.Error", ae)
	}
	_, _, err = p.QueryRange(context.Background(), "up", v1.Range{Start: time.Now().Add(-time.Minute), End: time.Now(), Step: time.Second})
	if err == nil || !strings.HasPrefix(err.Error(), "prometheus "+srv.URL+": malformed response: ") {
		t.Errorf("QueryRange: %v", err)
	}
}

func TestHangHonoursTimeout(t *testing.T) {
	release := make(chan struct{})
	var started atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release) // runs before srv.Close, which waits for handlers

	const timeout = 300 * time.Millisecond
	// With the recording rules looked for, the first refresh asks for
	// them alone first: it ends there, after one timeout.
	first := newTestClient(t, srv.URL, timeout, 0)
	begin := time.Now()
	ov, err := first.Overview(context.Background(), flaskShape())
	took := time.Since(begin)
	wantUnreachable(t, ov, err, srv.URL, "context deadline exceeded (timeout 300ms)")
	if n := started.Swap(0); took < timeout || took > timeout+2*time.Second || n != 1 {
		t.Errorf("first refresh: returned after %s with %d requests, want about %s with the rules look alone", took, n, timeout)
	}
	// The refresh's queries themselves go out PaceAfter apart when none
	// answers.
	p := newTestClient(t, srv.URL, timeout, 0)
	p.SetUseRules(false)
	begin = time.Now()
	ov, err = p.Overview(context.Background(), flaskShape())
	took = time.Since(begin)
	wantUnreachable(t, ov, err, srv.URL, "context deadline exceeded (timeout 300ms)")
	if took < timeout || took > timeout+2*time.Second {
		t.Errorf("Overview returned after %s, want about %s", took, timeout)
	}
	// One query after the other would have got one request out before the
	// deadline.
	if n := started.Load(); n < 2 || n > int32(QueriesPerRefresh) {
		t.Errorf("server saw %d requests, want up to %d at once", n, QueriesPerRefresh)
	}

	begin = time.Now()
	_, _, err = p.Query(context.Background(), "up", time.Now())
	if took := time.Since(begin); took > timeout+2*time.Second {
		t.Errorf("Query returned after %s", took)
	}
	if err == nil || err.Error() != "prometheus "+srv.URL+": context deadline exceeded (timeout 300ms)" {
		t.Errorf("Query: %v", err)
	}

	// A deadline the caller set is not blamed on the client's timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, _, err = p.Query(ctx, "up", time.Now())
	if err == nil || err.Error() != "prometheus "+srv.URL+": context deadline exceeded" || !IsUnreachable(err) {
		t.Errorf("caller deadline: %v", err)
	}
}

func TestCallerCancelIsNotUnreachable(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	p := newTestClient(t, srv.URL, 5*time.Second, 0)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	begin := time.Now()
	ov, err := p.Overview(ctx, flaskShape())
	if ov != nil || err == nil || !errors.Is(err, context.Canceled) || IsUnreachable(err) {
		t.Fatalf("cancelled Overview: %v, %v", ov, err)
	}
	if time.Since(begin) > 3*time.Second {
		t.Errorf("cancel took %s", time.Since(begin))
	}
	if !strings.HasSuffix(err.Error(), ": context canceled") {
		t.Errorf("message %q", err)
	}
}

// resetServer accepts connections, reads the request head and resets the
// connection.
func resetServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return // the listener closed
			}
			go func(c net.Conn) {
				c.SetDeadline(time.Now().Add(5 * time.Second))
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil || line == "\r\n" {
						break
					}
				}
				c.(*net.TCPConn).SetLinger(0)
				c.Close()
			}(c)
		}
	}()
	t.Cleanup(func() { l.Close(); <-done })
	return "http://" + l.Addr().String()
}

func TestConnectionReset(t *testing.T) {
	u := resetServer(t)
	p := newTestClient(t, u, 3*time.Second, 0)
	ov, err := p.Overview(context.Background(), flaskShape())
	wantUnreachable(t, ov, err, u, "connection reset by peer")
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("cause %v: want ECONNRESET", err)
	}
}

func TestProxyErrorPage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html>\n<head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n")
	}))
	defer srv.Close()
	p := newTestClient(t, srv.URL, 2*time.Second, 0)
	ov, err := p.Overview(context.Background(), flaskShape())
	wantUnreachable(t, ov, err, srv.URL, "server returned HTTP 502")
	if got, want := err.Error(), "prometheus "+srv.URL+": server returned HTTP 502 Bad Gateway"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
}

func TestNotPrometheusSays404(t *testing.T) {
	// A web server that is not Prometheus (a 404 for /api/v1/query).
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.NotFound(w, r)
	}))
	defer srv.Close()
	p := newTestClient(t, srv.URL, 2*time.Second, 0)
	ov, err := p.Overview(context.Background(), flaskShape())
	wantUnreachable(t, ov, err, srv.URL, "this does not look like a Prometheus API")
	for _, want := range []string{"prometheus " + srv.URL + ": ", srv.URL + "/api/v1/query", "HTTP 404"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	// Prometheus's own 404 with an error envelope is not that.
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"status":"error","errorType":"not_found","error":"no such thing"}`)
	}))
	defer srv2.Close()
	_, err = newTestClient(t, srv2.URL, 2*time.Second, 0).Overview(context.Background(), flaskShape())
	if err == nil || strings.Contains(err.Error(), "does not look like") || !strings.Contains(err.Error(), "no such thing") {
		t.Errorf("a Prometheus error envelope: %v", err)
	}
}

func TestOversizedBodyIsCapped(t *testing.T) {
	const limit = 1 << 20
	const huge = 50 << 20
	for _, declared := range []bool{false, true} {
		t.Run(fmt.Sprintf("content-length=%v", declared), func(t *testing.T) {
			chunk := []byte(`{"metric":{"path":"/x"},"value":[1,"1"]},` + strings.Repeat(" ", 4000))
			var written atomic.Int64
			handlerDone := make(chan struct{}, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer func() { handlerDone <- struct{}{} }()
				if declared {
					w.Header().Set("Content-Length", fmt.Sprint(huge))
				}
				w.Header().Set("Content-Type", "application/json")
				for written.Load()+int64(len(chunk)) <= huge {
					n, err := w.Write(chunk)
					written.Add(int64(n))
					if err != nil {
						return
					}
				}
			}))
			defer srv.Close()

			p := newTestClient(t, srv.URL, 5*time.Second, limit)
			_, _, err := p.Query(context.Background(), "up", time.Now())
			var tl *BodyTooLargeError
			if !errors.As(err, &tl) || tl.Limit != limit {
				t.Fatalf("error %v: want *BodyTooLargeError (the server wrote %d bytes)", err, written.Load())
			}
			want := "prometheus " + srv.URL + ": response body larger than 1 MiB (the client's cap): refused"
			if err.Error() != want || !IsUnreachable(err) {
				t.Errorf("message %q, want %q", err, want)
			}
			select {
			case <-handlerDone:
			case <-time.After(5 * time.Second):
				t.Fatal("the server is still writing: the client did not hang up")
			}
			if n := written.Load(); n >= huge/2 {
				t.Errorf("the server wrote %d bytes: the body was read far past the cap", n)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	refused := &url.Error{Op: "Post", URL: "http://127.0.0.1:1/api/v1/query", Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
	tests := []struct {
		err         error
		timeout     time.Duration
		want        string
		unreachable bool
	}{
		{refused, 0, "connection refused", true},
		{&url.Error{Op: "Post", URL: "u", Err: context.DeadlineExceeded}, 10 * time.Second, "context deadline exceeded (timeout 10s)", true},
		{context.DeadlineExceeded, 0, "context deadline exceeded", true},
		{context.Canceled, 0, "context canceled", false},
		{&url.Error{Op: "Post", URL: "u", Err: io.EOF}, 0, "connection closed by the server before a full response (EOF)", true},
		{&v1.Error{Type: v1.ErrServer, Msg: "server error: 502", Detail: "<html>\n<title>502</title>"}, 0, "server returned HTTP 502 Bad Gateway", true},
		{&v1.Error{Type: v1.ErrServer, Msg: "server error: 503", Detail: `{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}`}, 0,
			"server returned HTTP 503 Service Unavailable: timeout: query timed out in expression evaluation", true},
		{&v1.Error{Type: v1.ErrClient, Msg: "client error: 404", Detail: "404 page not found"}, 0,
			"this does not look like a Prometheus API: http://p:9090/api/v1/query answered HTTP 404 Not Found (check the Prometheus URL, with its path prefix if it has one; Mimir's ends in /prometheus)", true},
		// Mimir without X-Scope-OrgID: its plain-text reason is kept.
		{&v1.Error{Type: v1.ErrClient, Msg: "client error: 401", Detail: "no org id\n"}, 0, `server returned HTTP 401 Unauthorized: "no org id"`, true},
		// VictoriaMetrics rejecting a query: errorType is the status.
		{&v1.Error{Type: "400", Msg: `error when executing query="sum(rate(": unexpected token`}, 0, `HTTP 400: error when executing query="sum(rate(": unexpected token`, false},
		{&v1.Error{Type: "422", Msg: "cannot evaluate"}, 0, "HTTP 422: cannot evaluate", false},
		{&v1.Error{Type: v1.ErrBadResponse, Msg: "bad response code 302"}, 0, "server returned HTTP 302", true},
		{&v1.Error{Type: v1.ErrBadResponse, Msg: "readObjectStart: expect { or n, but found <"}, 0, "malformed response: readObjectStart: expect { or n, but found <", true},
		{&v1.Error{Type: v1.ErrBadData, Msg: "invalid parameter \"query\": 1:5: parse error:\nunexpected"}, 0, `bad_data: invalid parameter "query": 1:5: parse error: unexpected`, false},
		{&v1.Error{Type: v1.ErrExec, Msg: "expanding series: too many"}, 0, "execution: expanding series: too many", false},
		{&BodyTooLargeError{Limit: 64 << 20}, 0, "response body larger than 64 MiB (the client's cap): refused", true},
		{&BodyTooLargeError{Limit: 1000}, 0, "response body larger than 1000 bytes (the client's cap): refused", true},
		{errors.New("some\nthing"), 0, "some thing", false},
	}
	for _, tt := range tests {
		se := &ServerError{URL: "http://p:9090", Op: "query", Timeout: tt.timeout, Err: tt.err}
		if got, want := se.Error(), "prometheus http://p:9090: "+tt.want; got != want {
			t.Errorf("%#v:\n got  %q\n want %q", tt.err, got, want)
		}
		if got := IsUnreachable(se); got != tt.unreachable {
			t.Errorf("IsUnreachable(%v) = %v, want %v", se, got, tt.unreachable)
		}
	}
	if IsUnreachable(nil) {
		t.Error("IsUnreachable(nil)")
	}
	bad := &v1.Error{Type: v1.ErrBadData, Msg: "x"}
	if se := (&ServerError{Err: bad}); se.APIError() != bad || (&ServerError{Err: io.EOF}).APIError() != nil {
		t.Error("APIError")
	}
}

// A password in the URL is sent but never shown in messages.
func TestPrometheusURLCredentialsAreNotShown(t *testing.T) {
	addr := demotest.ClosedAddr(t)
	p, err := NewPrometheus(PrometheusOptions{URL: "http://vigil:hunter2-secret@" + addr, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Overview(context.Background(), Shape{EndpointLabel: "path", DurationMetric: "d", ExceptionsMetric: "e", ErrorStatus: "5..", Window: time.Minute})
	if err == nil || strings.Contains(err.Error(), "hunter2-secret") || strings.Contains(p.URL(), "hunter2-secret") || !strings.Contains(err.Error(), addr) {
		t.Fatalf("error %v, URL %q", err, p.URL())
	}
	for _, bad := range []string{"ftp://u:hunter2-secret@h", "http://u:hunter2-secret@", "http://u:hunter2-secret@h:port"} {
		if _, err := NewPrometheus(PrometheusOptions{URL: bad}); err == nil || strings.Contains(err.Error(), "hunter2-secret") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
