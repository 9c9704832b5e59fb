package doctor

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/querytest"
)

func famSample(name, job, instance string) *model.Sample {
	return &model.Sample{Metric: model.Metric{model.MetricNameLabel: model.LabelValue(name), "job": model.LabelValue(job), "instance": model.LabelValue(instance)}, Value: 1}
}

// The prefix named by *_exporter_info wins over one more targets use
// without it; with no info metric, the prefix of most targets.
func TestDoctorPrefixFromExporterInfo(t *testing.T) {
	up := query.Answer{Vec: model.Vector{}}
	fams := model.Vector{
		famSample("a_http_request_duration_seconds_count", "x", "1"),
		famSample("a_http_request_duration_seconds_count", "x", "2"),
		famSample("b_http_request_duration_seconds_count", "y", "3"),
		famSample("b_http_request_duration_seconds_bucket", "y", "3"),
		famSample("b_exporter_info", "y", "3"),
	}
	r := &Report{}
	r.checkFamilies(querytest.FlaskShape(5*time.Minute), fams, up)
	if r.Detected.Prefix != "b_" || r.Detected.InfoMetric != "b_exporter_info" || !r.Detected.Histogram {
		t.Errorf("with b_exporter_info: %+v", r.Detected)
	}
	r = &Report{}
	r.checkFamilies(querytest.FlaskShape(5*time.Minute), fams[:3], up)
	if r.Detected.Prefix != "a_" {
		t.Errorf("without an info metric: %+v", r.Detected)
	}
}

// WithRulesOf rewrites the recording rules check from a refresh's rules
// state, on a copy, and leaves the report alone when the refresh did not
// look.
func TestDoctorWithRulesOf(t *testing.T) {
	r := &Report{Checks: []Check{{ID: "other", Seen: "x"}, {ID: CheckRecordingRules, Status: Info, Seen: "the overview reads the raw series: not checked yet"}}}
	s := querytest.FlaskShape(5 * time.Minute)
	for _, c := range []struct {
		ov         *query.Overview
		status     Status
		want, nope string
	}{
		{&query.Overview{Window: 4 * time.Second, Recorded: "4s"}, OK, "recorded series of window 4s (vigil:job_path_status:flask_http_request_duration_seconds_count:rate4s", "raw"},
		{&query.Overview{Window: time.Minute, RulesWhy: "off"}, Info, `prometheus.recording_rules is "off"`, "recorded"},
		{&query.Overview{Window: time.Minute, Recorded: "1m", NotRecorded: []string{"the counter resets, read raw"}}, Info, "not recorded: the counter resets, read raw", "reads the raw"},
		{&query.Overview{Window: time.Minute}, Info, "not checked yet", "recorded"},
		{nil, Info, "not checked yet", "recorded"},
	} {
		got := r.WithRulesOf(s, c.ov)
		rc := got.Checks[1]
		if rc.Status != c.status || !strings.Contains(rc.Seen, c.want) || strings.Contains(rc.Seen, c.nope) || got.Checks[0].Seen != "x" {
			t.Errorf("overview %+v: check %+v", c.ov, rc)
		}
	}
	if r.Checks[1].Seen != "the overview reads the raw series: not checked yet" {
		t.Errorf("the report itself changed: %q", r.Checks[1].Seen)
	}
}
