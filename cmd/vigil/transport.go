package main

import (
	"fmt"
	"io"
	"net/http"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
)

// Connection settings have three homes, one job each:
//
//   - the root package (httpconfig.go) reads and checks them: the
//     [prometheus.http] and [alertmanager.http] tables, the --http-config
//     file, and secrets in files others can read;
//   - query (transport.go) turns checked settings into a RoundTripper,
//     with vigil's timeouts, body caps and TLS hints;
//   - this file is the only place that joins the two into clients.

// newPrometheus is the Prometheus client of the configuration.
func newPrometheus(cfg *vigil.Config) (*query.Prometheus, error) {
	return connect(cfg.PrometheusHTTP, "prometheus", "prometheus.url", func(rt http.RoundTripper) (*query.Prometheus, error) {
		p, err := query.NewPrometheus(query.PrometheusOptions{URL: cfg.Prometheus.URL, Timeout: cfg.Prometheus.Timeout.D(), RoundTripper: rt,
			Params: query.ThanosParams(cfg.Prometheus.PartialResponse, cfg.Prometheus.Dedup), MaxConcurrent: cfg.Prometheus.MaxConcurrentQueries})
		if err == nil && cfg.Prometheus.RecordingRules == "off" {
			p.SetUseRules(false)
		}
		return p, err
	})
}

// newAlertmanager is the Alertmanager client of the configuration.
func newAlertmanager(cfg *vigil.Config) (*alertmanager.Client, error) {
	return connect(cfg.AlertmanagerHTTP, "alertmanager", "alertmanager.urls", func(rt http.RoundTripper) (*alertmanager.Client, error) {
		return alertmanager.New(alertmanager.Options{URLs: cfg.Alertmanager.URLs, Timeout: cfg.Alertmanager.Timeout.D(), RoundTripper: rt})
	})
}

// connect builds one kind of server's client over the transport of its
// settings (nil when nothing is configured: query's own transport then).
// Every failure is a usage error naming the file or key at fault.
func connect[T any](settings func() (vigil.HTTPClient, error), name, key string, build func(http.RoundTripper) (T, error)) (T, error) {
	var zero T
	hc, err := settings()
	if err != nil {
		return zero, usageError{err}
	}
	var rt http.RoundTripper
	if !hc.Zero {
		if rt, err = query.NewTransport(hc.Config, name); err != nil {
			return zero, usageError{fmt.Errorf("%s: %w", hc.Source, err)}
		}
	}
	c, err := build(rt)
	if err != nil {
		return zero, usageError{fmt.Errorf("%s: %w", key, err)}
	}
	return c, nil
}

// warnInlineSecrets prints, before anything starts, a warning for each
// configuration file that holds a secret inline and is readable by group or
// others.
func warnInlineSecrets(cfg *vigil.Config, stderr io.Writer) {
	for _, w := range cfg.InlineSecretWarnings() {
		fmt.Fprintf(stderr, "vigil: %s\n", w)
	}
}
