package demo

import (
	"context"
	"fmt"
	"math/rand"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
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
	// Addr is the loopback host:port to listen on (an app started again
	// where one was stopped: its target comes back up); empty: a free
	// port.
	Addr string
	// Script plays the looping incident timeline (see ScriptFaults).
	Script bool
	// ExceptionsByEndpoint adds the path label to
	// flask_http_request_exceptions_total, as default_labels would.
	ExceptionsByEndpoint bool
	// Tick is the simulation step; 0 means DefaultTick.
	Tick time.Duration
	// Pitfalls makes the app show prometheus_flask_exporter's pitfalls
	// (see pitfalls.go); the zero value shows none.
	Pitfalls Pitfalls
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

	// label is the endpoint label's value under the app's group_by: the
	// path, the URL rule or the view function's name.
	label string

	ok []okSeries // per worker: the series of successful requests
}

// okSeries are the series a successful request of an endpoint lands in,
// looked up once.
type okSeries struct {
	duration prometheus.Observer
	requests prometheus.Counter
}

// families are the metric families of one worker process. The app has one;
// with Pitfalls.Workers, one per worker, each with its own counters.
type families struct {
	reg        *prometheus.Registry
	duration   prometheus.ObserverVec // a histogram, or a summary (Pitfalls.Summary)
	requests   *prometheus.CounterVec
	exceptions *prometheus.CounterVec
	views      *prometheus.CounterVec
	dbQuery    *prometheus.HistogramVec
	celery     *prometheus.HistogramVec
	info       *prometheus.GaugeVec
	// The *_created gauges prometheus_client exports beside each counter
	// and histogram series (their creation time); nil in high-cardinality
	// mode.
	durationCreated, requestsCreated, exceptionsCreated *prometheus.GaugeVec
}

// App is the running synthetic app.
type App struct {
	opts      AppOptions
	endpoints []*endpoint
	paths     []string
	known     map[string]bool
	start     time.Time

	// workers are the families of each worker process; *families is the
	// current one of a request (see request). scrapes counts scrapes, to
	// serve the workers in turn.
	workers []*families
	*families
	scrapes atomic.Uint64
	// scanned are the paths scanners asked for (Pitfalls.Scanners).
	scanned map[string]bool

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
		opts:    opts,
		rng:     rand.New(rand.NewSource(opts.Seed)),
		faults:  map[string]Fault{},
		known:   map[string]bool{},
		scanned: map[string]bool{},
		stop:    make(chan struct{}),
		done:    make(chan struct{}),

		version:   ExporterVersion,
		procStart: time.Now(),
	}
	if err := opts.Pitfalls.check(); err != nil {
		return nil, err
	}
	if opts.Endpoints > DefaultEndpoints {
		a.endpoints = manyEndpoints(opts.Endpoints)
	} else {
		a.endpoints = defaultEndpoints()
	}
	if opts.Pitfalls.PathExplosion {
		a.endpoints = append(a.endpoints, explodedEndpoints()...)
	}
	for _, ep := range a.endpoints {
		ep.label = opts.Pitfalls.labelValue(ep.path)
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

	addr := "127.0.0.1:0"
	if opts.Addr != "" {
		host, _, err := net.SplitHostPort(opts.Addr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("demo app: AppOptions.Addr %q is not a loopback host:port", opts.Addr)
		}
		addr = opts.Addr
	}
	ln, err := net.Listen("tcp", addr)
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
	n := max(a.opts.Pitfalls.Workers, 1)
	a.workers = make([]*families, n)
	for i := range a.workers {
		a.workers[i] = a.newFamilies(a.workerStart(i))
	}
	a.families = a.workers[0]
	// The series of successful requests exist from the start, so every
	// endpoint shows at the first scrape; the others appear on first use,
	// as they do in the exporter.
	for _, ep := range a.endpoints {
		ep.ok = make([]okSeries, n)
		for i, f := range a.workers {
			if a.opts.Pitfalls.DebugReloader {
				continue
			}
			ep.ok[i] = okSeries{
				duration: f.duration.WithLabelValues(ep.method, ep.label, ep.okStatus),
				requests: f.requests.WithLabelValues(ep.method, ep.okStatus),
			}
			f.markCreated(a.workerStart(i), ep.method, ep.label, ep.okStatus, "")
		}
	}
}

// markCreated sets the *_created gauges of a request's series, as
// prometheus_client does when a series first appears (exc: the exceptions
// counter's endpoint label value when it has one, "-" for none).
func (f *families) markCreated(at time.Time, method, label, status, exc string) {
	if f.durationCreated == nil {
		return
	}
	t := float64(at.UnixNano()) / 1e9
	f.durationCreated.WithLabelValues(method, label, status).Set(t)
	f.requestsCreated.WithLabelValues(method, status).Set(t)
	switch exc {
	case "":
	case "-":
		f.exceptionsCreated.WithLabelValues(method, status).Set(t)
	default:
		f.exceptionsCreated.WithLabelValues(method, status, exc).Set(t)
	}
}

