package query

import (
	"math"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

func TestBaselineQueries(t *testing.T) {
	s := Shape{Selector: `job="flask"`, EndpointLabel: "path", DurationMetric: "flask_http_request_duration_seconds", ErrorStatus: "5..", Window: 5 * time.Minute}
	cases := []struct{ got, want string }{
		{BaselineErrorRatioQuery(s, 24*time.Hour),
			`(sum by (path) (rate(flask_http_request_duration_seconds_count{job="flask",status=~"5.."}[5m] offset 1d)) or ` +
				`sum by (path) (rate(flask_http_request_duration_seconds_count{job="flask"}[5m] offset 1d)) * 0) / ` +
				`sum by (path) (rate(flask_http_request_duration_seconds_count{job="flask"}[5m] offset 1d))`},
		{BaselineP99Query(s, 7*24*time.Hour),
			`histogram_quantile(0.99, sum by (path, le) (rate(flask_http_request_duration_seconds_bucket{job="flask"}[5m] offset 1w)))`},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got  %s\nwant %s", c.got, c.want)
		}
	}
}

func TestBaselineApply(t *testing.T) {
	nan := math.NaN()
	b := &Baseline{
		ErrorRatio: byEndpoint(model.Vector{
			{Metric: model.Metric{"path": "/a"}, Value: 0.01},
			{Metric: model.Metric{"path": "/b"}, Value: 0.2},
			{Metric: model.Metric{"path": "/nan"}, Value: model.SampleValue(nan)},
		}, "path"),
		P99: map[string]float64{"/a": 0.5},
	}
	eps := []Endpoint{{Name: "/a", ErrorRatio: 0.31, P99: 2}, {Name: "/b", ErrorRatio: 0.05, P99: 1}, {Name: "/new", ErrorRatio: 0.5}, {Name: "/nan", ErrorRatio: 0.1}, {Name: "/idle", ErrorRatio: nan}}
	b.Apply(eps)
	if math.Abs(eps[0].ErrorRatioChange-0.30) > 1e-9 || eps[0].P99Change != 1.5 {
		t.Errorf("/a: %+v", eps[0])
	}
	if math.Abs(eps[1].ErrorRatioChange+0.15) > 1e-9 || !math.IsNaN(eps[1].P99Change) {
		t.Errorf("/b: %+v", eps[1])
	}
	// No figure then, or none now: no change, not a change from 0.
	for _, e := range eps[2:] {
		if !math.IsNaN(e.ErrorRatioChange) {
			t.Errorf("%s: change %v", e.Name, e.ErrorRatioChange)
		}
	}
	SortEndpoints(eps, SortChange, false, Thresholds{})
	if eps[0].Name != "/a" || eps[1].Name != "/b" {
		t.Errorf("ranked by change: %s, %s", eps[0].Name, eps[1].Name)
	}
}
