package views

import (
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
