package views

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/ui/text"
)

// Report formats.
const (
	FormatText     = "text"
	FormatJSON     = "json"
	FormatMarkdown = "markdown"
)

// ReportFormats lists the formats `vigil snapshot --format` accepts.
var ReportFormats = []string{FormatText, FormatJSON, FormatMarkdown}

// Report is one overview rendered for people (text, markdown) or programs
// (JSON). The endpoints are sorted worst first.
type Report struct {
	Context    string
	Prometheus string
	Overview   *query.Overview
	Thresholds query.Thresholds
	// ExceptionsMetric is the exceptions counter the true total comes from.
	ExceptionsMetric string
	// Limit caps the endpoints in text and markdown (0: all). JSON has all.
	Limit int
	// Alerts, when set, are listed after the endpoints.
	Alerts []ReportAlert
}

// ReportAlert is an alert as the report shows it.
type ReportAlert struct {
	Name        string            `json:"name"`
	State       string            `json:"state"`
	Severity    string            `json:"severity"`
	Labels      map[string]string `json:"labels"`
	Summary     string            `json:"summary"`
	RunbookURL  string            `json:"runbook_url"`
	SilencedBy  []string          `json:"silencedBy"`
	ActiveSince *time.Time        `json:"active_since,omitempty"`
}

// Write renders the report in the given format.
func (r *Report) Write(w io.Writer, format string) error {
	switch format {
	case FormatText:
		return r.writeText(w)
	case FormatJSON:
		return r.writeJSON(w)
	case FormatMarkdown:
		return r.writeMarkdown(w)
	default:
		return fmt.Errorf("unknown format %q: use %s", format, strings.Join(ReportFormats, ", "))
	}
}

func (r *Report) sorted() []query.Endpoint {
	eps := append([]query.Endpoint(nil), r.Overview.Endpoints...)
	query.SortEndpoints(eps, query.SortWorst, false, r.Thresholds)
	return eps
}

func (r *Report) limited(eps []query.Endpoint) ([]query.Endpoint, int) {
	if r.Limit > 0 && len(eps) > r.Limit {
		return eps[:r.Limit], len(eps) - r.Limit
	}
	return eps, 0
}

func (r *Report) excNote() string {
	if r.Overview.ExceptionsByEndpoint {
		return "EXC: " + r.Overview.ExceptionsSource + " per endpoint"
	}
	return "EXC*: status=\"500\" responses per endpoint (" + r.Overview.ExceptionsSource +
		"); the exceptions counter has no endpoint label"
}

func (r *Report) excTitle() string {
	if r.Overview.ExceptionsByEndpoint {
		return "EXC"
	}
	return "EXC*"
}

func (r *Report) title() string {
	ov := r.Overview
	return fmt.Sprintf("vigil · %s · %s · window %s · %s", text.Sanitize(r.Context), text.Sanitize(r.Prometheus),
		FormatDuration(ov.Window), ov.At.UTC().Format(time.RFC3339))
}

func (r *Report) totalsLine() string {
	t := r.Overview.Totals
	return fmt.Sprintf("req/s %s · errors %s · p99 %s · exceptions %s", FormatRPS(t.RPS), FormatPercent(t.ErrorRatio),
		FormatSeconds(t.P99), FormatCount(t.Exceptions))
}

func (r *Report) writeText(w io.Writer) error {
	eps, more := r.limited(r.sorted())
	nameW := len("ENDPOINT")
	for _, e := range eps {
		nameW = max(nameW, text.Width(text.Sanitize(e.Name)))
	}
	nameW = min(nameW, 60)
	var b strings.Builder
	fmt.Fprintln(&b, r.title())
	fmt.Fprintln(&b, r.totalsLine())
	fmt.Fprintln(&b)
	row := func(cols ...string) {
		b.WriteString(text.PadRight(cols[0], nameW))
		for i, c := range cols[1:] {
			wd := []int{rpsW, errW, latW, latW, excW}[i]
			b.WriteString("  " + text.PadLeft(c, wd))
		}
		b.WriteString("\n")
	}
	row("ENDPOINT", "REQ/S", "ERR%", "P50", "P99", r.excTitle())
	for _, e := range eps {
		row(text.Sanitize(e.Name), FormatRPS(e.RPS), FormatPercent(e.ErrorRatio), FormatSeconds(e.P50),
			FormatSeconds(e.P99), FormatCount(e.Exceptions))
	}
	if more > 0 {
		fmt.Fprintf(&b, "… and %d more endpoints\n", more)
	}
	fmt.Fprintln(&b)
	fmt.Fprintln(&b, r.excNote())
	for _, e := range r.Overview.Errors {
		fmt.Fprintf(&b, "error: query %s: %s\n", e.Name, text.Sanitize(e.Err.Error()))
	}
	for _, wn := range r.Overview.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", text.Sanitize(wn))
	}
	r.writeAlertsText(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Report) writeAlertsText(b *strings.Builder) {
	if r.Alerts == nil {
		return
	}
	fmt.Fprintf(b, "\nALERTS (%d)\n", len(r.Alerts))
	ls := reportAlertLabels(r.Alerts) // alerts.go
	for i, a := range r.Alerts {
		fmt.Fprintf(b, "%-9s %-9s %s %s— %s", text.Sanitize(a.Severity), a.State, text.Sanitize(a.Name), ls[i], reportHeadline(a))
		if a.RunbookURL != "" {
			fmt.Fprintf(b, " (runbook: %s)", text.Sanitize(a.RunbookURL))
		}
		b.WriteString("\n")
	}
}

