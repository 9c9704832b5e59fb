package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/ui"
	"github.com/vigilterm/vigil/views"
	overviewview "github.com/vigilterm/vigil/views/overview"
)

// runSnapshot prints the overview of one context, or of every context
// with --context all (its dashboards instead when the context has some),
// as text, JSON or Markdown, and exits.
func runSnapshot(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	o := newFlagSet("vigil snapshot", stderr)
	o.allowAll = true
	format := o.fs.String("format", views.FormatText, "output `format`: text, json or markdown")
	limit := o.fs.Int("limit", 0, "show at most `N` endpoints in text and markdown (0: all)")
	cfg, err := parse(o, args, getenv)
	if err != nil {
		return err
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	if cfg.Current == vigil.ContextAll {
		return snapshotContexts(&cfg, *format, *limit, stdout)
	}
	if cfg, err = chosenContext(cfg); err != nil {
		return err
	}
	if len(cfg.Dashboards) > 0 {
		return snapshotDashboards(&cfg, *format, stdout) // dashboards.go
	}
	r, err := snapshotReport(&cfg, *limit)
	if r != nil {
		if werr := r.Write(stdout, *format); werr != nil {
			return werr
		}
	}
	return err
}

// snapshotContexts prints the snapshot of every context, each read at the
// same time under its own deadline. A context that fails is named in its
// section (or its "error") and in the error returned (exit 1); the others
// are printed all the same.
func snapshotContexts(cfg *vigil.Config, format string, limit int, stdout io.Writer) error {
	names := cfg.ContextNames()
	reports := make([]overviewview.ContextReport, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		reports[i].Name = name
		c, err := cfg.ForContext(name)
		if err != nil {
			reports[i].Err = err
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			reports[i].Report, reports[i].Err = snapshotReport(&c, limit)
		}()
	}
	wg.Wait()
	if err := overviewview.WriteContexts(stdout, format, reports); err != nil {
		return err
	}
	var failed []string
	for _, r := range reports {
		if r.Err != nil {
			failed = append(failed, fmt.Sprintf("context %s: %v", r.Name, r.Err))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d contexts failed: %s", len(failed), len(names), strings.Join(failed, "; "))
	}
	return nil
}

// snapshotReport reads one context's snapshot. The report is nil when
// there is nothing to show (Prometheus failed); the error is what makes the
// exit code 1, worst first.
func snapshotReport(cfg *vigil.Config, limit int) (*overviewview.Report, error) {
	prom, err := newPrometheus(cfg)
	if err != nil {
		return nil, err
	}
	// Detection has its own few seconds: the overview keeps its whole
	// deadline.
	detection := detectShape(context.Background(), cfg, prom)
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Prometheus.Timeout.D()+time.Second)
	defer cancel()
	ov, err := prom.OverviewByService(ctx, cfg.Shape())
	if err != nil {
		return nil, err
	}
	r := &overviewview.Report{
		Context: cfg.Context, Prometheus: cfg.Prometheus.URL, Overview: ov,
		Thresholds: ui.ViewSettings(cfg).Thresholds, Limit: limit, ExceptionsMetric: cfg.Metrics.ExceptionsMetric,
		Selector: cfg.Metrics.Selector, EndpointLabel: cfg.EndpointLabel(),
		Detection: detection,
	}
	alerts, source, amErr, alertsErr := snapshotAlerts(ctx, cfg, prom)
	r.Alerts, r.AlertsSource = alerts, source
	if amErr != nil {
		r.Problems = append(r.Problems, overviewview.QueryProblem{Name: "alertmanager", Error: amErr.Error()})
	}
	if alertsErr != nil {
		r.Problems = append(r.Problems, overviewview.QueryProblem{Name: "alerts", Error: alertsErr.Error()})
	}
	// Exit 1 for anything the figures cannot be trusted for, worst first.
	switch {
	case alertsErr != nil:
		return r, alertsErr
	case amErr != nil:
		return r, fmt.Errorf("%v (Prometheus's own alerts shown instead)", amErr)
	case len(ov.Errors) > 0:
		e := ov.Errors[0]
		return r, fmt.Errorf("prometheus %s answered with an error to query %s (%s): %v", cfg.Prometheus.URL, e.Name, e.Query, e.Err)
	case len(ov.Targets.Down()) > 0:
		// Before the unknown totals: the down targets are their reason
		// when every row is stale, and this line names them.
		return r, fmt.Errorf("%s", r.TargetsLine())
	case ov.Totals.Unknown != "":
		return r, fmt.Errorf("figures unknown: %s", ov.Totals.Unknown)
	case r.NoSeries():
		return r, fmt.Errorf("no series matches {%s}: no %s series and no target (up) at %s — check metrics.selector",
			cfg.Metrics.Selector, cfg.Metrics.DurationMetric, cfg.Prometheus.URL)
	}
	return r, nil
}

// snapshotAlerts lists the current alerts for the snapshot: Alertmanager's
// merged with Prometheus's pending ones. Without a working Alertmanager it
// falls back to Prometheus's own alerts, as the console does, and says why
// in source ("Alertmanager not configured", "Alertmanager unreachable: …"),
// with Alertmanager's failure in amErr. err is the failure of Prometheus's
// alerts: then nothing is known and alerts is nil (never an empty list).
func snapshotAlerts(ctx context.Context, cfg *vigil.Config, prom *query.Prometheus) (alerts []overviewview.ReportAlert, source string, amErr, err error) {
	var amAlerts []query.Alert
	if len(cfg.Alertmanager.URLs) > 0 {
		am, aerr := newAlertmanager(cfg)
		if aerr != nil {
			return nil, "", nil, aerr
		}
		if amAlerts, amErr = am.Alerts(ctx); amErr != nil {
			source = "Alertmanager unreachable: " + amErr.Error()
			amAlerts = nil
		}
	} else {
		source = "Alertmanager not configured"
	}
	promAlerts, perr := prom.Alerts(ctx) // nothing from an engine that evaluates no rules
	if perr != nil {
		err = fmt.Errorf("prometheus %s: alerts: %w", cfg.Prometheus.URL, perr)
		if source != "" {
			return nil, source, amErr, err // no source answered: unknown
		}
		// Alertmanager's list still stands; only pending ones are unknown.
	}
	merged := query.SortedAlerts(amAlerts, promAlerts)
	out := make([]overviewview.ReportAlert, 0, len(merged))
	for _, a := range merged {
		ra := overviewview.ReportAlert{
			Name: a.Name, State: string(a.State), Severity: a.Severity, Labels: a.Labels,
			Summary: a.Headline(), RunbookURL: a.RunbookURL(), SilencedBy: a.SilencedBy,
		}
		if ra.SilencedBy == nil {
			ra.SilencedBy = []string{}
		}
		if !a.ActiveAt.IsZero() {
			t := a.ActiveAt.UTC()
			ra.ActiveSince = &t
		}
		out = append(out, ra)
	}
	return out, source, amErr, err
}
