package ui

import (
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/keys"
)

// headerLegend is the legend of the header's symbols: the ones the header
// can show with this configuration (the Alerts tab's counts only with a
// source of alerts, the peers only with Alertmanager).
func (m *Model) headerLegend() []views.Symbol {
	k := m.ctx.Keys
	refresh := views.FormatDuration(m.cfg.UI.Refresh.D())
	window := views.FormatDuration(m.cfg.UI.Window.D())
	if d := m.figures().data(); d != nil && d.Window > 0 {
		window = views.FormatDuration(d.Window)
	}
	out := []views.Symbol{
		{Mark: "…", Meaning: "cut for room: the detail (enter) or a wider terminal shows it whole."},
		{Mark: "● live 48ms", Meaning: "Prometheus answered the last refresh, which took 48ms."},
		{Mark: "◐ stale 30s", Meaning: "the last answer is 30s old: the figures are that old; the error line says why."},
		{Mark: "✕ down", Meaning: "Prometheus does not answer (or a target is down: the line under the header names it)."},
		{Mark: "⏸ paused", Meaning: "refreshing is paused; " + keys.Name(k.Pause) + " resumes."},
		{Mark: "↻ refreshing 9s…", Meaning: "a refresh has run longer than the interval: the figures are older than it."},
		{Mark: "every " + refresh, Meaning: "the refresh interval; \"(scrape)\" after it: the targets' scrape interval, longer than the refresh asked for, so no refresh comes before newer data can exist."},
		{Mark: "window " + window, Meaning: "the figures are over the last " + window + " ((auto): picked from the scrape interval); the Status screen shows both when the header has no room."},
		{Mark: "rules ✓", Meaning: "the figures come from vigil's recording rules (partial: only some; the doctor names the rest)."},
		{Mark: "req/s err p99", Meaning: "the selection's requests per second, error ratio and p99 latency over the window."},
		{Mark: "exc 3/" + window, Meaning: "3 exceptions counted over the last " + window + " (the window), not since start; ? when not known."},
	}
	out = append(out, m.alertsOf().symbols()...) // ui/alerts_header.go
	if m.cfg.UI.ReadOnly {
		out = append(out, views.Symbol{Mark: "read-only", Meaning: "keys that write to Alertmanager are disabled."})
	}
	if m.others != nil {
		out = append(out, views.Symbol{Mark: "│ prod ●3", Meaning: "the other contexts: their firing alerts, ✕ when one does not answer; " + keys.Name(k.Contexts) + " switches."})
	}
	return out
}
