package query

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// The errors of a Prometheus call, and the one line that says each.

// ServerError is a failed call to Prometheus. Its message is one line that
// names the server and the cause:
//
//	prometheus http://127.0.0.1:9090: connection refused
//	prometheus http://127.0.0.1:9090: context deadline exceeded (timeout 10s)
//	prometheus http://127.0.0.1:9090: server returned HTTP 502 Bad Gateway
//	prometheus http://127.0.0.1:9090: bad_data: invalid parameter "query": ...
type ServerError struct {
	URL string // the base URL of Prometheus
	Op  string // "query" or "query_range"
	// Timeout is the client's deadline when that deadline is what expired.
	Timeout time.Duration
	// Err is the cause: a *v1.Error for an answer from Prometheus (or from
	// whatever answered in its place), a transport error, a context error
	// or a *BodyTooLargeError.
	Err error
}

func (e *ServerError) Error() string {
	if e.NotPrometheus() {
		hint := "check the Prometheus URL, with its path prefix if it has one"
		if !strings.HasSuffix(strings.TrimRight(e.URL, "/"), "/prometheus") {
			// Mimir (and Cortex) serve the API under /prometheus.
			hint += "; Mimir's ends in /prometheus"
		}
		return "prometheus " + e.URL + ": this does not look like a Prometheus API: " + e.endpoint() +
			" answered HTTP 404 Not Found (" + hint + ")"
	}
	return "prometheus " + e.URL + ": " + describe(e.Err, e.Timeout)
}

// NotPrometheus reports whether the server answered the API path with a
// plain 404 (no Prometheus error envelope): something other than
// Prometheus answers at the URL, or the URL misses a path prefix.
func (e *ServerError) NotPrometheus() bool {
	ae := e.APIError()
	if ae == nil || (ae.Type != v1.ErrClient && ae.Type != v1.ErrBadResponse) {
		return false
	}
	code, ok := statusOf(ae.Msg)
	return ok && code == http.StatusNotFound && promErrorIn(ae.Detail) == ""
}

// endpoint is the API URL the failed call went to.
func (e *ServerError) endpoint() string {
	op := e.Op
	if op == "" {
		op = "query"
	}
	return strings.TrimRight(e.URL, "/") + "/api/v1/" + op
}

func (e *ServerError) Unwrap() error { return e.Err }

// APIError returns Prometheus's own error when the server answered with one
// (bad_data, execution, ...), or nil.
func (e *ServerError) APIError() *v1.Error {
	var ae *v1.Error
	if errors.As(e.Err, &ae) {
		return ae
	}
	return nil
}

// BodyTooLargeError is a response whose body is larger than the client's cap.
type BodyTooLargeError struct {
	Limit int64
	// Shared is set when the answers being read at once together went past
	// the client's shared budget.
	Shared bool
}

