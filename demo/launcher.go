package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// InstallHint is how to get the binaries the stack needs.
const InstallHint = "apt-get install prometheus prometheus-alertmanager"

// ErrMissingBinary is wrapped by the errors of Binaries and Tool when a
// binary is not on PATH.
var ErrMissingBinary = errors.New("binary not found on PATH")

// Bounds of the launcher. Every wait is bounded by these and by the context
// the caller passes.
const (
	// ReadyTimeout bounds the wait for one process to become ready when
	// the context has no earlier deadline. The wait for Prometheus's first
	// scrape gets two scrape intervals more.
	ReadyTimeout = 30 * time.Second
	// StopTimeout is how long a process gets to exit after SIGTERM before
	// it is killed.
	StopTimeout = 10 * time.Second
	// portAttempts bounds the starts of one process when its port was taken.
	portAttempts = 3
	// manyEndpointsScrape is the app size above which the default scrape
	// interval is 5s.
	manyEndpointsScrape = 1000
	// MaxAlertmanagers is the largest cluster Start runs.
	MaxAlertmanagers = 5
	// logTailLines is how many lines of a process log an error quotes.
	logTailLines = 20
	pollEvery    = 100 * time.Millisecond
)

// Binaries finds prometheus and prometheus-alertmanager (or alertmanager)
// on PATH.
func Binaries() (prometheus, alertmanager string, err error) {
	prometheus, perr := Tool("prometheus")
	alertmanager, aerr := Tool("alertmanager")
	if perr != nil && aerr != nil {
		return "", "", fmt.Errorf("%w: prometheus and prometheus-alertmanager; install them with: %s", ErrMissingBinary, InstallHint)
	}
	if err := errors.Join(perr, aerr); err != nil {
		return "", "", err
	}
	return prometheus, alertmanager, nil
}

