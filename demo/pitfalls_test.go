package demo

import (
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// labelValues lists the values of a label over a family's series.
func labelValues(f *dto.MetricFamily, name string) map[string]bool {
	out := map[string]bool{}
	if f == nil {
		return out
	}
	for _, m := range f.GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == name {
				out[l.GetValue()] = true
			}
		}
	}
	return out
}

func TestPitfallPrefixes(t *testing.T) {
	for _, tc := range []struct {
		p      Pitfalls
		prefix string
	}{
		{Pitfalls{}, "flask_"},
		{Pitfalls{Prefix: "shop"}, "shop_"},
		{Pitfalls{NoPrefix: true}, ""},
	} {
		a := appStart(t, AppOptions{Tick: time.Hour, Pitfalls: tc.p})
		a.SetFault("/api/checkout", Fault{ErrorRatio: 1}) // exceptions exist only once one happened
		appSteps(a, 5, 1)
		fams := appScrape(t, a)
		if got := tc.p.MetricPrefix(); got != tc.prefix {
			t.Errorf("%+v: MetricPrefix %q, want %q", tc.p, got, tc.prefix)
		}
		for _, base := range []string{"http_request_duration_seconds", "http_request_total", "http_request_exceptions_total", "exporter_info"} {
			if fams[tc.prefix+base] == nil {
				t.Errorf("%+v: no family %s%s", tc.p, tc.prefix, base)
			}
		}
		if tc.prefix != "flask_" && fams["flask_http_request_total"] != nil {
			t.Errorf("%+v: flask_http_request_total still exposed", tc.p)
		}
	}
}

func TestPitfallGroupBy(t *testing.T) {
	for _, tc := range []struct {
		groupBy, label string
		want, not      []string
	}{
		{"", "path", []string{"/blog/flask-tips", "/api/users/42"}, []string{"None"}},
		{"url_rule", "url_rule", []string{"/blog/<slug>", "/api/users/<int:id>", "/static/<path:filename>", "None"}, []string{"/blog/flask-tips"}},
		{"endpoint", "endpoint", []string{"blog_item", "api_users_item", "index", "None"}, []string{"/blog/<slug>"}},
		{"route_name", "route_name", []string{"/blog/<slug>", "None"}, nil},
	} {
		a := appStart(t, AppOptions{Tick: time.Hour, Pitfalls: Pitfalls{GroupBy: tc.groupBy, Scanners: true}})
		appSteps(a, 40, 1)
		d := appScrape(t, a)["flask_http_request_duration_seconds"]
		got := labelValues(d, tc.label)
		for _, w := range tc.want {
			if !got[w] {
				t.Errorf("group_by %q: label %s has no value %q (has %d values)", tc.groupBy, tc.label, w, len(got))
			}
		}
		for _, w := range tc.not {
			if got[w] {
				t.Errorf("group_by %q: label %s has value %q", tc.groupBy, tc.label, w)
			}
		}
		if tc.label != "path" && len(labelValues(d, "path")) != 0 {
			t.Errorf("group_by %q: the path label is still there", tc.groupBy)
		}
	}
}

func TestPitfallScannersAndExplosion(t *testing.T) {
	a := appStart(t, AppOptions{Tick: time.Hour, Pitfalls: Pitfalls{Scanners: true, PathExplosion: true}})
	appSteps(a, 60, 1)
	paths := labelValues(appScrape(t, a)["flask_http_request_duration_seconds"], "path")
	blog, orders, files, scans := 0, 0, 0, 0
	for p := range paths {
		switch {
		case strings.HasPrefix(p, "/blog/") && !strings.HasSuffix(p, "/comments"):
			blog++
		case strings.HasPrefix(p, "/api/orders/"):
			orders++
		case strings.HasPrefix(p, "/files/"):
			files++
		case strings.HasPrefix(p, "/old-"):
			scans++
		}
	}
	if blog < 40 || orders < 20 || files < 8 {
		t.Errorf("exploded paths: blog %d (want ≥40), orders %d (≥20), files %d (≥8)", blog, orders, files)
	}
	if scans < 20 || scans > maxScannedPaths {
		t.Errorf("scanned paths: %d, want 20..%d", scans, maxScannedPaths)
	}
	if got := URLRule("/files/1a2b3c00-0000-4000-8000-0000005e6f70"); got != "/files/<uuid:id>" {
		t.Errorf("URLRule of a UUID path: %q", got)
	}
}

func TestPitfallSummaryHasNoBuckets(t *testing.T) {
	a := appStart(t, AppOptions{Tick: time.Hour, Pitfalls: Pitfalls{Summary: true}})
	appSteps(a, 5, 1)
	d := appScrape(t, a)["flask_http_request_duration_seconds"]
	if d == nil || d.GetType() != dto.MetricType_SUMMARY {
		t.Fatalf("duration family: %v, want a summary", d.GetType())
	}
	for _, m := range d.GetMetric() {
		if len(m.GetSummary().GetQuantile()) != 0 {
			t.Fatalf("summary has quantiles: %v", m.GetSummary().GetQuantile())
		}
	}
}

func TestPitfallHiddenExceptions(t *testing.T) {
	a := appStart(t, AppOptions{Tick: time.Hour, Pitfalls: Pitfalls{HideExceptions: true}})
	a.SetFault("/api/checkout", Fault{ErrorRatio: 1})
	appSteps(a, 10, 1)
	fams := appScrape(t, a)
	if !labelValues(fams["flask_http_request_duration_seconds"], "status")["500"] {
		t.Fatal("no 500 responses in the histogram")
	}
	if n := len(fams["flask_http_request_exceptions_total"].GetMetric()); n != 0 {
		t.Errorf("exceptions counter has %d series, want none under an error handler", n)
	}
}

func TestPitfallDebugReloader(t *testing.T) {
	a := appStart(t, AppOptions{Tick: time.Hour, Pitfalls: Pitfalls{DebugReloader: true, Scanners: true}})
	appSteps(a, 5, 1)
	fams := appScrape(t, a)
	for name := range fams {
		if strings.HasPrefix(name, "flask_") {
			t.Errorf("family %s exposed under the debug reloader", name)
		}
	}
	if fams["process_start_time_seconds"] == nil || fams["article_views_total"] == nil {
		t.Errorf("the process's other families are missing: %d families", len(fams))
	}
}

func TestPitfallWorkersCountersGoBack(t *testing.T) {
	a := appStart(t, AppOptions{Tick: time.Hour, Pitfalls: Pitfalls{Workers: 3}})
	appSteps(a, 30, 1)
	total := func() float64 {
		var s float64
		for _, m := range appScrape(t, a)["flask_http_request_total"].GetMetric() {
			s += m.GetCounter().GetValue()
		}
		return s
	}
	back := 0
	prev := total()
	for i := 0; i < 6; i++ {
		v := total()
		if v < prev {
			back++
		}
		prev = v
	}
	if back == 0 {
		t.Error("six scrapes of three workers never saw the counter go back")
	}
	if _, err := StartApp(AppOptions{Pitfalls: Pitfalls{Workers: 99}}); err == nil || !strings.Contains(err.Error(), "Workers") {
		t.Errorf("Workers 99: %v, want an error naming Workers", err)
	}
}
