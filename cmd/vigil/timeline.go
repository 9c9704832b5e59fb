package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/timeline"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
)

// The timeline and note commands: the incident's events for the
// postmortem, and a note added to them.

// runLifecycleCommand runs "vigil timeline" or "vigil note".
func runLifecycleCommand(cmd string, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if cmd == "note" {
		return runNote(args, stdout, stderr, getenv)
	}
	return runTimeline(args, stdout, stderr, getenv)
}

// parseWhen reads --since/--until: a duration before now (2h, 90m, 1d) or
// an RFC 3339 time.
func parseWhen(flagName, v string, now time.Time) (time.Time, error) {
	v = strings.TrimSpace(v)
	if d, err := vigil.ParseDuration(v); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("flag --%s: %q is negative", flagName, v)
		}
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("flag --%s: %q is neither a duration before now (2h, 30m, 1d) nor a time such as 2026-03-01T10:00:00Z", flagName, v)
}

func runTimeline(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	o := newFlagSet("vigil timeline", stderr)
	since := o.fs.String("since", "2h", "start of the range: a `duration` before now (2h, 30m) or an RFC 3339 time")
	until := o.fs.String("until", "", "end of the range: a `duration` before now or an RFC 3339 time (default now)")
	format := o.fs.String("format", views.FormatText, "output `format`: text, json or markdown")
	infoMetric := o.fs.String("info-metric", "", "info `metric` whose label values changing is a deploy (default metrics.info_metric, else "+query.DefaultInfoMetric+")")
	cfg, err := parseOneContext(o, args, getenv, format)
	if err != nil {
		return err
	}
	now := time.Now()
	from, err := parseWhen("since", *since, now)
	if err != nil {
		return usageError{err}
	}
	to := now
	if *until != "" {
		if to, err = parseWhen("until", *until, now); err != nil {
			return usageError{err}
		}
	}
	if !to.After(from) {
		return usageError{fmt.Errorf("flag --until: %s is not after --since %s", to.UTC().Format(time.RFC3339), from.UTC().Format(time.RFC3339))}
	}
	prom, err := newPrometheus(&cfg)
	if err != nil {
		return err
	}
	if note := detectShape(context.Background(), &cfg, prom); note != "" {
		fmt.Fprintln(stderr, "vigil timeline: "+text.Sanitize(note))
	}
	req := cfg.TimelineRequest(from, to, now, *infoMetric)
	req.AuditPath = auditPath(&cfg)
	req.NotesPath = query.NotesPathFor(req.AuditPath)
	if len(cfg.Alertmanager.URLs) > 0 {
		am, err := newAlertmanager(&cfg)
		if err != nil {
			return err
		}
		req.Silences = am.Silences
	}
	// The window and grouping first (the overview's; two rounds at most),
	// then the range queries.
	ctx, cancel := context.WithTimeout(context.Background(), 3*max(cfg.Prometheus.Timeout.D(), cfg.Alertmanager.Timeout.D())+time.Second)
	defer cancel()
	tl := timeline.Build(ctx, prom, req)
	r := timelineReport{Context: cfg.Context, Prometheus: cfg.Prometheus.URL, Timeline: tl, Local: time.Local}
	if err := r.write(stdout, *format); err != nil {
		return err
	}
	if len(tl.Errors) > 0 {
		names := make([]string, len(tl.Errors))
		for i, e := range tl.Errors {
			names[i] = e.Source
		}
		return fmt.Errorf("timeline: %d source(s) failed: %s; first: %s", len(tl.Errors), strings.Join(names, ", "), text.Sanitize(tl.Errors[0].Error()))
	}
	return nil
}

// runNote adds a note to the notes store beside the audit log.
func runNote(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fset := flag.NewFlagSet("vigil note", flag.ContinueOnError)
	fset.SetOutput(stderr)
	configPath := fset.String("config", "", "config `file`")
	file := fset.String("file", "", "notes `file` (default: notes.log beside the audit log)")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	msg := strings.TrimSpace(strings.Join(fset.Args(), " "))
	if msg == "" {
		return usageError{errors.New(`vigil note: no text: vigil note "what happened"`)}
	}
	cfg, err := loadConfig(*configPath, getenv)
	if err != nil {
		return err
	}
	path := *file
	if path == "" {
		path = query.NotesPathFor(auditPath(&cfg))
	}
	author := query.Writer(cfg.Silence.CreatedBy)
	if err := query.CheckNote(msg); err != nil {
		return usageError{fmt.Errorf("vigil note: %w", err)}
	}
	n := query.Note{Time: time.Now().UTC(), Author: author, Context: cfg.Context, Text: msg}
	if err := query.NewNoteLog(path).Append(n); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "note added to %s at %s\n", text.Sanitize(path), n.Time.Format(time.RFC3339))
	return nil
}

// timelineReport writes a timeline in one of the formats.
type timelineReport struct {
	Context    string
	Prometheus string
	Timeline   *timeline.Timeline
	Local      *time.Location
}

func (r *timelineReport) write(w io.Writer, format string) error {
	switch format {
	case views.FormatJSON:
		return r.writeJSON(w)
	case views.FormatMarkdown:
		return r.writeMarkdown(w)
	}
	return r.writeText(w)
}

