package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/keys"
	promqlview "github.com/vigilterm/vigil/views/promql"
)

// querySource is an overview source that also answers PromQL, counting
// the queries; an expression containing "broken" fails as Prometheus would.
type querySource struct {
	scripted
	mu              sync.Mutex
	instant, range_ int
}

func (s *querySource) Query(ctx context.Context, expr string, at time.Time) (model.Value, v1.Warnings, error) {
	s.mu.Lock()
	s.instant++
	s.mu.Unlock()
	if strings.Contains(expr, "broken") {
		return nil, nil, &query.ServerError{URL: s.URL(), Op: "query", Err: &v1.Error{Type: v1.ErrBadData, Msg: `invalid parameter "query": 1:1: parse error: unexpected identifier "broken"`}}
	}
	return model.Vector{{Metric: model.Metric{"slug": "hello-world"}, Value: 7}}, nil, nil
}

func (s *querySource) QueryRange(ctx context.Context, expr string, r v1.Range) (model.Value, v1.Warnings, error) {
	s.mu.Lock()
	s.range_++
	s.mu.Unlock()
	return model.Matrix{{Metric: model.Metric{"task": "t"}, Values: []model.SamplePair{{Timestamp: model.TimeFromUnixNano(r.End.UnixNano()), Value: 2}}}}, nil, nil
}

func (s *querySource) counts() (int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.instant, s.range_
}

func panelConfig() []vigil.PanelConfig {
	return []vigil.PanelConfig{
		{Title: "Top", Query: "topk(10, x{ {{.Selector}} })", Kind: "top"},
		{Title: "Graph", Query: "y", Kind: "graph", Unit: "s"},
		{Title: "Stat", Query: "z", Kind: "stat"},
		{Title: "Bad", Query: "broken", Kind: "stat"},
	}
}

func TestPanelsOneQueryPerPanelPerRefreshOnTheTick(t *testing.T) {
	src := &querySource{scripted: scripted{ov: sample()}}
	m, clock := newModel(t, src)
	reconfigure(m, func(c *vigil.Config) { c.Panels = panelConfig() })
	m = New(Options{Context: m.ctx, Config: m.cfg, Overview: src, Querier: src})
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
	run(m, m.Init())
	if i, r := src.counts(); i != 0 || r != 0 {
		t.Fatalf("panels queried before their screen was shown: %d %d", i, r)
	}
	_, cmd := m.Update(tea.KeyPressMsg{Code: '4', Text: "4"})
	run(m, cmd)
	if m.activeTab() != panelsOf(m).tab {
		t.Fatal("4 does not show the panels")
	}
	if i, r := src.counts(); i != 3 || r != 1 {
		t.Fatalf("first refresh: %d instant and %d range queries, want 3 and 1", i, r)
	}
	out := screen(m)
	for _, want := range []string{"4 Panels", "Top", "hello-world", "Graph", "Stat", "Bad", "unexpected identifier", "broken"} {
		if !strings.Contains(out, want) {
			t.Errorf("screen lacks %q:\n%s", want, out)
		}
	}
	// A tick before the interval does nothing; one after refreshes once.
	tickAfter(m, clock, time.Second)
	if i, r := src.counts(); i != 3 || r != 1 {
		t.Fatalf("refreshed early: %d %d", i, r)
	}
	tickAfter(m, clock, 5*time.Second)
	if i, r := src.counts(); i != 6 || r != 2 {
		t.Fatalf("second refresh: %d instant and %d range queries, want 6 and 2", i, r)
	}
	if n := panelsOf(m).feed.status().Polls * len(panelsOf(m).screen.Specs()); n != 8 {
		t.Fatal(n)
	}
	// Elsewhere, the panels do not refresh.
	m.Update(tea.KeyPressMsg{Code: '1', Text: "1"})
	tickAfter(m, clock, 10*time.Second)
	if i, r := src.counts(); i != 6 || r != 2 {
		t.Fatalf("refreshed while hidden: %d %d", i, r)
	}
}

// panelsOf is the panels screen's part.
func panelsOf(m *Model) *panelsPart {
	for _, p := range m.parts {
		if p, ok := p.(*panelsPart); ok {
			return p
		}
	}
	return nil
}

func typeText(m *Model, s string) {
	for _, r := range s {
		_, cmd := m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
		run(m, cmd)
	}
}

func TestPromQLOverlayFromAnyScreenAndHistoryFile(t *testing.T) {
	src := &querySource{scripted: scripted{ov: sample()}}
	hist := filepath.Join(t.TempDir(), "state", "vigil", "history")
	m, _ := newModel(t, src, func(o *Options) { o.Querier, o.HistoryPath = src, hist })
	run(m, m.Init())
	for _, scr := range []string{"2", "3", "1"} {
		m.Update(keyMsg(scr))
		_, cmd := m.Update(keyMsg(":"))
		run(m, cmd)
		if !partOf[*promqlPart](m).open {
			t.Fatalf("':' does not open the prompt on screen %s", scr)
		}
		// q is typed, not quitting.
		_, cmd = m.Update(keyMsg("q"))
		if cmd != nil {
			if _, quit := cmd().(tea.QuitMsg); quit {
				t.Fatal("q quit while typing")
			}
		}
		m.Update(keyMsg("esc"))
		run(m, func() tea.Msg { return promqlview.CloseMsg{} })
		if partOf[*promqlPart](m).open {
			t.Fatal("esc does not close")
		}
		partOf[*promqlPart](m).scr.SetValue("")
	}
	_, cmd := m.Update(keyMsg(":"))
	run(m, cmd)
	typeText(m, "slugs")
	_, cmd = m.Update(keyMsg("enter"))
	run(m, cmd)
	if !strings.Contains(screen(m), "hello-world") {
		t.Fatalf("no table:\n%s", screen(m))
	}
	info, err := os.Stat(hist)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("history mode %v", info.Mode())
	}
	h, err := ReadHistory(hist)
	if err != nil || len(h) != 1 || h[0] != "slugs" {
		t.Fatalf("history %q %v", h, err)
	}
	// The overlay does not hide the q key from a screen once closed.
	m.Update(keyMsg("esc"))
	run(m, func() tea.Msg { return promqlview.CloseMsg{} })
	_, cmd = m.Update(keyMsg("q"))
	if cmd == nil {
		t.Fatal("q does nothing")
	}
}

