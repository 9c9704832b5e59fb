package endpoint

import "github.com/vigilterm/vigil/views"

// Legend implements views.Legender: the marks of the charts.
func (e *Screen) Legend() []views.Symbol {
	return []views.Symbol{
		{Mark: "┄", Meaning: "the warning threshold; ╍ the critical one (thresholds in the configuration), each drawn on the row labelled with its value, and not drawn when no row has it (the caption gives it)."},
		{Mark: "D R !", Meaning: "under a chart, in a row of their own: a deploy, a restart, an alert firing, at that time (never among the values)."},
		{Mark: "exceptions*", Meaning: "status=\"500\" responses per minute standing in for exceptions: the exceptions counter has no endpoint label."},
		{Mark: "·", Meaning: "the comparison with the past (c cycles 1 day, 1 week, off)."},
		{Mark: "┊ D", Meaning: "a deploy of the endpoint's targets at that time."},
		{Mark: "┊ R", Meaning: "a restart of the endpoint's targets at that time."},
		{Mark: "┊ !", Meaning: "an alert naming the endpoint began firing then."},
		{Mark: "┊ *", Meaning: "several of those in one column; the line under the charts names them."},
		{Mark: "(blank)", Meaning: "no data (no traffic), never zero."},
	}
}

var (
	_ views.Screen   = (*Screen)(nil)
	_ views.Legender = (*Screen)(nil)
)
