package grafana

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
)

// ReadFile reads a dashboard from a JSON file: the dashboard itself, or
// the envelope {"dashboard": …, "meta": …} that Grafana's API answers and
// its "Export" can save.
func ReadFile(name string) (*Dashboard, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, &Err{Source: name, Msg: plainOSError(err)}
	}
	defer f.Close()
	return Read(name, f)
}

func plainOSError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

// Read reads a dashboard from r, refusing more than MaxFileBytes; source
// names it in errors.
func Read(source string, r io.Reader) (*Dashboard, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, &Err{Source: source, Msg: err.Error()}
	}
	if len(b) > MaxFileBytes {
		return nil, &Err{Source: source, Msg: fmt.Sprintf("larger than %d MB: not read", MaxFileBytes>>20)}
	}
	return Parse(source, b)
}

type rawDash struct {
	Dashboard     json.RawMessage `json:"dashboard"`
	Title         string          `json:"title"`
	UID           string          `json:"uid"`
	SchemaVersion float64         `json:"schemaVersion"`
	Time          *struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"time"`
	Refresh    json.RawMessage `json:"refresh"`
	Templating struct {
		List []json.RawMessage `json:"list"`
	} `json:"templating"`
	Panels []json.RawMessage `json:"panels"`
	Rows   []json.RawMessage `json:"rows"`
}

type rawGrid struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
}

type rawTarget struct {
	RefID        string `json:"refId"`
	Expr         string `json:"expr"`
	LegendFormat string `json:"legendFormat"`
	Hide         bool   `json:"hide"`
	Interval     string `json:"interval"`
	Instant      bool   `json:"instant"`
	Format       string `json:"format"`
}

type rawThresholds struct {
	Mode  string `json:"mode"`
	Steps []struct {
		Value json.RawMessage `json:"value"`
		Color string          `json:"color"`
	} `json:"steps"`
}

type rawPanel struct {
	ID          float64           `json:"id"`
	Type        string            `json:"type"`
	Title       string            `json:"title"`
	GridPos     *rawGrid          `json:"gridPos"`
	Span        float64           `json:"span"`
	Collapsed   bool              `json:"collapsed"`
	Panels      []json.RawMessage `json:"panels"`
	Targets     []rawTarget       `json:"targets"`
	FieldConfig struct {
		Defaults struct {
			Unit       string          `json:"unit"`
			Decimals   json.RawMessage `json:"decimals"`
			Min        json.RawMessage `json:"min"`
			Max        json.RawMessage `json:"max"`
			Thresholds *rawThresholds  `json:"thresholds"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
	// The singlestat and graph keys of before Grafana 7.
	Format     string          `json:"format"`
	Thresholds json.RawMessage `json:"thresholds"`
	Colors     []string        `json:"colors"`
	Decimals   json.RawMessage `json:"decimals"`
	ValueName  string          `json:"valueName"`
	Yaxes      []struct {
		Format   string          `json:"format"`
		Min      json.RawMessage `json:"min"`
		Max      json.RawMessage `json:"max"`
		Decimals json.RawMessage `json:"decimals"`
	} `json:"yaxes"`
	Options struct {
		ReduceOptions struct {
			Calcs []string `json:"calcs"`
		} `json:"reduceOptions"`
		Content string `json:"content"`
		Mode    string `json:"mode"`
	} `json:"options"`
	Content       string          `json:"content"`
	Mode          string          `json:"mode"`
	Interval      string          `json:"interval"`
	MaxDataPoints json.RawMessage `json:"maxDataPoints"`
	Repeat        string          `json:"repeat"`
}

type rawRow struct {
	Title     string            `json:"title"`
	Height    json.RawMessage   `json:"height"`
	Collapse  bool              `json:"collapse"`
	ShowTitle bool              `json:"showTitle"`
	Panels    []json.RawMessage `json:"panels"`
}

// parser carries the source and the panel count while a dashboard is read.
type parser struct {
	source string
	count  int
	d      *Dashboard
}

