package alerting

import (
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/widget"
)

// Legend implements views.Legender: the marks of the alert rows.
func (a *Alerts) Legend() []views.Symbol {
	k, key := a.ctx.Keys, widget.Key
	return []views.Symbol{
		{Mark: "crit warn", Meaning: "SEV: the alert's severity label, shortened; none when it has none."},
		{Mark: "⚠", Meaning: "after STATE: the alert's rule has a finding of the rules check; " + key(k.Open) + " shows it and the fix."},
		{Mark: "⟳", Meaning: "after STATE: acked until resolved, a silence vigil extends while the alert fires; " + key(k.Open) + " shows it."},
		{Mark: "…", Meaning: "a cut value; " + key(k.Open) + " shows the alert in full."},
		{Mark: "FOR 16s", Meaning: "time since the alert became active."},
		{Mark: "▾", Meaning: "a group of alerts of one name (" + key(k.Group) + " groups), with how many are in each state."},
	}
}

// Legend implements views.Legender: the marks of the silence rows.
func (s *Silences) Legend() []views.Symbol {
	k, key := s.ctx.Keys, widget.Key
	return []views.Symbol{
		{Mark: "=  !=  =~  !~", Meaning: "a matcher: equal, not equal, matches the regular expression, does not match it; the labels that tell the silences apart come first."},
		{Mark: "▪", Meaning: "a marked silence; " + key(k.Expire) + " expires every marked one after one confirmation."},
		{Mark: "⟳", Meaning: "before ENDS IN: an ack kept until its alert resolves; vigil extends it while the alert fires."},
		{Mark: "MATCHES 3", Meaning: "how many current alerts the silence's matchers select; — for an expired one."},
		{Mark: "…", Meaning: "a cut value; " + key(k.Open) + " shows the silence in full."},
	}
}
