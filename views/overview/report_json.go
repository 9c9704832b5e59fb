package overview

import (
	"encoding/json"
	"io"
	"math"
	"time"

	"github.com/vigilterm/vigil/views"
)

// jsonFloat is a figure in JSON: null when it does not exist.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(v)
}

type jsonEndpoint struct {
	// Service is the endpoint's service; "" when unknown.
	Service          string    `json:"service"`
	Endpoint         string    `json:"endpoint"`
	RPS              jsonFloat `json:"rps"`
	ErrorRatio       jsonFloat `json:"error_ratio"`
	P50Seconds       jsonFloat `json:"p50_seconds"`
	P99Seconds       jsonFloat `json:"p99_seconds"`
	Exceptions       jsonFloat `json:"exceptions"`
	ExceptionsSource string    `json:"exceptions_source"`
	// Stale endpoints have no fresh series: their figures are null.
	Stale      bool       `json:"stale"`
	StaleSince *time.Time `json:"stale_since,omitempty"`
	// Members is the number of paths of a group row (1 for a plain one).
	Members int  `json:"members"`
	Group   bool `json:"group"`
	// MeanSeconds is the mean latency when the duration is a summary
	// (p50 and p99 are then null).
	MeanSeconds *jsonFloat `json:"mean_seconds,omitempty"`
	// P99AtTopBucket: the p99 is the top finite bucket; the true p99 is
	// that or more.
	P99AtTopBucket bool `json:"p99_at_top_bucket"`
	// RatesWrong: the figures are known wrong (several processes answer
	// the target's scrapes in turn) and are null; Unknown says why.
	RatesWrong bool   `json:"rates_wrong"`
	Unknown    string `json:"unknown,omitempty"`
	// Changed is the newest restart or deploy of the endpoint's targets in
	// the last 30m; null when none, or unknown (changes_known false).
	Changed *time.Time `json:"changed"`
}

type jsonTarget struct {
	Job       string     `json:"job"`
	Instance  string     `json:"instance"`
	Health    string     `json:"health"`
	LastError string     `json:"last_error"`
	Since     *time.Time `json:"since"`
}

type jsonTotals struct {
	RPS              jsonFloat `json:"rps"`
	ErrorRatio       jsonFloat `json:"error_ratio"`
	P99Seconds       jsonFloat `json:"p99_seconds"`
	Exceptions       jsonFloat `json:"exceptions"`
	ExceptionsSource string    `json:"exceptions_source"`
	// Unknown is why the totals are null though there is traffic.
	Unknown string `json:"unknown,omitempty"`
}

type jsonError struct {
	Name  string `json:"name"`
	Query string `json:"query"`
	Error string `json:"error"`
}

type jsonReport struct {
	Context       string         `json:"context"`
	Prometheus    string         `json:"prometheus"`
	Time          time.Time      `json:"time"`
	Window        string         `json:"window"`
	WindowSeconds float64        `json:"window_seconds"`
	TookSeconds   float64        `json:"took_seconds"`
	Detection     string         `json:"detection,omitempty"`
	Totals        jsonTotals     `json:"totals"`
	Endpoints     []jsonEndpoint `json:"endpoints"`
	Errors        []jsonError    `json:"errors"`
	Warnings      []string       `json:"warnings"`
	Alerts        []ReportAlert  `json:"alerts"`
	AlertsSource  string         `json:"alerts_source"`
	// Targets is null when their health is unknown.
	Targets     []jsonTarget `json:"targets"`
	TargetsDown int          `json:"targets_down"`
	WindowAuto  bool         `json:"window_auto"`
	NoSeries    bool         `json:"no_series"`
	// ChangesKnown is false when the endpoints' changes could not be read.
	ChangesKnown bool `json:"changes_known"`
	// Services are the selection's services (by service_label) with
	// their own figures; null when unknown.
	ServiceLabel string        `json:"service_label"`
	Services     []jsonService `json:"services"`
}