// Tool finds a binary of the Prometheus and Alertmanager packages on PATH:
// prometheus, promtool, alertmanager (found as prometheus-alertmanager or
// alertmanager), amtool, or any other name.
func Tool(name string) (string, error) {
	names := []string{name}
	if name == "alertmanager" || name == "prometheus-alertmanager" {
		names = []string{"prometheus-alertmanager", "alertmanager"}
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: %s; install it with: %s", ErrMissingBinary, names[0], InstallHint)
}

// StackOptions configures Start. The zero value runs Prometheus and the app,
// without Alertmanager.
type StackOptions struct {
	// Dir is the scratch directory; empty means a new temporary one. A
	// directory Start creates is removed by Close; in one that existed,
	// Close removes only what Start wrote. Keep keeps everything.
	Dir string
	// App configures the synthetic app.
	App AppOptions
	// ExtraJobs starts one more default app per name, each scraped as its
	// own job of that name (Stack.Extra), so a test can stop one scraped
	// app while Prometheus and the main app keep running.
	ExtraJobs []string
	// ExtraApps configures the app of an extra job named in ExtraJobs (a
	// default app when absent; its seed defaults to one per job).
	ExtraApps map[string]AppOptions
	// Scrape adds jobs scraped at ScrapeInterval whose targets (host:port)
	// run outside the stack, such as the real Flask app (StartFlask).
	Scrape map[string][]string
	// ScrapeInterval of the flask job; 0 means 1s, or 5s for an app of
	// more than 1000 endpoints. The scrape timeout is the interval, at most
	// 10s.
	ScrapeInterval time.Duration
	// EvalInterval of the rules; 0 means 1s.
	EvalInterval time.Duration
	// RuleFiles are written to Dir (file name -> content) and listed in
	// rule_files. Names must be plain file names.
	RuleFiles map[string][]byte
	// QueryLog makes Prometheus log every query it evaluates, with its
	// timings, to QueryLogFile in Dir (Stack.QueryLogPath).
	QueryLog bool
	// Alertmanagers is how many to run: 0 (none, or 1 when
	// AlertmanagerConfig is set), 1, or 2 for an HA pair (up to
	// MaxAlertmanagers peers in one cluster).
	Alertmanagers int
	// AlertmanagerConfig returns the configuration of the Alertmanagers
	// given the sink's base URL. Nil means routing critical alerts to
	// sinkURL+"/pager" and everything else to sinkURL+"/chat".
	AlertmanagerConfig func(sinkURL string) []byte
	// Engine is the query engine the stack runs: "" or EnginePrometheus
	// for the prometheus on PATH, or another (see Engines).
	Engine Engine
	// ThanosSpare, with EngineThanos, runs a second Prometheus (replica
	// "1") and sidecar behind the querier, for StopThanosSpare.
	ThanosSpare bool
	// Keep keeps Dir after Close, for debugging.
	Keep bool
	// Log, when set, receives a line for each thing the launcher does. The
	// processes themselves log to files in Dir (see Stack.LogFiles).
	Log io.Writer

	// --- TLS and auth of the servers (optional)

	// WebConfig, when set, is written to Dir as web.yml and passed to
	// Prometheus and to every Alertmanager as --web.config.file (TLS,
	// client certificates, basic auth). When it has a tls_server_config
	// the URLs are https. Prometheus is not given credentials for the
	// Alertmanagers: post alerts to them directly.
	WebConfig []byte
	// WebTransport carries the launcher's own requests (readiness, API)
	// when WebConfig is set: the CA, a client certificate and credentials
	// the servers accept. Required with WebConfig.
	WebTransport http.RoundTripper
}

// Stack is a running Prometheus + Alertmanager + app + sink.
type Stack struct {
	Dir              string
	PrometheusURL    string   // e.g. http://127.0.0.1:41236
	AlertmanagerURLs []string // one per peer, in order
	App              *App
	Sink             *Sink
	// Extra holds the apps of StackOptions.ExtraJobs by job name.
	Extra map[string]*App
	// Engine is the query engine at PrometheusURL.
	Engine Engine
	// Headers are the HTTP headers every query must carry (Mimir's
	// X-Scope-OrgID); nil for the others.
	Headers map[string]string
	// RulesURL is the Prometheus that evaluates the rule files, when it is
	// not the one at PrometheusURL (Thanos, Mimir); empty otherwise. Under
	// VictoriaMetrics nothing evaluates rules.
	RulesURL string

	opts       StackOptions
	promBin    string
	amBin      string
	createdDir bool
	written    []string // paths written in a Dir that existed before
	client     *http.Client
	webScheme  string // "https" when WebConfig turns TLS on
	webPath    string // web.yml, when WebConfig is set

	mu     sync.Mutex // guards the processes and the files
	prom   *proc
	ams    []*proc
	front  []*proc // the engine's processes besides prom (Thanos, Mimir)
	spare  *proc   // the second Prometheus of ThanosSpare
	closed bool
	portMu sync.Mutex // guards the ports while peers start at once

	logMu     sync.Mutex
	closeOnce sync.Once
	closeErr  error
}

// DefaultScrapeInterval is the flask job's scrape interval when
// StackOptions.ScrapeInterval is 0: 1s, or 5s for an app of more than
// 1,000 endpoints.
func DefaultScrapeInterval(endpoints int) time.Duration {
	if endpoints > manyEndpointsScrape {
		return 5 * time.Second
	}
	return time.Second
}

// Start launches the app, the sink, the Alertmanagers and Prometheus, and
// returns once all are ready and Prometheus has scraped the app. ctx bounds
// the start-up only: cancelling it later does not stop the stack. On error
// everything started is stopped again.
func Start(ctx context.Context, opts StackOptions) (_ *Stack, err error) {
	promBin, amBin, err := Binaries()
	if err != nil {
		return nil, err
	}
	if promBin, err = engineBinary(opts.Engine, promBin); err != nil {
		return nil, err
	}
	if opts.ScrapeInterval <= 0 {
		opts.ScrapeInterval = DefaultScrapeInterval(opts.App.Endpoints)
	}
	if opts.EvalInterval <= 0 {
		opts.EvalInterval = time.Second
	}
	if opts.Alertmanagers < 0 || opts.Alertmanagers > MaxAlertmanagers {
		return nil, fmt.Errorf("demo: Alertmanagers must be from 0 to %d, not %d", MaxAlertmanagers, opts.Alertmanagers)
	}
	if opts.Alertmanagers == 0 && opts.AlertmanagerConfig != nil {
		opts.Alertmanagers = 1
	}
	if err := checkRuleFileNames(opts.RuleFiles); err != nil {
		return nil, err
	}
	opts.RuleFiles = maps.Clone(opts.RuleFiles)

	s := &Stack{
		opts:    opts,
		promBin: promBin,
		amBin:   amBin,
		client:  &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}},
	}
	defer func() {
		if err != nil {
			if cerr := s.Close(); cerr != nil {
				err = errors.Join(err, cerr)
			}
		}
	}()
	if err := s.makeDir(); err != nil {
		return nil, err
	}
	s.logf("scratch directory %s", s.Dir)
	if err := s.setupWeb(); err != nil {
		return nil, err
	}

	if s.Sink, err = StartSink(); err != nil {
		return nil, err
	}
	if s.App, err = StartApp(opts.App); err != nil {
		return nil, err
	}
	s.logf("app at %s (%d paths), sink at %s", s.App.URL(), len(s.App.Paths()), s.Sink.URL())
	for job := range opts.ExtraApps {
		if !slices.Contains(opts.ExtraJobs, job) {
			return nil, fmt.Errorf("demo: ExtraApps names job %q, which is not in ExtraJobs", job)
		}
	}
	for i, job := range opts.ExtraJobs {
		if job == "" || job == "flask" || s.Extra[job] != nil {
			return nil, fmt.Errorf("demo: extra job %q: empty, flask or given twice", job)
		}
		o := opts.ExtraApps[job]
		if o.Seed == 0 {
			o.Seed = int64(100 + i)
		}
		a, err := StartApp(o)
		if err != nil {
			return nil, err
		}
		if s.Extra == nil {
			s.Extra = map[string]*App{}
		}
		s.Extra[job] = a
		s.logf("app of job %s at %s", job, a.URL())
	}

	for job, targets := range opts.Scrape {
		if job == "" || job == "flask" || slices.Contains(opts.ExtraJobs, job) || len(targets) == 0 {
			return nil, fmt.Errorf("demo: scrape job %q: empty, flask, an extra job's name, or no target", job)
		}
	}
	for name, content := range opts.RuleFiles {
		if err := s.writeFile(name, content); err != nil {
			return nil, err
		}
	}

	if n := opts.Alertmanagers; n > 0 {
		cfg := defaultAlertmanagerConfig(s.Sink.URL())
		if opts.AlertmanagerConfig != nil {
			cfg = opts.AlertmanagerConfig(s.Sink.URL())
		}
		if err := s.writeFile("alertmanager.yml", cfg); err != nil {
			return nil, err
		}
		for i := 0; i < n; i++ {
			name := fmt.Sprintf("alertmanager-%d", i)
			s.ams = append(s.ams, &proc{
				name:    name,
				bin:     amBin,
				logPath: s.path(name + ".log"),
				dataDir: s.path(name + "-data"),
				cfgPath: s.path("alertmanager.yml"),
				scheme:  s.webScheme,
			})
		}
		if err := s.startAlertmanagers(ctx); err != nil {
			return nil, err
		}
		for _, p := range s.ams {
			s.AlertmanagerURLs = append(s.AlertmanagerURLs, p.url())
		}
	}

	if opts.QueryLog {
		s.track(s.path(QueryLogFile))
	}
	// The query engine (launcher_engines.go): Prometheus, or another
	// engine with whatever runs beside it.
	if err := s.startEngine(ctx); err != nil {
		return nil, err
	}
	if len(s.ams) > 1 {
		if err := s.waitCluster(ctx); err != nil {
			return nil, err
		}
	}
	s.logf("stack ready: prometheus %s, alertmanagers %v", s.PrometheusURL, s.AlertmanagerURLs)
	return s, nil
}

