package demo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
)

// ExporterVersion is the prometheus_flask_exporter version the app claims in
// flask_exporter_info.
const ExporterVersion = "0.23.2"

// FlaskBuckets are prometheus_client's default histogram buckets, which
// prometheus_flask_exporter uses for the request duration (+Inf is implied).
var FlaskBuckets = []float64{.005, .01, .025, .05, .075, .1, .25, .5, .75, 1, 2.5, 5, 7.5, 10}

// celeryBuckets suit background tasks, which take seconds rather than
// milliseconds.
var celeryBuckets = []float64{.1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300}

// DefaultEndpoints is the number of endpoints of the default app.
const DefaultEndpoints = 30

// DefaultTick is how often the app simulates a batch of requests.
const DefaultTick = 200 * time.Millisecond

// maxFaultLatency bounds Fault.Latency.
const maxFaultLatency = time.Minute

// Fault is an incident on one path.
type Fault struct {
	// ErrorRatio is the extra share of the path's requests that end in an
	// unhandled exception (status 500), from 0 to 1, on top of its base rate.
	ErrorRatio float64
	// Latency, when above 0, slows every request of the path by an extra
	// amount drawn so that the path's 99th percentile comes to about Latency
	// (the median extra is about half of it).
	Latency time.Duration
}

func (f Fault) String() string {
	return fmt.Sprintf("error_ratio=%g latency=%s", f.ErrorRatio, f.Latency)
}

// normalize clamps a fault to what the simulation accepts.
func (f Fault) normalize() Fault {
	if math.IsNaN(f.ErrorRatio) || f.ErrorRatio < 0 {
		f.ErrorRatio = 0
	}
	if f.ErrorRatio > 1 {
		f.ErrorRatio = 1
	}
	if f.Latency < 0 {
		f.Latency = 0
	}
	if f.Latency > maxFaultLatency {
		f.Latency = maxFaultLatency
	}
	return f
}

func (f Fault) zero() bool { return f.ErrorRatio == 0 && f.Latency == 0 }

// AppOptions configures the synthetic app. The zero value is the default
// app: 30 endpoints, seed 0, no script, a 200ms tick.
type AppOptions struct {
	// Endpoints above 30 switches to high-cardinality mode: that many
	// distinct GET paths /item/00001, /item/00002..., status 200 for almost
	// all, and /metrics served from a copy rendered at most one scrape
	// earlier (a scrape of 10000 endpoints is 17 MB). 30 or less (including
	// 0) gives the default app.
	Endpoints int
	// Seed seeds the random source of the simulation.
	Seed int64
	// Script plays the looping incident timeline (see ScriptFaults).
	Script bool
	// ExceptionsByEndpoint adds the path label to
	// flask_http_request_exceptions_total, as default_labels would.
	ExceptionsByEndpoint bool
	// Tick is the simulation step; 0 means DefaultTick.
	Tick time.Duration
}

// endpoint is one (method, path) of the simulated app.
type endpoint struct {
	method       string
	path         string
	rate         float64       // requests per second
	latency      time.Duration // median latency
	spread       float64       // sigma of the lognormal latency
	errRatio     float64       // base share of unhandled exceptions
	okStatus     string        // status of a successful request
	clientStatus string        // 4xx status drawn with clientRatio
	clientRatio  float64
	slug         string // blog article: counts article_views_total
	query        string // db query run by each request
	task         string // celery task queued by each successful request

	okDuration prometheus.Observer
	okRequests prometheus.Counter
}

