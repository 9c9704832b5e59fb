package grafana

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReadRowsEra(t *testing.T) {
	d, err := ReadFile("testdata/rows-era.json")
	if err != nil {
		t.Fatal(err)
	}
	if d.SchemaVersion != 14 || d.Refresh != 30*time.Second || d.Range != time.Hour {
		t.Errorf("schema %d refresh %s range %s", d.SchemaVersion, d.Refresh, d.Range)
	}
	var kinds []string
	for _, p := range d.Panels {
		kinds = append(kinds, string(p.Kind)+":"+p.Title)
	}
	want := "row:Traffic graph:Requests per second by status stat:4xx ratio row:Latency graph:p99 latency by path"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("panels\n got %s\nwant %s", got, want)
	}
	g := d.Panels[1]
	if g.Grid != (GridPos{X: 0, Y: 1, W: 16, H: 7}) || g.Field.Unit != "reqps" || g.Field.Min == nil || *g.Field.Min != 0 {
		t.Errorf("graph: %+v %+v", g.Grid, g.Field)
	}
	s := d.Panels[2]
	if s.Grid.X != 16 || s.Grid.W != 8 || s.Field.Unit != "percentunit" || s.Field.Decimals == nil || *s.Field.Decimals != 2 {
		t.Errorf("singlestat: %+v %+v", s.Grid, s.Field)
	}
	if len(s.Field.Steps) != 3 || s.Field.Steps[1].Value != 0.01 || s.Field.LevelFor(0.03) != LevelWarn || s.Field.LevelFor(0.2) != LevelCrit || s.Field.LevelFor(0) != LevelOK {
		t.Errorf("singlestat thresholds: %+v", s.Field.Steps)
	}
	if p := d.Panels[4]; p.Grid.Y != 9 || p.Grid.H != 8 || p.Row != "Latency" {
		t.Errorf("second row's panel: %+v row %q", p.Grid, p.Row)
	}
}

func TestReadModern(t *testing.T) {
	d, err := ReadFile("testdata/modern.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Variables) != 11 {
		t.Fatalf("%d variables", len(d.Variables))
	}
	byTitle := map[string]Panel{}
	for _, p := range d.Panels {
		byTitle[p.Title] = p
	}
	for title, kind := range map[string]Kind{"Requests/s": KindStat, "4xx ratio": KindGauge, "Requests/s by method": KindBarGauge,
		"Requests by status": KindGraph, "Latency heatmap": KindHeatmap, "Slowest paths (p99)": KindTable, "About": KindText,
		"Share by path": KindUnsupported, "Business and pitfalls": KindRow, "Article views": KindGraph} {
		if byTitle[title].Kind != kind {
			t.Errorf("%s: kind %q, want %q", title, byTitle[title].Kind, kind)
		}
	}
	if u := byTitle["Share by path"].Unsupported; !strings.Contains(u, `"piechart"`) {
		t.Errorf("placeholder: %q", u)
	}
	av := byTitle["Article views"]
	if !av.Collapsed || av.Row != "Business and pitfalls" || av.Queried() != true {
		t.Errorf("nested panel of a collapsed row: %+v", av)
	}
	if !byTitle["Business and pitfalls"].Collapsed {
		t.Error("the row is not collapsed")
	}
	if byTitle["Requests/s"].Row != "Overview" {
		t.Errorf("row of a panel under an open row: %q", byTitle["Requests/s"].Row)
	}
	if txt := byTitle["About"]; !strings.Contains(txt.Text, "Runbook") || txt.TextMode != "markdown" {
		t.Errorf("text: %+v", txt)
	}
	g := byTitle["4xx ratio"].Field
	if *g.Min != 0 || *g.Max != 1 || *g.Decimals != 1 || len(g.Steps) != 3 || !math.IsInf(g.Steps[0].Value, -1) {
		t.Errorf("gauge field: %+v", g)
	}
	if byTitle["Requests/s by method"].Reduce != "mean" || byTitle["Requests/s"].Reduce != "last" {
		t.Error("reduce")
	}
	// Reading order: by y then x.
	prev := -1
	for _, p := range d.Panels {
		if !p.Collapsed && p.Grid.Y < prev {
			t.Errorf("%s out of order", p.Title)
		}
		if !p.Collapsed {
			prev = p.Grid.Y
		}
	}
}

