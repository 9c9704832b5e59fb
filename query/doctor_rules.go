package query

import "strings"

// CheckRecordingRules is the doctor's check of vigil's recording rules.
const CheckRecordingRules = "recording_rules"

// checkRules says whether the overview reads vigil's recorded series or
// the raw ones, and why; x is the rules part of the endpoints query, off
// whether reading them is turned off (prometheus.recording_rules).
func (r *DoctorReport) checkRules(s Shape, x queryResult, off bool) {
	c := Check{ID: CheckRecordingRules, Title: title(CheckRecordingRules)}
	if off {
		c.Status = CheckInfo
		c.Seen = "the overview reads the raw series: prometheus.recording_rules is \"off\""
		c.Fix = "prometheus.recording_rules = \"auto\" reads vigil's recorded series when Prometheus evaluates them"
		r.add(c)
		return
	}
	if x.err != nil {
		c.Status, c.Seen = CheckUnknown, "query endpoints failed: "+x.err.Error()
		r.add(c)
		return
	}
	st := rulesOf(s, x)
	use, why := st.RulesUse(s)
	if use {
		c.Status = CheckOK
		c.Seen = "the overview reads vigil's recorded series of window " + FormatDuration(s.Window) + " (" + RecordedFor(s, s.Window).Requests + ", …)"
		if not := st.NotRecorded(s); len(not) > 0 {
			// Rules of an older vigil: they serve the rates and
			// latencies, not the rest.
			c.Status = CheckInfo
			c.Seen += "; not recorded: " + strings.Join(not, "; ")
			c.Why = "the rules file is of an older vigil, or records the error ratio for other error statuses: those parts are read the longer way"
			c.Fix = "vigil rules --window " + FormatDuration(s.Window) + " > vigil.rules.yml again (with the metrics.error_status in use), and reload Prometheus"
		}
		r.add(c)
		return
	}
	c.Status = CheckInfo
	c.Seen = "the overview reads the raw series: " + why
	c.Why = "every refresh makes Prometheus compute the rates of every series of the selection; with many endpoints that is most of its work"
	fix := []string{"vigil rules --window " + FormatDuration(s.Window) + " > vigil.rules.yml, add the file to rule_files in prometheus.yml and reload Prometheus"}
	if bad := selectorLabelsNotKept(s); bad != "" {
		fix = []string{"select by job and " + s.EndpointLabel + " only (the recorded series keep those)"}
	}
	c.Fix = strings.Join(fix, "; ")
	r.add(c)
}
