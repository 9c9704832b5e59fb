package overview

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/alerting"
	"github.com/vigilterm/vigil/views/text"
)

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
	// AlertsSource says where Alerts come from when it is not
	// Alertmanager: "Alertmanager not configured" or "Alertmanager
	// unreachable: <cause>" (Prometheus's own alerts are shown then).
	AlertsSource string
	// Selector is the metrics selector, for the "no series" line.
	Selector string
	// EndpointLabel is the endpoint label, shown first among an alert's
	// distinguishing labels ("path" when empty).
	EndpointLabel string
	// Problems are failures outside the overview's queries (Alertmanager),
	// listed with the errors.
	Problems []QueryProblem
	// Detection says what was detected from the series (endpoint label,
	// metric prefix), or why it failed; "" when nothing was left to it.
	Detection string
}

// QueryProblem is a named failure of the snapshot.
type QueryProblem struct {
	Name  string
	Error string
}

// TargetsLine is the one line on the targets behind the selector; "" when
// their health is unknown.
func (r *Report) TargetsLine() string {
	tg := &r.Overview.Targets
	if !tg.Known {
		return ""
	}
	if len(tg.List) == 0 {
		return "targets: none: up{" + text.Sanitize(r.Selector) + "} matches nothing"
	}
	down := tg.Down()
	if len(down) == 0 {
		return fmt.Sprintf("targets: %d of %d up", len(tg.List), len(tg.List))
	}
	parts := make([]string, 0, len(down))
	for _, t := range down {
		parts = append(parts, TargetText(t))
	}
	return "targets: " + TargetsDownText(tg, r.Overview.At) + " — " + strings.Join(parts, "; ")
}

// NoSeries reports whether the selector matched no series and no target.
func (r *Report) NoSeries() bool {
	return len(r.Overview.Endpoints) == 0 && r.Overview.Targets.Known && len(r.Overview.Targets.List) == 0
}

// staleCell is "stale 42s" for a stale endpoint's figures.
func (r *Report) staleCell(e *query.Endpoint) string {
	if e.StaleSince.IsZero() {
		return "stale"
	}
	return "stale " + views.FormatDuration(r.Overview.At.Sub(e.StaleSince).Truncate(time.Second))
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
	case views.FormatText:
		return r.writeText(w)
	case views.FormatJSON:
		return r.writeJSON(w)
	case views.FormatMarkdown:
		return r.writeMarkdown(w)
	default:
		return fmt.Errorf("unknown format %q: use %s", format, strings.Join(views.ReportFormats, ", "))
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
	win := views.FormatDuration(ov.Window)
	if ov.WindowAuto {
		win += " (auto)"
	}
	return fmt.Sprintf("vigil · %s · %s · window %s · %s", text.Sanitize(r.Context), text.Sanitize(r.Prometheus),
		win, ov.At.UTC().Format(time.RFC3339))
}

func (r *Report) totalsLine() string {
	t := r.Overview.Totals
	if t.Unknown != "" {
		return "req/s ? · errors ? · p99 ? · exceptions ? (" + text.Sanitize(t.Unknown) + ")"
	}
	return fmt.Sprintf("req/s %s · errors %s · p99 %s · exceptions %s", views.FormatRPS(t.RPS), views.FormatPercent(t.ErrorRatio),
		views.FormatSeconds(t.P99), views.FormatCount(t.Exceptions))
}