func TestEnvelope(t *testing.T) {
	b, _ := os.ReadFile("testdata/modern.json")
	env := `{"meta": {"slug": "x"}, "dashboard": ` + string(b) + `}`
	d, err := Parse("api", []byte(env))
	if err != nil || d.UID != "flask-modern" {
		t.Fatalf("%v %+v", err, d)
	}
}

func TestErrorsNameFileAndPath(t *testing.T) {
	for _, c := range []struct{ json, want string }{
		{`{"title": "x", "panels": [{"type": "stat", "targets": [{"expr": 3}]}]}`, "bad.json: panels[0].targets.expr: a JSON number where a string was expected"},
		{`{"title": "x", "panels": [{"type": "row", "collapsed": true, "panels": [{"type":"graph","fieldConfig":{"defaults":{"decimals":"x"}}}]}]}`, "bad.json: panels[0].panels[0].fieldConfig.defaults.decimals"},
		{`{"title": "x", "rows": [{"height": "tall", "panels": []}]}`, "bad.json: rows[0].height"},
		{`{"title": "x", "templating": {"list": [{"name": "a b", "type": "custom"}]}}`, "bad.json: templating.list[0].name"},
		{`{"title": "x",`, "bad.json: not valid JSON"},
		{`[]`, "bad.json: a JSON array where an object was expected"},
		{`{}`, "not a Grafana dashboard"},
		{`{"title": "x", "refresh": "soon"}`, "bad.json: refresh"},
	} {
		_, err := Parse("bad.json", []byte(c.json))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s:\n got %v\nwant %q", c.json, err, c.want)
		}
	}
}

func TestBounds(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"title":"big","panels":[`)
	for i := 0; i <= MaxPanels; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"type":"text"}`)
	}
	b.WriteString(`]}`)
	if _, err := Parse("big.json", []byte(b.String())); err == nil || !strings.Contains(err.Error(), "more than 500 panels") {
		t.Errorf("panels: %v", err)
	}
	name := filepath.Join(t.TempDir(), "huge.json")
	if err := os.WriteFile(name, make([]byte, MaxFileBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(name); err == nil || !strings.Contains(err.Error(), "larger than 10 MB") {
		t.Errorf("size: %v", err)
	}
	if _, err := ReadFile(filepath.Join(t.TempDir(), "none.json")); err == nil || !strings.Contains(err.Error(), "none.json: open: no such file") {
		t.Errorf("missing: %v", err)
	}
}

func TestDurations(t *testing.T) {
	for in, want := range map[string]time.Duration{"30s": 30 * time.Second, "1h30m": 90 * time.Minute, "7d": 168 * time.Hour, "500ms": 500 * time.Millisecond} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "5", "m", "1x", "99999999999999d"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("%q parsed", in)
		}
	}
	if d, ok := ParseRelative("now-6h"); !ok || d != 6*time.Hour {
		t.Error("now-6h")
	}
	if d, ok := ParseRelative("now-1d/d"); !ok || d != 24*time.Hour {
		t.Error("now-1d/d")
	}
	if _, ok := ParseRelative("2024-01-01"); ok {
		t.Error("absolute read as relative")
	}
	for d, want := range map[time.Duration]string{90 * time.Second: "1m30s", time.Hour: "1h", 15 * time.Second: "15s", 200 * time.Millisecond: "200ms"} {
		if got := FormatDuration(d); got != want {
			t.Errorf("%s: %s", d, got)
		}
	}
}

// A collapsed row of the rows era takes no height until opened, as in the
// modern model: the next row follows its title, and its panels sit just
// under it.
func TestRowsEraCollapsedRowTakesNoHeight(t *testing.T) {
	d, err := Parse("inline", []byte(`{"title": "t", "schemaVersion": 14, "rows": [
	  {"title": "Folded", "collapse": true, "showTitle": true, "height": "250px",
	   "panels": [{"id": 1, "type": "graph", "title": "in", "span": 12, "targets": [{"refId": "A", "expr": "up"}]}]},
	  {"title": "Open", "collapse": false, "showTitle": true, "height": "250px",
	   "panels": [{"id": 2, "type": "graph", "title": "out", "span": 12, "targets": [{"refId": "A", "expr": "up"}]}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	at := map[string]GridPos{}
	for _, p := range d.Panels {
		at[p.Title] = p.Grid
	}
	if at["in"].Y != at["Folded"].Y+1 || at["Open"].Y != at["Folded"].Y+1 || at["out"].Y != at["Open"].Y+1 {
		t.Errorf("positions %+v: want the folded row's panels under it and the next row right after its title", at)
	}
}
