package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vigilterm/vigil/query/doctor"
	"github.com/vigilterm/vigil/views"
	doctorview "github.com/vigilterm/vigil/views/doctor"
	"github.com/vigilterm/vigil/views/text"
)

// runDoctor checks the exporter's series behind the selector and prints
// each check: what was seen, why it matters and the fix.
func runDoctor(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	o := newFlagSet("vigil doctor", stderr)
	format := o.fs.String("format", views.FormatText, "output `format`: text, json or markdown")
	rules := o.fs.Bool("rules", false, "check the alerting and recording rules Prometheus has loaded (docs/rules.md) instead of the exporter's series")
	backtest := o.fs.Bool("backtest", false, "with --rules: how often each rule with a finding fired over 24h and 7d (ALERTS), and its fix would have")
	cfg, err := parseOneContext(o, args, getenv, format)
	if err != nil {
		return err
	}
	if *backtest && !*rules {
		return usageError{fmt.Errorf("--backtest goes with --rules")}
	}
	if *rules {
		return runDoctorRules(&cfg, *format, *backtest, stdout) // rules_lint.go
	}
	prom, err := newPrometheus(&cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*cfg.Prometheus.Timeout.D()+time.Second)
	defer cancel()
	s := cfg.Shape()
	r := doctor.Run(ctx, prom, s, doctorOptions(&cfg))
	d := doctorOutput{Prometheus: cfg.Prometheus.URL, Selector: cfg.Metrics.Selector, Report: r}
	switch *format {
	case views.FormatJSON:
		err = d.writeJSON(stdout)
	case views.FormatMarkdown:
		err = d.writeMarkdown(stdout)
	default:
		err = d.writeText(stdout)
	}
	if err != nil {
		return err
	}
	if p := r.Problems(); len(p) > 0 {
		ids := make([]string, len(p))
		for i, c := range p {
			ids[i] = c.ID + " " + string(c.Status)
		}
		return fmt.Errorf("doctor: %d check(s) need attention: %s", len(p), strings.Join(ids, ", "))
	}
	return nil
}

type doctorOutput struct {
	Prometheus string
	Selector   string
	Report     *doctor.Report
}

func (d doctorOutput) detected() string {
	x := d.Report.Detected
	if !x.PrefixKnown {
		return "no exporter family found"
	}
	lat := "latency histogram"
	switch {
	case x.Summary:
		lat = "latency summary (no buckets)"
	case x.Histogram && x.TopBucket > 0:
		lat += ", top bucket " + doctor.FormatSeconds(x.TopBucket)
	}
	label := x.EndpointLabel
	if label == "" {
		label = "unknown"
	}
	prefix := x.Prefix
	if prefix == "" {
		prefix = "none"
	}
	return fmt.Sprintf("prefix %s, endpoint label %s, %s, %d endpoints", prefix, label, lat, x.Endpoints)
}

func (d doctorOutput) writeText(w io.Writer) error {
	r := d.Report
	var b strings.Builder
	fmt.Fprintf(&b, "vigil doctor: {%s} on %s (%d requests)\n", text.Sanitize(d.Selector), text.Sanitize(d.Prometheus), r.Requests)
	fmt.Fprintf(&b, "detected: %s\n\n", text.Sanitize(d.detected()))
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "%s %-26s %s\n", doctorview.Marks[c.Status], c.Title, text.Sanitize(c.Seen))
		if c.Status == doctor.OK {
			continue
		}
		if len(c.Subjects) > 0 {
			subj := make([]string, len(c.Subjects))
			for i, s := range c.Subjects {
				subj[i] = text.Sanitize(s)
			}
			fmt.Fprintf(&b, "    on:  %s\n", strings.Join(subj, ", "))
		}
		if c.Why != "" {
			fmt.Fprintf(&b, "    why: %s\n", text.Sanitize(c.Why))
		}
		if c.Fix != "" {
			fmt.Fprintf(&b, "    fix: %s\n", text.Sanitize(c.Fix))
		}
	}
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "\nquery %s failed: %s\n  %s\n", e.Name, text.Sanitize(e.Err.Error()), text.Sanitize(e.Query))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (d doctorOutput) writeMarkdown(w io.Writer) error {
	r := d.Report
	var b strings.Builder
	fmt.Fprintf(&b, "**vigil doctor** `%s` on %s\n\n", text.MarkdownCode(d.Selector), text.Markdown(d.Prometheus))
	fmt.Fprintf(&b, "Detected: %s\n\n", text.Markdown(d.detected()))
	b.WriteString("| | check | seen | fix |\n|---|---|---|---|\n")
	for _, c := range r.Checks {
		seen := c.Seen
		if len(c.Subjects) > 0 {
			seen += " (" + strings.Join(c.Subjects, ", ") + ")"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", doctorview.Marks[c.Status], text.Markdown(c.Title), text.Markdown(seen), text.Markdown(c.Fix))
	}
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "\nQuery %s failed: %s\n", text.Markdown(e.Name), text.Markdown(e.Err.Error()))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (d doctorOutput) writeJSON(w io.Writer) error {
	type jsonErr struct {
		Name  string `json:"name"`
		Query string `json:"query"`
		Error string `json:"error"`
	}
	type jsonGroup struct {
		Name    string `json:"name"`
		Members int    `json:"members"`
	}
	r := d.Report
	out := struct {
		Prometheus string          `json:"prometheus"`
		Selector   string          `json:"selector"`
		Worst      doctor.Status   `json:"worst"`
		Detected   doctor.Detected `json:"detected"`
		Groups     []jsonGroup     `json:"groups"`
		Checks     []doctor.Check  `json:"checks"`
		Errors     []jsonErr       `json:"errors"`
		Requests   int             `json:"requests"`
	}{Prometheus: d.Prometheus, Selector: d.Selector, Worst: r.Worst(), Detected: r.Detected, Requests: r.Requests,
		Groups: []jsonGroup{}, Errors: []jsonErr{}}
	for _, c := range r.Checks {
		c.Subjects = append([]string(nil), c.Subjects...) // sanitised below, the report's own left alone
		out.Checks = append(out.Checks, c)
	}
	for _, g := range r.Detected.Groups {
		out.Groups = append(out.Groups, jsonGroup{g.Name, len(g.Members)})
	}
	for _, e := range r.Errors {
		out.Errors = append(out.Errors, jsonErr{e.Name, e.Query, e.Err.Error()})
	}
	// Label values (paths) come from the servers: no control or bidi
	// character leaves in the JSON, as in the snapshot's.
	views.SanitizeJSON(&out)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
