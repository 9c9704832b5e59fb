package overview

import (
	"fmt"
	"strings"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
)

// The report's services: with more than one in the selection, a services
// table first, and a SERVICE column before each endpoint.

// multiService reports whether the selection spans several services.
func (r *Report) multiService() bool { return len(r.Overview.Services) > 1 }

// serviceWidth is the SERVICE column's width, 0 without the column.
func (r *Report) serviceWidth(eps []query.Endpoint) int {
	if !r.multiService() {
		return 0
	}
	w := len("SERVICE")
	for _, e := range eps {
		w = max(w, text.Width(text.Sanitize(e.Service)))
	}
	return min(w, 30)
}

// withService puts the service cell first when there is the column.
func (r *Report) withService(svcW int, service string, cols ...string) []string {
	if svcW == 0 {
		return cols
	}
	return append([]string{service}, cols...)
}

// serviceCells are a service's figures as text: ? when they are known
// wrong, its targets up of known.
func serviceCells(sv *query.Service) []string {
	if sv.Unknown != "" {
		return []string{"?", "?", "?", "?", serviceTargetsText(sv)}
	}
	return []string{views.FormatRPS(sv.RPS), views.FormatPercent(sv.ErrorRatio), views.FormatSeconds(sv.P99), views.FormatCount(sv.Exceptions), serviceTargetsText(sv)}
}

// serviceTargetsText is "2/2 up", or "?" when unknown.
func serviceTargetsText(sv *query.Service) string {
	if !sv.TargetsKnown {
		return "?"
	}
	return fmt.Sprintf("%d/%d up", sv.Up, sv.Targets)
}

// writeServicesText writes the services table, when there are several.
func (r *Report) writeServicesText(b *strings.Builder) {
	if !r.multiService() {
		return
	}
	svcs := r.Overview.Services
	nameW := len("SERVICE")
	for i := range svcs {
		nameW = max(nameW, text.Width(text.Sanitize(svcs[i].Name)))
	}
	nameW = min(nameW, 30)
	widths := []int{rpsW, errW, latW, excW, 9}
	row := func(name string, cols []string) {
		b.WriteString(text.PadRight(text.Fit(name, nameW), nameW))
		for i, c := range cols {
			b.WriteString("  " + text.PadLeft(c, widths[i]))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(b, "%d services (by %s):\n", len(svcs), text.Sanitize(r.Overview.ServiceLabel))
	row("SERVICE", []string{"REQ/S", "ERR%", "P99", "EXC", "TARGETS"})
	for i := range svcs {
		row(text.Sanitize(svcs[i].Name), serviceCells(&svcs[i]))
	}
	for i := range svcs {
		if svcs[i].Unknown != "" {
			fmt.Fprintf(b, "? %s: %s\n", text.Sanitize(svcs[i].Name), text.Sanitize(svcs[i].Unknown))
		}
	}
	b.WriteString("\n")
}

// writeServicesMarkdown writes the services table, when there are several.
func (r *Report) writeServicesMarkdown(b *strings.Builder) {
	if !r.multiService() {
		return
	}
	b.WriteString("| service | req/s | err% | p99 | exc | targets |\n|---|---:|---:|---:|---:|---:|\n")
	for i := range r.Overview.Services {
		sv := &r.Overview.Services[i]
		c := serviceCells(sv)
		fmt.Fprintf(b, "| `%s` | %s | %s | %s | %s | %s |\n", text.MarkdownCode(sv.Name), c[0], c[1], c[2], c[3], c[4])
	}
	for i := range r.Overview.Services {
		if sv := &r.Overview.Services[i]; sv.Unknown != "" {
			fmt.Fprintf(b, "\n? `%s`: %s\n", text.MarkdownCode(sv.Name), text.Markdown(sv.Unknown))
		}
	}
	b.WriteString("\n")
}

type jsonService struct {
	Name       string    `json:"name"`
	RPS        jsonFloat `json:"rps"`
	ErrorRatio jsonFloat `json:"error_ratio"`
	P99Seconds jsonFloat `json:"p99_seconds"`
	Exceptions jsonFloat `json:"exceptions"`
	// Unknown is why the figures are null.
	Unknown string `json:"unknown,omitempty"`
	// TargetsUp and Targets are null when unknown.
	TargetsUp *int `json:"targets_up"`
	Targets   *int `json:"targets"`
}

// jsonServices are the services for JSON; nil when unknown.
func (r *Report) jsonServices() []jsonService {
	ov := r.Overview
	if ov.ServicesErr != nil {
		return nil
	}
	out := make([]jsonService, 0, len(ov.Services))
	for _, sv := range ov.Services {
		js := jsonService{Name: sv.Name, RPS: jsonFloat(sv.RPS), ErrorRatio: jsonFloat(sv.ErrorRatio), P99Seconds: jsonFloat(sv.P99),
			Exceptions: jsonFloat(sv.Exceptions), Unknown: sv.Unknown}
		if sv.TargetsKnown {
			up, n := sv.Up, sv.Targets
			js.TargetsUp, js.Targets = &up, &n
		}
		out = append(out, js)
	}
	return out
}
