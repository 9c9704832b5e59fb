package grafana

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// panel reads one panel; nested are a row's folded panels.
func (p *parser) panel(path string, raw json.RawMessage) (Panel, []json.RawMessage, error) {
	if p.count++; p.count > MaxPanels {
		return Panel{}, nil, p.errf(path, "more than %d panels: not read", MaxPanels)
	}
	var r rawPanel
	if err := p.decode(path, raw, &r); err != nil {
		return Panel{}, nil, err
	}
	pn := Panel{ID: int(r.ID), Type: r.Type, Kind: kindOf(r.Type), Title: r.Title, Path: path,
		Interval: r.Interval, Repeat: r.Repeat, Collapsed: r.Collapsed}
	if r.Type == "" {
		pn.Type, pn.Kind = "(no type)", KindUnsupported
	}
	if g := r.GridPos; g != nil {
		pn.Grid = GridPos{X: clampInt(g.X, 0, GridColumns-1), Y: clampInt(g.Y, 0, 1e6), W: clampInt(g.W, 1, GridColumns), H: clampInt(g.H, 1, 1000)}
		if pn.Grid.X+pn.Grid.W > GridColumns {
			pn.Grid.W = GridColumns - pn.Grid.X
		}
	} else {
		pn.Grid = GridPos{W: 12, H: 8}
	}
	if pn.Kind == KindRow {
		pn.Grid.W, pn.Grid.H = GridColumns, 1
		if !r.Collapsed && len(r.Panels) > 0 {
			// An open row's panels are listed after it; a few exports keep
			// them inside as well.
			return pn, r.Panels, nil
		}
		return pn, r.Panels, nil
	}
	if len(r.Targets) > MaxTargets {
		return Panel{}, nil, p.errf(path+".targets", "%d targets, more than %d", len(r.Targets), MaxTargets)
	}
	for _, t := range r.Targets {
		pn.Targets = append(pn.Targets, Target{RefID: t.RefID, Expr: t.Expr, Legend: t.LegendFormat, Hide: t.Hide,
			Interval: t.Interval, Instant: t.Instant, Format: t.Format})
	}
	if n, err := optNumber(r.MaxDataPoints); err != nil {
		return Panel{}, nil, p.errf(path+".maxDataPoints", "%v", err)
	} else if n != nil && *n > 0 {
		pn.MaxDataPoints = clampInt(*n, 1, 11000)
	}
	if err := p.field(path, &r, &pn); err != nil {
		return Panel{}, nil, err
	}
	pn.Reduce = reduceOf(r)
	switch pn.Kind {
	case KindText:
		pn.Text, pn.TextMode = r.Options.Content, r.Options.Mode
		if pn.Text == "" {
			pn.Text, pn.TextMode = r.Content, r.Mode
		}
		if pn.TextMode == "" {
			pn.TextMode = "markdown"
		}
	case KindUnsupported:
		pn.Unsupported = fmt.Sprintf("panel type %q is not drawn by vigil", pn.Type)
	}
	return pn, nil, nil
}

func clampInt(v float64, lo, hi int) int {
	if math.IsNaN(v) {
		return lo
	}
	return int(math.Max(float64(lo), math.Min(float64(hi), math.Floor(v))))
}