func (r *Report) writeText(w io.Writer) error {
	eps, more := r.limited(r.sorted())
	nameW := len("ENDPOINT")
	for _, e := range eps {
		nameW = max(nameW, text.Width(r.rowName(&e)))
	}
	nameW = min(nameW, 60)
	var b strings.Builder
	fmt.Fprintln(&b, r.title())
	fmt.Fprintln(&b, r.totalsLine())
	if l := r.TargetsLine(); l != "" {
		fmt.Fprintln(&b, l)
	}
	if r.Detection != "" {
		fmt.Fprintln(&b, text.Sanitize(r.Detection))
	}
	if r.NoSeries() {
		fmt.Fprintf(&b, "no series matches {%s}\n", text.Sanitize(r.Selector))
	}
	fmt.Fprintln(&b)
	svcW := r.serviceWidth(eps)
	r.writeServicesText(&b)
	row := func(cols ...string) {
		if svcW > 0 {
			b.WriteString(text.PadRight(cols[0], svcW) + "  ")
			cols = cols[1:]
		}
		b.WriteString(text.PadRight(cols[0], nameW))
		for i, c := range cols[1:] {
			wd := []int{rpsW, errW, latW, latW, excW}[i]
			b.WriteString("  " + text.PadLeft(c, wd))
		}
		b.WriteString("\n")
	}
	row(r.withService(svcW, "SERVICE", "ENDPOINT", "REQ/S", "ERR%", r.p50Title(), "P99", r.excTitle())...)
	for _, e := range eps {
		if e.Stale {
			if svcW > 0 {
				b.WriteString(text.PadRight(text.Sanitize(e.Service), svcW) + "  ")
			}
			b.WriteString(text.PadRight(r.rowName(&e), nameW) + "  " + r.staleCell(&e) + " (no fresh series)\n")
			continue
		}
		row(r.withService(svcW, text.Sanitize(e.Service), r.rowName(&e), views.FormatRPS(e.RPS), views.FormatPercent(e.ErrorRatio), views.FormatSeconds(e.P50),
			r.p99Text(e.P99), views.FormatCount(e.Exceptions))...)
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
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "error: %s: %s\n", p.Name, text.Sanitize(p.Error))
	}
	r.writeAlertsText(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

// alertsUnknown reports whether the alerts could not be read at all.
func (r *Report) alertsUnknown() bool {
	for _, p := range r.Problems {
		if p.Name == "alerts" {
			return true
		}
	}
	return false
}

func (r *Report) writeAlertsText(b *strings.Builder) {
	if r.Alerts == nil {
		if r.alertsUnknown() {
			b.WriteString("\nALERTS unknown: see the error above\n")
		}
		return
	}
	fmt.Fprintf(b, "\nALERTS (%d)\n", len(r.Alerts))
	if r.AlertsSource != "" {
		fmt.Fprintf(b, "%s: Prometheus's own alerts\n", text.Sanitize(r.AlertsSource))
	}
	ls := reportAlertLabels(r.Alerts, r.EndpointLabel)
	for i, a := range r.Alerts {
		fmt.Fprintf(b, "%-9s %-9s %s %s— %s", text.Sanitize(a.Severity), a.State, text.Sanitize(a.Name), ls[i], reportHeadline(a))
		if a.RunbookURL != "" {
			fmt.Fprintf(b, " (runbook: %s)", text.Sanitize(a.RunbookURL))
		}
		b.WriteString("\n")
	}
}

func (r *Report) writeMarkdown(w io.Writer) error {
	eps, more := r.limited(r.sorted())
	th := r.Thresholds
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**\n\n", text.Markdown(r.title()))
	fmt.Fprintf(&b, "%s\n\n", r.totalsLine())
	if l := r.TargetsLine(); l != "" {
		if len(r.Overview.Targets.Down()) > 0 {
			l = "🔴 " + l
		}
		fmt.Fprintf(&b, "%s\n\n", text.Markdown(l))
	}
	if r.NoSeries() {
		fmt.Fprintf(&b, "**no series matches `{%s}`**\n\n", text.Markdown(r.Selector))
	}
	multi := r.multiService()
	r.writeServicesMarkdown(&b)
	svc := func(e *query.Endpoint) string {
		if !multi {
			return ""
		}
		return "| " + text.Markdown(e.Service) + " "
	}
	if multi {
		b.WriteString("| service ")
	}
	fmt.Fprintf(&b, "| endpoint | req/s | err%% | %s | p99 | %s |\n", strings.ToLower(r.p50Title()), strings.ToLower(r.excTitle()))
	if multi {
		b.WriteString("|---")
	}
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
		if e.Stale {
			fmt.Fprintf(&b, "%s| `%s`%s | %s | | | | |\n", svc(&e), text.MarkdownCode(e.Name), r.rowMarks(&e), "🔴 "+text.Markdown(r.staleCell(&e)))
			continue
		}
		fmt.Fprintf(&b, "%s| `%s`%s | %s | %s | %s | %s | %s |\n", svc(&e), text.MarkdownCode(e.Name), r.rowMarks(&e)+r.changedSuffix(&e), views.FormatRPS(e.RPS),
			mark(views.FormatPercent(e.ErrorRatio), th.ErrorLevel(e.ErrorRatio)), views.FormatSeconds(e.P50),
			mark(r.p99Text(e.P99), th.P99Level(e.P99)), views.FormatCount(e.Exceptions))
	}
	if more > 0 {
		fmt.Fprintf(&b, "\n… and %d more endpoints\n", more)
	}
	fmt.Fprintf(&b, "\n_%s_\n", text.Markdown(r.excNote()))
	for _, e := range r.Overview.Errors {
		fmt.Fprintf(&b, "\n> query %s failed: %s\n", text.Markdown(e.Name), text.Markdown(e.Err.Error()))
	}
	for _, wn := range r.Overview.Warnings {
		fmt.Fprintf(&b, "\n> warning: %s\n", text.Markdown(wn))
	}
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "\n> %s failed: %s\n", text.Markdown(p.Name), text.Markdown(p.Error))
	}
	if r.Alerts != nil {
		fmt.Fprintf(&b, "\n**Alerts (%d)**\n\n", len(r.Alerts))
		if r.AlertsSource != "" {
			fmt.Fprintf(&b, "_%s: Prometheus's own alerts_\n\n", text.Markdown(r.AlertsSource))
		}
		ls := reportAlertLabels(r.Alerts, r.EndpointLabel)
		for i, a := range r.Alerts {
			labels := ""
			if l := strings.TrimSpace(ls[i]); l != "" {
				labels = "`" + text.MarkdownCode(l) + "` "
			}
			fmt.Fprintf(&b, "- **%s** %s(%s, %s): %s", text.Markdown(a.Name), labels, text.Markdown(a.Severity), a.State, text.Markdown(reportHeadline(a)))
			if link, ok := text.MarkdownLink(a.RunbookURL); ok {
				fmt.Fprintf(&b, " — [runbook](%s)", link)
			} else if a.RunbookURL != "" {
				// Not a web address: shown as code, never a link.
				fmt.Fprintf(&b, " — runbook (not an http link): `%s`", text.MarkdownCode(a.RunbookURL))
			}
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// rowMembers is a row's member count: 1 for a plain endpoint.
func rowMembers(e *query.Endpoint) int {
	if e.Group {
		return e.Members
	}
	return 1
}

// rowMarks is what follows a row's name: "×N" for a group, "? reason" when
// its rates cannot be known.
func (r *Report) rowMarks(e *query.Endpoint) string {
	var s string
	if e.Group {
		s += fmt.Sprintf(" ×%d", e.Members)
	}
	if e.Unknown != "" {
		s += " ? " + e.Unknown
	}
	return s
}

// rowName is a row's name as text shows it, with its marks.
func (r *Report) rowName(e *query.Endpoint) string {
	return text.Sanitize(e.Name) + r.rowMarks(e) + r.changedSuffix(e)
}

// p50Title is P50, or MEAN when the duration is a summary.
func (r *Report) p50Title() string {
	if r.Overview.LatencyMean {
		return "MEAN"
	}
	return "P50"
}

// p99Text is a p99, "≥10s" at the top bucket.
func (r *Report) p99Text(v float64) string { return P99Text(r.Overview, v) }

// changedSuffix is " ⟳12m" for an endpoint whose targets restarted or
// were deployed within query.ChangedWithin, as of the overview's time.
func (r *Report) changedSuffix(e *query.Endpoint) string {
	if e.Changed.IsZero() {
		return ""
	}
	return " ⟳" + shortAge(r.Overview.At.Sub(e.Changed))
}

// reportAlertLabels is AlertLabelTexts for the snapshot's alerts, each
// followed by a space when not empty.
func reportAlertLabels(ras []ReportAlert, endpointLabel string) []string {
	if endpointLabel == "" {
		endpointLabel = "path"
	}
	as := make([]query.Alert, len(ras))
	for i, ra := range ras {
		as[i] = query.Alert{Name: ra.Name, Labels: ra.Labels}
	}
	out := alerting.AlertLabelTexts(as, endpointLabel)
	for i := range out {
		if out[i] != "" {
			out[i] = "{" + out[i] + "} "
		}
	}
	return out
}

// reportHeadline is the snapshot's text after an alert's name: its
// summary (the snapshot fills it with query.Alert.Headline), sanitised, or
// "(no summary)".
func reportHeadline(ra ReportAlert) string {
	if s := strings.TrimSpace(text.Sanitize(ra.Summary)); s != "" {
		return s
	}
	return "(no summary)"
}
