package query

import (
	"context"
	"slices"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// lookForRules asks for vigil's recording rules with the rules query
// alone when no refresh of s's metrics has looked yet, or the last look
// failed. It is cheap, and the refresh that follows already reads the
// recorded series. The other refreshes look in their totals query; left
// there in a raw refresh, the look would wait on the costliest query there
// is (the overall p99 of every raw bucket) and at scale time out with it,
// look after look, so that the console never found the rules that would
// have made it fast. The error is that of a Prometheus that did not answer.
func (p *Prometheus) lookForRules(ctx context.Context, s Shape, at time.Time) (sent int, err error) {
	if st, off := p.rulesFor(s); off || (st.Checked && st.Err == nil) {
		return 0, nil
	}
	rq := NamedQuery{Name: queryNames[qRules], Expr: RulesQuery(s)}
	r := p.runAll(ctx, []NamedQuery{rq}, at, v1.Range{})[0]
	if err := noAnswer(ctx, []queryResult{r}); err != nil {
		return 1, err
	}
	p.keepRules(s, RulesOf(s, r.vec, r.err))
	return 1, nil
}

// rulesUse is what a refresh does with the recording rules: the state it
// reads them by, whether they are turned off, and why they are not read
// or which parts they do not record.
type rulesUse struct {
	st          RulesStatus
	off         bool
	why         string
	notRecorded []string
}

// useRules returns s set to read the recorded series (Shape.recorded and
// the rest) when the rules the last look found serve it, at at.
func (p *Prometheus) useRules(s Shape, at time.Time) (Shape, rulesUse) {
	var u rulesUse
	u.st, u.off = p.rulesFor(s)
	if u.off {
		u.why = "off"
		return s, u
	}
	use, why := u.st.RulesUse(s)
	if !use {
		u.why = why
		return s, u
	}
	s.recorded = FormatDuration(s.Window)
	s.recParts = u.st.partsFor(s)
	u.notRecorded = u.st.NotRecorded(s)
	s.recSummed = p.readsSummed(s, at)
	s.recTrendRatio = slices.Contains(u.st.Ratios, PlanTrend(s.Window, at).Range)
	return s, u
}
