package overview

import (
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/keys"
	"github.com/vigilterm/vigil/views/widget"
)

// Legend implements views.Legender: the marks of the overview's rows and header.
func (o *Screen) Legend() []views.Symbol {
	k, key := o.ctx.Keys, widget.Key
	win := windowText(o.ctx)
	if o.data != nil && o.data.Window > 0 {
		win = views.FormatDuration(o.data.Window)
	}
	exc := views.Symbol{Mark: "EXC/" + win, Meaning: "exceptions counted over the last " + win + " (a count in the window, not a total or a rate); from the exceptions counter."}
	if o.data == nil || !o.data.ExceptionsByEndpoint {
		exc = views.Symbol{Mark: "EXC*/" + win, Meaning: "status=\"500\" responses counted over the last " + win + " (a count in the window, not a total): the exceptions counter has no endpoint label, so * marks the stand-in; the header's exc is the counter's own."}
	}
	return []views.Symbol{
		{Mark: "REQ/S", Meaning: "requests per second over the last " + win + "; ERR% the share of 5xx answers; P50 P99 latency in ms or s."},
		exc,
		{Mark: "5XX/S", Meaning: "on a wide terminal: error responses per second, REQ/S × ERR%."},
		{Mark: "● /path", Meaning: "before a name: a firing alert names this endpoint; " + keys.Name(k.Screen("alerts")) + " shows the alerts."},
		{Mark: "⟳12m", Meaning: "the endpoint's targets restarted or were deployed 12m ago (within the last hour): check the deploy before the code; " + key(k.Open) + " shows the markers on the charts."},
		{Mark: "⟳ unknown", Meaning: "in the column header: whether targets restarted could not be read; the error line says why."},
		{Mark: "×6", Meaning: "a group of 6 paths that are one route (/blog/<slug>); " + key(k.Open) + " lists the members."},
		{Mark: "!", Meaning: "after a group's name: one member is far worse than the group; " + key(k.Open) + " shows which."},
		{Mark: "—", Meaning: "no traffic in the window, so no figure (never zero)."},
		{Mark: "?", Meaning: "in place of a figure: known to be wrong; the line under the table says why and what to fix."},
		{Mark: "≥10s", Meaning: "the p99 is at the histogram's top bucket: the true p99 is that or more; add larger buckets to see it."},
		{Mark: "◌ stale 3m", Meaning: "no fresh series for 3m (target down or no longer exposing it), so no figure is shown; check the target."},
		{Mark: "▁▃█", Meaning: "TREND 15m: the error ratio over the last 15 minutes, a point per 30s, oldest at the left; █ is the crit threshold, or the highest point when above it; blank: no traffic."},
		{Mark: "▼ ▲", Meaning: "the sorted column and its direction; " + key(k.Sort) + " changes the column, " + key(k.Reverse) + " the direction."},
		{Mark: "⚕", Meaning: "the metrics doctor has findings; " + keys.Name(k.Screen("doctor")) + " shows them."},
	}
}

var (
	_ views.Screen   = (*Screen)(nil)
	_ views.Legender = (*Screen)(nil)
)

// windowText is the rate window the figures of d are over, "the window"
// before the first answer.
func windowText(ctx *views.Context) string {
	if w := ctx.Settings; !w.WindowAuto {
		return views.FormatDuration(w.Window)
	}
	return "the window (auto)"
}