func (p *parser) errf(path, format string, args ...any) error {
	return &Err{Source: p.source, Path: path, Msg: fmt.Sprintf(format, args...)}
}

// decode unmarshals b into v, naming path and the field in errors.
func (p *parser) decode(path string, b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			where := path
			if te.Field != "" {
				where = joinPath(path, te.Field)
			}
			return p.errf(where, "a JSON %s where %s was expected", te.Value, typeName(te.Type.Kind().String()))
		case errors.As(err, &se):
			line := 1 + bytes.Count(b[:min(int(se.Offset), len(b))], []byte("\n"))
			return p.errf(path, "not valid JSON (line %d): %s", line, se.Error())
		}
		return p.errf(path, "%s", err.Error())
	}
	return nil
}

func typeName(kind string) string {
	switch kind {
	case "float64", "int":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice":
		return "a list"
	case "struct", "map":
		return "an object"
	}
	return kind
}

func joinPath(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// Parse reads a dashboard's JSON; source names it in errors.
func Parse(source string, b []byte) (*Dashboard, error) {
	p := &parser{source: source, d: &Dashboard{Source: source}}
	var top rawDash
	if err := p.decode("", b, &top); err != nil {
		return nil, err
	}
	prefix := ""
	if len(top.Dashboard) > 0 && string(top.Dashboard) != "null" {
		prefix = "dashboard"
		top = rawDash{}
		var env struct {
			Dashboard json.RawMessage `json:"dashboard"`
		}
		_ = json.Unmarshal(b, &env)
		if err := p.decode(prefix, env.Dashboard, &top); err != nil {
			return nil, err
		}
	}
	if len(top.Panels) == 0 && len(top.Rows) == 0 && top.Title == "" && len(top.Templating.List) == 0 {
		return nil, p.errf(prefix, "no title, panels, rows or templating: not a Grafana dashboard")
	}
	d := p.d
	d.Title, d.UID, d.SchemaVersion = top.Title, top.UID, int(top.SchemaVersion)
	if d.Title == "" {
		d.Title = "(untitled dashboard)"
	}
	if top.Time != nil {
		d.From, d.To = top.Time.From, top.Time.To
		from, ok1 := ParseRelative(d.From)
		to, ok2 := ParseRelative(d.To)
		if ok1 && ok2 && from > to {
			d.Range = from - to
		} else {
			d.Notes = append(d.Notes, fmt.Sprintf("time %q to %q is not relative to now: the last hour is shown", d.From, d.To))
		}
	}
	if len(top.Refresh) > 0 {
		var s string
		if json.Unmarshal(top.Refresh, &s) == nil && s != "" {
			r, err := ParseDuration(s)
			if err != nil {
				return nil, p.errf(joinPath(prefix, "refresh"), "%v", err)
			}
			d.Refresh = r
		}
	}
	if len(top.Templating.List) > MaxVariables {
		return nil, p.errf(joinPath(prefix, "templating.list"), "%d variables, more than %d", len(top.Templating.List), MaxVariables)
	}
	for i, raw := range top.Templating.List {
		v, err := p.variable(fmt.Sprintf("%s[%d]", joinPath(prefix, "templating.list"), i), raw)
		if err != nil {
			return nil, err
		}
		d.Variables = append(d.Variables, v)
	}
	var err error
	if len(top.Panels) > 0 {
		err = p.modern(joinPath(prefix, "panels"), top.Panels)
	} else {
		err = p.rows(joinPath(prefix, "rows"), top.Rows)
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

// modern reads panels[] with gridPos: a collapsed row carries its panels,
// an open row heads the panels under it up to the next row.
func (p *parser) modern(path string, raws []json.RawMessage) error {
	top, err := p.panelList(path, raws, "", false)
	if err != nil {
		return err
	}
	sortByGrid(top)
	row := ""
	for _, pn := range top {
		if pn.p.Kind == KindRow {
			row = pn.p.Title
			p.d.Panels = append(p.d.Panels, pn.p)
			nested, err := p.panelList(pn.p.Path+".panels", pn.nested, row, pn.p.Collapsed)
			if err != nil {
				return err
			}
			sortByGrid(nested)
			for _, c := range nested {
				if c.p.Kind == KindRow {
					return p.errf(c.p.Path, "a row inside a row")
				}
				p.d.Panels = append(p.d.Panels, c.p)
			}
			continue
		}
		pn.p.Row = row
		p.d.Panels = append(p.d.Panels, pn.p)
	}
	return nil
}

type parsed struct {
	p      Panel
	nested []json.RawMessage
}

func sortByGrid(ps []parsed) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i].p.Grid, ps[j].p.Grid
		if a.Y != b.Y {
			return a.Y < b.Y
		}
		return a.X < b.X
	})
}

