package query

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// The app's own metrics, with nothing to configure: the other metric
// families of the selected targets, from Prometheus's target metadata
// (type and help), each offered as a ready panel.

// MaxDiscoveredFamilies bounds the families offered as panels.
const MaxDiscoveredFamilies = 20

// maxPanelLabelValues is the most values a label may have to split a
// panel by it: more would be a wall of rows.
const maxPanelLabelValues = 50

// discoverSkipPrefixes are the runtime's families, not the app's.
var discoverSkipPrefixes = []string{"process_", "python_", "go_", "promhttp_", "scrape_"}

// DiscoveredFamily is a metric family of the selected targets.
type DiscoveredFamily struct {
	Name string
	Type v1.MetricType
	Help string
	// Label is the label its panels are split by ("" for none): the one
	// with the most values, at most maxPanelLabelValues.
	Label string
}

// Discovery is what DiscoverFamilies found.
type Discovery struct {
	Families []DiscoveredFamily
	// Skipped counts the families left out, by reason.
	Skipped map[string]int
	// Requests is the number of requests sent to Prometheus.
	Requests int
}

// DiscoverFamilies lists the metric families of the targets behind the
// selector that are neither the exporter's (s's families, *_exporter_info)
// nor the runtime's (process_*, python_*, go_*), nor prometheus_client's
// *_created gauges; histograms, counters and gauges only. For each it
// picks the label to split by. It sends one target metadata request, one
// label names request per family (MaxDiscoveredFamilies at most) and one
// query for the label values' counts.
func (p *Prometheus) DiscoverFamilies(ctx context.Context, s Shape) (*Discovery, error) {
	cctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	match := "{" + CleanSelector(s.Selector) + "}"
	if CleanSelector(s.Selector) == "" {
		match = `{job=~".+"}`
	}
	d := &Discovery{Skipped: map[string]int{}}
	meta, err := p.api.TargetsMetadata(cctx, match, "", "")
	d.Requests++
	if err != nil {
		return d, p.wrap(ctx, "target metadata", err)
	}
	// A counter's family is named without _total when Prometheus scraped
	// it as OpenMetrics (its default), with it otherwise: compare both.
	own := map[string]bool{}
	for _, n := range []string{s.DurationMetric, s.RequestsMetric, s.ExceptionsMetric} {
		own[n], own[strings.TrimSuffix(n, "_total")] = true, true
	}
	seen := map[string]bool{}
	names := map[string]bool{}
	for _, m := range meta {
		names[m.Metric] = true
	}
	for _, m := range meta {
		if seen[m.Metric] {
			continue
		}
		seen[m.Metric] = true
		skip := ""
		switch {
		case own[m.Metric] || strings.HasSuffix(m.Metric, "exporter_info"):
			skip = "the exporter's"
		case hasAnyPrefix(m.Metric, discoverSkipPrefixes):
			skip = "the runtime's"
		case strings.HasSuffix(m.Metric, "_created"):
			skip = "*_created"
		case m.Type != v1.MetricTypeCounter && m.Type != v1.MetricTypeHistogram && m.Type != v1.MetricTypeGauge:
			skip = "not a counter, histogram or gauge"
		}
		if skip != "" {
			d.Skipped[skip]++
			continue
		}
		d.Families = append(d.Families, DiscoveredFamily{Name: m.Metric, Type: m.Type, Help: m.Help})
	}
	sort.Slice(d.Families, func(i, j int) bool { return d.Families[i].Name < d.Families[j].Name })
	if len(d.Families) > MaxDiscoveredFamilies {
		d.Skipped[fmt.Sprintf("beyond the first %d", MaxDiscoveredFamilies)] += len(d.Families) - MaxDiscoveredFamilies
		d.Families = d.Families[:MaxDiscoveredFamilies]
	}

	// The labels of each family, less the targets' and le.
	now := time.Now()
	cands := make([][]string, len(d.Families))
	var parts []string
	for i, f := range d.Families {
		series := Selector(seriesName(f), s.Selector)
		ls, _, _, err := p.api.LabelNames(cctx, []string{series}, now.Add(-10*time.Minute), now)
		d.Requests++
		if err != nil {
			return d, p.wrap(ctx, "label names of "+f.Name, err)
		}
		for _, l := range ls {
			if l == model.MetricNameLabel || l == "job" || l == "instance" || l == "le" || l == "quantile" {
				continue
			}
			cands[i] = append(cands[i], string(l))
			parts = append(parts, `label_replace(label_replace(count(group by (`+string(l)+`) (`+series+`)), "vigil_family", "`+f.Name+`", "", ""), "vigil_label", "`+string(l)+`", "", "")`)
		}
	}
	if len(parts) == 0 {
		return d, nil
	}
	v, _, err := p.query(ctx, cctx, strings.Join(parts, " or "), now)
	d.Requests++
	if err != nil {
		return d, err
	}
	counts := map[[2]string]float64{}
	if vec, ok := v.(model.Vector); ok {
		for _, smp := range vec {
			counts[[2]string{string(smp.Metric["vigil_family"]), string(smp.Metric["vigil_label"])}] = float64(smp.Value)
		}
	}
	for i := range d.Families {
		best, bestN := "", 0.0
		for _, l := range cands[i] {
			n := counts[[2]string{d.Families[i].Name, l}]
			if n <= maxPanelLabelValues && (n > bestN || n == bestN && l < best) {
				best, bestN = l, n
			}
		}
		d.Families[i].Label = best
	}
	return d, nil
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// seriesName is a series name of the family: its _count for a histogram;
// for a counter, its _total series (the family of an OpenMetrics scrape is
// named without the suffix, the series always have it).
func seriesName(f DiscoveredFamily) string {
	switch {
	case f.Type == v1.MetricTypeHistogram:
		return f.Name + "_count"
	case f.Type == v1.MetricTypeCounter && !strings.HasSuffix(f.Name, "_total"):
		return f.Name + "_total"
	}
	return f.Name
}

// DiscoveredPanels are the ready panels of the families: a histogram's
// rate and p99, a counter's rate as a top N, a gauge's value over time;
// each split by the family's label when it has one.
func DiscoveredPanels(fams []DiscoveredFamily) []PanelSpec {
	var out []PanelSpec
	sel := "{ {{.Selector}} }"
	w := "[{{.Window}}]"
	for _, f := range fams {
		by, byTitle := "", ""
		if f.Label != "" {
			by, byTitle = " by ("+f.Label+")", " by "+f.Label
		}
		switch f.Type {
		case v1.MetricTypeHistogram:
			le := "le"
			if f.Label != "" {
				le = f.Label + ", le"
			}
			out = append(out,
				PanelSpec{Title: f.Name + " p99" + byTitle, Kind: PanelTop, Unit: "s", Limit: DefaultPanelLimit, Discovered: true, Help: f.Help,
					Query: "histogram_quantile(0.99, sum by (" + le + ") (rate(" + f.Name + "_bucket" + sel + w + ")))"},
				PanelSpec{Title: f.Name + " rate" + byTitle, Kind: PanelTop, Unit: "/s", Limit: DefaultPanelLimit, Discovered: true, Help: f.Help,
					Query: "sum" + by + " (rate(" + f.Name + "_count" + sel + w + "))"})
		case v1.MetricTypeCounter:
			out = append(out, PanelSpec{Title: seriesName(f) + " rate" + byTitle, Kind: PanelTop, Unit: "/s", Limit: DefaultPanelLimit, Discovered: true, Help: f.Help,
				Query: "topk(" + fmt.Sprint(DefaultPanelLimit) + ", sum" + by + " (rate(" + seriesName(f) + sel + w + ")))"})
		case v1.MetricTypeGauge:
			out = append(out, PanelSpec{Title: f.Name + byTitle, Kind: PanelGraph, Unit: "none", Discovered: true, Help: f.Help,
				Query: "sum" + by + " (" + f.Name + sel + ")"})
		}
	}
	return out
}
