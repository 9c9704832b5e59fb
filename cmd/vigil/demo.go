package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/query"
)

// runDemo starts the demo stack: the synthetic Flask-shaped app, a real
// Prometheus and a real Alertmanager on loopback, with the demo's alert
// rules and routing. It opens the console on it, or with --no-tui prints
// the URLs and waits. Everything it started is stopped on exit, Ctrl-C
// included.
func runDemo(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	o := newFlagSet("vigil demo", stderr)
	noTUI := o.fs.Bool("no-tui", false, "print the URLs and keep the stack up until interrupted, without the console")
	endpoints := o.fs.Int("endpoints", 0, "number of endpoints of the demo app (above 30: the high-cardinality mode, e.g. 10000)")
	keep := o.fs.Bool("keep", false, "keep the demo's temporary directory (configs, logs) after exit")
	noRules := o.fs.Bool("no-rules", false, "load none of vigil's recording rules into Prometheus: the console reads the raw series")
	engine := o.fs.String("engine", "prometheus", "query engine: prometheus (on PATH), prometheus3, victoriametrics, thanos or mimir (built by make engines / make engines-extra)")
	cfg, err := parse(o, args, getenv)
	if err != nil {
		return err
	}
	if !slices.Contains(demo.Engines(), demo.Engine(*engine)) {
		return usageError{fmt.Errorf("vigil demo: --engine %q: want one of %v", *engine, demo.Engines())}
	}
	if cfg.Metrics.Selector == "" {
		cfg.Metrics.Selector = `job="flask"`
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()

	fmt.Fprintln(stderr, "vigil demo: starting the demo app, Prometheus and Alertmanager on loopback…")
	rules := demo.DemoRules()
	rules[demo.WatchdogRulesFile] = demo.WatchdogRules()
	if !*noRules && *endpoints <= demoRulesMaxEndpoints {
		vr, err := demoRecordingRules(&cfg, *endpoints)
		if err != nil {
			return err
		}
		rules[demoVigilRulesFile] = vr
	}
	stack, err := demo.Start(ctx, demo.StackOptions{
		App:           demo.AppOptions{Script: true, Endpoints: *endpoints},
		RuleFiles:     rules,
		Alertmanagers: 1,
		// Critical alerts also go to a receiver that always fails, so the
		// header and the Status screen show delivery failures.
		AlertmanagerConfig: func(sink string) []byte {
			return demo.WithFailingReceiver(demo.AlertmanagerConfig(sink), sink, `severity="critical"`)
		},
		Keep:   *keep,
		Engine: demo.Engine(*engine),
	})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer func() {
		if err := stack.Close(); err != nil {
			fmt.Fprintf(stderr, "vigil demo: stopping the stack: %v\n", err)
		}
	}()

	cfg.Context = "demo"
	cfg.Prometheus.URL = stack.PrometheusURL
	for k, v := range stack.Headers { // Mimir's tenant
		if cfg.Prometheus.HTTP.HTTPHeaders == nil {
			cfg.Prometheus.HTTP.HTTPHeaders = map[string]vigil.HTTPHeader{}
		}
		cfg.Prometheus.HTTP.HTTPHeaders[k] = vigil.HTTPHeader{Values: []string{v}}
	}
	cfg.Alertmanager.URLs = stack.AlertmanagerURLs
	if cfg.Alertmanager.Watchdog == "" {
		cfg.Alertmanager.Watchdog = "Watchdog"
	}

	if *noTUI {
		fmt.Fprintf(stdout, "prometheus   %s\n", stack.PrometheusURL)
		for k, v := range stack.Headers {
			fmt.Fprintf(stdout, "header       %s: %s\n", k, v)
		}
		for _, u := range stack.AlertmanagerURLs {
			fmt.Fprintf(stdout, "alertmanager %s\n", u)
		}
		fmt.Fprintf(stdout, "app          %s/metrics\n", stack.App.URL())
		fmt.Fprintf(stdout, "webhooks     %s\n", stack.Sink.URL())
		if *keep {
			fmt.Fprintf(stdout, "directory    %s\n", stack.Dir)
		}
		fmt.Fprintf(stdout, "console      vigil --prometheus %s", stack.PrometheusURL)
		for _, u := range stack.AlertmanagerURLs {
			fmt.Fprintf(stdout, " --alertmanager %s", u)
		}
		fmt.Fprintln(stdout)
		fmt.Fprintln(stdout, "running; Ctrl-C stops everything")
		<-ctx.Done()
		return nil
	}
	return console(&cfg, getenv)
}

// demoVigilRulesFile holds vigil's own recording rules in the demo.
const demoVigilRulesFile = "vigil_rules.yml"

// demoRulesMaxEndpoints is the largest demo app that gets vigil's rules.
// Above it the demo's own alert rules, evaluated every second, already
// keep this Prometheus's CPUs busy, and the rules' evaluation on top of
// them would starve the console's queries (BenchmarkScale10k measures the
// rules at 10,000 endpoints on a Prometheus without that load).
const demoRulesMaxEndpoints = 1000

// demoRecordingRules are the rules `vigil rules` would print for the
// demo's metrics, recording the console's window (the auto window of the
// demo's scrape interval, or the configured one) besides the default
// windows: the console reads them and its header says "rules ✓". An app
// of many endpoints has those of the console's window only, evaluated
// every 15s rather than at the demo's 1s.
func demoRecordingRules(cfg *vigil.Config, endpoints int) ([]byte, error) {
	w := query.AutoWindow(demo.DefaultScrapeInterval(endpoints))
	if !cfg.UI.Window.Auto {
		w = cfg.UI.Window.D()
	}
	windows := []time.Duration{w}
	var every time.Duration
	if endpoints > demo.DefaultEndpoints {
		// The console's window only, evaluated every 15s: each window's
		// rules read every bucket series.
		every = 15 * time.Second
	} else {
		for _, d := range query.DefaultRuleWindows {
			if d != w {
				windows = append(windows, d)
			}
		}
	}
	out, err := query.RulesFileEvery(cfg.Shape(), windows, every)
	if err != nil {
		return nil, fmt.Errorf("vigil demo: recording rules: %w", err)
	}
	return out, nil
}
