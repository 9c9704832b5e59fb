package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	vigil "github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/doctor"
)

// detectTimeout bounds the detection at start: a Prometheus that does not
// answer leaves the defaults, and the console starts anyway.
const detectTimeout = 3 * time.Second

// namesAreDefaults reports whether the metric family names are
// prometheus_flask_exporter's defaults, which a detected prefix replaces.
func namesAreDefaults(cfg *vigil.Config) bool {
	m, d := cfg.Metrics, vigil.Defaults().Metrics
	return m.DurationMetric == d.DurationMetric && m.RequestsMetric == d.RequestsMetric && m.ExceptionsMetric == d.ExceptionsMetric
}

// doctorOptions say what the config left to detection.
func doctorOptions(cfg *vigil.Config) doctor.Options {
	return doctor.Options{LabelDetected: cfg.Metrics.EndpointLabel == "", NamesDetected: namesAreDefaults(cfg)}
}

// detectShape fills in what the config left to detection, from the series
// behind the selector: the endpoint label when metrics.endpoint_label is
// unset, and the family names when they are the flask_ defaults and the
// app uses another prefix. It returns what it did, or why it could not
// (the defaults then stay).
func detectShape(parent context.Context, cfg *vigil.Config, prom *query.Prometheus) string {
	o := doctorOptions(cfg)
	if !o.LabelDetected && !o.NamesDetected {
		return ""
	}
	ctx, cancel := context.WithTimeout(parent, min(detectTimeout, cfg.Prometheus.Timeout.D()))
	defer cancel()
	d, err := doctor.Detect(ctx, prom, cfg.Shape())
	var did []string
	if o.NamesDetected && d.PrefixKnown && d.DurationMetric != cfg.Metrics.DurationMetric {
		cfg.Metrics.DurationMetric, cfg.Metrics.RequestsMetric, cfg.Metrics.ExceptionsMetric = d.DurationMetric, d.RequestsMetric, d.ExceptionsMetric
		if cfg.Metrics.InfoMetric == "" {
			cfg.Metrics.InfoMetric = d.InfoMetric
		}
		did = append(did, "metric prefix "+prefixText(d.Prefix))
	}
	if o.LabelDetected && d.EndpointLabel != "" {
		cfg.Metrics.EndpointLabel = d.EndpointLabel
		did = append(did, "endpoint label "+d.EndpointLabel)
	}
	switch {
	case len(did) > 0:
		return "detected " + strings.Join(did, ", ")
	case err != nil:
		return fmt.Sprintf("detection failed (%v): endpoint label %s, %s", err, cfg.EndpointLabel(), cfg.Metrics.DurationMetric)
	case o.LabelDetected:
		return "endpoint label not detected (no series): " + cfg.EndpointLabel()
	}
	return ""
}

func prefixText(p string) string {
	if p == "" {
		return "none"
	}
	return p
}