// mdCell makes a string safe inside a markdown table cell.
func mdCell(s string) string {
	s = text.Sanitize(s)
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "`", "'")
	return s
}

func (r *Report) writeMarkdown(w io.Writer) error {
	eps, more := r.limited(r.sorted())
	th := r.Thresholds
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**\n\n", mdCell(r.title()))
	fmt.Fprintf(&b, "%s\n\n", r.totalsLine())
	fmt.Fprintf(&b, "| endpoint | req/s | err%% | p50 | p99 | %s |\n", strings.ToLower(r.excTitle()))
	b.WriteString("|---|---:|---:|---:|---:|---:|\n")
	mark := func(s string, lvl query.Level) string {
		switch lvl {
		case query.LevelCrit:
			return "🔴 " + s
		case query.LevelWarn:
			return "🟡 " + s
		}
		return s
	}
	for _, e := range eps {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", mdCell(e.Name), FormatRPS(e.RPS),
			mark(FormatPercent(e.ErrorRatio), th.ErrorLevel(e.ErrorRatio)), FormatSeconds(e.P50),
			mark(FormatSeconds(e.P99), th.P99Level(e.P99)), FormatCount(e.Exceptions))
	}
	if more > 0 {
		fmt.Fprintf(&b, "\n… and %d more endpoints\n", more)
	}
	fmt.Fprintf(&b, "\n_%s_\n", mdCell(r.excNote()))
	for _, e := range r.Overview.Errors {
		fmt.Fprintf(&b, "\n> query %s failed: %s\n", mdCell(e.Name), mdCell(e.Err.Error()))
	}
	if r.Alerts != nil {
		fmt.Fprintf(&b, "\n**Alerts (%d)**\n\n", len(r.Alerts))
		for _, a := range r.Alerts {
			fmt.Fprintf(&b, "- **%s** (%s, %s): %s", mdCell(a.Name), mdCell(a.Severity), a.State, mdCell(a.Summary))
			if a.RunbookURL != "" {
				fmt.Fprintf(&b, " — [runbook](%s)", mdCell(a.RunbookURL))
			}
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

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
	Endpoint         string    `json:"endpoint"`
	RPS              jsonFloat `json:"rps"`
	ErrorRatio       jsonFloat `json:"error_ratio"`
	P50Seconds       jsonFloat `json:"p50_seconds"`
	P99Seconds       jsonFloat `json:"p99_seconds"`
	Exceptions       jsonFloat `json:"exceptions"`
	ExceptionsSource string    `json:"exceptions_source"`
}

type jsonTotals struct {
	RPS              jsonFloat `json:"rps"`
	ErrorRatio       jsonFloat `json:"error_ratio"`
	P99Seconds       jsonFloat `json:"p99_seconds"`
	Exceptions       jsonFloat `json:"exceptions"`
	ExceptionsSource string    `json:"exceptions_source"`
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
	Totals        jsonTotals     `json:"totals"`
	Endpoints     []jsonEndpoint `json:"endpoints"`
	Errors        []jsonError    `json:"errors"`
	Warnings      []string       `json:"warnings"`
	Alerts        []ReportAlert  `json:"alerts"`
}

func (r *Report) writeJSON(w io.Writer) error {
	ov := r.Overview
	excSrc := ov.ExceptionsSource
	out := jsonReport{
		Context:       r.Context,
		Prometheus:    r.Prometheus,
		Time:          ov.At.UTC(),
		Window:        FormatDuration(ov.Window),
		WindowSeconds: ov.Window.Seconds(),
		TookSeconds:   ov.Took.Seconds(),
		Totals: jsonTotals{
			RPS: jsonFloat(ov.Totals.RPS), ErrorRatio: jsonFloat(ov.Totals.ErrorRatio),
			P99Seconds: jsonFloat(ov.Totals.P99), Exceptions: jsonFloat(ov.Totals.Exceptions),
			ExceptionsSource: r.ExceptionsMetric,
		},
		Endpoints: []jsonEndpoint{},
		Errors:    []jsonError{},
		Warnings:  append([]string{}, ov.Warnings...),
		Alerts:    r.Alerts,
	}
	if out.Alerts == nil {
		out.Alerts = []ReportAlert{}
	}
	for _, e := range r.sorted() {
		out.Endpoints = append(out.Endpoints, jsonEndpoint{
			Endpoint: e.Name, RPS: jsonFloat(e.RPS), ErrorRatio: jsonFloat(e.ErrorRatio),
			P50Seconds: jsonFloat(e.P50), P99Seconds: jsonFloat(e.P99), Exceptions: jsonFloat(e.Exceptions),
			ExceptionsSource: excSrc,
		})
	}
	for _, e := range ov.Errors {
		out.Errors = append(out.Errors, jsonError{Name: e.Name, Query: e.Query, Error: e.Err.Error()})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
