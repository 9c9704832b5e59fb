package timeline

import "github.com/vigilterm/vigil/views"

// Legend implements views.Legender: the timeline's marks.
func (t *Screen) Legend() []views.Symbol {
	return []views.Symbol{
		{Mark: "FIRING PENDING RESOLVED", Meaning: "an alert's changes; THRESHOLD a crossing of the error ratio or p99."},
		{Mark: "DEPLOY RESTART DOWN UP", Meaning: "a target's changes."},
		{Mark: "SILENCE+ SILENCE-", Meaning: "a silence made or ended; WRITE vigil's own writes; NOTE a note (n adds one)."},
	}
}

var (
	_ views.Screen   = (*Screen)(nil)
	_ views.Legender = (*Screen)(nil)
)
