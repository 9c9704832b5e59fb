package grafana

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// AllValue is how Grafana writes "All" chosen in a variable's current value.
const AllValue = "$__all"

// The kinds of variable.
const (
	VarQuery      = "query"
	VarCustom     = "custom"
	VarConstant   = "constant"
	VarInterval   = "interval"
	VarTextbox    = "textbox"
	VarDatasource = "datasource"
)

// Option is one value a variable offers.
type Option struct {
	Text, Value string
}

// Variable is one entry of templating.list.
type Variable struct {
	Name, Label, Type string
	// Query is the query (a string, or the "query" key of the object form):
	// label_values(…) for a query variable, "a,b,c" for custom and
	// interval, the value of a constant or the default of a textbox.
	Query string
	// Regex filters (and with a group, extracts from) a query's values.
	Regex string
	// Sort is Grafana's sort: 0 as returned, 1/2 alphabetical up/down,
	// 3/4 numerical, 5/6 alphabetical ignoring case.
	Sort       int
	Multi      bool
	IncludeAll bool
	// AllValue is the custom all value; "" means every value.
	AllValue string
	// Options are the values written in the JSON (custom, interval, and
	// what a query variable last found).
	Options []Option
	// Current is the saved selection, AllValue for "All".
	Current []string
	// Hide is 0 shown, 1 label hidden, 2 variable hidden.
	Hide int
	// Auto, AutoCount and AutoMin are an interval variable's "auto".
	Auto      bool
	AutoCount int
	AutoMin   string
	// Unsupported says why the variable has no value (adhoc and others).
	Unsupported string
}

// Shown reports whether Grafana shows the variable in its bar.
func (v *Variable) Shown() bool { return v.Hide != 2 && v.Type != VarConstant }

type rawVar struct {
	Name       string          `json:"name"`
	Label      string          `json:"label"`
	Type       string          `json:"type"`
	Query      json.RawMessage `json:"query"`
	Definition string          `json:"definition"`
	Regex      string          `json:"regex"`
	Sort       float64         `json:"sort"`
	Multi      bool            `json:"multi"`
	IncludeAll bool            `json:"includeAll"`
	AllValue   *string         `json:"allValue"`
	Hide       float64         `json:"hide"`
	Current    struct {
		Text  json.RawMessage `json:"text"`
		Value json.RawMessage `json:"value"`
	} `json:"current"`
	Options []struct {
		Text  json.RawMessage `json:"text"`
		Value json.RawMessage `json:"value"`
	} `json:"options"`
	Auto      bool            `json:"auto"`
	AutoCount float64         `json:"auto_count"`
	AutoMin   string          `json:"auto_min"`
	Datasrc   json.RawMessage `json:"datasource"`
}

var nameRE = regexp.MustCompile(`^\w+$`)

func (p *parser) variable(path string, raw json.RawMessage) (Variable, error) {
	var r rawVar
	if err := p.decode(path, raw, &r); err != nil {
		return Variable{}, err
	}
	if !nameRE.MatchString(r.Name) {
		return Variable{}, p.errf(path+".name", "variable name %q is not a word (letters, digits, _)", truncate(r.Name, 40))
	}
	v := Variable{Name: r.Name, Label: r.Label, Type: r.Type, Regex: r.Regex, Sort: int(r.Sort), Multi: r.Multi,
		IncludeAll: r.IncludeAll, Hide: int(r.Hide), Auto: r.Auto, AutoCount: int(r.AutoCount), AutoMin: r.AutoMin}
	if r.AllValue != nil {
		v.AllValue = *r.AllValue
	}
	if len(r.Query) > 0 && string(r.Query) != "null" {
		var s string
		if json.Unmarshal(r.Query, &s) == nil {
			v.Query = s
		} else {
			var o struct {
				Query string `json:"query"`
			}
			if err := json.Unmarshal(r.Query, &o); err != nil {
				return Variable{}, p.errf(path+".query", "neither a string nor an object with a query")
			}
			v.Query = o.Query
		}
	}
	if v.Query == "" && r.Type == VarQuery {
		v.Query = r.Definition
	}
	v.Current = strs(r.Current.Value)
	for _, o := range r.Options {
		vals, texts := strs(o.Value), strs(o.Text)
		for i, val := range vals {
			if val == AllValue {
				continue
			}
			t := val
			if i < len(texts) {
				t = texts[i]
			}
			v.Options = append(v.Options, Option{Text: t, Value: val})
		}
	}
	switch v.Type {
	case VarCustom:
		v.Options = splitCustom(v.Query)
	case VarInterval:
		v.Options = nil
		for _, s := range strings.Split(v.Query, ",") {
			if s = strings.TrimSpace(s); s != "" {
				v.Options = append(v.Options, Option{Text: s, Value: s})
			}
		}
		if v.AutoCount <= 0 {
			v.AutoCount = 30
		}
		if v.AutoMin == "" {
			v.AutoMin = "10s"
		}
	case VarConstant:
		v.Options = []Option{{Text: v.Query, Value: v.Query}}
	case VarTextbox:
		if len(v.Current) == 0 || v.Current[0] == "" {
			v.Current = []string{v.Query}
		}
	case VarDatasource:
		// The datasource is the Prometheus vigil talks to.
		t := strs(r.Current.Text)
		name := v.Query
		if len(t) > 0 && t[0] != "" {
			name = t[0]
		}
		v.Options = []Option{{Text: name, Value: name}}
		v.Current = []string{name}
	case VarQuery:
	default:
		v.Unsupported = fmt.Sprintf("variable type %q is not supported", v.Type)
	}
	return v, nil
}

