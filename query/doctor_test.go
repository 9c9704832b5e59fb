package query

import (
	"testing"

	"github.com/prometheus/common/model"
)

func famSample(name, job, instance string) *model.Sample {
	return &model.Sample{Metric: model.Metric{model.MetricNameLabel: model.LabelValue(name), "job": model.LabelValue(job), "instance": model.LabelValue(instance)}, Value: 1}
}

// The prefix named by *_exporter_info wins over one more targets use
// without it; with no info metric, the prefix of most targets.
func TestDoctorPrefixFromExporterInfo(t *testing.T) {
	up := queryResult{vec: model.Vector{}}
	fams := model.Vector{
		famSample("a_http_request_duration_seconds_count", "x", "1"),
		famSample("a_http_request_duration_seconds_count", "x", "2"),
		famSample("b_http_request_duration_seconds_count", "y", "3"),
		famSample("b_http_request_duration_seconds_bucket", "y", "3"),
		famSample("b_exporter_info", "y", "3"),
	}
	r := &DoctorReport{}
	r.checkFamilies(flaskShape(), fams, up)
	if r.Detected.Prefix != "b_" || r.Detected.InfoMetric != "b_exporter_info" || !r.Detected.Histogram {
		t.Errorf("with b_exporter_info: %+v", r.Detected)
	}
	r = &DoctorReport{}
	r.checkFamilies(flaskShape(), fams[:3], up)
	if r.Detected.Prefix != "a_" {
		t.Errorf("without an info metric: %+v", r.Detected)
	}
}
