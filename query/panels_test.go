package query

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// FuzzPanelTemplate: rendering never panics, never returns more than the
// cap, and a template without actions renders to itself (trimmed).
func FuzzPanelTemplate(f *testing.F) {
	for _, s := range []string{
		"topk(10, sum by (slug) (increase(article_views_total{ {{.Selector}} }[{{.Window}}])))",
		"histogram_quantile(0.99, sum by ({{.EndpointLabel}}, le) (rate(x_bucket{ {{.Selector}} }[{{.Window}}])))",
		"{{.Nope}}", "{{", "}}", "{{{.Selector}}}", "{{range 1000000}}x{{end}}", "{{printf \"%v\" .}}",
		"{{define \"a\"}}{{template \"a\"}}{{end}}{{template \"a\"}}", "up", "",
	} {
		f.Add(s, `job="flask"`)
	}
	f.Fuzz(func(t *testing.T, tmpl, sel string) {
		out, err := RenderPanelQuery(tmpl, PanelVars{Selector: sel, Window: "5m", EndpointLabel: "path"})
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error on several lines: %q", err)
			}
			return
		}
		if len(out) > maxRenderedQuery {
			t.Fatalf("rendered %d bytes", len(out))
		}
		if !strings.Contains(tmpl, "{{") && utf8.ValidString(tmpl) && out != strings.TrimSpace(tmpl) {
			t.Fatalf("plain text changed: %q → %q", tmpl, out)
		}
	})
}

// countingQuerier answers every query from fixed values and counts them.
type countingQuerier struct {
	instant, ranged atomic.Int32
	mu              sync.Mutex
	exprs           []string
	fail            string // an expression containing this fails
}

func (q *countingQuerier) note(expr string) error {
	q.mu.Lock()
	q.exprs = append(q.exprs, expr)
	q.mu.Unlock()
	if q.fail != "" && strings.Contains(expr, q.fail) {
		return errors.New(`bad_data: 1:5: parse error: unexpected identifier "broken"`)
	}
	return nil
}

func (q *countingQuerier) Query(ctx context.Context, expr string, at time.Time) (model.Value, v1.Warnings, error) {
	q.instant.Add(1)
	if err := q.note(expr); err != nil {
		return nil, nil, err
	}
	return model.Vector{
		{Metric: model.Metric{"slug": "a"}, Value: 3},
		{Metric: model.Metric{"slug": "b"}, Value: 9},
		{Metric: model.Metric{"slug": "c"}, Value: model.SampleValue(math.NaN())},
		{Metric: model.Metric{"slug": "d"}, Value: 5},
	}, nil, nil
}

func (q *countingQuerier) QueryRange(ctx context.Context, expr string, r v1.Range) (model.Value, v1.Warnings, error) {
	q.ranged.Add(1)
	if err := q.note(expr); err != nil {
		return nil, nil, err
	}
	return model.Matrix{{Metric: model.Metric{"query": "q"}, Values: []model.SamplePair{
		{Timestamp: model.TimeFromUnixNano(r.Start.UnixNano()), Value: 1},
		{Timestamp: model.TimeFromUnixNano(r.End.UnixNano()), Value: 2},
	}}}, nil, nil
}

func TestRunPanelsOneQueryEachAndIsolatedFailures(t *testing.T) {
	specs := []PanelSpec{
		{Title: "top", Query: "topk(10, x{ {{.Selector}} })", Kind: PanelTop, Limit: 2},
		{Title: "graph", Query: "rate(y{ {{.Selector}} }[{{.Window}}])", Kind: PanelGraph},
		{Title: "stat", Query: "sum(z)", Kind: PanelStat},
		{Title: "broken", Query: "broken stuff", Kind: PanelStat},
	}
	q := &countingQuerier{fail: "broken"}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	res := RunPanels(context.Background(), q, specs, VarsOf(Shape{Selector: `job="flask"`, Window: 5 * time.Minute}), time.Hour, now)
	if q.instant.Load() != 3 || q.ranged.Load() != 1 {
		t.Fatalf("%d instant and %d range queries, want 3 and 1", q.instant.Load(), q.ranged.Load())
	}
	if len(res) != 4 {
		t.Fatal(len(res))
	}
	if res[0].Err != nil || len(res[0].Rows) != 2 || res[0].Rows[0].Label != "b" || res[0].Rows[1].Label != "d" || res[0].Total != 4 {
		t.Fatalf("top %+v", res[0])
	}
	if res[0].Query != `topk(10, x{ job="flask" })` {
		t.Fatalf("query %q", res[0].Query)
	}
	if res[1].Err != nil || res[1].Range == nil || len(res[1].Range.Series) != 1 {
		t.Fatalf("graph %+v", res[1])
	}
	vals := res[1].Range.Series[0].Values
	if len(vals) < 2 || vals[0] != 1 || vals[len(vals)-1] != 2 || !math.IsNaN(vals[1]) {
		t.Fatalf("graph values %v", vals)
	}
	if res[2].Err != nil || res[2].Value != 9 || res[2].ValueSeries != 4 {
		t.Fatalf("stat %+v", res[2])
	}
	if res[3].Err == nil || !strings.Contains(res[3].Err.Error(), "parse error") {
		t.Fatalf("broken %+v", res[3])
	}
}

func TestRuleThreshold(t *testing.T) {
	cases := []struct {
		expr, lhs string
		v         float64
		ok        bool
	}{
		{`rate(flask_http_request_total{status=~"5.."}[5m]) > 0.05`, `rate(flask_http_request_total{status=~"5.."}[5m])`, 0.05, true},
		{"histogram_quantile(0.99, x) > 2", "histogram_quantile(0.99, x)", 2, true},
		{"up == 0", "up", 0, true},
		{"x >= bool 1e3", "x", 1000, true},
		{"absent(up)", "absent(up)", math.NaN(), false},
	}
	for _, c := range cases {
		lhs, v, ok := RuleThreshold(c.expr)
		if ok != c.ok || lhs != c.lhs || (ok && v != c.v) {
			t.Errorf("%q: %q %v %v", c.expr, lhs, v, ok)
		}
	}
}

func TestParseErrorOf(t *testing.T) {
	err := &ServerError{URL: "u", Op: "query", Err: &v1.Error{Type: v1.ErrBadData, Msg: `invalid parameter "query": 1:5: parse error: unexpected identifier "x"`}}
	p, ok := ParseErrorOf(err)
	if !ok || p.Line != 1 || p.Col != 5 || !strings.HasPrefix(p.Msg, "parse error: unexpected") {
		t.Fatalf("%+v %v", p, ok)
	}
	if _, ok := ParseErrorOf(errors.New("connection refused")); ok {
		t.Fatal("found a position in a transport error")
	}
}

func TestLabelText(t *testing.T) {
	if s := LabelText(map[string]string{"slug": "a"}); s != "a" {
		t.Error(s)
	}
	if s := LabelText(map[string]string{"__name__": "up", "job": "x", "a": "b"}); s != `up{a="b", job="x"}` {
		t.Error(s)
	}
	if s := LabelText(nil); s != "{}" {
		t.Error(s)
	}
}