// strs reads a string or a list of strings.
func strs(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []string{s}
	}
	var l []string
	if json.Unmarshal(raw, &l) == nil {
		return l
	}
	return nil
}

// splitCustom reads a custom variable's "a, b, c", where "\," is a comma
// in a value and "text : value" names a value.
func splitCustom(q string) []Option {
	var out []Option
	var cur strings.Builder
	flush := func() {
		s := strings.TrimSpace(cur.String())
		cur.Reset()
		if s == "" {
			return
		}
		if t, v, ok := strings.Cut(s, " : "); ok {
			out = append(out, Option{Text: strings.TrimSpace(t), Value: strings.TrimSpace(v)})
			return
		}
		out = append(out, Option{Text: s, Value: s})
	}
	for i := 0; i < len(q); i++ {
		switch {
		case q[i] == '\\' && i+1 < len(q) && q[i+1] == ',':
			cur.WriteByte(',')
			i++
		case q[i] == ',':
			flush()
		default:
			cur.WriteByte(q[i])
		}
	}
	flush()
	return out
}

// Value is a variable's value where it is interpolated.
type Value struct {
	Values []string
	// All is "All" chosen; Values then hold every value (or AllValue).
	All bool
	// Multi is true for a multi-value or All variable, whose values are
	// written as a regex alternative in a query.
	Multi bool
	// Custom is the custom all value, used as it is when All is chosen.
	Custom string
}

// Scope is the values in effect, by variable name (built-ins without
// their $).
type Scope map[string]Value

var varRE = regexp.MustCompile(`\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}`)

// Interpolate writes the scope's values into a PromQL expression as
// Grafana's Prometheus data source does: a single value escaped for a
// string, several values (or All) as (a|b) with regex characters escaped;
// ${var:format} picks another format. An unknown variable is left as it is.
func Interpolate(s string, sc Scope) string { return interpolate(s, sc, "") }

// InterpolateText writes the values for display (titles, text panels,
// legends): several values joined by ", ".
func InterpolateText(s string, sc Scope) string { return interpolate(s, sc, "text") }

func interpolate(s string, sc Scope, deflt string) string {
	if !strings.ContainsAny(s, "$[") {
		return s
	}
	return varRE.ReplaceAllStringFunc(s, func(m string) string {
		g := varRE.FindStringSubmatch(m)
		name, format := g[1], ""
		switch {
		case g[2] != "":
			name, format = g[2], g[3]
		case g[4] != "":
			name, format = g[4], g[6]
		}
		v, ok := sc[name]
		if !ok {
			return m
		}
		if format == "" {
			format = deflt
		}
		return formatValue(v, format)
	})
}

func formatValue(v Value, format string) string {
	if v.All && v.Custom != "" && format != "text" {
		return v.Custom
	}
	vals := v.Values
	switch format {
	case "":
		if !v.Multi {
			return promEscape(strings.Join(vals, ","))
		}
		if len(vals) == 1 {
			return promRegexEscape(vals[0])
		}
		esc := make([]string, len(vals))
		for i, x := range vals {
			esc[i] = promRegexEscape(x)
		}
		return "(" + strings.Join(esc, "|") + ")"
	case "regex":
		esc := make([]string, len(vals))
		for i, x := range vals {
			esc[i] = regexEscape(x)
		}
		if len(esc) == 1 {
			return esc[0]
		}
		return "(" + strings.Join(esc, "|") + ")"
	case "pipe":
		return strings.Join(vals, "|")
	case "csv", "raw":
		return strings.Join(vals, ",")
	case "text":
		if v.All {
			return "All"
		}
		return strings.Join(vals, ", ")
	case "json":
		b, _ := json.Marshal(vals)
		if len(vals) == 1 && !v.Multi {
			b, _ = json.Marshal(vals[0])
		}
		return string(b)
	case "doublequote":
		return quoteEach(vals, `"`)
	case "singlequote":
		return quoteEach(vals, `'`)
	case "glob":
		if len(vals) == 1 {
			return vals[0]
		}
		return "{" + strings.Join(vals, ",") + "}"
	}
	// Unknown formats: the values as they are, comma-separated.
	return strings.Join(vals, ",")
}

func quoteEach(vals []string, q string) string {
	out := make([]string, len(vals))
	for i, x := range vals {
		out[i] = q + strings.ReplaceAll(x, q, `\`+q) + q
	}
	return strings.Join(out, ",")
}

// promEscape escapes a value for a PromQL string: \ and '.
func promEscape(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return strings.ReplaceAll(s, `'`, `\\'`)
}

// promRegexEscape escapes a value for a regex inside a PromQL string: the
// backslash of each escape is itself escaped for the string.
func promRegexEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch c {
		case '\\':
			b.WriteString(`\\\\`)
		case '$', '^', '*', '{', '}', '[', ']', '\'', '+', '?', '.', '(', ')', '|':
			b.WriteString(`\\`)
			b.WriteRune(c)
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// regexEscape is the ${var:regex} format: each value a literal regex.
func regexEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`\^$*+?.()|[]{}/`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// References lists the variable names s refers to, in order, once each.
func References(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, g := range varRE.FindAllStringSubmatch(s, -1) {
		n := g[1] + g[2] + g[4]
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}