func (s *Stack) makeDir() error {
	if s.opts.Dir == "" {
		d, err := os.MkdirTemp("", "vigil-demo-")
		if err != nil {
			return fmt.Errorf("demo: scratch directory: %w", err)
		}
		s.Dir, s.createdDir = d, true
		return nil
	}
	d, err := filepath.Abs(s.opts.Dir)
	if err != nil {
		return fmt.Errorf("demo: scratch directory %s: %w", s.opts.Dir, err)
	}
	s.Dir = d
	if _, err := os.Stat(d); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("demo: scratch directory: %w", err)
		}
		s.createdDir = true
		return nil
	} else if err != nil {
		return fmt.Errorf("demo: scratch directory: %w", err)
	}
	return nil
}

func (s *Stack) path(name string) string { return filepath.Join(s.Dir, name) }

// QueryLogFile is the file Prometheus logs its queries to with
// StackOptions.QueryLog.
const QueryLogFile = "queries.log"

// QueryLogPath is the path of Prometheus's query log, or "" when
// StackOptions.QueryLog is off.
func (s *Stack) QueryLogPath() string {
	if !s.opts.QueryLog {
		return ""
	}
	return s.path(QueryLogFile)
}

// track records paths to remove at Close when Dir existed before.
func (s *Stack) track(paths ...string) {
	if !s.createdDir {
		s.written = append(s.written, paths...)
	}
}

