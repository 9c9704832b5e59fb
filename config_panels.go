package vigil

import (
	"fmt"
	"math"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/vigilterm/vigil/query"
)

// PanelConfig is one [[panel]]: a custom panel on the Panels screen.
type PanelConfig struct {
	Title string `toml:"title"`
	// Query is a PromQL template (Go text/template) with {{.Selector}},
	// {{.Window}} and {{.EndpointLabel}}.
	Query string `toml:"query"`
	Unit  string `toml:"unit"`
	Kind  string `toml:"kind"`
	Limit int    `toml:"limit"`
	// Warn and Crit are optional thresholds, in the query's unit.
	Warn *float64 `toml:"warn"`
	Crit *float64 `toml:"crit"`
}

// panelSamples are the values a panel's template is tried with at load
// time: with a selector and without one.
var panelSamples = []query.PanelVars{
	{Selector: `job="flask"`, Window: "5m", EndpointLabel: "path"},
	{Selector: "", Window: "30s", EndpointLabel: "url_rule"},
}

// panelWhere names a panel in an error: its position in the file when
// known, and its index and title.
func (c *Config) panelFail(i int, key, format string, args ...any) error {
	p := c.Panels[i]
	where := c.where(fmt.Sprintf("panel[%d]", i+1))
	if w, ok := c.origins[fmt.Sprintf("panel[%d].%s", i+1, key)]; ok {
		where = w
	}
	name := fmt.Sprintf("panel %d", i+1)
	if p.Title != "" {
		name += fmt.Sprintf(" (%q)", p.Title)
	}
	return &Error{Where: where, Key: name + ": " + key, Msg: fmt.Sprintf(format, args...)}
}

// validatePanels checks every [[panel]]; the query template is executed
// with sample values, so a bad template fails at load time.
func (c *Config) validatePanels() error {
	for i, p := range c.Panels {
		if strings.TrimSpace(p.Title) == "" {
			return c.panelFail(i, "title", "every panel needs a title")
		}
		if strings.TrimSpace(p.Query) == "" {
			return c.panelFail(i, "query", "every panel needs a query")
		}
		for _, v := range panelSamples {
			out, err := query.RenderPanelQuery(p.Query, v)
			if err != nil {
				return c.panelFail(i, "query", "bad template: %v (use {{.Selector}}, {{.Window}}, {{.EndpointLabel}})", err)
			}
			if out == "" {
				return c.panelFail(i, "query", "the template renders to an empty query")
			}
		}
		switch query.PanelKind(p.Kind) {
		case "", query.PanelGraph, query.PanelStat, query.PanelTop:
		default:
			return c.panelFail(i, "kind", "unknown kind %q: choose graph, stat or top", p.Kind)
		}
		if p.Limit < 0 || p.Limit > 1000 {
			return c.panelFail(i, "limit", "%d is out of range: 1 to 1000 (0: the default of %d)", p.Limit, query.DefaultPanelLimit)
		}
		for _, t := range []struct {
			key string
			v   *float64
		}{{"warn", p.Warn}, {"crit", p.Crit}} {
			if t.v != nil && (math.IsNaN(*t.v) || math.IsInf(*t.v, 0)) {
				return c.panelFail(i, t.key, "must be a finite number")
			}
		}
		if p.Warn != nil && p.Crit != nil && *p.Crit < *p.Warn {
			return c.panelFail(i, "crit", "%v is below warn %v", *p.Crit, *p.Warn)
		}
	}
	return nil
}

// PanelSpecs returns the panels in query's terms.
func (c *Config) PanelSpecs() []query.PanelSpec {
	out := make([]query.PanelSpec, 0, len(c.Panels))
	for _, p := range c.Panels {
		kind := query.PanelKind(p.Kind)
		if kind == "" {
			kind = query.PanelGraph
		}
		out = append(out, query.PanelSpec{Title: p.Title, Query: p.Query, Unit: p.Unit, Kind: kind, Limit: p.Limit, Warn: p.Warn, Crit: p.Crit})
	}
	return out
}

// addPanelPositions records where each [[panel]] and its keys are in the
// file, as panel[N] and panel[N].key (N from 1), so that an error names the
// right panel's line.
func addPanelPositions(out map[string]string, data []byte, source string) {
	addArrayTablePositions(out, data, source, "panel")
	addArrayTablePositions(out, data, source, "metrics.path_group")
}

// addArrayTablePositions records where each [[name]] and its keys are, as
// name[N] and name[N].key (N from 1).
func addArrayTablePositions(out map[string]string, data []byte, source, name string) {
	p := unstable.Parser{}
	p.Reset(data)
	n := 0
	in := false
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table:
			in = false
		case unstable.ArrayTable:
			in = strings.Join(keyParts(e.Key()), ".") == name
			if in {
				n++
				// The header's position is its key's: an array table's own
				// Raw range is empty.
				it := e.Key()
				if it.Next() {
					sh := p.Shape(it.Node().Raw)
					out[fmt.Sprintf("%s[%d]", name, n)] = fmt.Sprintf("%s:%d:%d", source, sh.Start.Line, max(sh.Start.Column-2, 1))
				}
			}
		case unstable.KeyValue:
			if !in {
				continue
			}
			it := e.Key()
			if it.Next() {
				node := it.Node()
				sh := p.Shape(node.Raw)
				out[fmt.Sprintf("%s[%d].%s", name, n, node.Data)] = fmt.Sprintf("%s:%d:%d", source, sh.Start.Line, sh.Start.Column)
			}
		}
	}
}
