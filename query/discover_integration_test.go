package query

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// TestIntegrationMetricNamesLeaveOutCreated reads the metric names for the
// PromQL completion from the real Prometheus: the *_created gauges the app
// exports beside its counters and histogram are left out, the families
// themselves are in.
func TestIntegrationMetricNamesLeaveOutCreated(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 2}})
	p := demoClient(t, stack, 10*time.Second)
	created := scalarAt(t, p, `count(flask_http_request_created) + count(flask_http_request_duration_seconds_created)`, time.Now())
	if !(created > 0) {
		t.Fatalf("the app exports no *_created series: %v", created)
	}
	names, err := MetricNames(context.Background(), p.API())
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(names, " ")
	for _, bad := range []string{"flask_http_request_created", "flask_http_request_duration_seconds_created"} {
		if strings.Contains(" "+got+" ", " "+bad+" ") {
			t.Errorf("completion offers %s", bad)
		}
	}
	for _, good := range []string{"flask_http_request_total", "flask_http_request_duration_seconds_bucket", "up"} {
		if !strings.Contains(" "+got+" ", " "+good+" ") {
			t.Errorf("completion lacks %s", good)
		}
	}
}

// TestIntegrationDiscoveredPanels finds the demo app's business metrics
// from the real Prometheus's target metadata and runs the panels made of
// them: each answers, split by the label vigil picked.
func TestIntegrationDiscoveredPanels(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 4}})
	p := demoClient(t, stack, 10*time.Second)
	s := demoShape(20 * time.Second)
	var d *Discovery
	demotest.Eventually(t, 20*time.Second, "the app's families in the target metadata", func() (bool, string) {
		var err error
		d, err = p.DiscoverFamilies(context.Background(), s)
		if err != nil {
			return false, err.Error()
		}
		return len(d.Families) >= 3, fmt.Sprintf("%+v", d.Families)
	})
	got := map[string]string{}
	for _, f := range d.Families {
		got[f.Name] = string(f.Type) + " by " + f.Label
	}
	want := map[string]string{
		"article_views_total":          "counter by slug",
		"celery_task_duration_seconds": "histogram by task",
		"db_query_duration_seconds":    "histogram by query",
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %q, want %q (all: %v)", name, got[name], w, got)
		}
	}
	for name := range got {
		if strings.HasPrefix(name, "flask_") || strings.HasPrefix(name, "process_") || strings.HasSuffix(name, "_created") {
			t.Errorf("%s offered as a panel", name)
		}
	}
	if d.Requests != 2+len(d.Families) {
		t.Errorf("%d requests for %d families, want %d", d.Requests, len(d.Families), 2+len(d.Families))
	}
	specs := DiscoveredPanels(d.Families)
	if len(specs) != 5 {
		t.Fatalf("%d panels, want 5 (two per histogram, one per counter): %+v", len(specs), specs)
	}
	demotest.Eventually(t, 20*time.Second, "every discovered panel to answer with rows", func() (bool, string) {
		res := RunPanels(context.Background(), p, specs, VarsOf(s), time.Hour, time.Now())
		for i, r := range res {
			if r.Err != nil {
				return false, specs[i].Title + ": " + r.Err.Error()
			}
			if specs[i].Kind == PanelTop && len(r.Rows) == 0 {
				return false, specs[i].Title + ": no rows"
			}
		}
		return true, ""
	})
}