// App is the running synthetic app.
type App struct {
	opts      AppOptions
	endpoints []*endpoint
	paths     []string
	known     map[string]bool
	start     time.Time

	reg        *prometheus.Registry
	duration   *prometheus.HistogramVec
	requests   *prometheus.CounterVec
	exceptions *prometheus.CounterVec
	views      *prometheus.CounterVec
	dbQuery    *prometheus.HistogramVec
	celery     *prometheus.HistogramVec
	info       *prometheus.GaugeVec

	// version is the version label of flask_exporter_info and procStart
	// the value of process_start_time_seconds (see lifecycle.go); both are
	// guarded by mu.
	version   string
	procStart time.Time

	// mu makes a simulation step and a scrape exclusive, so that every
	// scrape sees the families consistent with each other.
	mu  sync.RWMutex
	rng *rand.Rand

	faultMu sync.Mutex
	faults  map[string]Fault

	snap *snapshot // high-cardinality mode: /metrics from a rendered copy

	ln        net.Listener
	srv       *http.Server
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// StartApp starts the app on a free loopback port. Close it when done.
func StartApp(opts AppOptions) (*App, error) {
	if opts.Tick <= 0 {
		opts.Tick = DefaultTick
	}
	if opts.Endpoints < 0 {
		return nil, fmt.Errorf("demo app: Endpoints %d is negative", opts.Endpoints)
	}
	if opts.Endpoints > 1_000_000 {
		return nil, fmt.Errorf("demo app: Endpoints %d is more than 1000000", opts.Endpoints)
	}
	a := &App{
		opts:   opts,
		rng:    rand.New(rand.NewSource(opts.Seed)),
		faults: map[string]Fault{},
		known:  map[string]bool{},
		stop:   make(chan struct{}),
		done:   make(chan struct{}),

		version:   ExporterVersion,
		procStart: time.Now(),
	}
	if opts.Endpoints > DefaultEndpoints {
		a.endpoints = manyEndpoints(opts.Endpoints)
	} else {
		a.endpoints = defaultEndpoints()
	}
	for _, ep := range a.endpoints {
		if !a.known[ep.path] {
			a.known[ep.path] = true
			a.paths = append(a.paths, ep.path)
		}
	}
	a.register()
	if opts.Endpoints > DefaultEndpoints {
		a.snap = &snapshot{app: a}
		a.snap.render()
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo app: listen on loopback: %w", err)
	}
	a.ln = ln
	a.srv = &http.Server{
		Handler:           a.handler(),
		ReadHeaderTimeout: 10 * time.Second,
	}
	a.start = time.Now()
	go func() { _ = a.srv.Serve(ln) }()
	go a.run()
	return a, nil
}

func (a *App) register() {
	a.reg = prometheus.NewRegistry()
	a.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "flask_http_request_duration_seconds",
		Help:    "Flask HTTP request duration in seconds",
		Buckets: FlaskBuckets,
	}, []string{"method", "path", "status"})
	a.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "flask_http_request_total",
		Help: "Total number of HTTP requests",
	}, []string{"method", "status"})
	excLabels := []string{"method", "status"}
	if a.opts.ExceptionsByEndpoint {
		excLabels = append(excLabels, "path")
	}
	a.exceptions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "flask_http_request_exceptions_total",
		Help: "Total number of HTTP requests which resulted in an exception",
	}, excLabels)
	a.info = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "flask_exporter_info",
		Help: "Information about the Prometheus Flask exporter",
	}, []string{"version"})
	a.info.WithLabelValues(a.version).Set(1)
	start := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "process_start_time_seconds",
		Help: "Start time of the process since unix epoch in seconds.",
	})
	start.Set(float64(a.procStart.UnixNano()) / 1e9)
	a.views = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "article_views_total",
		Help: "Article views by slug",
	}, []string{"slug"})
	a.dbQuery = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "db_query_duration_seconds",
		Help:    "Database query duration in seconds",
		Buckets: FlaskBuckets,
	}, []string{"query"})
	a.celery = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "celery_task_duration_seconds",
		Help:    "Celery task duration in seconds",
		Buckets: celeryBuckets,
	}, []string{"task"})
	a.reg.MustRegister(a.duration, a.requests, a.exceptions, a.info, start, a.views, a.dbQuery, a.celery)

	// The series of successful requests exist from the start, so every
	// endpoint shows at the first scrape; the others appear on first use,
	// as they do in the exporter.
	for _, ep := range a.endpoints {
		ep.okDuration = a.duration.WithLabelValues(ep.method, ep.path, ep.okStatus)
		ep.okRequests = a.requests.WithLabelValues(ep.method, ep.okStatus)
	}
}

// URL is the app's base URL, e.g. http://127.0.0.1:41234.
func (a *App) URL() string { return "http://" + a.Addr() }

// Addr is the app's host:port.
func (a *App) Addr() string { return a.ln.Addr().String() }

// Paths lists the distinct paths the app serves, in a stable order.
func (a *App) Paths() []string { return append([]string(nil), a.paths...) }

