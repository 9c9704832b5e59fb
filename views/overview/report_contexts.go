package overview

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
)

// ContextReport is the snapshot of one context: its report (nil when
// nothing could be read) and what failed (nil when nothing did).
type ContextReport struct {
	Name   string
	Report *Report
	Err    error
}

// jsonContext is one context of the JSON snapshot of several: its name,
// the error when it failed, and the usual snapshot's fields when there
// were any to show.
type jsonContext struct {
	Name  string `json:"name"`
	Error string `json:"error,omitempty"`
	*jsonReport
}

// WriteContexts writes the snapshots of several contexts: in text and
// markdown one section each, in JSON one object {"contexts": [...]}.
func WriteContexts(w io.Writer, format string, reports []ContextReport) error {
	switch format {
	case views.FormatJSON:
		out := struct {
			Contexts []jsonContext `json:"contexts"`
		}{Contexts: []jsonContext{}}
		for _, c := range reports {
			jc := jsonContext{Name: views.JSONText(c.Name)}
			if c.Err != nil {
				jc.Error = views.JSONText(c.Err.Error())
			}
			if c.Report != nil {
				jc.jsonReport = c.Report.jsonValue()
			}
			out.Contexts = append(out.Contexts, jc)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case views.FormatText, views.FormatMarkdown:
		for i, c := range reports {
			var head strings.Builder
			if i > 0 {
				head.WriteString("\n")
			}
			name := text.Sanitize(c.Name)
			if format == views.FormatMarkdown {
				fmt.Fprintf(&head, "## %s\n\n", text.Markdown(name))
			} else {
				fmt.Fprintf(&head, "=== context %s ===\n", name)
			}
			if c.Err != nil {
				e := text.Sanitize(c.Err.Error())
				if format == views.FormatMarkdown {
					fmt.Fprintf(&head, "🔴 failed: %s\n", text.Markdown(e))
				} else {
					fmt.Fprintf(&head, "%s: failed: %s\n", name, e)
				}
				if c.Report != nil {
					head.WriteString("\n")
				}
			}
			if _, err := io.WriteString(w, head.String()); err != nil {
				return err
			}
			if c.Report != nil {
				if err := c.Report.Write(w, format); err != nil {
					return err
				}
			}
		}
		return nil
	default:
		return fmt.Errorf("unknown format %q: use %s", format, strings.Join(views.ReportFormats, ", "))
	}
}
