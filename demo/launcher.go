package demo

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
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
	// ScrapeInterval of the flask job; 0 means 1s, or 5s for an app of
	// more than 1000 endpoints. The scrape timeout is the interval, at most
	// 10s.
	ScrapeInterval time.Duration
	// EvalInterval of the rules; 0 means 1s.
	EvalInterval time.Duration
	// RuleFiles are written to Dir (file name -> content) and listed in
	// rule_files. Names must be plain file names.
	RuleFiles map[string][]byte
	// Alertmanagers is how many to run: 0 (none, or 1 when
	// AlertmanagerConfig is set), 1, or 2 for an HA pair (up to
	// MaxAlertmanagers peers in one cluster).
	Alertmanagers int
	// AlertmanagerConfig returns the configuration of the Alertmanagers
	// given the sink's base URL. Nil means routing critical alerts to
	// sinkURL+"/pager" and everything else to sinkURL+"/chat".
	AlertmanagerConfig func(sinkURL string) []byte
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
	closed bool
	portMu sync.Mutex // guards the ports while peers start at once

	logMu     sync.Mutex
	closeOnce sync.Once
	closeErr  error
}

// proc is one child process that can be stopped and started again on the
// same ports.
type proc struct {
	name        string // prometheus, alertmanager-0
	bin         string
	port        int // web port
	clusterPort int // Alertmanager cluster port, 0 when not clustered
	logPath     string
	dataDir     string
	cfgPath     string
	scheme      string // "https" behind a WebConfig with TLS; empty: http

	cmd     *exec.Cmd
	logFile *os.File
	done    chan struct{} // closed when the process has exited
	waitErr error
}

func (p *proc) url() string {
	scheme := p.scheme
	if scheme == "" {
		scheme = "http"
	}
	return scheme + "://127.0.0.1:" + strconv.Itoa(p.port)
}