// field reads the unit, decimals, min, max and thresholds: fieldConfig
// first, then the keys of the graph and singlestat panels before it.
func (p *parser) field(path string, r *rawPanel, pn *Panel) error {
	d := r.FieldConfig.Defaults
	f := &pn.Field
	f.Unit = d.Unit
	var err error
	if f.Decimals, err = optInt(d.Decimals); err != nil {
		return p.errf(path+".fieldConfig.defaults.decimals", "%v", err)
	}
	if f.Min, err = optNumber(d.Min); err != nil {
		return p.errf(path+".fieldConfig.defaults.min", "%v", err)
	}
	if f.Max, err = optNumber(d.Max); err != nil {
		return p.errf(path+".fieldConfig.defaults.max", "%v", err)
	}
	if t := d.Thresholds; t != nil {
		f.PercentThresholds = t.Mode == "percentage"
		for i, s := range t.Steps {
			v, err := optNumber(s.Value)
			if err != nil {
				return p.errf(fmt.Sprintf("%s.fieldConfig.defaults.thresholds.steps[%d].value", path, i), "%v", err)
			}
			step := Step{Value: math.Inf(-1), Color: s.Color}
			if v != nil && i > 0 {
				step.Value = *v
			}
			f.Steps = append(f.Steps, step)
		}
	}
	// Before Grafana 7: singlestat's format/decimals/thresholds/colors,
	// graph's left y axis.
	if f.Unit == "" {
		f.Unit = r.Format
	}
	if f.Decimals == nil {
		if f.Decimals, err = optInt(r.Decimals); err != nil {
			return p.errf(path+".decimals", "%v", err)
		}
	}
	if len(r.Yaxes) > 0 {
		y := r.Yaxes[0]
		if f.Unit == "" {
			f.Unit = y.Format
		}
		if f.Min == nil {
			if f.Min, err = optNumber(y.Min); err != nil {
				return p.errf(path+".yaxes[0].min", "%v", err)
			}
		}
		if f.Max == nil {
			if f.Max, err = optNumber(y.Max); err != nil {
				return p.errf(path+".yaxes[0].max", "%v", err)
			}
		}
		if f.Decimals == nil {
			if f.Decimals, err = optInt(y.Decimals); err != nil {
				return p.errf(path+".yaxes[0].decimals", "%v", err)
			}
		}
	}
	if len(f.Steps) == 0 && len(r.Thresholds) > 0 {
		var s string
		if json.Unmarshal(r.Thresholds, &s) == nil && strings.TrimSpace(s) != "" {
			steps, err := oldThresholds(s, r.Colors)
			if err != nil {
				return p.errf(path+".thresholds", "%v", err)
			}
			f.Steps = steps
		}
	}
	return nil
}

// oldThresholds reads singlestat's "50,80" with its three colours: below
// the first, between, from the second.
func oldThresholds(s string, colors []string) ([]Step, error) {
	parts := strings.Split(s, ",")
	if len(parts) > 10 {
		return nil, fmt.Errorf("more than 10 thresholds")
	}
	color := func(i int) string {
		if i < len(colors) {
			return colors[i]
		}
		return []string{"green", "orange", "red"}[min(i, 2)]
	}
	steps := []Step{{Value: math.Inf(-1), Color: color(0)}}
	for i, part := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(part), 64)
		if err != nil || math.IsNaN(v) {
			return nil, fmt.Errorf("threshold %q is not a number", strings.TrimSpace(part))
		}
		steps = append(steps, Step{Value: v, Color: color(i + 1)})
	}
	return steps, nil
}

// optNumber reads a number that may be absent, null, or written as a
// string ("0" in old y axes).
func optNumber(raw json.RawMessage) (*float64, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var v float64
	if err := json.Unmarshal(raw, &v); err == nil {
		return &v, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("%s is not a number", truncate(string(raw), 40))
	}
	if strings.TrimSpace(s) == "" || s == "auto" {
		return nil, nil
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil, fmt.Errorf("%q is not a number", truncate(s, 40))
	}
	return &v, nil
}

func optInt(raw json.RawMessage) (*int, error) {
	v, err := optNumber(raw)
	if err != nil || v == nil {
		return nil, err
	}
	if *v < 0 || *v > 20 {
		return nil, fmt.Errorf("decimals %v out of 0..20", *v)
	}
	n := int(*v)
	return &n, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// reduceOf is how a stat or gauge panel makes one value of a series:
// options.reduceOptions.calcs, or singlestat's valueName.
func reduceOf(r rawPanel) string {
	name := ""
	if len(r.Options.ReduceOptions.Calcs) > 0 {
		name = r.Options.ReduceOptions.Calcs[0]
	} else {
		name = r.ValueName
	}
	switch name {
	case "mean", "avg":
		return "mean"
	case "max":
		return "max"
	case "min":
		return "min"
	case "sum", "total":
		return "sum"
	case "first", "firstNotNull":
		return "first"
	}
	return "last"
}
