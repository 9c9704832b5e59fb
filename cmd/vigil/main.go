// Command vigil is a terminal console for on-call engineers: live
// per-endpoint figures of Flask services from Prometheus, and their alerts.
//
//	vigil [flags]                    open the console
//	vigil snapshot [--format F] ...  print the overview once
//	vigil demo [--no-tui] ...        start a demo stack and open the console on it
//	vigil version                    print the version
//
// Exit codes: 0 success, 1 Prometheus unreachable or answering with an
// error, 2 bad flags or configuration.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
	"github.com/vigilterm/vigil/query/doctor"
	"github.com/vigilterm/vigil/query/grafana"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/ui"
	"github.com/vigilterm/vigil/ui/team"
	"github.com/vigilterm/vigil/views"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, lookupEnv))
}

const usageText = `vigil: a terminal console for on-call engineers

Usage:
  vigil [flags]                         open the console
  vigil snapshot [--format text|json|markdown] [--context NAME|all] [flags]
                                        print the overview once (of one context, or
                                        of every one) and exit; with --dashboard FILE,
                                        each panel's series and current value
  vigil demo [--no-tui] [flags]         start a demo stack (a Flask-shaped app,
                                        Prometheus, Alertmanager) and open the console
  vigil audit [--json] [--file F]       print the audit log: every write to Alertmanager
  vigil timeline --since 2h [--until T] [--format text|json|markdown] [flags]
                                        print the incident's timeline: alerts, silences,
                                        threshold crossings, deploys, restarts, writes, notes
  vigil note "text"                     add a note to the timeline
  vigil doctor [--format text|json|markdown] [--rules] [flags]
                                        check the exporter's metrics for its known pitfalls;
                                        --rules: check the alert rules Prometheus has loaded
  vigil serve --authorized-keys FILE [--listen :2222] [flags]
                                        serve the console over SSH to the incident team:
                                        each key's person their own console, with their rights
  vigil rules [--window 1m,5m] [flags]  print Prometheus recording rules of the overview's
                                        aggregates (vigil reads them when Prometheus has them)
  vigil rules lint [--prometheus URL] [--format text|json|markdown] FILE...
                                        check alert rule files (file:line, the fix as PromQL);
                                        with --prometheus also against its series and targets
  vigil version                         print the version

Exit codes: 0 ok; 1 something could not be read or is unhealthy (Prometheus or
Alertmanager failing, a target down, a selector matching nothing, a timeline
source failing, a doctor check warning or unknown), the output names it; 2 bad flags or config.
Run "vigil -h", "vigil snapshot -h" or "vigil timeline -h" for the flags.
`

func run(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	cmd := ""
	if len(args) > 0 {
		cmd = args[0]
	}
	var err error
	switch cmd {
	case "version", "--version":
		fmt.Fprintf(stdout, "vigil %s\n", version)
		return 0
	case "help":
		fmt.Fprint(stdout, usageText)
		return 0
	case "snapshot":
		err = runSnapshot(args[1:], stdout, stderr, getenv)
	case "demo":
		err = runDemo(args[1:], stdout, stderr, getenv)
	case "audit":
		err = runAudit(args[1:], stdout, stderr, getenv)
	case "serve":
		err = runServe(args[1:], stderr, getenv) // serve_run.go
	case "doctor":
		err = runDoctor(args[1:], stdout, stderr, getenv) // doctor.go
	case "rules":
		err = runRules(args[1:], stdout, stderr, getenv) // rules.go
	case "timeline", "note":
		err = runLifecycleCommand(cmd, args[1:], stdout, stderr, getenv) // timeline.go
	default:
		err = runConsole(args, stderr, getenv)
	}
	printHelpTo(stdout, err)
	return exitCode(err, stderr)
}

// exitCode prints err (one line) and maps it to the exit code.
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errHelp):
		return 0
	case errors.Is(err, errUsage):
		if !errors.Is(err, errFlagReported) {
			fmt.Fprintf(stderr, "vigil: %v\n", err)
		}
		return 2
	default:
		fmt.Fprintf(stderr, "vigil: %v\n", err)
		return 1
	}
}

// parse sets the usage text and loads the configuration.
func parse(o *options, args []string, getenv func(string) string) (vigil.Config, error) {
	o.fs.Usage = func() {
		fmt.Fprint(o.fs.Output(), usageText+"\nFlags:\n")
		o.printDefaults(o.fs.Output())
	}
	cfg, err := o.load(args, getenv)
	if err == nil {
		warnInlineSecrets(&cfg, o.fs.Output())
	}
	return cfg, err
}

// newLogger opens the log file, or discards logs when none is set.
func newLogger(cfg *vigil.Config) (*slog.Logger, func(), error) {
	if cfg.LogFile == "" {
		return slog.New(slog.DiscardHandler), func() {}, nil
	}
	f, err := os.OpenFile(cfg.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, usageError{fmt.Errorf("log_file: %w", err)}
	}
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug})), func() { f.Close() }, nil
}