func (p *proc) running() bool {
	if p == nil || p.cmd == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// errAddrInUse marks a start that failed because a port was taken.
var errAddrInUse = errors.New("address already in use")

// portTakenError is a start error that errors.Is errAddrInUse.
type portTakenError struct{ error }

func (e portTakenError) Is(target error) bool { return target == errAddrInUse }
func (e portTakenError) Unwrap() error        { return e.error }

// Start launches the app, the sink, the Alertmanagers and Prometheus, and
// returns once all are ready and Prometheus has scraped the app. ctx bounds
// the start-up only: cancelling it later does not stop the stack. On error
// everything started is stopped again.
func Start(ctx context.Context, opts StackOptions) (_ *Stack, err error) {
	promBin, amBin, err := Binaries()
	if err != nil {
		return nil, err
	}
	if opts.ScrapeInterval <= 0 {
		opts.ScrapeInterval = time.Second
		if opts.App.Endpoints > manyEndpointsScrape {
			opts.ScrapeInterval = 5 * time.Second
		}
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
	for i, job := range opts.ExtraJobs {
		if job == "" || job == "flask" || s.Extra[job] != nil {
			return nil, fmt.Errorf("demo: extra job %q: empty, flask or given twice", job)
		}
		a, err := StartApp(AppOptions{Seed: int64(100 + i)})
		if err != nil {
			return nil, err
		}
		if s.Extra == nil {
			s.Extra = map[string]*App{}
		}
		s.Extra[job] = a
		s.logf("app of job %s at %s", job, a.URL())
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

	s.prom = &proc{
		name:    "prometheus",
		bin:     promBin,
		logPath: s.path("prometheus.log"),
		dataDir: s.path("prometheus-data"),
		cfgPath: s.path("prometheus.yml"),
		scheme:  s.webScheme,
	}
	if err := s.writeFile("prometheus.yml", s.prometheusConfig()); err != nil {
		return nil, err
	}
	s.track(s.prom.logPath, s.prom.dataDir)
	since := time.Now()
	for attempt := 1; ; attempt++ {
		if s.prom.port, err = freePort(); err != nil {
			return nil, err
		}
		err = s.launch(ctx, s.prom, s.prometheusArgs())
		if err == nil || !errors.Is(err, errAddrInUse) || attempt == portAttempts {
			break
		}
		s.logf("%s: port %d was taken, trying another", s.prom.name, s.prom.port)
	}
	if err != nil {
		return nil, err
	}
	s.PrometheusURL = s.prom.url()
	if err := s.waitPrometheus(ctx, since); err != nil {
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

func checkRuleFileNames(files map[string][]byte) error {
	reserved := map[string]bool{
		"prometheus.yml": true, "prometheus.log": true, "prometheus-data": true,
		"alertmanager.yml": true,
	}
	for i := 0; i < MaxAlertmanagers; i++ {
		reserved[fmt.Sprintf("alertmanager-%d.log", i)] = true
		reserved[fmt.Sprintf("alertmanager-%d-data", i)] = true
	}
	for name := range files {
		if name == "" || name == "." || name == ".." || filepath.Base(name) != name || strings.ContainsAny(name, `/\`) {
			return fmt.Errorf("demo: rule file name %q must be a plain file name such as alerts.yml", name)
		}
		if reserved[name] {
			return fmt.Errorf("demo: rule file name %q is taken by the stack's own files", name)
		}
	}
	return nil
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

// freePort asks the kernel for a free loopback port. Another process may
// take it before it is used: callers retry on errAddrInUse.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("demo: find a free port: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		return 0, fmt.Errorf("demo: find a free port: %w", err)
	}
	return port, nil
}

func yamlString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func yamlList(items []string) string {
	q := make([]string, len(items))
	for i, it := range items {
		q[i] = yamlString(it)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func promDuration(d time.Duration) string { return model.Duration(d).String() }

func (s *Stack) prometheusConfig() []byte {
	var b bytes.Buffer
	timeout := s.opts.ScrapeInterval
	if timeout > 10*time.Second {
		timeout = 10 * time.Second
	}
	fmt.Fprintf(&b, "# Written by vigil's demo launcher.\nglobal:\n")
	fmt.Fprintf(&b, "  scrape_interval: %s\n  scrape_timeout: %s\n  evaluation_interval: %s\n",
		promDuration(s.opts.ScrapeInterval), promDuration(timeout), promDuration(s.opts.EvalInterval))
	names := make([]string, 0, len(s.opts.RuleFiles))
	for name := range s.opts.RuleFiles {
		names = append(names, s.path(name))
	}
	sort.Strings(names)
	fmt.Fprintf(&b, "rule_files: %s\n", yamlList(names))
	if len(s.ams) > 0 {
		targets := make([]string, len(s.ams))
		for i, p := range s.ams {
			targets[i] = "127.0.0.1:" + strconv.Itoa(p.port)
		}
		fmt.Fprintf(&b, "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: %s\n", yamlList(targets))
	}
	fmt.Fprintf(&b, "scrape_configs:\n  - job_name: flask\n    static_configs:\n      - targets: %s\n", yamlList([]string{s.App.Addr()}))
	for _, job := range s.opts.ExtraJobs {
		fmt.Fprintf(&b, "  - job_name: %s\n    static_configs:\n      - targets: %s\n", yamlString(job), yamlList([]string{s.Extra[job].Addr()}))
	}
	return b.Bytes()
}

func (s *Stack) prometheusArgs() []string {
	return append([]string{
		"--config.file=" + s.prom.cfgPath,
		"--storage.tsdb.path=" + s.prom.dataDir,
		"--web.listen-address=127.0.0.1:" + strconv.Itoa(s.prom.port),
		"--web.enable-lifecycle",
		"--rules.alert.resend-delay=1s",
		"--log.level=info",
	}, s.webArgs()...)
}

func defaultAlertmanagerConfig(sinkURL string) []byte {
	return []byte(`# Written by vigil's demo launcher: critical alerts page, the rest go to chat.
route:
  receiver: chat
  group_by: [alertname]
  group_wait: 1s
  group_interval: 5s
  repeat_interval: 1h
  routes:
    - receiver: pager
      matchers: ['severity="critical"']
    - receiver: chat
      matchers: ['severity="warning"']
receivers:
  - name: pager
    webhook_configs:
      - url: ` + yamlString(sinkURL+"/pager") + `
        send_resolved: true
  - name: chat
    webhook_configs:
      - url: ` + yamlString(sinkURL+"/chat") + `
        send_resolved: true
`)
}

func (s *Stack) alertmanagerArgs(i int) []string {
	p := s.ams[i]
	args := []string{
		"--config.file=" + p.cfgPath,
		"--storage.path=" + p.dataDir,
		"--web.listen-address=127.0.0.1:" + strconv.Itoa(p.port),
		"--log.level=info",
	}
	args = append(args, s.webArgs()...)
	if len(s.ams) == 1 {
		return append(args, "--cluster.listen-address=")
	}
	// A peer holds its notifications until the gossip has settled, which it
	// checks every ten gossip intervals: 50ms (not 200ms) makes that about
	// 2s, which costs nothing on loopback.
	args = append(args,
		"--cluster.listen-address=127.0.0.1:"+strconv.Itoa(p.clusterPort),
		"--cluster.gossip-interval=50ms")
	for j, q := range s.ams {
		if j != i {
			args = append(args, "--cluster.peer=127.0.0.1:"+strconv.Itoa(q.clusterPort))
		}
	}
	return args
}

// startAlertmanagers starts every peer at once, each on fresh ports, and
// starts again on other ports a peer whose port was taken.
func (s *Stack) startAlertmanagers(ctx context.Context) error {
	for _, p := range s.ams {
		s.track(p.logPath, p.dataDir)
		if err := s.pickAlertmanagerPorts(p); err != nil {
			return err
		}
	}
	errs := make([]error, len(s.ams))
	var wg sync.WaitGroup
	for i := range s.ams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := s.ams[i]
			for attempt := 1; ; attempt++ {
				s.portMu.Lock()
				args := s.alertmanagerArgs(i)
				s.portMu.Unlock()
				errs[i] = s.launch(ctx, p, args)
				if errs[i] == nil || !errors.Is(errs[i], errAddrInUse) || attempt == portAttempts {
					return
				}
				s.logf("%s: a port was taken, trying others", p.name)
				s.portMu.Lock()
				errs[i] = s.pickAlertmanagerPorts(p)
				s.portMu.Unlock()
				if errs[i] != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (s *Stack) pickAlertmanagerPorts(p *proc) error {
	var err error
	if p.port, err = freePort(); err != nil {
		return err
	}
	if len(s.ams) > 1 {
		if p.clusterPort, err = freePort(); err != nil {
			return err
		}
	}
	return nil
}

// launch starts a process and waits until GET /-/ready answers 200. On
// failure the process is stopped and the error names the binary and the URL
// and quotes the end of its log.
func (s *Stack) launch(ctx context.Context, p *proc, args []string) error {
	if err := os.MkdirAll(p.dataDir, 0o755); err != nil {
		return fmt.Errorf("demo: %s: %w", p.name, err)
	}
	lf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("demo: %s log: %w", p.name, err)
	}
	offset, _ := lf.Seek(0, io.SeekEnd)
	fmt.Fprintf(lf, "=== %s: %s %s\n", time.Now().Format(time.RFC3339), p.bin, strings.Join(args, " "))

	cmd := exec.Command(p.bin, args...)
	cmd.Dir = s.Dir
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		lf.Close()
		return fmt.Errorf("demo: start %s (%s): %w", p.name, p.bin, err)
	}
	p.cmd, p.logFile, p.done, p.waitErr = cmd, lf, make(chan struct{}), nil
	go func(p *proc, cmd *exec.Cmd, done chan struct{}) {
		err := cmd.Wait()
		p.waitErr = err
		close(done)
	}(p, cmd, p.done)
	s.logf("%s started, pid %d, at %s", p.name, cmd.Process.Pid, p.url())

	if err := s.waitReady(ctx, p); err != nil {
		_ = s.stop(p)
		tail := logTail(p.logPath, offset, logTailLines)
		err = fmt.Errorf("%w;%s last lines of %s:\n%s", err, logErrors(p.logPath, offset), p.logPath, tail)
		if strings.Contains(tail, "address already in use") {
			return portTakenError{err}
		}
		return err
	}
	return nil
}

// deadline bounds one wait by ReadyTimeout and by ctx.
func deadline(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, ReadyTimeout)
}

// readyClient polls /-/ready with a short timeout: a port held by something
// that accepts connections but does not answer must not stall the poll.
var readyClient = &http.Client{Timeout: time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}

// readyGrace is how long a process must stay up after its first ready answer.
const readyGrace = 250 * time.Millisecond

func (s *Stack) waitReady(ctx context.Context, p *proc) error {
	ctx, cancel := deadline(ctx)
	defer cancel()
	readyURL := p.url() + "/-/ready"
	last := "no answer yet"
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, readyURL, nil)
		if err != nil {
			return fmt.Errorf("demo: %s: %w", p.name, err)
		}
		resp, err := s.readyClient().Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				// Whoever else holds the port may answer too: the
				// process must still be running a moment later.
				select {
				case <-p.done:
				case <-time.After(readyGrace):
					return nil
				}
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		select {
		case <-p.done:
			return fmt.Errorf("demo: %s (%s) exited before it was ready at %s: %v", p.name, p.bin, p.url(), p.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("demo: %s (%s) not ready at %s: %v (last: %s)", p.name, p.bin, readyURL, ctx.Err(), last)
		case <-time.After(pollEvery):
		}
	}
}

// logTail returns the last n lines of a log written since offset.
func logTail(path string, offset int64, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer f.Close()
	const maxRead = 64 << 10
	st, err := f.Stat()
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	start := offset
	if st.Size()-start > maxRead {
		start = st.Size() - maxRead
	}
	if start < 0 {
		start = 0
	}
	b := make([]byte, st.Size()-start)
	if _, err := f.ReadAt(b, start); err != nil && !errors.Is(err, io.EOF) {
		return "(log unreadable: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// logErrors quotes the first error lines of a log written since offset,
// which say why a process gave up more plainly than its last lines.
func logErrors(path string, offset int64) string {
	var out []string
	for _, line := range strings.Split(logTail(path, offset, 400), "\n") {
		if strings.Contains(line, "level=error") && len(out) < 3 {
			out = append(out, "  "+line)
		}
	}
	if len(out) == 0 {
		return ""
	}
	return " errors logged:\n" + strings.Join(out, "\n") + "\n"
}

// stop sends SIGTERM to the process group, waits up to StopTimeout, then
// kills it. It is a no-op for a process that is not running.
func (s *Stack) stop(p *proc) error {
	if p == nil || p.cmd == nil {
		return nil
	}
	defer func() {
		if p.logFile != nil {
			p.logFile.Close()
			p.logFile = nil
		}
	}()
	if !p.running() {
		return nil
	}
	_ = terminate(p.cmd.Process)
	select {
	case <-p.done:
		s.logf("%s stopped", p.name)
		return nil
	case <-time.After(StopTimeout):
	}
	_ = kill(p.cmd.Process)
	select {
	case <-p.done:
		s.logf("%s killed after %s", p.name, StopTimeout)
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("demo: %s (pid %d) did not exit after SIGKILL", p.name, p.cmd.Process.Pid)
	}
}

// apiGet fetches a JSON document from one of the processes into v.
func (s *Stack) apiGet(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", u, resp.Status, bytes.TrimSpace(body))
	}
	return json.Unmarshal(body, v)
}

// waitPrometheus waits until Prometheus has scraped the app after since
// and, with Alertmanagers, has discovered all of them.
func (s *Stack) waitPrometheus(ctx context.Context, since time.Time) error {
	// Discovery takes up to 5s, the first scrape comes up to one interval
	// later, and a big scrape takes time itself.
	ctx, cancel := context.WithTimeout(ctx, ReadyTimeout+2*s.opts.ScrapeInterval)
	defer cancel()
	q := url.Values{"query": {`timestamp(up{job="flask"} == 1)`}}
	queryURL := s.PrometheusURL + "/api/v1/query?" + q.Encode()
	scraped, discovered := false, len(s.ams) == 0
	last := ""
	for {
		if !scraped {
			var r struct {
				Data struct {
					Result []struct {
						Value [2]any `json:"value"`
					} `json:"result"`
				} `json:"data"`
			}
			if err := s.apiGet(ctx, queryURL, &r); err != nil {
				last = err.Error()
			} else {
				for _, v := range r.Data.Result {
					str, _ := v.Value[1].(string)
					ts, err := strconv.ParseFloat(str, 64)
					if err == nil && ts >= float64(since.UnixMilli())/1000-1 {
						scraped = true
					}
				}
				if !scraped {
					last = `no fresh sample of up{job="flask"} == 1 yet`
				}
			}
		}
		if scraped && !discovered {
			var r struct {
				Data struct {
					Active []struct {
						URL string `json:"url"`
					} `json:"activeAlertmanagers"`
				} `json:"data"`
			}
			if err := s.apiGet(ctx, s.PrometheusURL+"/api/v1/alertmanagers", &r); err != nil {
				last = err.Error()
			} else if len(r.Data.Active) >= s.runningAlertmanagers() {
				discovered = true
			} else {
				last = fmt.Sprintf("prometheus knows %d of %d alertmanagers", len(r.Data.Active), len(s.ams))
			}
		}
		if scraped && discovered {
			s.logf("prometheus has scraped the app")
			return nil
		}
		select {
		case <-s.prom.done:
			return fmt.Errorf("demo: prometheus (%s) exited at %s: %v; last lines of %s:\n%s",
				s.prom.bin, s.PrometheusURL, s.prom.waitErr, s.prom.logPath, logTail(s.prom.logPath, 0, logTailLines))
		case <-ctx.Done():
			return fmt.Errorf("demo: prometheus (%s) at %s has not scraped the app at %s: %v (last: %s)%s; last lines of %s:\n%s",
				s.prom.bin, s.PrometheusURL, s.App.URL(), ctx.Err(), last, s.targetState(), s.prom.logPath, logTail(s.prom.logPath, 0, logTailLines))
		case <-time.After(pollEvery):
		}
	}
}

// targetState describes the flask target as Prometheus sees it, for an
// error message: a scrape that keeps failing says why.
func (s *Stack) targetState() string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var r struct {
		Data struct {
			Active []struct {
				ScrapePool         string  `json:"scrapePool"`
				Health             string  `json:"health"`
				LastError          string  `json:"lastError"`
				LastScrapeDuration float64 `json:"lastScrapeDuration"`
			} `json:"activeTargets"`
		} `json:"data"`
	}
	if err := s.apiGet(ctx, s.PrometheusURL+"/api/v1/targets?state=active", &r); err != nil {
		return ""
	}
	for _, t := range r.Data.Active {
		if t.ScrapePool != "flask" {
			continue
		}
		msg := fmt.Sprintf("; the flask target is %s", t.Health)
		if t.LastError != "" {
			msg += fmt.Sprintf(" (last error %q after %.1fs", t.LastError, t.LastScrapeDuration)
			if strings.Contains(t.LastError, "deadline") {
				msg += fmt.Sprintf("; the scrape takes longer than the timeout, raise ScrapeInterval above %s", s.opts.ScrapeInterval)
			}
			msg += ")"
		}
		return msg
	}
	return "; prometheus has not discovered the flask target yet"
}

func (s *Stack) runningAlertmanagers() int {
	n := 0
	for _, p := range s.ams {
		if p.running() {
			n++
		}
	}
	return n
}

// amStatus is the part of Alertmanager's /api/v2/status the launcher reads.
type amStatus struct {
	Cluster struct {
		Status string `json:"status"`
		Peers  []struct {
			Name    string `json:"name"`
			Address string `json:"address"`
		} `json:"peers"`
	} `json:"cluster"`
}

// waitCluster waits until every running peer sees all running peers and
// reports the cluster "ready" (settled: it sends notifications).
func (s *Stack) waitCluster(ctx context.Context) error {
	ctx, cancel := deadline(ctx)
	defer cancel()
	want := s.runningAlertmanagers()
	for {
		last, ok := "", true
		for _, p := range s.ams {
			if !p.running() {
				continue
			}
			var st amStatus
			if err := s.apiGet(ctx, p.url()+"/api/v2/status", &st); err != nil {
				last, ok = err.Error(), false
				break
			}
			if len(st.Cluster.Peers) != want || st.Cluster.Status != "ready" {
				last, ok = fmt.Sprintf("%s sees %d of %d peers, cluster %s", p.name, len(st.Cluster.Peers), want, st.Cluster.Status), false
				break
			}
		}
		if ok {
			s.logf("alertmanager cluster of %d formed", want)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("demo: alertmanager cluster did not form: %v (last: %s)", ctx.Err(), last)
		case <-time.After(pollEvery):
		}
	}
}

// StopPrometheus stops Prometheus (SIGTERM, then SIGKILL after
// StopTimeout). Its port and storage stay for StartPrometheus.
func (s *Stack) StopPrometheus() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stop(s.prom)
}

// StartPrometheus starts Prometheus again on the same port with the same
// storage, and waits until it is ready and has scraped the app again. It
// does nothing when Prometheus is running.
func (s *Stack) StartPrometheus(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("demo: the stack is closed")
	}
	if s.prom.running() {
		return nil
	}
	since := time.Now()
	if err := s.relaunch(ctx, s.prom, s.prometheusArgs); err != nil {
		return err
	}
	return s.waitPrometheus(ctx, since)
}

// StopAlertmanager stops peer i (SIGTERM, then SIGKILL after StopTimeout).
// Its ports and storage stay for StartAlertmanager.
func (s *Stack) StopAlertmanager(i int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i < 0 || i >= len(s.ams) {
		return fmt.Errorf("demo: no alertmanager %d: the stack runs %d", i, len(s.ams))
	}
	return s.stop(s.ams[i])
}

// StartAlertmanager starts peer i again on the same ports with the same
// storage, and waits until it is ready and, in a cluster, has joined the
// other running peers and settled. It does nothing when the peer is running.
func (s *Stack) StartAlertmanager(ctx context.Context, i int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i < 0 || i >= len(s.ams) {
		return fmt.Errorf("demo: no alertmanager %d: the stack runs %d", i, len(s.ams))
	}
	if s.closed {
		return errors.New("demo: the stack is closed")
	}
	p := s.ams[i]
	if p.running() {
		return nil
	}
	if err := s.relaunch(ctx, p, func() []string { return s.alertmanagerArgs(i) }); err != nil {
		return err
	}
	if len(s.ams) > 1 {
		return s.waitCluster(ctx)
	}
	return nil
}

// relaunch starts a stopped process on its old ports, waiting a little and
// trying again while the port is still taken.
func (s *Stack) relaunch(ctx context.Context, p *proc, args func() []string) error {
	var err error
	for attempt := 1; attempt <= portAttempts; attempt++ {
		err = s.launch(ctx, p, args())
		if err == nil || !errors.Is(err, errAddrInUse) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(500 * time.Millisecond):
		}
	}
	return err
}

// ReloadPrometheus asks Prometheus to reload its configuration and rule
// files (POST /-/reload) and reports what it answered.
func (s *Stack) ReloadPrometheus(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reload(ctx)
}

func (s *Stack) reload(ctx context.Context) error {
	if s.closed || !s.prom.running() {
		return errors.New("demo: prometheus is not running")
	}
	ctx, cancel := context.WithTimeout(ctx, ReadyTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.PrometheusURL+"/-/reload", nil)
	if err != nil {
		return err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("demo: reload prometheus: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("demo: reload prometheus: %s: %s", resp.Status, bytes.TrimSpace(body))
	}
	return nil
}

// SetRuleFiles replaces the rule files (file name -> content) and reloads
// Prometheus. A rule file Prometheus rejects makes the reload fail with its
// message; the old rules then stay loaded.
func (s *Stack) SetRuleFiles(ctx context.Context, files map[string][]byte) error {
	if err := checkRuleFileNames(files); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("demo: the stack is closed")
	}
	for name := range s.opts.RuleFiles {
		if _, ok := files[name]; !ok {
			_ = os.Remove(s.path(name))
		}
	}
	s.opts.RuleFiles = maps.Clone(files)
	for name, content := range files {
		if err := s.writeFile(name, content); err != nil {
			return err
		}
	}
	if err := s.writeFile("prometheus.yml", s.prometheusConfig()); err != nil {
		return err
	}
	return s.reload(ctx)
}

// PIDs returns the process ids of the children running now.
func (s *Stack) PIDs() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int
	for _, p := range append([]*proc{s.prom}, s.ams...) {
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
	for _, p := range append([]*proc{s.prom}, s.ams...) {
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

// setupWeb writes the WebConfig and points the launcher's own requests at
// WebTransport. Without a WebConfig it does nothing.
func (s *Stack) setupWeb() error {
	if s.opts.WebConfig == nil {
		return nil
	}
	if s.opts.WebTransport == nil {
		return errors.New("demo: WebConfig needs WebTransport, the transport the launcher reaches the servers with")
	}
	var wc struct {
		TLS map[string]any `yaml:"tls_server_config"`
	}
	if err := yaml.Unmarshal(s.opts.WebConfig, &wc); err != nil {
		return fmt.Errorf("demo: WebConfig: %w", err)
	}
	if len(wc.TLS) > 0 {
		s.webScheme = "https"
	}
	if err := s.writeFile("web.yml", s.opts.WebConfig); err != nil {
		return err
	}
	s.webPath = s.path("web.yml")
	s.client = &http.Client{Timeout: 5 * time.Second, Transport: s.opts.WebTransport}
	return nil
}

// webArgs is the --web.config.file flag, when there is a WebConfig.
func (s *Stack) webArgs() []string {
	if s.webPath == "" {
		return nil
	}
	return []string{"--web.config.file=" + s.webPath}
}

// readyClient is the client of the readiness polls: readyClient, or one
// over WebTransport when there is a WebConfig.
func (s *Stack) readyClient() *http.Client {
	if s.webPath == "" {
		return readyClient
	}
	return &http.Client{Timeout: time.Second, Transport: s.opts.WebTransport}
}

// TLSFiles are the PEM files GenerateTLS writes: a CA, a server certificate
// for 127.0.0.1 and localhost, and a client certificate, both signed by the
// CA.
type TLSFiles struct {
	CA, ServerCert, ServerKey, ClientCert, ClientKey string
}

// GenerateTLS writes a fresh CA, server certificate and client certificate
// (ECDSA P-256, valid for a day) to dir, for a stack started with a
// WebConfig. Each call makes a different CA.
func GenerateTLS(dir string) (*TLSFiles, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	serial := func() *big.Int {
		n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
		return n
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "vigil demo CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	f := &TLSFiles{
		CA:         filepath.Join(dir, "ca.crt"),
		ServerCert: filepath.Join(dir, "server.crt"), ServerKey: filepath.Join(dir, "server.key"),
		ClientCert: filepath.Join(dir, "client.crt"), ClientKey: filepath.Join(dir, "client.key"),
	}
	if err := writePEM(f.CA, "CERTIFICATE", caDER, 0o644); err != nil {
		return nil, err
	}
	leaf := func(cn string, usage x509.ExtKeyUsage, certPath, keyPath string, server bool) error {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return err
		}
		tmpl := &x509.Certificate{
			SerialNumber: serial(),
			Subject:      pkix.Name{CommonName: cn},
			NotBefore:    now.Add(-time.Hour),
			NotAfter:     now.Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		}
		if server {
			tmpl.DNSNames = []string{"localhost"}
			tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			return err
		}
		kb, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return err
		}
		if err := writePEM(certPath, "CERTIFICATE", der, 0o644); err != nil {
			return err
		}
		return writePEM(keyPath, "PRIVATE KEY", kb, 0o600)
	}
	if err := leaf("127.0.0.1", x509.ExtKeyUsageServerAuth, f.ServerCert, f.ServerKey, true); err != nil {
		return nil, err
	}
	if err := leaf("vigil", x509.ExtKeyUsageClientAuth, f.ClientCert, f.ClientKey, false); err != nil {
		return nil, err
	}
	return f, nil
}

func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode)
}