func (r *timelineReport) writeText(w io.Writer) error {
	tl := r.Timeline
	fmt.Fprintf(w, "timeline · %s · %s · %s → %s (step %s, window %s)\n", text.Sanitize(r.Context), text.Sanitize(r.Prometheus),
		tl.Plan.Since.In(r.Local).Format("2006-01-02 15:04:05 MST"), tl.Plan.Until.In(r.Local).Format("2006-01-02 15:04:05 MST"), tl.Plan.Step,
		text.Sanitize(tl.WindowText(true)))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if len(tl.Events) == 0 {
		fmt.Fprintln(tw, "no events in the range")
	} else {
		fmt.Fprintln(tw, "TIME\tKIND\tWHAT")
	}
	for _, e := range tl.Events {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Time.In(r.Local).Format("2006-01-02 15:04:05"), e.Kind, text.Sanitize(e.Summary))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, wn := range tl.Warnings {
		fmt.Fprintf(w, "warning: %s\n", text.Sanitize(wn))
	}
	for _, e := range tl.Errors {
		fmt.Fprintf(w, "error: %s\n", text.Sanitize(e.Error()))
	}
	return nil
}

// mdTime is a time in UTC and in the local zone.
func (r *timelineReport) mdTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05Z") + " (" + t.In(r.Local).Format("15:04:05 MST") + ")"
}

func (r *timelineReport) writeMarkdown(w io.Writer) error {
	tl := r.Timeline
	var b strings.Builder
	fmt.Fprintf(&b, "**Timeline · %s · %s**\n\n", text.Markdown(r.Context), timelineLink(r.Prometheus))
	fmt.Fprintf(&b, "%s → %s, step %s, window %s\n\n", r.mdTime(tl.Plan.Since), r.mdTime(tl.Plan.Until), tl.Plan.Step, text.Markdown(tl.WindowText(true)))
	if len(tl.Events) == 0 {
		b.WriteString("No events in the range.\n")
	} else {
		b.WriteString("| time (UTC, local) | kind | what | source |\n|---|---|---|---|\n")
		for _, e := range tl.Events {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.mdTime(e.Time), e.Kind, text.Markdown(e.Summary), text.Markdown(e.Source))
		}
	}
	if len(tl.Warnings) > 0 {
		b.WriteString("\n**Warnings**\n\n")
		for _, wn := range tl.Warnings {
			fmt.Fprintf(&b, "- %s\n", text.Markdown(wn))
		}
	}
	if len(tl.Errors) > 0 {
		b.WriteString("\n**Sources that failed** (their events are missing above)\n\n")
		for _, e := range tl.Errors {
			fmt.Fprintf(&b, "- %s\n", text.Markdown(e.Error()))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

type timelineJSONEvent struct {
	Time    time.Time         `json:"time"`
	Kind    string            `json:"kind"`
	Summary string            `json:"summary"`
	Labels  map[string]string `json:"labels"`
	Source  string            `json:"source"`
}

type timelineJSONError struct {
	Source string `json:"source"`
	Query  string `json:"query,omitempty"`
	Error  string `json:"error"`
}

func (r *timelineReport) writeJSON(w io.Writer) error {
	tl := r.Timeline
	out := struct {
		Context     string    `json:"context"`
		Prometheus  string    `json:"prometheus"`
		Since       time.Time `json:"since"`
		Until       time.Time `json:"until"`
		StepSeconds float64   `json:"step_seconds"`
		// WindowSeconds is the rate window of the crossings; Window says
		// where it comes from.
		WindowSeconds float64             `json:"window_seconds"`
		Window        string              `json:"window"`
		Events        []timelineJSONEvent `json:"events"`
		Errors        []timelineJSONError `json:"errors"`
		Warnings      []string            `json:"warnings"`
	}{
		Context: text.SanitizeMultiline(r.Context), Prometheus: text.SanitizeMultiline(r.Prometheus),
		Since: tl.Plan.Since.UTC(), Until: tl.Plan.Until.UTC(), StepSeconds: tl.Plan.Step.Seconds(),
		WindowSeconds: tl.Plan.Window.Seconds(), Window: tl.WindowText(true),
		Events: []timelineJSONEvent{}, Errors: []timelineJSONError{}, Warnings: []string{},
	}
	for _, e := range tl.Events {
		labels := make(map[string]string, len(e.Labels))
		keys := make([]string, 0, len(e.Labels))
		for k := range e.Labels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			labels[text.SanitizeMultiline(k)] = text.SanitizeMultiline(e.Labels[k])
		}
		out.Events = append(out.Events, timelineJSONEvent{Time: e.Time.UTC(), Kind: string(e.Kind), Summary: text.SanitizeMultiline(e.Summary), Labels: labels, Source: e.Source})
	}
	for _, e := range tl.Errors {
		out.Errors = append(out.Errors, timelineJSONError{Source: e.Source, Query: text.SanitizeMultiline(e.Query), Error: text.SanitizeMultiline(e.Err.Error())})
	}
	for _, wn := range tl.Warnings {
		out.Warnings = append(out.Warnings, text.SanitizeMultiline(wn))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// timelineLink is a markdown link to an http(s) URL, or the URL as escaped
// text when it is anything else.
func timelineLink(u string) string {
	if link, ok := text.MarkdownLink(u); ok {
		return "[" + text.Markdown(u) + "](" + link + ")"
	}
	return text.Markdown(u)
}
