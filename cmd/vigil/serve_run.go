package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	gossh "golang.org/x/crypto/ssh"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/access"
	"github.com/vigilterm/vigil/query/alertmanager"
	"github.com/vigilterm/vigil/ui/team"
)

// keysPollInterval is how often the authorized keys file is checked for a
// change.
const keysPollInterval = time.Second

// runServe is vigil serve: the console over SSH to the incident team.
func runServe(args []string, stderr io.Writer, getenv func(string) string) error {
	o := newFlagSet("vigil serve", stderr)
	flags := []struct {
		name, key, usage string
		set              func(c *vigil.Config, v string)
		v                *string
	}{
		{name: "listen", key: "serve.listen", usage: "SSH `address` to listen on, host:port or :port",
			set: func(c *vigil.Config, v string) { c.Serve.Listen = v }},
		{name: "authorized-keys", key: "serve.authorized_keys", usage: "authorized_keys `file` of who may connect: each comment a name, role=\"viewer|silencer|admin\"",
			set: func(c *vigil.Config, v string) { c.Serve.AuthorizedKeys = v }},
		{name: "host-key", key: "serve.host_key", usage: "ed25519 host key `file`, created on first start (default $XDG_STATE_HOME/vigil/ssh_host_ed25519_key)",
			set: func(c *vigil.Config, v string) { c.Serve.HostKey = v }},
		{name: "metrics-listen", key: "serve.metrics_listen", usage: "`address` of the server's own Prometheus /metrics (default none)",
			set: func(c *vigil.Config, v string) { c.Serve.MetricsListen = v }},
	}
	for i := range flags {
		flags[i].v = o.fs.String(flags[i].name, "", flags[i].usage)
	}
	cfg, err := parse(o, args, getenv)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	o.fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, f := range flags {
		if set[f.name] {
			f.set(&cfg, *f.v)
			cfg.SetOrigin(f.key, "flag --"+f.name)
		}
	}
	if err := cfg.ValidateServe(); err != nil {
		return usageError{err}
	}
	logger, closeLog, err := serveLogger(&cfg, stderr)
	if err != nil {
		return err
	}
	defer closeLog()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer stop()
	return serve(ctx, &cfg, getenv, logger, stderr)
}

// serveLogger logs to log_file, else to stderr.
func serveLogger(cfg *vigil.Config, stderr io.Writer) (*slog.Logger, func(), error) {
	if cfg.LogFile == "" {
		return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo})), func() {}, nil
	}
	return newLogger(cfg)
}

// serve prepares every context once, then serves until ctx ends.
func serve(ctx context.Context, cfg *vigil.Config, getenv func(string) string, logger *slog.Logger, stderr io.Writer) error {
	// An absolute path: the file:line a viewer is shown is where to look.
	keysPath, err := filepath.Abs(cfg.Serve.AuthorizedKeys)
	if err != nil {
		return usageError{&vigil.Error{Where: originOr(cfg, "serve.authorized_keys"), Key: "serve.authorized_keys", Msg: err.Error()}}
	}
	keys, skipped, err := access.Load(keysPath)
	for _, s := range skipped {
		logger.Warn("authorized keys: line skipped", "problem", s.Error())
		fmt.Fprintf(stderr, "vigil serve: skipped %v\n", s)
	}
	if err != nil {
		return usageError{&vigil.Error{Where: originOr(cfg, "serve.authorized_keys"), Key: "serve.authorized_keys", Msg: err.Error()}}
	}
	hostKeyPath := cfg.Serve.HostKey
	if hostKeyPath == "" {
		hostKeyPath = query.StatePath("ssh_host_ed25519_key")
	}
	pemBytes, fp, err := hostKey(hostKeyPath)
	if err != nil {
		return usageError{&vigil.Error{Where: originOr(cfg, "serve.host_key"), Key: "serve.host_key", Msg: err.Error()}}
	}
	s := &server{all: cfg, serve: cfg.Serve, keys: keys, getenv: getenv, log: logger, sessions: map[uint64]*session{}, team: team.New()}
	if s.contexts, s.active, err = prepareAll(cfg, logger); err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	s.metrics = newServeMetrics(reg, s)
	s.budget = newPromptBudget(reg)
	s.metrics.keys.Set(float64(keys.Len()))
	if _, err := s.newSSHServer(pemBytes); err != nil {
		return err
	}
	l, err := net.Listen("tcp", cfg.Serve.Listen)
	if err != nil {
		return usageError{&vigil.Error{Where: originOr(cfg, "serve.listen"), Key: "serve.listen", Msg: err.Error()}}
	}
	if cfg.Serve.MetricsListen != "" {
		ml, err := net.Listen("tcp", cfg.Serve.MetricsListen)
		if err != nil {
			l.Close()
			return usageError{&vigil.Error{Where: originOr(cfg, "serve.metrics_listen"), Key: "serve.metrics_listen", Msg: err.Error()}}
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = hs.Serve(ml) }()
		defer hs.Close()
		logger.Info("metrics", "listen", ml.Addr().String())
	}
	go keys.Watch(ctx, keysPollInterval, logger, s.keysChanged)
	s.keepAcks(ctx)
	logger.Info("serving", "version", version, "listen", l.Addr().String(), "host_key", hostKeyPath, "host_key_fingerprint", fp,
		"authorized_keys", keys.Path(), "keys", keys.Len(), "contexts", len(s.contexts))
	return s.serveOn(ctx, l)
}

