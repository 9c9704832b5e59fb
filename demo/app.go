package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"net"
	"net/http"
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
