package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Engine names a query engine the stack can run in place of the prometheus
// on PATH.
type Engine string

// The engines. Every one but EnginePrometheus is a binary built into the Go
// build cache by `make engines` (Prometheus 3, VictoriaMetrics) or `make
// engines-extra` (Thanos, Mimir); see EngineBinary.
const (
	// EnginePrometheus is the prometheus on PATH (Debian's 2.42).
	EnginePrometheus Engine = "prometheus"
	// EnginePrometheus3 is Prometheus 3, with the same configuration.
	EnginePrometheus3 Engine = "prometheus3"
	// EngineVictoriaMetrics is VictoriaMetrics single node scraping the app
	// itself (-promscrape.config). It evaluates no rules: alerts come from
	// Alertmanager only.
	EngineVictoriaMetrics Engine = "victoriametrics"
	// EngineThanos is Thanos query in front of a Thanos sidecar beside the
	// prometheus on PATH, which evaluates the rules (Stack.RulesURL).
	EngineThanos Engine = "thanos"
	// EngineMimir is Mimir's single binary, remote-written by Prometheus 3,
	// which evaluates the rules (Stack.RulesURL). Queries need
	// Stack.Headers (X-Scope-OrgID).
	EngineMimir Engine = "mimir"
)

// Engines lists every engine.
func Engines() []Engine {
	return []Engine{EnginePrometheus, EnginePrometheus3, EngineVictoriaMetrics, EngineThanos, EngineMimir}
}

// The versions `make engines` and `make engines-extra` build (.ci/engines.sh).
const (
	Prometheus3Version     = "v0.316.0"
	VictoriaMetricsVersion = "v1.151.0"
	ThanosVersion          = "v0.42.4"
	MimirVersion           = "v1.3.1-0.20260423142704-aced80d74930"
)

// MimirTenant is the tenant (X-Scope-OrgID) of the Mimir stack.
const MimirTenant = "vigil-demo"

// engineFiles maps an engine to its binary under the build cache and the
// environment variable that overrides the path.
var engineFiles = map[Engine]struct{ dir, bin, env, make string }{
	EnginePrometheus3:     {"prometheus-" + Prometheus3Version, "prometheus", "VIGIL_PROMETHEUS3", "make engines"},
	EngineVictoriaMetrics: {"victoria-metrics-" + VictoriaMetricsVersion, "victoria-metrics", "VIGIL_VICTORIAMETRICS", "make engines"},
	EngineThanos:          {"thanos-" + ThanosVersion, "thanos", "VIGIL_THANOS", "make engines-extra"},
	EngineMimir:           {"mimir-" + MimirVersion, "mimir", "VIGIL_MIMIR", "make engines-extra"},
}

// goCache is the Go build cache directory, as `go env GOCACHE` says
// without running go.
func goCache() string {
	if d := os.Getenv("GOCACHE"); d != "" && d != "off" {
		return d
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "go-build")
}

// EngineBinary finds the binary of an engine other than EnginePrometheus:
// the path in its environment variable (VIGIL_PROMETHEUS3,
// VIGIL_VICTORIAMETRICS, VIGIL_THANOS, VIGIL_MIMIR), else where `make
// engines` puts it, $(go env GOCACHE)/vigil-engines/NAME-VERSION/. The error
// wraps ErrMissingBinary and says how to build it.
func EngineBinary(e Engine) (string, error) {
	f, ok := engineFiles[e]
	if !ok {
		return "", fmt.Errorf("demo: unknown engine %q (want one of %v)", e, Engines())
	}
	p := os.Getenv(f.env)
	if p == "" {
		p = filepath.Join(goCache(), "vigil-engines", f.dir, f.bin)
	}
	st, err := os.Stat(p)
	if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return "", fmt.Errorf("%w: %s binary %s (build it with `%s`, or set %s)", ErrMissingBinary, e, p, f.make, f.env)
	}
	return p, nil
}

// engineBinary is the binary of the process at the stack's query URL's
// back: prom (the prometheus on PATH) for Prometheus and Thanos, else the
// engine's own (Prometheus 3 for Mimir, which the Mimir process needs too).
func engineBinary(e Engine, prom string) (string, error) {
	switch e {
	case "", EnginePrometheus, EngineThanos:
		if e == EngineThanos {
			if _, err := EngineBinary(EngineThanos); err != nil {
				return "", err
			}
		}
		return prom, nil
	case EngineMimir:
		if _, err := EngineBinary(EngineMimir); err != nil {
			return "", err
		}
		return EngineBinary(EnginePrometheus3)
	}
	return EngineBinary(e)
}

// promURL is the URL of the scraping process (Prometheus or
// VictoriaMetrics), which is PrometheusURL except behind Thanos or Mimir.
func (s *Stack) promURL() string {
	if s.prom == nil {
		return s.PrometheusURL
	}
	return s.prom.url()
}