func (s *Stack) writeFile(name string, content []byte) error {
	p := s.path(name)
	if err := os.WriteFile(p, content, 0o644); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	s.track(p)
	return nil
}

func (s *Stack) logf(format string, args ...any) {
	if s.opts.Log == nil {
		return
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.opts.Log, "demo: "+format+"\n", args...)
}

// PIDs returns the process ids of the children running now.
func (s *Stack) PIDs() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int
	for _, p := range append(append([]*proc{s.prom}, s.ams...), s.front...) {
		if p.running() {
			out = append(out, p.cmd.Process.Pid)
		}
	}
	return out
}

// LogFiles maps each process (prometheus, alertmanager-0, ...) to its log
// file in Dir.
func (s *Stack) LogFiles() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for _, p := range append(append([]*proc{s.prom}, s.ams...), s.front...) {
		if p != nil {
			out[p.name] = p.logPath
		}
	}
	return out
}

// LogTail returns the last n lines of a process's log ("" when unknown).
func (s *Stack) LogTail(name string, n int) string {
	p, ok := s.LogFiles()[name]
	if !ok {
		return ""
	}
	return logTail(p, 0, n)
}

// Close stops Prometheus, the Alertmanagers, the app and the sink, and
// removes Dir unless Keep. It is safe to call more than once and from a
// failed Start.
func (s *Stack) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		var errs []error
		// Prometheus stops beside the Alertmanagers. Those stop one at a
		// time, the last first: a peer that leaves while the others are
		// alive says goodbye at once, whereas peers leaving together
		// wait for each other until a timeout.
		var promErr error
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			promErr = s.stop(s.prom)
		}()
		for i := len(s.front) - 1; i >= 0; i-- {
			errs = append(errs, s.stop(s.front[i]))
		}
		for i := len(s.ams) - 1; i >= 0; i-- {
			errs = append(errs, s.stop(s.ams[i]))
		}
		wg.Wait()
		errs = append(errs, promErr)
		if s.App != nil {
			errs = append(errs, s.App.Close())
		}
		for _, a := range s.Extra {
			errs = append(errs, a.Close())
		}
		if s.Sink != nil {
			errs = append(errs, s.Sink.Close())
		}
		if s.client != nil {
			s.client.CloseIdleConnections()
		}
		if s.Dir != "" {
			switch {
			case s.opts.Keep:
				s.logf("kept %s", s.Dir)
			case s.createdDir:
				errs = append(errs, os.RemoveAll(s.Dir))
			default:
				for _, p := range s.written {
					errs = append(errs, os.RemoveAll(p))
				}
			}
		}
		s.closed = true
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}