// Gather returns what a scrape of /metrics would return now.
func (a *App) Gather() ([]*dto.MetricFamily, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.reg.Gather()
}

// SetFault sets the fault of a path, for every method; it replaces an
// earlier one and takes precedence over the script for that path. Values out
// of range are clamped (ErrorRatio to 0..1, Latency to 0..1m). A path the app
// does not serve has no effect.
func (a *App) SetFault(path string, f Fault) {
	f = f.normalize()
	a.faultMu.Lock()
	defer a.faultMu.Unlock()
	if f.zero() {
		delete(a.faults, path)
		return
	}
	a.faults[path] = f
}

// ClearFault removes the fault set on a path by hand.
func (a *App) ClearFault(path string) {
	a.faultMu.Lock()
	defer a.faultMu.Unlock()
	delete(a.faults, path)
}

// ClearFaults removes every fault set by hand. The script, if any, goes on.
func (a *App) ClearFaults() {
	a.faultMu.Lock()
	defer a.faultMu.Unlock()
	a.faults = map[string]Fault{}
}

// Faults returns the faults in force now, set by hand or by the script.
func (a *App) Faults() map[string]Fault {
	return a.faultsAt(time.Since(a.start))
}

func (a *App) faultsAt(elapsed time.Duration) map[string]Fault {
	out := map[string]Fault{}
	if a.opts.Script {
		for p, f := range ScriptFaults(elapsed) {
			if a.known[p] {
				out[p] = f
			}
		}
	}
	a.faultMu.Lock()
	for p, f := range a.faults {
		out[p] = f
	}
	a.faultMu.Unlock()
	return out
}

// Close stops the simulation and the server. It is safe to call more than
// once.
func (a *App) Close() error {
	a.closeOnce.Do(func() {
		close(a.stop)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.srv.Shutdown(ctx); err != nil {
			a.closeErr = errors.Join(err, a.srv.Close())
		}
		<-a.done
		if a.snap != nil {
			a.snap.close()
		}
	})
	return a.closeErr
}

// run steps the simulation on every tick until Close.
func (a *App) run() {
	defer close(a.done)
	t := time.NewTicker(a.opts.Tick)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-a.stop:
			return
		case now := <-t.C:
			dt := now.Sub(last)
			last = now
			// A stalled process must not make up for lost time in one burst.
			if dt > 5*time.Second {
				dt = 5 * time.Second
			}
			if dt <= 0 {
				continue
			}
			a.step(dt.Seconds(), a.faultsAt(now.Sub(a.start)))
		}
	}
}

// Latency model: a request takes its endpoint's median latency times a
// lognormal factor. A latency fault adds an extra whose 99th percentile is
// the fault's Latency.
const (
	z99         = 2.3263478740408408 // standard normal 99th percentile
	faultSpread = 0.3
)

// step simulates dt seconds of traffic.
func (a *App) step(dt float64, faults map[string]Fault) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ep := range a.endpoints {
		n := poisson(a.rng, ep.rate*dt)
		if n == 0 {
			continue
		}
		f := faults[ep.path]
		for i := 0; i < n; i++ {
			a.request(ep, f)
		}
	}
	// Periodic background work not tied to a request.
	for i, n := 0, poisson(a.rng, 0.2*dt); i < n; i++ {
		a.celery.WithLabelValues("reindex_search").Observe(lognormal(a.rng, 4, 0.5))
	}
	for i, n := 0, poisson(a.rng, 0.05*dt); i < n; i++ {
		a.celery.WithLabelValues("cleanup_sessions").Observe(lognormal(a.rng, 0.8, 0.4))
	}
}

