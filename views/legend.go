package views

import (
	"github.com/vigilterm/vigil/views/keys"
	"github.com/vigilterm/vigil/views/widget"
)

// Symbol is one line of the help screen's legend: a mark the screen can
// show, what it means and what to do about it.
type Symbol struct {
	Mark    string
	Meaning string
}

// Legender is a screen that can show symbols: it lists every one it can
// draw, for the legend under the keys in the help screen. The header's
// symbols are the console's (ui) own.
type Legender interface {
	Legend() []Symbol
}

// LegendOf is c's legend, or none when it draws no symbols.
func LegendOf(c Component) []Symbol {
	if l, ok := c.(Legender); ok {
		return l.Legend()
	}
	return nil
}

// windowText is the rate window the figures of d are over, "the window"
// before the first answer.
func windowText(ctx *Context) string {
	if w := ctx.Settings; !w.WindowAuto {
		return FormatDuration(w.Window)
	}
	return "the window (auto)"
}

// Legend implements Legender: the marks of the overview's rows and header.
func (o *Overview) Legend() []Symbol {
	k, key := o.ctx.Keys, widget.Key
	win := windowText(o.ctx)
	if o.data != nil && o.data.Window > 0 {
		win = FormatDuration(o.data.Window)
	}
	exc := Symbol{"EXC/" + win, "exceptions counted over the last " + win + " (a count in the window, not a total or a rate); from the exceptions counter."}
	if o.data == nil || !o.data.ExceptionsByEndpoint {
		exc = Symbol{"EXC*/" + win, "status=\"500\" responses counted over the last " + win + " (a count in the window, not a total): the exceptions counter has no endpoint label, so * marks the stand-in; the header's exc is the counter's own."}
	}
	return []Symbol{
		{"REQ/S", "requests per second over the last " + win + "; ERR% the share of 5xx answers; P50 P99 latency in ms or s."},
		exc,
		{"5XX/S", "on a wide terminal: error responses per second, REQ/S × ERR%."},
		{"● /path", "before a name: a firing alert names this endpoint; " + keys.Name(k.Screen("alerts")) + " shows the alerts."},
		{"⟳12m", "the endpoint's targets restarted or were deployed 12m ago (within the last hour): check the deploy before the code; " + key(k.Open) + " shows the markers on the charts."},
		{"⟳ unknown", "in the column header: whether targets restarted could not be read; the error line says why."},
		{"×6", "a group of 6 paths that are one route (/blog/<slug>); " + key(k.Open) + " lists the members."},
		{"!", "after a group's name: one member is far worse than the group; " + key(k.Open) + " shows which."},
		{"—", "no traffic in the window, so no figure (never zero)."},
		{"?", "in place of a figure: known to be wrong; the line under the table says why and what to fix."},
		{"≥10s", "the p99 is at the histogram's top bucket: the true p99 is that or more; add larger buckets to see it."},
		{"◌ stale 3m", "no fresh series for 3m (target down or no longer exposing it), so no figure is shown; check the target."},
		{"▁▃█", "TREND 15m: the error ratio over the last 15 minutes, a point per 30s, oldest at the left; █ is the crit threshold, or the highest point when above it; blank: no traffic."},
		{"▼ ▲", "the sorted column and its direction; " + key(k.Sort) + " changes the column, " + key(k.Reverse) + " the direction."},
		{"⚕", "the metrics doctor has findings; " + keys.Name(k.Screen("doctor")) + " shows them."},
	}
}

// Legend implements Legender: the marks of the alert rows.
func (a *Alerts) Legend() []Symbol {
	k, key := a.ctx.Keys, widget.Key
	return []Symbol{
		{"crit warn", "SEV: the alert's severity label, shortened; none when it has none."},
		{"⚠", "after STATE: the alert's rule has a finding of the rules check; " + key(k.Open) + " shows it and the fix."},
		{"⟳", "after STATE: acked until resolved, a silence vigil extends while the alert fires; " + key(k.Open) + " shows it."},
		{"…", "a cut value; " + key(k.Open) + " shows the alert in full."},
		{"FOR 16s", "time since the alert became active."},
		{"▾", "a group of alerts of one name (" + key(k.Group) + " groups), with how many are in each state."},
	}
}

// Legend implements Legender: the marks of the silence rows.
func (s *Silences) Legend() []Symbol {
	k, key := s.ctx.Keys, widget.Key
	return []Symbol{
		{"=  !=  =~  !~", "a matcher: equal, not equal, matches the regular expression, does not match it; the labels that tell the silences apart come first."},
		{"▪", "a marked silence; " + key(k.Expire) + " expires every marked one after one confirmation."},
		{"⟳", "before ENDS IN: an ack kept until its alert resolves; vigil extends it while the alert fires."},
		{"MATCHES 3", "how many current alerts the silence's matchers select; — for an expired one."},
		{"…", "a cut value; " + key(k.Open) + " shows the silence in full."},
	}
}
