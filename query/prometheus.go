package query

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
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
	// at once; 0 paces them: each is sent when the one before has
	// answered, or PaceAfter after it was sent.
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
	summedRec factCache[time.Time]  // when a refresh last found several recorded series of an endpoint (Shape.recSummed)
	buckets   factCache[int]        // the series the one read of the buckets answers, from the last refresh (quantiles.go)

	maxConcurrent int // PrometheusOptions.MaxConcurrent

	rules    RulesStatus // vigil's recording rules, from the last read of the rules API
	rulesKey string      // the metrics rules was read for
	noRules  bool        // SetUseRules(false): always the raw series
	trend    trendCache  // the trend of the last refresh, read on incrementally
	slow     slowCache   // what changes slowly, read every SlowEvery (slowparts.go)
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

// Version is the server's version from its build information, which also
// says whether it answers now.
func (p *Prometheus) Version(ctx context.Context) (string, error) {
	bi, err := p.api.Buildinfo(ctx)
	return bi.Version, err
}

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

// LabelNames are the names of the labels of the series that match selects
// between start and end, under the client's deadline. Errors are
// *ServerError.
func (p *Prometheus) LabelNames(ctx context.Context, match string, start, end time.Time) (model.LabelNames, error) {
	cctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	names, _, _, err := p.api.LabelNames(cctx, []string{match}, start, end)
	if err != nil {
		return nil, p.wrap(ctx, "label names", err)
	}
	return names, nil
}

// Answer is one query's answer: its series, or why there are none.
type Answer struct {
	Vec model.Vector
	Err error
}

// Instants runs the instant queries qs at the time at, paced (see
// PaceAfter) or as many in flight as PrometheusOptions.MaxConcurrent lets,
// and gives their answers in the order of qs.
func (p *Prometheus) Instants(ctx context.Context, qs []NamedQuery, at time.Time) []Answer {
	res := p.runAll(ctx, qs, at, v1.Range{})
	out := make([]Answer, len(res))
	for i, r := range res {
		out[i] = Answer{Vec: r.vec, Err: r.err}
	}
	return out
}

// RangeAnswer is one range query's answer: its series and Prometheus's
// warnings, or why there are none.
type RangeAnswer struct {
	Mat      model.Matrix
	Warnings v1.Warnings
	Err      error
}

// Ranges runs the range queries qs over r, paced (see PaceAfter) or as
// many in flight as PrometheusOptions.MaxConcurrent lets, and gives their
// answers in the order of qs.
func (p *Prometheus) Ranges(ctx context.Context, qs []NamedQuery, r v1.Range) []RangeAnswer {
	res := p.runAll(ctx, qs, r.End, r)
	out := make([]RangeAnswer, len(res))
	for i, x := range res {
		out[i] = RangeAnswer{Mat: x.mat, Warnings: x.warnings, Err: x.err}
	}
	return out
}

// query runs one instant query under ctx, a context derived from parent with
// the client's deadline; parent tells whose deadline expired.
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

// CapBody caps rc at limit bytes: a read past it fails with
// *BodyTooLargeError instead of truncating quietly.
func CapBody(rc io.ReadCloser, limit int64) io.ReadCloser {
	return &cappedBody{rc: rc, left: limit, limit: limit}
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