// request simulates one request and records it in every family.
func (a *App) request(ep *endpoint, f Fault) {
	lat := lognormal(a.rng, ep.latency.Seconds(), ep.spread)
	extra := 0.0
	if f.Latency > 0 {
		extra = f.Latency.Seconds() * math.Exp(faultSpread*(a.rng.NormFloat64()-z99))
		lat += extra
	}
	errRatio := math.Min(1, ep.errRatio+f.ErrorRatio)
	status := ep.okStatus
	u := a.rng.Float64()
	switch {
	case u < errRatio:
		status = "500"
	case u < errRatio+ep.clientRatio:
		status = ep.clientStatus
	}

	if ep.query != "" {
		q := lognormal(a.rng, 0.004, 0.6) + 0.8*extra
		a.dbQuery.WithLabelValues(ep.query).Observe(q)
	}
	if status == ep.okStatus {
		ep.okDuration.Observe(lat)
		ep.okRequests.Inc()
		if ep.slug != "" {
			a.views.WithLabelValues(ep.slug).Inc()
		}
		if ep.task != "" {
			a.celery.WithLabelValues(ep.task).Observe(lognormal(a.rng, 1.2, 0.5))
		}
		return
	}
	a.duration.WithLabelValues(ep.method, ep.path, status).Observe(lat)
	a.requests.WithLabelValues(ep.method, status).Inc()
	if status == "500" {
		if a.opts.ExceptionsByEndpoint {
			a.exceptions.WithLabelValues(ep.method, "500", ep.path).Inc()
		} else {
			a.exceptions.WithLabelValues(ep.method, "500").Inc()
		}
	}
}

// lognormal draws around median with the given sigma.
func lognormal(r *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}