func TestHistoryFileBounded(t *testing.T) {
	p := filepath.Join(t.TempDir(), "h")
	var h []string
	for i := 0; i < 700; i++ {
		h = append(h, "q"+strings.Repeat("x", i%5)+string(rune('a'+i%26))+string(rune('A'+i/26)))
	}
	if err := WriteHistory(p, h); err != nil {
		t.Fatal(err)
	}
	got, err := ReadHistory(p)
	if err != nil || len(got) != promqlview.HistoryLimit || got[len(got)-1] != h[len(h)-1] {
		t.Fatalf("%d entries, %v", len(got), err)
	}
	if got, err := ReadHistory(filepath.Join(t.TempDir(), "none")); err != nil || got != nil {
		t.Fatal(got, err)
	}
}

// uncommentedPanels is the shipped config.toml with its panel examples
// uncommented.
func uncommentedPanels(t *testing.T) []byte {
	t.Helper()
	doc, ok := demotest.Uncomment(vigil.DefaultTOML, "[[panel]]")
	if !ok {
		t.Fatal("no [[panel]] example in config.toml")
	}
	return doc
}

func TestIntegrationPanelsOnTheDemoStack(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 5}})
	doc := append(uncommentedPanels(t), []byte("\n[[panel]]\ntitle = \"Typo\"\nquery = \"sum(rate(article_views_total[{{.Window}}])\"\nkind = \"stat\"\n")...)
	cfg, err := vigil.Parse(doc, "test.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Prometheus.URL = stack.PrometheusURL
	cfg.Metrics.Selector = `job="flask"`
	cfg.UI.Window = vigil.Window{Fixed: vigil.Duration(30 * time.Second)}
	cfg.UI.Refresh = vigil.Duration(time.Second)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	m := stackModel(t, &cfg, stack.PrometheusURL)
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 60})
	_, cmd := m.Update(keyMsg("4"))
	run(m, cmd)

	var res []query.PanelResult
	// A refresh a second: the four configured panels, then five from the
	// app's own families (two histograms, one counter) once they are found.
	demotest.EventuallyEvery(t, 60*time.Second, time.Second, "4 configured and 5 discovered panels with data", func() (bool, string) {
		run(m, panelsOf(m).start())
		res = panelsOf(m).screen.Results()
		return len(res) == 9 && len(res[0].Rows) >= 3 && hasData(res[1]) && hasData(res[2]), fmt.Sprintf("%d results", len(res))
	})
	specs := panelsOf(m).screen.Specs()
	for i, sp := range specs {
		if sp.Discovered != (i >= 4) {
			t.Errorf("panel %d %q: discovered %v", i+1, sp.Title, sp.Discovered)
		}
	}
	for i, r := range res[4:] {
		if r.Err != nil {
			t.Errorf("discovered panel %q: %v", specs[4+i].Title, r.Err)
		}
	}
	for i, r := range res[:3] {
		if r.Err != nil {
			t.Errorf("panel %d: %v (query %s)", i+1, r.Err, r.Query)
		}
	}
	if len(res[0].Rows) < 3 || !strings.Contains(res[0].Query, `article_views_total{ job="flask" }[30s]`) {
		t.Fatalf("top: %+v", res[0])
	}
	if !hasData(res[1]) || !hasData(res[2]) {
		t.Fatalf("graphs without data: %+v %+v", res[1].Range, res[2].Range)
	}
	var pe query.ParseErrorPos
	var ok bool
	if pe, ok = query.ParseErrorOf(res[3].Err); !ok || pe.Line != 1 {
		t.Fatalf("typo panel: %v", res[3].Err)
	}
	out := screen(m)
	for _, want := range []string{"Most viewed articles", "DB query p99", "Celery task p99", "Typo", "parse error"} {
		if !strings.Contains(out, want) {
			t.Errorf("screen lacks %q:\n%s", want, out)
		}
	}
	slugSeen := false
	for _, s := range []string{"hello-world", "flask-tips", "prometheus-basics", "on-call-survival", "gunicorn-workers"} {
		slugSeen = slugSeen || strings.Contains(out, s)
	}
	if !slugSeen {
		t.Errorf("no slug on screen:\n%s", out)
	}
}

// stackModel is a root model on a real Prometheus, on the real clock.
func stackModel(t *testing.T, cfg *vigil.Config, url string) *Model {
	t.Helper()
	prom, err := query.NewPrometheus(query.PrometheusOptions{URL: url, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prom.Close)
	th, _ := themes.Get("mono")
	ctx := &views.Context{Styles: th.Styles(), Keys: keys.New(false), Now: time.Now}
	o := Options{Context: ctx, Config: cfg}
	o.PrometheusSources(prom)
	return New(o)
}

func hasData(r query.PanelResult) bool {
	if r.Err != nil || r.Range == nil {
		return false
	}
	for _, s := range r.Range.Series {
		for _, v := range s.Values {
			if !query.Missing(v) {
				return true
			}
		}
	}
	return false
}