// newContext builds the shared view context: styles, keys, clock (ui.New
// fills in the settings from the configuration).
func newContext(cfg *vigil.Config, getenv func(string) string) (*views.Context, error) {
	th, err := themes.Select(cfg.UI.Theme, getenv("NO_COLOR") != "")
	if err != nil {
		return nil, usageError{&vigil.Error{Where: cfg.Source, Key: "ui.theme", Msg: err.Error()}}
	}
	return &views.Context{Styles: th.Styles(), Keys: ui.Keys(cfg.UI.ReadOnly), Now: time.Now}, nil
}

func runConsole(args []string, stderr io.Writer, getenv func(string) string) error {
	o := newFlagSet("vigil", stderr)
	cfg, err := parse(o, args, getenv)
	if err != nil {
		return err
	}
	return console(&cfg, getenv)
}

// memoryLimit is the console's soft memory limit (unless GOMEMLIMIT is set):
// the garbage collector works harder near it, so hostile answers read and
// thrown away do not pile up. The live heap is far below it even at 10,000
// endpoints.
const memoryLimit = 128 << 20

// gcPercent is the console's GOGC (unless GOGC is set): a collection when
// the heap has grown by half of what the last one left live, not by all of
// it as Go's default waits for. A console's live heap is small and its
// refreshes are a second or more apart, so the extra collections cost
// little CPU, and the peak resident memory falls by a tenth at 10,000
// endpoints (docs/scale.md).
const gcPercent = 50

// console runs the TUI until the user quits: one console, or with
// [[contexts]] the root of several, each built the first time it is shown.
func console(all *vigil.Config, getenv func(string) string) error {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	name := all.Current
	if name == "" {
		name = all.Context
	}
	cfg, err := all.ForContext(name)
	if err != nil {
		return usageError{err}
	}
	logger, closeLog, err := newLogger(all)
	if err != nil {
		return err
	}
	defer closeLog()
	// One cache of one-off queries for the console's screens and
	// contexts (ui.Options.Cache).
	cache := query.NewCache(nil)
	m, err := buildModel(&cfg, getenv, logger, cache)
	if err != nil {
		return err
	}
	var root tea.Model = m
	discarded := m.Discarded
	if len(all.Contexts) > 0 {
		names := all.ContextNames()
		specs := make([]ui.ContextSpec, len(names))
		active := 0
		for i, n := range names {
			c, err := all.ForContext(n)
			if err != nil {
				return usageError{err}
			}
			if n == name {
				active = i
			}
			specs[i] = contextSpec(&c, getenv, logger, cache)
		}
		r := ui.NewContexts(specs, active, m)
		root, discarded = r, r.Discarded
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	err = runProgram(withTestHooks(root, getenv), all.LogFile, logger, tea.WithContext(ctx)) // crash.go
	if path := getenv("VIGIL_HEAP_PROFILE"); path != "" {
		if perr := writeHeapProfile(path); perr != nil && err == nil {
			err = perr
		}
	}
	if d := discarded(); err == nil && d != "" {
		// A quit that threw typed work away is not a clean exit.
		err = fmt.Errorf("quit with unsent work: discarded %s", d)
	}
	return err
}

// writeHeapProfile writes the heap profile of the console as it quits
// (VIGIL_HEAP_PROFILE, see docs/scale.md): what was allocated while it
// ran, and what is still held, for go tool pprof.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("VIGIL_HEAP_PROFILE: %w", err)
	}
	runtime.GC() // the held heap as of the last collection is what the profile shows
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("VIGIL_HEAP_PROFILE %s: %w", path, err)
	}
	return f.Close()
}

// contextSpec is one context of the console: how to build its console
// and how to count its firing alerts while it is not shown.
func contextSpec(cfg *vigil.Config, getenv func(string) string, logger *slog.Logger, cache *query.Cache) ui.ContextSpec {
	sp := ui.ContextSpec{
		Name: cfg.Context, Refresh: cfg.UI.Refresh.D(), Timeout: cfg.Prometheus.Timeout.D(),
		Build: func() (*ui.Model, error) { return buildModel(cfg, getenv, logger, cache) },
	}
	prom, err := newPrometheus(cfg)
	if err == nil && len(cfg.Alertmanager.URLs) > 0 {
		am, err := newAlertmanager(cfg)
		return counted(sp, cfg, am, prom, err)
	}
	return counted(sp, cfg, nil, prom, err)
}

// buildModel builds the console of one context: its clients, the shape of
// its metrics (detected when the configuration leaves it open), who writes,
// and the cache its one-off queries share with the other contexts'.
func buildModel(cfg *vigil.Config, getenv func(string) string, logger *slog.Logger, cache *query.Cache) (*ui.Model, error) {
	p, err := prepareContext(cfg, logger)
	if err != nil {
		return nil, err
	}
	w := localWriter(cfg)
	w.cache = cache
	return p.model(getenv, logger, w)
}

// prepared is one context ready for consoles: its configuration with the
// shape detected, and its clients. vigil serve prepares each context once
// and builds every session's console from it.
type prepared struct {
	cfg       vigil.Config
	dopts     doctor.Options
	detection string
	prom      *query.Prometheus
	am        *alertmanager.Client
	// The PromQL prompt's client in vigil serve (serve_budget.go).
	promptOnce sync.Once
	promptProm *query.Prometheus
	promptErr  error
	// dashboards are the Grafana dashboards, read once (dashboards.go).
	dashboards []*grafana.Dashboard
}

