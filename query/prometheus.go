package query

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// DefaultTimeout bounds a Prometheus call when PrometheusOptions.Timeout is 0.
const DefaultTimeout = 10 * time.Second

// DefaultMaxBodyBytes caps a response body when PrometheusOptions.MaxBodyBytes
// is 0. A 10,000-endpoint trend is a few megabytes; anything near this size
// is a proxy page or a query gone wrong.
const DefaultMaxBodyBytes int64 = 16 << 20

// sharedBodyFactor sets the budget of bytes that all answers being read at
// once may hold together, as a multiple of the per-answer cap. A refresh
// sends its queries concurrently; without a shared budget, eleven hostile
// answers just under the cap would each be read whole.
const sharedBodyFactor = 2

// PrometheusOptions configures a Prometheus client.
type PrometheusOptions struct {
	// URL is the base URL of Prometheus, e.g. http://127.0.0.1:9090.
	URL string
	// Timeout is the deadline of every call (for Overview, of the whole
	// refresh). 0 means DefaultTimeout.
	Timeout time.Duration
	// RoundTripper carries the requests (TLS, auth, proxies). nil means a
	// transport of vigil's own, closed by Close.
	RoundTripper http.RoundTripper
	// MaxBodyBytes caps how much of a response body is read. 0 means
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Params are added to every instant and range query (Thanos's
	// partial_response and dedup: see ThanosParams).
	Params url.Values
	// MaxConcurrent caps how many requests of one refresh are in flight
	// at once; 0 sends them all at once.
	MaxConcurrent int
}

// Prometheus is a client of one Prometheus server. It is safe for
// concurrent use.
type Prometheus struct {
	url     string
	api     v1.API
	timeout time.Duration
	maxBody int64
	own     *http.Transport // the transport vigil made, if any
	client  api.Client      // for the calls v1.API does not have (targets)

	mu        sync.Mutex
	intervals map[string]time.Duration // scrape interval by selector, from the last refresh
	engine    Engine                   // what DetectEngine found (engine.go)

	groups    factCache[[]PathRule] // grouping rules by selector and label, from the last refresh
	summaries factCache[bool]       // whether the duration has no buckets, from the last refresh
	summedRec factCache[bool]       // whether an endpoint had several recorded series (Shape.recSummed)

	maxConcurrent int // PrometheusOptions.MaxConcurrent

	rules    RulesStatus // vigil's recording rules, from the last read of the rules API
	rulesKey string      // the metrics rules was read for
	noRules  bool        // SetUseRules(false): always the raw series
	trend    trendCache  // the trend of the last refresh, read on incrementally
}

// NewPrometheus checks the options and returns a client. It does not
// contact the server.
func NewPrometheus(o PrometheusOptions) (*Prometheus, error) {
	u, err := url.Parse(o.URL)
	if err != nil {
		// The parse error quotes the whole URL, which may hold a password.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("prometheus: invalid URL: %v", err)
	}
	// Credentials in the URL are sent, never shown: messages use the
	// redacted form.
	shown := strings.TrimRight(u.Redacted(), "/")
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("prometheus: invalid URL %q: the scheme must be http or https", shown)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("prometheus: invalid URL %q: no host", shown)
	}
	if o.Timeout < 0 {
		return nil, fmt.Errorf("prometheus: negative timeout %s", o.Timeout)
	}
	if o.MaxBodyBytes < 0 {
		return nil, fmt.Errorf("prometheus: negative body limit %d", o.MaxBodyBytes)
	}
	if o.MaxConcurrent < 0 {
		return nil, fmt.Errorf("prometheus: negative query concurrency %d", o.MaxConcurrent)
	}
	p := &Prometheus{
		url:           shown,
		timeout:       o.Timeout,
		maxBody:       o.MaxBodyBytes,
		maxConcurrent: o.MaxConcurrent,
	}
	if p.timeout == 0 {
		p.timeout = DefaultTimeout
	}
	if p.maxBody == 0 {
		p.maxBody = DefaultMaxBodyBytes
	}
	rt := o.RoundTripper
	if rt == nil {
		p.own = newTransport()
		rt = p.own
	}
	if len(o.Params) > 0 {
		rt = &paramTransport{next: rt, params: o.Params}
	}
	c, err := api.NewClient(api.Config{
		Address:      strings.TrimRight(o.URL, "/"),
		RoundTripper: &cappedTransport{next: rt, max: p.maxBody, shared: &bodyBudget{left: sharedBodyFactor * p.maxBody, total: sharedBodyFactor * p.maxBody}},
	})
	if err != nil {
		return nil, fmt.Errorf("prometheus: invalid URL %q: %v", shown, err)
	}
	p.api = v1.NewAPI(c)
	p.client = c
	return p, nil
}

func newTransport() *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          32,
		MaxIdleConnsPerHost:   QueriesPerRefresh,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// URL returns the base URL the client talks to.
func (p *Prometheus) URL() string { return p.url }

// API returns the client_golang API over the same capped transport, for
// the calls this type does not wrap (alerts, rules). Calls made through it
// get no deadline from the client: give them one.
func (p *Prometheus) API() v1.API { return p.api }

// Timeout returns the deadline of every call.
func (p *Prometheus) Timeout() time.Duration { return p.timeout }

// Close drops the idle connections of the transport vigil made. A client
// given its own RoundTripper leaves it alone.
func (p *Prometheus) Close() {
	if p.own != nil {
		p.own.CloseIdleConnections()
	}
}