// startEngine starts the scraping process, waits for its first scrape, and
// starts what goes in front of it.
func (s *Stack) startEngine(ctx context.Context) error {
	e := s.opts.Engine
	if e == "" {
		e = EnginePrometheus
	}
	s.Engine = e
	name, cfg := "prometheus", "prometheus.yml"
	if e == EngineVictoriaMetrics {
		name = "victoria-metrics"
	}
	s.prom = &proc{
		name:    name,
		bin:     s.promBin,
		logPath: s.path(name + ".log"),
		dataDir: s.path("prometheus-data"),
		cfgPath: s.path(cfg),
		scheme:  s.webScheme,
	}
	if e != EnginePrometheus && e != EnginePrometheus3 && s.webPath != "" {
		return fmt.Errorf("demo: WebConfig works with Prometheus only, not %s", e)
	}
	if e == EngineMimir {
		// Mimir first: Prometheus writes to it from its first scrape.
		if err := s.startMimir(ctx); err != nil {
			return err
		}
	}
	if err := s.writeFile(cfg, s.prometheusConfig()); err != nil {
		return err
	}
	s.track(s.prom.logPath, s.prom.dataDir)
	since := time.Now()
	var err error
	for attempt := 1; ; attempt++ {
		if s.prom.port, err = enginePort(e); err != nil {
			return err
		}
		err = s.launch(ctx, s.prom, s.prometheusArgs())
		if err == nil || !errors.Is(err, errAddrInUse) || attempt == portAttempts {
			break
		}
		s.logf("%s: port %d was taken, trying another", s.prom.name, s.prom.port)
	}
	if err != nil {
		return err
	}
	s.PrometheusURL = s.prom.url()
	if err := s.waitPrometheus(ctx, since); err != nil {
		return err
	}
	switch e {
	case EngineThanos:
		s.RulesURL = s.prom.url()
		return s.startThanos(ctx)
	case EngineMimir:
		s.RulesURL = s.prom.url()
		s.PrometheusURL = s.front[0].url() + "/prometheus"
		s.Headers = map[string]string{"X-Scope-OrgID": MimirTenant}
		return s.waitFront(ctx)
	}
	return nil
}

// enginePort is a free port for the engine's process: the kernel's choice
// for Prometheus, as always, and one below the ephemeral range (32768) for
// the others, whose many outgoing connections would otherwise be able to
// take it between the choice and the start.
func enginePort(e Engine) (int, error) {
	if e == EnginePrometheus || e == EnginePrometheus3 || e == "" {
		return freePort()
	}
	return lowPort()
}

// lowPort is a free loopback port from 20000 to 32767.
func lowPort() (int, error) {
	for i := 0; i < 50; i++ {
		p := 20000 + rand.IntN(12768)
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		if err := ln.Close(); err != nil {
			return 0, fmt.Errorf("demo: find a free port: %w", err)
		}
		return p, nil
	}
	return 0, errors.New("demo: find a free port: 50 ports from 20000 to 32767 were taken")
}

// externalLabels is the global external_labels of the Prometheus config: a
// replica label for Thanos's deduplication.
func (s *Stack) externalLabels() string {
	if s.opts.Engine == EngineThanos {
		return "  external_labels:\n    replica: \"0\"\n"
	}
	return ""
}

// remoteWrite is the remote_write section sending everything to Mimir.
func (s *Stack) remoteWrite() string {
	if s.opts.Engine != EngineMimir || len(s.front) == 0 {
		return ""
	}
	return "remote_write:\n  - url: " + yamlString(s.front[0].url()+"/api/v1/push") +
		"\n    headers:\n      X-Scope-OrgID: " + yamlString(MimirTenant) +
		"\n    queue_config:\n      batch_send_deadline: 1s\n"
}

// engineArgs are Prometheus's extra flags for the engine behind it.
func (s *Stack) engineArgs() []string {
	if s.opts.Engine == EngineThanos {
		// The sidecar wants blocks it can upload whole: no compaction.
		return []string{"--storage.tsdb.min-block-duration=2h", "--storage.tsdb.max-block-duration=2h"}
	}
	return nil
}

func (s *Stack) victoriaMetricsArgs() []string {
	return []string{
		"-httpListenAddr=127.0.0.1:" + strconv.Itoa(s.prom.port),
		"-storageDataPath=" + s.prom.dataDir,
		"-promscrape.config=" + s.prom.cfgPath,
		"-retentionPeriod=1d",
		"-loggerLevel=INFO",
	}
}