func (p *parser) panelList(path string, raws []json.RawMessage, row string, collapsed bool) ([]parsed, error) {
	out := make([]parsed, 0, len(raws))
	for i, raw := range raws {
		pp := fmt.Sprintf("%s[%d]", path, i)
		pn, nested, err := p.panel(pp, raw)
		if err != nil {
			return nil, err
		}
		pn.Row = row
		if collapsed && pn.Kind != KindRow {
			pn.Collapsed = true
		}
		out = append(out, parsed{p: pn, nested: nested})
	}
	return out, nil
}

// rows reads the layout of before Grafana 5: rows of panels with a span
// of 12 columns, placed on the 24-column grid as Grafana's own migration
// places them.
func (p *parser) rows(path string, raws []json.RawMessage) error {
	y := 0
	for i, raw := range raws {
		rp := fmt.Sprintf("%s[%d]", path, i)
		var r rawRow
		if err := p.decode(rp, raw, &r); err != nil {
			return err
		}
		h, err := rowHeight(r.Height)
		if err != nil {
			return p.errf(rp+".height", "%v", err)
		}
		if len(raws) > 1 || r.Collapse || r.ShowTitle {
			if p.count++; p.count > MaxPanels {
				return p.errf(rp, "more than %d panels", MaxPanels)
			}
			title := r.Title
			if !r.ShowTitle && !r.Collapse && len(raws) > 1 {
				title = ""
			}
			p.d.Panels = append(p.d.Panels, Panel{Type: "row", Kind: KindRow, Title: title, Grid: GridPos{Y: y, W: GridColumns, H: 1}, Collapsed: r.Collapse, Path: rp})
			y++
		}
		x, rowY, rowH := 0, y, h
		for j, raw := range r.Panels {
			pp := fmt.Sprintf("%s.panels[%d]", rp, j)
			pn, _, err := p.panel(pp, raw)
			if err != nil {
				return err
			}
			span := 4.0
			var sp struct {
				Span float64 `json:"span"`
			}
			if json.Unmarshal(raw, &sp) == nil && sp.Span > 0 {
				span = sp.Span
			}
			w := min(max(int(math.Floor(span))*2, 1), GridColumns)
			if x+w > GridColumns {
				x, rowY = 0, rowY+h
				rowH += h
			}
			pn.Grid = GridPos{X: x, Y: rowY, W: w, H: h}
			pn.Row, pn.Collapsed = r.Title, r.Collapse
			x += w
			p.d.Panels = append(p.d.Panels, pn)
		}
		// A collapsed row's panels take no height until it is opened, as
		// in the modern model: the next row follows its title.
		if !r.Collapse {
			y += rowH
		}
	}
	return nil
}

// rowHeight reads an old row's height ("250px", "250" or 250) as grid
// units, as Grafana's migration does: ceil(px / 38).
func rowHeight(raw json.RawMessage) (int, error) {
	px := 250.0
	if len(raw) > 0 && string(raw) != "null" {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "px"), 64)
			if err != nil {
				return 0, fmt.Errorf("height %q is not a number of pixels", s)
			}
			px = v
		} else if err := json.Unmarshal(raw, &px); err != nil {
			return 0, fmt.Errorf("height is neither a number nor a string")
		}
	}
	if px <= 0 || math.IsNaN(px) || px > 1e5 {
		px = 250
	}
	return int(math.Ceil(px / 38)), nil
}