// poisson draws a Poisson count of mean lambda.
func poisson(r *rand.Rand, lambda float64) int {
	if !(lambda > 0) {
		return 0
	}
	if lambda > 30 {
		n := math.Round(lambda + math.Sqrt(lambda)*r.NormFloat64())
		if n < 0 {
			return 0
		}
		return int(n)
	}
	l := math.Exp(-lambda)
	k, p := 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func ms(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }

// defaultEndpoints is the shape of a small blog-and-shop Flask app.
func defaultEndpoints() []*endpoint {
	get := func(path string, rate, latMs float64) *endpoint {
		return &endpoint{method: "GET", path: path, rate: rate, latency: ms(latMs), spread: 0.5, okStatus: "200"}
	}
	post := func(path string, rate, latMs float64, ok string) *endpoint {
		return &endpoint{method: "POST", path: path, rate: rate, latency: ms(latMs), spread: 0.5, okStatus: ok}
	}
	with := func(ep *endpoint, fn func(*endpoint)) *endpoint { fn(ep); return ep }

	eps := []*endpoint{
		with(get("/", 8, 25), func(e *endpoint) { e.spread = 0.4 }),
		get("/login", 2, 15),
		with(post("/login", 1.5, 120, "302"), func(e *endpoint) {
			e.clientStatus, e.clientRatio = "401", 0.08
			e.query = "select_user"
		}),
		post("/logout", 0.5, 10, "302"),
		get("/about", 0.3, 12),
		with(get("/health", 1, 2), func(e *endpoint) { e.spread = 0.2 }),
		with(get("/api/search", 4, 90), func(e *endpoint) {
			e.errRatio = 0.002
			e.spread = 0.6
			e.query = "search_products"
		}),
		with(get("/api/cart", 3, 35), func(e *endpoint) { e.query = "select_cart" }),
		with(post("/api/cart", 1.2, 60, "201"), func(e *endpoint) { e.query = "update_cart" }),
		with(post("/api/checkout", 2, 250, "200"), func(e *endpoint) {
			e.errRatio = 0.005
			e.clientStatus, e.clientRatio = "422", 0.02
			e.query = "insert_order"
			e.task = "send_receipt_email"
		}),
		with(get("/api/orders", 0.8, 70), func(e *endpoint) { e.query = "select_orders" }),
		with(post("/api/payments/webhook", 0.5, 150, "200"), func(e *endpoint) {
			e.errRatio = 0.03
			e.query = "update_order"
			e.task = "generate_invoice"
		}),
		with(get("/api/recommendations", 1.5, 180), func(e *endpoint) { e.spread = 0.7 }),
		with(post("/api/users", 0.2, 140, "201"), func(e *endpoint) {
			e.clientStatus, e.clientRatio = "409", 0.05
			e.query = "insert_user"
			e.task = "send_welcome_email"
		}),
		with(get("/api/products/7", 1, 40), func(e *endpoint) { e.query = "select_product" }),
		with(get("/static/app.js", 5, 3), func(e *endpoint) { e.spread = 0.3 }),
		with(get("/admin", 0.1, 20), func(e *endpoint) { e.clientStatus, e.clientRatio = "403", 0.6 }),
	}
	for _, id := range []string{"1", "2", "42", "1337"} {
		eps = append(eps, with(get("/api/users/"+id, 0.6, 30), func(e *endpoint) {
			e.query = "select_user"
		}))
	}
	eps = append(eps, with(get("/api/users/9999", 0.2, 20), func(e *endpoint) {
		e.clientStatus, e.clientRatio = "404", 1
		e.query = "select_user"
	}))
	for _, slug := range []string{"hello-world", "flask-tips", "prometheus-basics", "on-call-survival", "gunicorn-workers"} {
		eps = append(eps, with(get("/blog/"+slug, 1.5, 45), func(e *endpoint) {
			e.slug = slug
			e.query = "select_article"
		}))
	}
	eps = append(eps, with(get("/blog/old-post", 0.3, 8), func(e *endpoint) {
		e.clientStatus, e.clientRatio = "404", 1
		e.query = "select_article"
	}))
	for _, slug := range []string{"hello-world", "flask-tips"} {
		eps = append(eps, with(post("/blog/"+slug+"/comments", 0.3, 80, "201"), func(e *endpoint) {
			e.clientStatus, e.clientRatio = "400", 0.05
			e.query = "insert_comment"
			e.task = "notify_author"
		}))
	}
	return eps
}

// manyEndpoints is the high-cardinality app: n GET paths, status 200 but for
// a few paths that also fail now and then.
func manyEndpoints(n int) []*endpoint {
	width := len(fmt.Sprint(n))
	if width < 5 {
		width = 5
	}
	eps := make([]*endpoint, 0, n)
	for i := 1; i <= n; i++ {
		ep := &endpoint{
			method:   "GET",
			path:     fmt.Sprintf("/item/%0*d", width, i),
			rate:     0.02,
			latency:  ms(20 + float64(i%13)*20),
			spread:   0.5,
			okStatus: "200",
			query:    "select_item",
		}
		if i%1000 == 7 {
			ep.rate = 1
			ep.errRatio = 0.1
		}
		eps = append(eps, ep)
	}
	return eps
}

// Script timeline, relative to the start of each cycle.
const (
	ScriptCheckoutStart = 10 * time.Second
	ScriptCheckoutFor   = 4 * time.Minute
	ScriptSearchStart   = 20 * time.Second
	ScriptSearchFor     = 5 * time.Minute
	ScriptCalmFor       = 2 * time.Minute
	// ScriptCycle is the length of one loop of the timeline.
	ScriptCycle = ScriptSearchStart + ScriptSearchFor + ScriptCalmFor
)

// ScriptFaults returns the scripted faults in force at the given time since
// the app started: from 10s, 4 minutes of 30% errors on /api/checkout; from
// 20s, 5 minutes of a p99 of about 3s on /api/search; then 2 minutes of calm;
// then it loops.
func ScriptFaults(elapsed time.Duration) map[string]Fault {
	out := map[string]Fault{}
	if elapsed < 0 {
		return out
	}
	t := elapsed % ScriptCycle
	if t >= ScriptCheckoutStart && t < ScriptCheckoutStart+ScriptCheckoutFor {
		out["/api/checkout"] = Fault{ErrorRatio: 0.3}
	}
	if t >= ScriptSearchStart && t < ScriptSearchStart+ScriptSearchFor {
		out["/api/search"] = Fault{Latency: 3 * time.Second}
	}
	return out
}

// sortedPaths returns the keys of a fault map in order.
func sortedPaths(m map[string]Fault) []string {
	out := make([]string, 0, len(m))
	for p := range m {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func (a *App) handler() http.Handler {
	mux := http.NewServeMux()
	if a.snap != nil {
		mux.Handle("/metrics", a.snap)
	} else {
		mux.Handle("/metrics", promhttp.HandlerFor(prometheus.GathererFunc(a.Gather), promhttp.HandlerOpts{
			ErrorHandling: promhttp.ContinueOnError,
		}))
	}
	mux.HandleFunc("/-/fault", a.handleFault)
	mux.HandleFunc("/-/fault/clear", a.handleFaultClear)
	a.lifecycleRoutes(mux) // lifecycle.go: /-/restart, /-/version
	mux.HandleFunc("/", a.handleIndex)
	return mux
}