// startThanos starts a sidecar beside Prometheus and a querier in front of
// it, and waits until the querier answers with the app's data.
func (s *Stack) startThanos(ctx context.Context) error {
	bin, err := EngineBinary(EngineThanos)
	if err != nil {
		return err
	}
	side := &proc{name: "thanos-sidecar", bin: bin, logPath: s.path("thanos-sidecar.log"), dataDir: s.path("thanos-sidecar-data")}
	query := &proc{name: "thanos-query", bin: bin, logPath: s.path("thanos-query.log"), dataDir: s.path("thanos-query-data")}
	s.track(side.logPath, side.dataDir, query.logPath, query.dataDir)
	s.front = append(s.front, side, query)
	sideArgs := func() []string {
		return []string{"sidecar",
			"--tsdb.path=" + s.prom.dataDir,
			"--prometheus.url=" + s.prom.url(),
			"--http-address=127.0.0.1:" + strconv.Itoa(side.port),
			"--grpc-address=127.0.0.1:" + strconv.Itoa(side.clusterPort),
			"--log.level=info",
		}
	}
	queryArgs := func() []string {
		return []string{"query",
			"--http-address=127.0.0.1:" + strconv.Itoa(query.port),
			"--grpc-address=127.0.0.1:" + strconv.Itoa(query.clusterPort),
			"--endpoint=127.0.0.1:" + strconv.Itoa(side.clusterPort),
			"--query.replica-label=replica",
			"--log.level=info",
		}
	}
	if err := s.launchLow(ctx, side, sideArgs); err != nil {
		return err
	}
	var spareSide *proc
	if s.opts.ThanosSpare {
		var err error
		if spareSide, err = s.startThanosSpare(ctx, bin); err != nil {
			return err
		}
	}
	queryWithSpare := func() []string {
		args := queryArgs()
		if spareSide != nil {
			args = append(args, "--endpoint=127.0.0.1:"+strconv.Itoa(spareSide.clusterPort))
		}
		return args
	}
	if err := s.launchLow(ctx, query, queryWithSpare); err != nil {
		return err
	}
	s.PrometheusURL = query.url()
	return s.waitFront(ctx)
}

// startThanosSpare starts a second Prometheus, replica "1", scraping the
// same app, and a sidecar beside it.
func (s *Stack) startThanosSpare(ctx context.Context, bin string) (*proc, error) {
	prom := &proc{name: "prometheus-1", bin: s.promBin, logPath: s.path("prometheus-1.log"),
		dataDir: s.path("prometheus-1-data"), cfgPath: s.path("prometheus-1.yml")}
	side := &proc{name: "thanos-sidecar-1", bin: bin, logPath: s.path("thanos-sidecar-1.log"), dataDir: s.path("thanos-sidecar-1-data")}
	s.track(prom.logPath, prom.dataDir, side.logPath, side.dataDir)
	s.front = append(s.front, prom, side)
	cfg := strings.Replace(string(s.prometheusConfig()), `replica: "0"`, `replica: "1"`, 1)
	if err := s.writeFile("prometheus-1.yml", []byte(cfg)); err != nil {
		return nil, err
	}
	promArgs := func() []string {
		return append([]string{
			"--config.file=" + prom.cfgPath,
			"--storage.tsdb.path=" + prom.dataDir,
			"--web.listen-address=127.0.0.1:" + strconv.Itoa(prom.port),
			"--log.level=info",
		}, s.engineArgs()...)
	}
	if err := s.launchLow(ctx, prom, promArgs); err != nil {
		return nil, err
	}
	sideArgs := func() []string {
		return []string{"sidecar",
			"--tsdb.path=" + prom.dataDir,
			"--prometheus.url=" + prom.url(),
			"--http-address=127.0.0.1:" + strconv.Itoa(side.port),
			"--grpc-address=127.0.0.1:" + strconv.Itoa(side.clusterPort),
			"--log.level=info",
		}
	}
	if err := s.launchLow(ctx, side, sideArgs); err != nil {
		return nil, err
	}
	s.spare = prom
	return side, nil
}

// StopThanosSpare stops the second Prometheus of a ThanosSpare stack; its
// sidecar stays, so the querier still asks it and gets errors: partial
// responses.
func (s *Stack) StopThanosSpare() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.spare == nil {
		return errors.New("demo: no spare Prometheus: set ThanosSpare with EngineThanos")
	}
	return s.stop(s.spare)
}

// startMimir starts Mimir's single binary with its state in Dir, bound to
// loopback, and waits until it is ready.
func (s *Stack) startMimir(ctx context.Context) error {
	bin, err := EngineBinary(EngineMimir)
	if err != nil {
		return err
	}
	m := &proc{name: "mimir", bin: bin, logPath: s.path("mimir.log"), dataDir: s.path("mimir-data"),
		cfgPath: s.path("mimir.yml"), readyPath: "/ready"}
	s.track(m.logPath, m.dataDir)
	s.front = append(s.front, m)
	memberPort, err := lowPort()
	if err != nil {
		return err
	}
	args := func() []string {
		if err := s.writeFile("mimir.yml", mimirConfig(m, memberPort)); err != nil {
			return []string{"-config.file=" + m.cfgPath + ".unwritten"}
		}
		return []string{"-config.file=" + m.cfgPath}
	}
	return s.launchLow(ctx, m, args)
}