// workerSpawnGap is how far apart gunicorn's master forks its workers, as
// seen on the real app: each worker has a start time of its own.
const workerSpawnGap = 70 * time.Millisecond

// workerStart is the start time of worker i: the app's for the first (or
// only) one, later ones forked workerSpawnGap apart.
func (a *App) workerStart(i int) time.Time {
	return a.procStart.Add(time.Duration(i) * workerSpawnGap)
}

// newFamilies registers the families of one worker process, started at
// start.
func (a *App) newFamilies(start time.Time) *families {
	p := a.opts.Pitfalls
	f := &families{reg: prometheus.NewRegistry()}
	label := p.endpointLabel()
	if p.Summary {
		f.duration = prometheus.NewSummaryVec(prometheus.SummaryOpts{
			Name: p.name("http_request_duration_seconds"),
			Help: "Flask HTTP request duration in seconds",
		}, []string{"method", label, "status"})
	} else {
		f.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    p.name("http_request_duration_seconds"),
			Help:    "Flask HTTP request duration in seconds",
			Buckets: FlaskBuckets,
		}, []string{"method", label, "status"})
	}
	f.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: p.name("http_request_total"),
		Help: "Total number of HTTP requests",
	}, []string{"method", "status"})
	excLabels := []string{"method", "status"}
	if a.opts.ExceptionsByEndpoint {
		excLabels = append(excLabels, label)
	}
	f.exceptions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: p.name("http_request_exceptions_total"),
		Help: "Total number of HTTP requests which resulted in an exception",
	}, excLabels)
	f.info = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: p.name("exporter_info"),
		Help: "Information about the Prometheus Flask exporter",
	}, []string{"version"})
	f.info.WithLabelValues(a.version).Set(1)
	startTime := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "process_start_time_seconds",
		Help: "Start time of the process since unix epoch in seconds.",
	})
	startTime.Set(float64(start.UnixNano()) / 1e9)
	f.views = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "article_views_total",
		Help: "Article views by slug",
	}, []string{"slug"})
	f.dbQuery = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "db_query_duration_seconds",
		Help:    "Database query duration in seconds",
		Buckets: FlaskBuckets,
	}, []string{"query"})
	f.celery = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "celery_task_duration_seconds",
		Help:    "Celery task duration in seconds",
		Buckets: celeryBuckets,
	}, []string{"task"})
	if a.opts.Endpoints <= DefaultEndpoints && !p.DebugReloader {
		created := func(base string, labels ...string) *prometheus.GaugeVec {
			g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: p.name(base + "_created"), Help: "Creation time of " + p.name(base)}, labels)
			f.reg.MustRegister(g)
			return g
		}
		f.durationCreated = created("http_request_duration_seconds", "method", label, "status")
		f.requestsCreated = created("http_request", "method", "status")
		f.exceptionsCreated = created("http_request_exceptions", excLabels...)
	}
	if p.DebugReloader {
		// Under the debug reloader the exporter registers nothing: the
		// process's other metrics are all there is.
		f.reg.MustRegister(startTime, f.views, f.dbQuery, f.celery)
	} else {
		f.reg.MustRegister(f.duration, f.requests, f.exceptions, f.info, startTime, f.views, f.dbQuery, f.celery)
	}
	return f
}

// URL is the app's base URL, e.g. http://127.0.0.1:41234.
func (a *App) URL() string { return "http://" + a.Addr() }

// Addr is the app's host:port.
func (a *App) Addr() string { return a.ln.Addr().String() }

// Paths lists the distinct paths the app serves, in a stable order.
func (a *App) Paths() []string { return append([]string(nil), a.paths...) }

// Gather returns what a scrape of /metrics would return now.
// With Pitfalls.Workers, each scrape reaches the next worker, as scrapes of
// gunicorn workers without multiprocess mode do.
func (a *App) Gather() ([]*dto.MetricFamily, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	w := a.workers[0]
	if n := len(a.workers); n > 1 {
		w = a.workers[(a.scrapes.Add(1)-1)%uint64(n)]
	}
	return w.reg.Gather()
}

// Close stops the simulation and the server. It is safe to call more than
// once.
func (a *App) Close() error {
	a.closeOnce.Do(func() {
		close(a.stop)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.srv.Shutdown(ctx); err != nil {
			// A scrape still being answered (the 10,000-endpoint page
			// takes seconds on a busy machine) is cut: only a failure to
			// close is an error.
			a.closeErr = a.srv.Close()
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
