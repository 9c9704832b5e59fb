package main

import (
	"fmt"
	"io"
	"net/http"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/query"
)

// Connection settings: the transports of Prometheus and the Alertmanagers,
// built from [prometheus.http] / [alertmanager.http] or the --http-config
// file, and the warning about secrets in files others can read.

// prometheusTransport returns the RoundTripper for Prometheus, or nil when
// nothing is configured (the query package's own transport then).
func prometheusTransport(cfg *vigil.Config) (http.RoundTripper, error) {
	hc, err := cfg.PrometheusHTTP()
	if err != nil {
		return nil, usageError{err}
	}
	return buildTransport(hc, "prometheus")
}

// alertmanagerTransport returns the RoundTripper for the Alertmanagers, or
// nil when nothing is configured.
func alertmanagerTransport(cfg *vigil.Config) (http.RoundTripper, error) {
	hc, err := cfg.AlertmanagerHTTP()
	if err != nil {
		return nil, usageError{err}
	}
	return buildTransport(hc, "alertmanager")
}

func buildTransport(hc vigil.HTTPClient, name string) (http.RoundTripper, error) {
	if hc.Zero {
		return nil, nil
	}
	rt, err := query.NewTransport(hc.Config, name)
	if err != nil {
		return nil, usageError{fmt.Errorf("%s: %w", hc.Source, err)}
	}
	return rt, nil
}

// newAlertmanager is the Alertmanager client of the configuration.
func newAlertmanager(cfg *vigil.Config) (*query.Alertmanager, error) {
	rt, err := alertmanagerTransport(cfg)
	if err != nil {
		return nil, err
	}
	am, err := query.NewAlertmanager(query.AlertmanagerOptions{URLs: cfg.Alertmanager.URLs, Timeout: cfg.Alertmanager.Timeout.D(), RoundTripper: rt})
	if err != nil {
		return nil, usageError{fmt.Errorf("alertmanager.urls: %w", err)}
	}
	return am, nil
}

// warnInlineSecrets prints, before anything starts, a warning for each
// configuration file that holds a secret inline and is readable by group or
// others.
func warnInlineSecrets(cfg *vigil.Config, stderr io.Writer) {
	for _, w := range cfg.InlineSecretWarnings() {
		fmt.Fprintf(stderr, "vigil: %s\n", w)
	}
}