func mimirConfig(m *proc, memberPort int) []byte {
	d := func(sub string) string { return yamlString(filepath.Join(m.dataDir, sub)) }
	ring := "      kvstore:\n        store: inmemory\n      instance_addr: 127.0.0.1\n"
	return []byte(`# Written by vigil's demo launcher: Mimir in one process, on loopback.
target: all
multitenancy_enabled: true
server:
  http_listen_address: 127.0.0.1
  http_listen_port: ` + strconv.Itoa(m.port) + `
  grpc_listen_address: 127.0.0.1
  grpc_listen_port: ` + strconv.Itoa(m.clusterPort) + `
  log_level: warn
common:
  storage:
    backend: filesystem
    filesystem:
      dir: ` + d("common") + `
blocks_storage:
  backend: filesystem
  filesystem:
    dir: ` + d("blocks") + `
  bucket_store:
    sync_dir: ` + d("tsdb-sync") + `
  tsdb:
    dir: ` + d("tsdb") + `
ruler_storage:
  backend: filesystem
  filesystem:
    dir: ` + d("rules") + `
activity_tracker:
  filepath: ` + d("activity.log") + `
compactor:
  data_dir: ` + d("compactor") + `
  sharding_ring:
` + strings.ReplaceAll(ring, "      ", "    ") + `distributor:
  ring:
` + strings.ReplaceAll(ring, "      ", "    ") + `ingester:
  ring:
` + strings.ReplaceAll(ring, "      ", "    ") + `    replication_factor: 1
    final_sleep: 0s
    min_ready_duration: 0s
store_gateway:
  sharding_ring:
` + strings.ReplaceAll(ring, "      ", "    ") + `    replication_factor: 1
ruler:
  ring:
` + strings.ReplaceAll(ring, "      ", "    ") + `query_scheduler:
  ring:
` + strings.ReplaceAll(ring, "      ", "    ") + `overrides_exporter:
  ring:
` + strings.ReplaceAll(ring, "      ", "    ") + `frontend:
  address: 127.0.0.1
memberlist:
  bind_addr: [127.0.0.1]
  bind_port: ` + strconv.Itoa(memberPort) + `
  advertise_addr: 127.0.0.1
`)
}

// launchLow starts a process on two fresh ports below the ephemeral range
// (web, and gRPC in clusterPort), trying others when one was taken.
func (s *Stack) launchLow(ctx context.Context, p *proc, args func() []string) error {
	var err error
	for attempt := 1; ; attempt++ {
		if p.port, err = lowPort(); err != nil {
			return err
		}
		if p.clusterPort, err = lowPort(); err != nil {
			return err
		}
		if p.clusterPort == p.port {
			continue
		}
		err = s.launch(ctx, p, args())
		if err == nil || !errors.Is(err, errAddrInUse) || attempt == portAttempts {
			return err
		}
		s.logf("%s: port %d or %d was taken, trying others", p.name, p.port, p.clusterPort)
	}
}

// waitFront waits until the engine at PrometheusURL answers a query for
// the app's up series.
func (s *Stack) waitFront(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*ReadyTimeout)
	defer cancel()
	q := url.Values{"query": {`up{job="flask"} == 1`}}
	u := s.PrometheusURL + "/api/v1/query?" + q.Encode()
	last := "no answer yet"
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		for k, v := range s.Headers {
			req.Header.Set(k, v)
		}
		resp, err := s.client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.Contains(string(body), `"job":"flask"`) {
				s.logf("%s answers with the app's data at %s", s.Engine, s.PrometheusURL)
				return nil
			}
			last = resp.Status + ": " + strings.TrimSpace(string(body))
			if len(last) > 300 {
				last = last[:300]
			}
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			var tails []string
			for _, p := range s.front {
				tails = append(tails, fmt.Sprintf("last lines of %s:\n%s", p.logPath, logTail(p.logPath, 0, logTailLines)))
			}
			return fmt.Errorf("demo: %s at %s has no data of the app: %v (last: %s)\n%s", s.Engine, s.PrometheusURL, ctx.Err(), last, strings.Join(tails, "\n"))
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// CheckEngine reports whether every binary the engine's stack needs is
// there; the error wraps ErrMissingBinary and says how to get it.
func CheckEngine(e Engine) error {
	prom, _, err := Binaries()
	if err != nil {
		return err
	}
	_, err = engineBinary(e, prom)
	return err
}