// Query runs an instant query at the time at (now when zero) under the
// client's deadline. Prometheus's infos, if any, come among the warnings
// prefixed "info: ". Errors are *ServerError.
func (p *Prometheus) Query(ctx context.Context, expr string, at time.Time) (model.Value, v1.Warnings, error) {
	cctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	return p.query(ctx, cctx, expr, at)
}

// QueryRange runs a range query under the client's deadline. Errors are
// *ServerError.
func (p *Prometheus) QueryRange(ctx context.Context, expr string, r v1.Range) (model.Value, v1.Warnings, error) {
	cctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	return p.queryRange(ctx, cctx, expr, r)
}

// query runs one instant query under ctx, a context derived from parent with
// the client's deadline; parent tells whose deadline expired.
// rounds is how many rounds n requests sent together take under the cap on
// the requests in flight: 1 without a cap.
func (p *Prometheus) rounds(n int) int { return rounds(n, p.maxConcurrent) }

func rounds(n, maxConcurrent int) int {
	if maxConcurrent <= 0 || n <= maxConcurrent {
		return 1
	}
	return (n + maxConcurrent - 1) / maxConcurrent
}

// RefreshDeadline is the longest the requests of an overview refresh can
// take with a timeout per request and at most maxConcurrent in flight (0:
// no cap): the timeout for each round of them.
func RefreshDeadline(timeout time.Duration, maxConcurrent int) time.Duration {
	return timeout * time.Duration(rounds(QueriesPerRefresh, maxConcurrent))
}

// evalTimeout is the timeout parameter sent with a query: the client sends
// it as Go writes a duration, and Prometheus cannot read "1.5s", so a
// timeout above a second is rounded up to whole seconds (the client's own
// deadline stays exact).
func evalTimeout(d time.Duration) time.Duration {
	if d <= time.Second || d%time.Second == 0 {
		return d
	}
	return d.Truncate(time.Second) + time.Second
}

func (p *Prometheus) query(parent, ctx context.Context, expr string, at time.Time) (model.Value, v1.Warnings, error) {
	v, w, infos, err := p.api.Query(ctx, expr, at, v1.WithTimeout(evalTimeout(p.timeout)))
	return p.answer(parent, "query", v, w, infos, err)
}

func (p *Prometheus) queryRange(parent, ctx context.Context, expr string, r v1.Range) (model.Value, v1.Warnings, error) {
	v, w, infos, err := p.api.QueryRange(ctx, expr, r, v1.WithTimeout(evalTimeout(p.timeout)))
	return p.answer(parent, "query_range", v, w, infos, err)
}

// answer is what an API call at endpoint gave: its infos join the warnings,
// and its error is wrapped (see wrap).
func (p *Prometheus) answer(parent context.Context, endpoint string, v model.Value, w v1.Warnings, infos v1.Infos, err error) (model.Value, v1.Warnings, error) {
	w = append(w, infosAsWarnings(infos)...)
	if partial, _ := partialStores(w); partial {
		p.noteThanos()
	}
	if err != nil {
		return nil, w, p.wrap(parent, endpoint, err)
	}
	return v, w, nil
}

func infosAsWarnings(infos v1.Infos) v1.Warnings {
	if len(infos) == 0 {
		return nil
	}
	out := make(v1.Warnings, len(infos))
	for i, s := range infos {
		out[i] = "info: " + s
	}
	return out
}

func (p *Prometheus) wrap(parent context.Context, op string, err error) error {
	e := &ServerError{URL: p.url, Op: op, Err: err}
	// The deadline is only worth naming when it was the client's own, not
	// one the caller set or a cancellation.
	if errors.Is(err, context.DeadlineExceeded) && parent.Err() == nil {
		e.Timeout = p.timeout
	}
	return e
}

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

// bodyBudget is the number of bytes all answers being read at once may
// still take. A body draws from it as it is read and gives back on Close.
type bodyBudget struct {
	mu    sync.Mutex
	left  int64
	total int64
}

// take reserves n bytes; false when the budget is spent.
func (b *bodyBudget) take(n int64) bool {
	if b == nil {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if n > b.left {
		return false
	}
	b.left -= n
	return true
}

func (b *bodyBudget) give(n int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.left += n
	b.mu.Unlock()
}

// cappedTransport caps the size of every response body, and of all the
// bodies being read at once together.
type cappedTransport struct {
	next   http.RoundTripper
	max    int64
	shared *bodyBudget
}

func (t *cappedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > t.max {
		resp.Body.Close()
		return nil, &BodyTooLargeError{Limit: t.max}
	}
	resp.Body = &cappedBody{rc: resp.Body, left: t.max, limit: t.max, shared: t.shared}
	return resp, nil
}

// cappedBody reads at most limit bytes and fails with *BodyTooLargeError
// once the body proves longer, or once the answers read at once together
// pass the shared budget.
type cappedBody struct {
	rc     io.ReadCloser
	left   int64
	limit  int64
	err    error
	shared *bodyBudget
	taken  int64
	closed bool
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) > b.left {
		n = int(b.left)
		b.left = 0
		b.err = &BodyTooLargeError{Limit: b.limit}
		return n, b.err
	}
	if !b.shared.take(int64(n)) {
		b.err = &BodyTooLargeError{Limit: b.shared.total, Shared: true}
		return 0, b.err
	}
	b.taken += int64(n)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error {
	if !b.closed {
		b.closed = true
		b.shared.give(b.taken)
	}
	return b.rc.Close()
}
