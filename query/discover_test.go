package query

import (
	"strings"
	"testing"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// A counter family named without _total (an OpenMetrics scrape) is queried
// through its _total series; a histogram through _bucket and _count.
func TestDiscoveredPanelsSeriesNames(t *testing.T) {
	specs := DiscoveredPanels([]DiscoveredFamily{
		{Name: "article_views", Type: v1.MetricTypeCounter, Label: "slug"},
		{Name: "orders_total", Type: v1.MetricTypeCounter},
		{Name: "db_query_duration_seconds", Type: v1.MetricTypeHistogram, Label: "query"},
		{Name: "queue_depth", Type: v1.MetricTypeGauge},
	})
	want := []string{
		`topk(10, sum by (slug) (rate(article_views_total{ {{.Selector}} }[{{.Window}}])))`,
		`topk(10, sum (rate(orders_total{ {{.Selector}} }[{{.Window}}])))`,
		`histogram_quantile(0.99, sum by (query, le) (rate(db_query_duration_seconds_bucket{ {{.Selector}} }[{{.Window}}])))`,
		`sum by (query) (rate(db_query_duration_seconds_count{ {{.Selector}} }[{{.Window}}]))`,
		`sum (queue_depth{ {{.Selector}} })`,
	}
	if len(specs) != len(want) {
		t.Fatalf("%d panels, want %d", len(specs), len(want))
	}
	for i, w := range want {
		if specs[i].Query != w || !specs[i].Discovered {
			t.Errorf("panel %d: %q, want %q", i, specs[i].Query, w)
		}
		if _, err := RenderPanelQuery(specs[i].Query, PanelVars{Selector: `job="flask"`, Window: "5m", EndpointLabel: "path"}); err != nil {
			t.Errorf("panel %d does not render: %v", i, err)
		}
	}
	if !strings.HasPrefix(specs[0].Title, "article_views_total rate by slug") {
		t.Errorf("title %q", specs[0].Title)
	}
}