// prepareContext makes cfg's clients and detects the shape of its metrics
// (the few seconds detection takes are spent here, once).
func prepareContext(cfg *vigil.Config, logger *slog.Logger) (*prepared, error) {
	prom, err := newPrometheus(cfg)
	if err != nil {
		return nil, err
	}
	logger.Info("starting", "version", version, "context", cfg.Context, "prometheus", cfg.Prometheus.URL, "config", cfg.Source)
	p := &prepared{cfg: *cfg, prom: prom}
	if p.dashboards, err = loadDashboards(cfg); err != nil {
		return nil, err
	}
	p.dopts = doctorOptions(&p.cfg) // what the config leaves to detection, before it fills it in
	if p.detection = detectShape(context.Background(), &p.cfg, prom); p.detection != "" {
		logger.Info("shape", "context", cfg.Context, "detection", p.detection)
	}
	if len(cfg.Alertmanager.URLs) > 0 {
		if p.am, err = newAlertmanager(cfg); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// writer is who writes from a console: the local user, or the person of a
// vigil serve session.
type writer struct {
	identity, auditUser string
	principal           *query.Principal
	observe             func(alertmanager.SilenceRequest, alertmanager.SilenceResult)
	// member is the session's place in the server's team (shared
	// queries, presence, claims); nil for a console of one.
	member *team.Member
	// prompt, when set, is the PromQL prompt's querier in a context (vigil
	// serve: the person's query budget).
	prompt func(*prepared) (query.Querier, error)
	// cache, in a console of one, shares the one-off queries of its
	// screens and contexts (vigil serve's consoles share the team's).
	cache *query.Cache
}

// localWriter is the person at this terminal, resolved once, here: never
// while a key is handled.
func localWriter(cfg *vigil.Config) writer {
	return writer{identity: query.SystemUser(), auditUser: query.Writer(cfg.Silence.CreatedBy)}
}

// model builds a console of the prepared context, writing as w. A viewer's
// console has every writing key disabled, saying why.
func (p *prepared) model(getenv func(string) string, logger *slog.Logger, w writer) (*ui.Model, error) {
	cfg := p.cfg // each console its own copy
	if w.principal != nil && !w.principal.Role.CanWrite() {
		cfg.UI.ReadOnly = true
	}
	vctx, err := newContext(&cfg, getenv)
	if err != nil {
		return nil, err
	}
	if w.principal != nil && !w.principal.Role.CanWrite() {
		vctx.Keys = ui.Keys(false)
		why := (&query.ForbiddenError{Principal: *w.principal}).Error()
		for _, b := range vctx.Keys.Dangerous() {
			vctx.Keys.Disable(b, why)
		}
	}
	vctx.Detection = p.detection
	opts := ui.Options{Context: vctx, Config: &cfg, Logger: logger, HistoryPath: ui.HistoryPath(), InTmux: getenv("TMUX") != ""}
	if w.principal != nil {
		// A shared console keeps no PromQL history: one person's queries
		// are not offered to another.
		opts.HistoryPath = ""
	}
	opts.PrometheusSources(p.prom)
	opts.Dashboards, opts.DashboardVars = p.dashboards, cfg.DashboardVars
	opts.DoctorOptions = p.dopts
	opts.Identity, opts.AuditUser = w.identity, w.auditUser
	opts.Principal, opts.ObserveWrite = w.principal, w.observe
	if w.member != nil {
		opts.Member = w.member
	}
	opts.Cache = w.cache
	if w.prompt != nil {
		if opts.PromptQuerier, err = w.prompt(p); err != nil {
			return nil, err
		}
	}
	opts.Audit = query.NewAuditLog(auditPath(&cfg))
	if p.am != nil {
		opts.Alertmanager = p.am
	}
	return ui.New(opts), nil
}

// checkFormat refuses a --format that is not text, json or markdown.
func checkFormat(format string) error {
	switch format {
	case views.FormatText, views.FormatJSON, views.FormatMarkdown:
		return nil
	}
	return usageError{fmt.Errorf("flag --format: unknown format %q: use text, json or markdown", format)}
}

// parseOneContext loads the configuration of a command that shows one
// context (--context NAME, the default one without it) and checks its
// --format (read after the flags are parsed).
func parseOneContext(o *options, args []string, getenv func(string) string, format *string) (vigil.Config, error) {
	cfg, err := parse(o, args, getenv)
	if err == nil {
		cfg, err = chosenContext(cfg)
	}
	if err != nil {
		return cfg, err
	}
	return cfg, checkFormat(*format)
}

// chosenContext is the configuration of the context --context names (the
// default one without it), for the commands that show one context.
func chosenContext(cfg vigil.Config) (vigil.Config, error) {
	if cfg.Current == "" || cfg.Current == vigil.ContextAll {
		return cfg, nil
	}
	c, err := cfg.ForContext(cfg.Current)
	if err != nil {
		return vigil.Config{}, usageError{err}
	}
	return c, nil
}
