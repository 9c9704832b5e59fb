package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/vigilterm/vigil/query/rulecheck"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
)

// rulesOutput is one run of the rules check, as `vigil rules lint` and
// `vigil doctor --rules` print it.
type rulesOutput struct {
	Command    string // "vigil rules lint", "vigil doctor --rules"
	Prometheus string // the Prometheus read, "" offline
	Files      []string
	FileErrors []error
	Report     *rulecheck.Report
	// Backtests are those of vigil doctor --rules --backtest, by rule.
	Backtests []*rulecheck.Backtest
	// Skipped counts the rules with a finding left out of the backtests.
	Skipped int
}

// failed says why the run exits 1, "" when it does not: an active finding,
// a file that cannot be read, or a check that could not run.
func (o rulesOutput) failed() string {
	var parts []string
	if n := len(o.FileErrors); n > 0 {
		parts = append(parts, fmt.Sprintf("%d file error(s)", n))
	}
	if n := len(o.Report.Active()); n > 0 {
		parts = append(parts, fmt.Sprintf("%d finding(s)", n))
	}
	if n := len(o.Report.Unknown); n > 0 {
		parts = append(parts, fmt.Sprintf("%d check(s) unknown", n))
	}
	return strings.Join(parts, ", ")
}

func (o rulesOutput) summary() string {
	r := o.Report
	where := "offline"
	if o.Prometheus != "" {
		where = fmt.Sprintf("on %s (%d requests)", o.Prometheus, r.Requests)
	}
	files := ""
	if len(o.Files) > 0 {
		files = fmt.Sprintf(" in %d file(s)", len(o.Files))
	}
	ignored := len(r.Findings) - len(r.Active())
	s := fmt.Sprintf("%d rule(s)%s, %s: %d finding(s)", r.Rules, files, where, len(r.Active()))
	if ignored > 0 {
		s += fmt.Sprintf(", %d acknowledged", ignored)
	}
	return s
}

func (o rulesOutput) write(w io.Writer, format string) error {
	switch format {
	case views.FormatJSON:
		return o.writeJSON(w)
	case views.FormatMarkdown:
		return o.writeMarkdown(w)
	}
	return o.writeText(w)
}

func (o rulesOutput) writeText(w io.Writer) error {
	var b strings.Builder
	for _, e := range o.FileErrors {
		fmt.Fprintf(&b, "%s\n", text.Sanitize(e.Error()))
	}
	for _, f := range o.Report.Findings {
		mark := "⚠"
		if f.Ignored != "" {
			mark = "·"
		}
		fmt.Fprintf(&b, "%s: %s %s: %s (%s)\n", text.Sanitize(f.Where()), mark, text.Sanitize(f.Rule), f.Title, f.Check)
		fmt.Fprintf(&b, "    seen: %s\n", text.Sanitize(f.Seen))
		fmt.Fprintf(&b, "    why:  %s\n", text.Sanitize(f.Why))
		fmt.Fprintf(&b, "    fix:  %s\n", text.Sanitize(f.Fix))
		if f.Ignored != "" {
			fmt.Fprintf(&b, "    acknowledged: %s\n", text.Sanitize(f.Ignored))
		}
	}
	for _, u := range o.Report.Unknown {
		fmt.Fprintf(&b, "unknown %s: %s\n", u.Check, text.Sanitize(u.Reason))
	}
	for _, bt := range o.Backtests {
		fmt.Fprintf(&b, "backtest %s (%d requests):\n", text.Sanitize(bt.Rule), bt.Requests)
		for _, l := range bt.Lines() {
			fmt.Fprintf(&b, "    %s\n", text.Sanitize(l))
		}
	}
	if o.Skipped > 0 {
		fmt.Fprintf(&b, "backtest: %d more rule(s) with a finding not backtested (at most %d at once)\n", o.Skipped, maxBacktests)
	}
	fmt.Fprintf(&b, "%s: %s\n", o.Command, text.Sanitize(o.summary()))
	_, err := io.WriteString(w, b.String())
	return err
}

func (o rulesOutput) writeMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**: %s\n\n", o.Command, text.Markdown(o.summary()))
	for _, e := range o.FileErrors {
		fmt.Fprintf(&b, "- %s\n", text.Markdown(e.Error()))
	}
	if len(o.FileErrors) > 0 {
		b.WriteString("\n")
	}
	if len(o.Report.Findings) > 0 {
		b.WriteString("| where | rule | check | seen | fix |\n|---|---|---|---|---|\n")
		for _, f := range o.Report.Findings {
			check := f.Check
			if f.Ignored != "" {
				check += " (acknowledged: " + f.Ignored + ")"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | `%s` |\n", text.Markdown(f.Where()), text.Markdown(f.Rule),
				text.Markdown(check), text.Markdown(f.Seen), text.MarkdownCode(f.Fix))
		}
	}
	for _, u := range o.Report.Unknown {
		fmt.Fprintf(&b, "\nUnknown %s: %s\n", text.Markdown(u.Check), text.Markdown(u.Reason))
	}
	for _, bt := range o.Backtests {
		fmt.Fprintf(&b, "\nBacktest of %s:\n", text.Markdown(bt.Rule))
		for _, l := range bt.Lines() {
			fmt.Fprintf(&b, "- %s\n", text.Markdown(l))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (o rulesOutput) writeJSON(w io.Writer) error {
	out := struct {
		Command    string                `json:"command"`
		Prometheus string                `json:"prometheus,omitempty"`
		Files      []string              `json:"files"`
		FileErrors []string              `json:"file_errors"`
		Failed     string                `json:"failed,omitempty"`
		Report     *rulecheck.Report     `json:"report"`
		Backtests  []*rulecheck.Backtest `json:"backtests,omitempty"`
		Skipped    int                   `json:"backtests_skipped,omitempty"`
	}{Command: o.Command, Prometheus: o.Prometheus, Files: o.Files, FileErrors: []string{}, Failed: o.failed(),
		Backtests: o.Backtests, Skipped: o.Skipped}
	if out.Files == nil {
		out.Files = []string{}
	}
	for _, e := range o.FileErrors {
		out.FileErrors = append(out.FileErrors, e.Error())
	}
	rep := *o.Report
	rep.Findings = append([]rulecheck.Finding(nil), o.Report.Findings...)
	rep.Unknown = append([]rulecheck.Unknown{}, o.Report.Unknown...)
	out.Report = &rep
	// Rule names, expressions and file names come from files and servers:
	// no control or bidi character leaves in the JSON.
	views.SanitizeJSON(&out)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
