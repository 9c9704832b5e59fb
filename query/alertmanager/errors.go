package alertmanager

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/vigilterm/vigil/query"
)

// Error is a failed request to one peer. Message is
// Alertmanager's own text, verbatim, when it answered (Status set), or what
// went wrong on the way.
type Error struct {
	Peer    string // the peer's URL, without credentials
	Op      string // what vigil was doing, e.g. "create silence"
	Status  int    // HTTP status of Alertmanager's answer; 0 without one
	Message string
	// Transport is true when no usable answer came back: refused, reset,
	// timed out, truncated, oversized, malformed, or a gateway error
	// (502, 503, 504) from a proxy in front of Alertmanager.
	Transport bool
	Err       error

	notSent bool // the connection was refused: the request never left
	aborted bool // the caller's context ended first
}

func (e *Error) Error() string {
	if e.Status >= 300 {
		return fmt.Sprintf("alertmanager %s: %s: %s (HTTP %d)", e.Peer, e.Op, e.Message, e.Status)
	}
	return fmt.Sprintf("alertmanager %s: %s: %s", e.Peer, e.Op, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// PeersError is a request that failed on every peer tried.
type PeersError struct {
	Op   string
	Errs []*Error
}

func (e *PeersError) Error() string {
	parts := make([]string, len(e.Errs))
	for i, x := range e.Errs {
		parts[i] = x.Peer + ": " + x.Message
		if x.Op != e.Op && x.Op != "" {
			parts[i] = x.Peer + ": " + x.Op + ": " + x.Message
		}
	}
	return fmt.Sprintf("alertmanager: %s: all %d attempts failed: %s", e.Op, len(e.Errs), strings.Join(parts, "; "))
}

func (e *PeersError) Unwrap() []error {
	out := make([]error, len(e.Errs))
	for i, x := range e.Errs {
		out[i] = x
	}
	return out
}

// IsTransportError reports whether err means no usable answer came back
// from Alertmanager (unreachable, timed out, reset, malformed), as opposed
// to Alertmanager refusing the request.
func IsTransportError(err error) bool {
	if err == nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Transport
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF)
}

// IsNotFound reports whether Alertmanager said the silence does not exist.
func IsNotFound(err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.Transport {
		return false
	}
	return e.Status == http.StatusNotFound || strings.Contains(e.Message, "silence not found")
}

func asAMError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Message: err.Error(), Err: err}
}

// classify turns a client error into an *Error, digging
// Alertmanager's message out of the typed error or the raw answer.
func classify(peer, op string, err error, capt *amCapture, parent context.Context, timeout time.Duration) *Error {
	e := &Error{Peer: peer, Op: op, Err: err}
	switch {
	case capt.status >= 300:
		e.Status = capt.status
		e.Message = apiMessage(err, capt.body, capt.status)
		// A gateway error comes from a proxy in front of Alertmanager:
		// Alertmanager itself did not answer.
		switch capt.status {
		case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			e.Transport = true
		}
	case capt.status >= 200:
		e.Status = capt.status
		e.Transport = true
		e.Message = "malformed answer: " + amOneLine(unwrapURLError(err).Error())
	default:
		e.Transport = true
		switch {
		case parent.Err() != nil:
			e.Message = parent.Err().Error()
			e.Err = parent.Err()
			e.aborted = true
		case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
			e.Message = fmt.Sprintf("no answer within %s", timeout)
		case errors.Is(err, syscall.ECONNREFUSED):
			e.Message = "connection refused"
		default:
			e.Message = amOneLine(unwrapURLError(err).Error())
		}
		e.notSent = isConnectFailure(err)
	}
	return e
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isConnectFailure(err error) bool {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

// apiMessage is Alertmanager's message for a non-2xx answer: the payload of
// the generated error type when it has one, else the body (a JSON string,
// a {"code","message"} object from the API layer, or plain text), else the
// status text.
func apiMessage(err error, body []byte, status int) string {
	var pl interface{ GetPayload() string }
	if errors.As(err, &pl) {
		if s := strings.TrimSpace(pl.GetPayload()); s != "" {
			return amOneLine(s)
		}
	}
	b := bytes.TrimSpace(body)
	if len(b) > 0 {
		var s string
		if b[0] == '"' && json.Unmarshal(b, &s) == nil && s != "" {
			return amOneLine(s)
		}
		var obj struct {
			Message string `json:"message"`
			Error   string `json:"error"`
		}
		if b[0] == '{' && json.Unmarshal(b, &obj) == nil {
			if obj.Message != "" {
				return amOneLine(obj.Message)
			}
			if obj.Error != "" {
				return amOneLine(obj.Error)
			}
		}
		return amShorten(amOneLine(string(b)), 300)
	}
	if t := http.StatusText(status); t != "" {
		return t
	}
	return fmt.Sprintf("HTTP %d", status)
}

func amOneLine(s string) string {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, "\r\n") {
		s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }), " ")
	}
	return s
}

// amShorten cuts a text that is not Alertmanager's own message (an HTML
// page from a proxy, say) to n runes.
func amShorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// amCapture records, per request, the status and (for errors) the body of
// the answer, so that Alertmanager's message survives whatever the
// generated reader makes of it.
type amCapture struct {
	status int
	body   []byte
}

type amCaptureKey struct{}

// amTransport caps response bodies and keeps error answers for amCapture.
type amTransport struct {
	next http.RoundTripper
	max  int64
}

func (t *amTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	capt, _ := req.Context().Value(amCaptureKey{}).(*amCapture)
	if capt != nil {
		capt.status = resp.StatusCode
	}
	if resp.StatusCode >= 300 && capt != nil {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, amErrorBodyMax))
		resp.Body.Close()
		capt.body = b
		resp.Body = io.NopCloser(bytes.NewReader(b))
		return resp, nil
	}
	// The same cap as Prometheus's answers: a read past it fails with
	// *BodyTooLargeError instead of truncating quietly.
	resp.Body = query.CapBody(resp.Body, t.max)
	return resp, nil
}