func (r *Report) writeJSON(w io.Writer) error {
	out := r.jsonValue()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// jsonValue is the report as its JSON is built, sanitised.
func (r *Report) jsonValue() *jsonReport {
	ov := r.Overview
	excSrc := ov.ExceptionsSource
	out := jsonReport{
		Context:       r.Context,
		Prometheus:    r.Prometheus,
		Time:          ov.At.UTC(),
		Window:        views.FormatDuration(ov.Window),
		WindowSeconds: ov.Window.Seconds(),
		TookSeconds:   ov.Took.Seconds(),
		Detection:     r.Detection,
		Totals: jsonTotals{
			RPS: jsonFloat(ov.Totals.RPS), ErrorRatio: jsonFloat(ov.Totals.ErrorRatio),
			P99Seconds: jsonFloat(ov.Totals.P99), Exceptions: jsonFloat(ov.Totals.Exceptions),
			ExceptionsSource: r.ExceptionsMetric, Unknown: ov.Totals.Unknown,
		},
		Endpoints: []jsonEndpoint{},
		Errors:    []jsonError{},
		Warnings:  append([]string{}, ov.Warnings...),
		Alerts:    r.Alerts,
	}
	if ov.Totals.Unknown != "" {
		out.Warnings = append(out.Warnings, "totals unknown: "+ov.Totals.Unknown)
	}
	if out.Alerts == nil && !r.alertsUnknown() {
		out.Alerts = []ReportAlert{}
	}
	out.AlertsSource = "alertmanager"
	if r.AlertsSource != "" {
		out.AlertsSource = "prometheus (" + r.AlertsSource + ")"
	}
	out.WindowAuto = ov.WindowAuto
	out.NoSeries = r.NoSeries()
	out.ChangesKnown = ov.ChangesErr == nil
	if ov.Targets.Known {
		out.Targets = []jsonTarget{}
		for _, t := range ov.Targets.List {
			jt := jsonTarget{Job: t.Job, Instance: t.Instance, Health: "up", LastError: t.LastError}
			if !t.Up {
				jt.Health = "down"
				out.TargetsDown++
				if !t.Since.IsZero() {
					since := t.Since.UTC()
					jt.Since = &since
				}
			}
			out.Targets = append(out.Targets, jt)
		}
	}
	nan := jsonFloat(math.NaN())
	for _, e := range r.sorted() {
		je := jsonEndpoint{
			Service: e.Service, Endpoint: e.Name, RPS: jsonFloat(e.RPS), ErrorRatio: jsonFloat(e.ErrorRatio),
			P50Seconds: jsonFloat(e.P50), P99Seconds: jsonFloat(e.P99), Exceptions: jsonFloat(e.Exceptions),
			ExceptionsSource: excSrc,
			Members:          rowMembers(&e), Group: e.Group, P99AtTopBucket: r.Overview.P99Capped(e.P99), RatesWrong: e.Unknown != "", Unknown: e.Unknown,
		}
		if r.Overview.LatencyMean {
			mean := jsonFloat(e.P50)
			je.MeanSeconds, je.P50Seconds = &mean, nan
		}
		if !e.Changed.IsZero() {
			c := e.Changed.UTC()
			je.Changed = &c
		}
		if e.Stale {
			je.RPS, je.ErrorRatio, je.P50Seconds, je.P99Seconds, je.Exceptions = nan, nan, nan, nan, nan
			je.Stale = true
			if !e.StaleSince.IsZero() {
				since := e.StaleSince.UTC()
				je.StaleSince = &since
			}
		}
		out.Endpoints = append(out.Endpoints, je)
	}
	for _, e := range ov.Errors {
		out.Errors = append(out.Errors, jsonError{Name: e.Name, Query: e.Query, Error: e.Err.Error()})
	}
	for _, p := range r.Problems {
		out.Errors = append(out.Errors, jsonError{Name: p.Name, Error: p.Error})
	}
	out.ServiceLabel, out.Services = ov.ServiceLabel, r.jsonServices()
	views.SanitizeJSON(&out)
	return &out
}