// originOr is where a key's value came from, else the config's source.
func originOr(cfg *vigil.Config, key string) string { return cfg.Where(key) }

// prepareAll prepares every context at once, each detection under its own
// deadline; active is the index of the one shown first.
func prepareAll(all *vigil.Config, logger *slog.Logger) ([]*prepared, int, error) {
	name := all.Current
	if name == "" {
		name = all.Context
	}
	names := []string{name}
	if len(all.Contexts) > 0 {
		names = all.ContextNames()
	}
	out := make([]*prepared, len(names))
	errs := make([]error, len(names))
	active := 0
	var wg sync.WaitGroup
	for i, n := range names {
		if n == name {
			active = i
		}
		c, err := all.ForContext(n)
		if err != nil {
			wg.Wait() // the contexts already started end first
			return nil, 0, usageError{err}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = prepareContext(&c, logger)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, 0, err
	}
	return out, active, nil
}

// hostKey reads the ed25519 host key at path, or creates it (mode 0600,
// its directory 0700) when there is none, so that clients see the same
// host key after a restart. It returns the key's PEM and its fingerprint.
func hostKey(path string) ([]byte, string, error) {
	// A folder others may write lets them replace the key: refused, as
	// OpenSSH refuses it.
	if fi, err := os.Stat(filepath.Dir(path)); err == nil && fi.Mode().Perm()&0o022 != 0 {
		return nil, "", fmt.Errorf("host key folder %s is mode %04o: group or others may write it and replace the key (chmod go-w %s)",
			filepath.Dir(path), fi.Mode().Perm(), filepath.Dir(path))
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		_, priv, gerr := ed25519.GenerateKey(rand.Reader)
		if gerr != nil {
			return nil, "", gerr
		}
		block, merr := gossh.MarshalPrivateKey(priv, "vigil serve host key")
		if merr != nil {
			return nil, "", merr
		}
		data = pem.EncodeToMemory(block)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, "", err
		}
		// O_EXCL: two servers starting at once never overwrite each other's key.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, "", err
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			return nil, "", err
		}
		if err := f.Close(); err != nil {
			return nil, "", err
		}
	} else if err != nil {
		return nil, "", err
	} else if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, "", fmt.Errorf("%s: mode %v: a host key must be readable by its owner only (chmod 600)", path, fi.Mode().Perm())
	}
	signer, err := gossh.ParsePrivateKey(data)
	if err != nil {
		return nil, "", fmt.Errorf("%s: not a host key: %w", path, err)
	}
	return data, gossh.FingerprintSHA256(signer.PublicKey()), nil
}

// serveMetrics are the server's own metrics.
type serveMetrics struct {
	sessions *prometheus.GaugeVec
	opened   *prometheus.CounterVec
	closed   *prometheus.CounterVec
	refusals *prometheus.CounterVec
	writes   *prometheus.CounterVec
	keys     prometheus.Gauge
}

