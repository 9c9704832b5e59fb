package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/grafana"
	dashboardview "github.com/vigilterm/vigil/views/dashboard"
)

// loadDashboards reads every [[dashboards]] and --dashboard before the
// program starts: a file that cannot be read, or a Grafana that does not
// answer, stops vigil with the file (or URL) and the JSON path at fault.
func loadDashboards(cfg *vigil.Config) ([]*grafana.Dashboard, error) {
	var out []*grafana.Dashboard
	for i, dc := range cfg.Dashboards {
		var d *grafana.Dashboard
		var err error
		if dc.Grafana == nil {
			d, err = grafana.ReadFile(cfg.DashboardFile(i))
		} else {
			var rt http.RoundTripper
			hc, herr := cfg.DashboardHTTP(i)
			if herr != nil {
				return nil, usageError{herr}
			}
			if !hc.Zero {
				if rt, err = query.NewTransport(hc.Config, "grafana"); err != nil {
					return nil, usageError{fmt.Errorf("%s: %w", hc.Source, err)}
				}
			}
			d, err = grafana.Fetch(context.Background(), rt, cfg.DashboardURL(i), cfg.Prometheus.Timeout.D())
		}
		if err != nil {
			return nil, usageError{err}
		}
		out = append(out, d)
	}
	return out, nil
}

// snapshotDashboards prints each dashboard's panels once: every panel,
// those folded in collapsed rows included, each series with its current
// value. A panel whose query failed is named in the output and makes the
// exit code 1.
func snapshotDashboards(cfg *vigil.Config, format string, stdout io.Writer) error {
	ds, err := loadDashboards(cfg)
	if err != nil {
		return err
	}
	prom, err := newPrometheus(cfg)
	if err != nil {
		return err
	}
	defer prom.Close()
	src := grafana.FromPrometheus(prom)
	now := time.Now()
	failed := 0
	var snaps []dashboardview.Snapshot
	for _, d := range ds {
		rng := d.Range
		if rng <= 0 {
			rng = time.Hour
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*cfg.Prometheus.Timeout.D()+time.Second)
		scrape, why := grafana.ScrapeOf(ctx, src)
		vars := grafana.Resolve(ctx, src, d, cfg.DashboardVars, rng, now, scrape)
		all := make([]int, len(d.Panels))
		for i := range all {
			all[i] = i
		}
		data := grafana.Run(ctx, src, d, vars, grafana.RunOptions{Range: rng, End: now, Only: all, Scrape: scrape})
		cancel()
		for _, pd := range data {
			if pd.Err() != nil {
				failed++
			}
		}
		snaps = append(snaps, dashboardview.Snapshot{Dashboard: d, Vars: vars, Data: data, Range: rng, At: now, Scrape: scrape, ScrapeWhy: errText(why)})
	}
	if err := dashboardview.WriteSnapshots(stdout, snaps, format); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d dashboard panels could not be read (named in the output)", failed)
	}
	return nil
}

// errText is err's text, "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
