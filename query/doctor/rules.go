package doctor

import (
	"slices"
	"strings"

	"github.com/vigilterm/vigil/query"
)

// CheckRecordingRules is the doctor's check of vigil's recording rules.
const CheckRecordingRules = "recording_rules"

// checkRules says whether the overview reads vigil's recorded series or
// the raw ones, and why; x is the rules part of the endpoints query, off
// whether reading them is turned off (prometheus.recording_rules).
func (r *Report) checkRules(s query.Shape, x query.Answer, off bool) {
	if off {
		r.add(rulesCheck(s, false, "off", nil))
		return
	}
	if x.Err != nil {
		r.add(Check{ID: CheckRecordingRules, Title: title(CheckRecordingRules), Status: Unknown, Seen: "query endpoints failed: " + x.Err.Error()})
		return
	}
	st := query.RulesOf(s, x.Vec, x.Err)
	use, why := st.RulesUse(s)
	r.add(rulesCheck(s, use, why, st.NotRecorded(s)))
}

// rulesCheck is the check of the rules as a refresh of s found them: read
// (use, with the parts not recorded) or not, and why; why "off" when
// prometheus.recording_rules turns them off.
func rulesCheck(s query.Shape, use bool, why string, notRecorded []string) Check {
	c := Check{ID: CheckRecordingRules, Title: title(CheckRecordingRules)}
	if !use && why == "off" {
		c.Status = Info
		c.Seen = "the overview reads the raw series: prometheus.recording_rules is \"off\""
		c.Fix = "prometheus.recording_rules = \"auto\" reads vigil's recorded series when Prometheus evaluates them"
		return c
	}
	if use {
		c.Status = OK
		c.Seen = "the overview reads vigil's recorded series of window " + query.FormatDuration(s.Window) + " (" + query.RecordedFor(s, s.Window).Requests + ", …)"
		if len(notRecorded) > 0 {
			// Rules of an older vigil: they serve the rates and
			// latencies, not the rest.
			c.Status = Info
			c.Seen += "; not recorded: " + strings.Join(notRecorded, "; ")
			c.Why = "the rules file is of an older vigil, or records the error ratio for other error statuses: those parts are read the longer way"
			c.Fix = "vigil rules --window " + query.FormatDuration(s.Window) + " > vigil.rules.yml again (with the metrics.error_status in use), and reload Prometheus"
		}
		return c
	}
	c.Status = Info
	c.Seen = "the overview reads the raw series: " + why
	c.Why = "every refresh makes Prometheus compute the rates of every series of the selection; with many endpoints that is most of its work"
	c.Fix = "vigil rules --window " + query.FormatDuration(s.Window) + " > vigil.rules.yml, add the file to rule_files in prometheus.yml and reload Prometheus"
	if bad := query.SelectorLabelsNotKept(s); bad != "" {
		c.Fix = "select by job and " + s.EndpointLabel + " only (the recorded series keep those)"
	}
	return c
}

// WithRulesOf is a copy of r whose recording rules check says what the
// refresh ov found: the overview looks at the rules at every refresh, the
// doctor every few minutes, and both must tell the same. r is unchanged
// (a team's consoles share it); a report without the check, or an
// overview that did not look (its rules query failed), leaves it as it is.
func (r *Report) WithRulesOf(s query.Shape, ov *query.Overview) *Report {
	if r == nil || ov == nil || (ov.Recorded == "" && ov.RulesWhy == "") {
		return r
	}
	i := slices.IndexFunc(r.Checks, func(c Check) bool { return c.ID == CheckRecordingRules })
	if i < 0 {
		return r
	}
	s.Window = ov.Window
	c := rulesCheck(s, ov.Recorded != "", ov.RulesWhy, ov.NotRecorded)
	cp := *r
	cp.Checks = slices.Clone(r.Checks)
	cp.Checks[i] = c
	return &cp
}