func newServeMetrics(reg prometheus.Registerer, s *server) *serveMetrics {
	m := &serveMetrics{
		sessions: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "vigil_serve_sessions", Help: "Sessions open now, by role."}, []string{"role"}),
		opened:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_serve_sessions_opened_total", Help: "Sessions opened, by role."}, []string{"role"}),
		closed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_serve_sessions_closed_total",
			Help: "Sessions closed, by reason: left, idle, write_timeout (a client that stopped reading), key_removed, keys_refused (the authorized keys file authorizes no key), build (the console could not be rebuilt for new rights), shutdown (the server stopped)."}, []string{"reason"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_serve_refusals_total",
			Help: "Connections, sessions and requests refused or cut, by reason: unknown_key, key_removed, max_connections, max_sessions, max_per_key, max_channels, no_pty, command, build, shutdown, input_dropped (input past the rate), pty_size (a window drawn at the most size)."}, []string{"reason"}),
		writes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_serve_writes_total",
			Help: "Writes to Alertmanager (create, extend, expire), by role, operation and result: ok, failed, or refused (the role does not write)."}, []string{"role", "op", "result"}),
		keys: prometheus.NewGauge(prometheus.GaugeOpts{Name: "vigil_serve_authorized_keys", Help: "Keys authorized by the authorized keys file in use."}),
	}
	teamMetrics := []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "vigil_serve_queries_saved_total",
			Help: "Queries not sent because another session had asked the same one at the same step, or it was on its way."},
			func() float64 { return float64(s.team.QueriesSaved()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "vigil_serve_polls_shared_total",
			Help: "Periodic polls (an overview refresh, the alerts, …) one session's console made for the others: each answer counts the consoles beyond the first that took it without asking."},
			func() float64 { return float64(s.team.PollsShared()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vigil_serve_watching", Help: "People connected (one per name, however many sessions)."},
			func() float64 { return float64(s.team.Watching()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vigil_serve_shared_pollers", Help: "Pollers shared by the sessions' consoles now."},
			func() float64 { return float64(s.team.SharedPollers()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vigil_serve_claims", Help: "Alerts someone has claimed (\"NAME is on it\")."},
			func() float64 { return float64(s.team.Claims()) }),
	}
	reg.MustRegister(teamMetrics...)
	reg.MustRegister(m.sessions, m.opened, m.closed, m.refusals, m.writes, m.keys,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, r := range []query.Role{query.RoleViewer, query.RoleSilencer, query.RoleAdmin} {
		m.sessions.WithLabelValues(string(r))
	}
	return m
}

func (m *serveMetrics) refused(reason string) { m.refusals.WithLabelValues(reason).Inc() }

func (m *serveMetrics) sessionStarted(r query.Role) {
	m.sessions.WithLabelValues(string(r)).Inc()
	m.opened.WithLabelValues(string(r)).Inc()
}

func (m *serveMetrics) sessionEnded(r query.Role, reason string) {
	m.sessions.WithLabelValues(string(r)).Dec()
	m.closed.WithLabelValues(reason).Inc()
}

// observeWrite counts the writes of a session of role r.
func (m *serveMetrics) observeWrite(r query.Role) func(alertmanager.SilenceRequest, alertmanager.SilenceResult) {
	return func(req alertmanager.SilenceRequest, res alertmanager.SilenceResult) {
		result := "ok"
		var fe *query.ForbiddenError
		switch {
		case errors.As(res.Err, &fe):
			result = "refused"
		case res.Err != nil:
			result = "failed"
		}
		m.writes.WithLabelValues(string(r), string(req.Op), result).Inc()
	}
}

// keepAcks runs one ack keeper per context with an Alertmanager, for
// every session: an ack kept until resolved is extended while its alert
// fires whoever made it and whoever is connected (the sessions' consoles
// keep none themselves). Its extends are audited as the keeper's, for the
// ack's author. A read-only context keeps nothing.
func (s *server) keepAcks(ctx context.Context) {
	for _, p := range s.contexts {
		if p.am == nil || p.cfg.UI.ReadOnly {
			continue
		}
		sc := p.cfg.Silence
		protected := ""
		if p.cfg.Protected {
			// The keeper's own extends only: the service refuses any
			// other automatic write.
			protected = p.cfg.Context
		}
		svc := alertmanager.NewSilenceService(alertmanager.SilenceServiceOptions{Alertmanager: p.am, Audit: query.NewAuditLog(auditPath(&p.cfg)),
			Writer: "vigil serve", Peers: p.cfg.Alertmanager.URLs, Timeout: p.cfg.Alertmanager.Timeout.D(), Logger: s.log,
			Protected: protected})
		k := alertmanager.NewAckKeeper(alertmanager.AckKeeperOptions{Service: svc, Source: p.am, Interval: p.cfg.UI.Refresh.D(), Logger: s.log,
			Policy: alertmanager.AckPolicy{Duration: sc.AckDuration.D(), Max: sc.AckMax.D()}})
		go func() { _ = k.Run(ctx) }()
	}
}