func (e *BodyTooLargeError) Error() string {
	if e.Shared {
		return "answers larger than " + formatBytes(e.Limit) + " together (the client's cap on answers read at once): refused"
	}
	return "response body larger than " + formatBytes(e.Limit) + " (the client's cap): refused"
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// IsUnreachable reports whether err means Prometheus could not be used at
// all: the connection failed or was cut, the call timed out, the server (or
// a proxy in front of it) answered with an HTTP error rather than a
// Prometheus API error, or the answer was malformed or too large. A query
// Prometheus rejected (bad_data, execution) is not unreachable, and neither
// is a call the caller cancelled.
func IsUnreachable(err error) bool {
	if err == nil {
		return false
	}
	var ae *v1.Error
	if errors.As(err, &ae) {
		switch ae.Type {
		case v1.ErrBadData, v1.ErrExec, v1.ErrCanceled:
			return false
		}
		// VictoriaMetrics puts the HTTP status in errorType ("400",
		// "422") of its answer to a query it rejects.
		if code, err := strconv.Atoi(string(ae.Type)); err == nil && code >= 400 && code < 500 {
			return false
		}
		return true
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var tl *BodyTooLargeError
	if errors.As(err, &tl) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return true
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}

// describe turns the cause of a failed call into one short line.
func describe(err error, timeout time.Duration) string {
	if err == nil {
		return "unknown error"
	}
	var tl *BodyTooLargeError
	var ae *v1.Error
	var dns *net.DNSError
	switch {
	case errors.As(err, &tl):
		return tl.Error()
	case errors.Is(err, context.DeadlineExceeded):
		if timeout > 0 {
			return "context deadline exceeded (timeout " + FormatDuration(timeout) + ")"
		}
		return "context deadline exceeded"
	case errors.Is(err, context.Canceled):
		return "context canceled"
	case errors.As(err, &ae):
		return describeAPI(ae)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by peer"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed by the server before a full response (EOF)"
	case errors.As(err, &dns):
		return dns.Error()
	}
	// A transport error carries the method and the full query URL; the
	// server is already named, so keep only the cause.
	var ue *url.Error
	if errors.As(err, &ue) {
		return oneLine(ue.Err.Error())
	}
	return oneLine(err.Error())
}

// describeAPI words an error decoded by the API client. Prometheus's own
// errors keep their type and message; a bare HTTP status (from a proxy, or a
// 5xx from Prometheus that the client does not decode) becomes "server
// returned HTTP n", with Prometheus's message when the body has one.
func describeAPI(ae *v1.Error) string {
	switch ae.Type {
	case v1.ErrServer, v1.ErrClient:
		code, ok := statusOf(ae.Msg)
		if !ok {
			break
		}
		s := "server returned HTTP " + strconv.Itoa(code)
		if t := http.StatusText(code); t != "" {
			s += " " + t
		}
		if msg := promErrorIn(ae.Detail); msg != "" {
			s += ": " + msg
		} else if msg := plainBody(ae.Detail); msg != "" {
			// A short plain-text reason, such as Mimir's "no org id"
			// with a 401.
			s += ": " + msg
		}
		return s
	case v1.ErrBadResponse:
		if code, ok := statusOf(ae.Msg); ok {
			return "server returned HTTP " + strconv.Itoa(code)
		}
		return "malformed response: " + oneLine(ae.Msg)
	}
	if code, err := strconv.Atoi(string(ae.Type)); err == nil {
		// VictoriaMetrics's errorType is the HTTP status.
		return oneLine("HTTP " + strconv.Itoa(code) + ": " + ae.Msg)
	}
	return oneLine(string(ae.Type) + ": " + ae.Msg)
}

// statusOf reads the HTTP status from the API client's generic messages
// ("server error: 502", "client error: 404", "bad response code 302").
func statusOf(msg string) (int, bool) {
	i := strings.LastIndexAny(msg, " :")
	if i < 0 {
		return 0, false
	}
	code, err := strconv.Atoi(strings.TrimSpace(msg[i+1:]))
	if err != nil || code < 100 || code > 999 {
		return 0, false
	}
	return code, true
}

// promErrorIn returns "type: message" when body is a Prometheus error
// envelope, else "".
func promErrorIn(body string) string {
	if !strings.HasPrefix(strings.TrimSpace(body), "{") {
		return ""
	}
	var env struct {
		Status    string `json:"status"`
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
	}
	if json.Unmarshal([]byte(body), &env) != nil || env.Status != "error" || env.Error == "" {
		return ""
	}
	if env.ErrorType == "" {
		return oneLine(env.Error)
	}
	return oneLine(env.ErrorType + ": " + env.Error)
}

// plainBody is a short plain-text error body, one line, or "" for an
// empty, long, JSON or HTML one.
func plainBody(body string) string {
	b := strings.TrimSpace(body)
	if b == "" || len(b) > 200 || strings.HasPrefix(b, "{") || strings.HasPrefix(b, "<") {
		return ""
	}
	for _, r := range b {
		if r < ' ' && r != '\n' && r != '\t' && r != '\r' {
			return ""
		}
	}
	return strconv.Quote(oneLine(b))
}

// oneLine folds a multi-line message and cuts it to a length that fits a
// flash line's neighbourhood.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const maxLen = 400
	if len(s) > maxLen {
		s = s[:maxLen] + "…"
	}
	return s
}
