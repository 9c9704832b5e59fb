package grafana

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestInterpolateForms(t *testing.T) {
	sc := Scope{
		"one":   {Values: []string{"a.b"}},
		"multi": {Values: []string{"/api/x", "/api/y"}, Multi: true},
		"solo":  {Values: []string{"/api/x"}, Multi: true},
		"all":   {Values: []string{"200", "500"}, Multi: true, All: true},
		"allc":  {Values: []string{"200", "500"}, Multi: true, All: true, Custom: ".*"},
		"q":     {Values: []string{`it's\`}},
	}
	for in, want := range map[string]string{
		`x{a="$one"}`:               `x{a="a.b"}`,
		`x{a="${one}"}`:             `x{a="a.b"}`,
		`x{a="[[one]]"}`:            `x{a="a.b"}`,
		`x{p=~"$multi"}`:            `x{p=~"(/api/x|/api/y)"}`,
		`x{p=~"$solo"}`:             `x{p=~"/api/x"}`,
		`x{s=~"$all"}`:              `x{s=~"(200|500)"}`,
		`x{s=~"$allc"}`:             `x{s=~".*"}`,
		`x{s=~"${allc:pipe}"}`:      `x{s=~".*"}`,
		`${multi:regex}`:            `(\/api\/x|\/api\/y)`,
		`${one:regex}`:              `a\.b`,
		`${multi:pipe}`:             `/api/x|/api/y`,
		`${multi:csv}`:              `/api/x,/api/y`,
		`[[multi:csv]]`:             `/api/x,/api/y`,
		`${all:csv}`:                `200,500`,
		`${multi:json}`:             `["/api/x","/api/y"]`,
		`${multi:doublequote}`:      `"/api/x","/api/y"`,
		`$q`:                        `it\\'s\\`,
		`$unknown and ${unknown}`:   `$unknown and ${unknown}`,
		`$one$one`:                  `a.ba.b`,
		`rate(x[$__rate_interval])`: `rate(x[$__rate_interval])`,
	} {
		if got := Interpolate(in, sc); got != want {
			t.Errorf("%s:\n got %s\nwant %s", in, got, want)
		}
	}
	if got := InterpolateText("Latency of $multi ($all)", sc); got != "Latency of /api/x, /api/y (All)" {
		t.Errorf("text: %s", got)
	}
	// Regex specials in a multi-value are escaped twice: once for the
	// regex, once for the PromQL string.
	sc["dots"] = Value{Values: []string{"a.b", "c|d"}, Multi: true}
	if got := Interpolate(`$dots`, sc); got != `(a\\.b|c\\|d)` {
		t.Errorf("escaped: %s", got)
	}
}

func TestBuiltins(t *testing.T) {
	iv := PanelInterval(time.Hour, 120, "", 15*time.Second)
	if iv.Step != 30*time.Second || iv.Rate != time.Minute {
		t.Fatalf("interval %+v", iv)
	}
	sc := Scope{}.With(iv)
	for in, want := range map[string]string{
		"$__interval": "30s", "${__interval_ms}": "30000", "$__rate_interval": "1m", "$__range": "3600s", "$__range_s": "3600", "$__range_ms": "3600000",
	} {
		if got := Interpolate(in, sc); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
	// A panel's least interval wins over a finer step; the rate interval
	// is at least four scrapes.
	if iv := PanelInterval(time.Hour, 1000, ">2m", 15*time.Second); iv.Step != 2*time.Minute || iv.Rate != 2*time.Minute+15*time.Second {
		t.Errorf("min interval: %+v", iv)
	}
	if iv := PanelInterval(5*time.Minute, 300, "", 15*time.Second); iv.Step != 15*time.Second || iv.Rate != time.Minute {
		t.Errorf("scrape floor: %+v", iv)
	}
	for in, want := range map[time.Duration]time.Duration{7 * time.Second: 5 * time.Second, 40 * time.Second: 30 * time.Second, 100 * time.Second: 2 * time.Minute, 2 * time.Hour: 2 * time.Hour} {
		if got := RoundInterval(in); got != want {
			t.Errorf("round %s: %s", in, got)
		}
	}
}

func TestResolveSelection(t *testing.T) {
	d, err := ReadFile("testdata/modern.json")
	if err != nil {
		t.Fatal(err)
	}
	// Without Prometheus a query variable offers the options saved in
	// the JSON (the integration test reads them from Prometheus).
	opts := func(vals ...string) []Option {
		var o []Option
		for _, v := range vals {
			o = append(o, Option{Text: v, Value: v})
		}
		return o
	}
	for i := range d.Variables {
		switch d.Variables[i].Name {
		case "job":
			d.Variables[i].Options = opts("flask", "other")
		case "path":
			d.Variables[i].Options = opts("/api/cart", "/api/search")
		case "method":
			d.Variables[i].Options = opts("GET", "POST", "PUT")
		case "metric":
			d.Variables[i].Options = opts("flask_http_request_duration_seconds_count")
		}
	}
	vars := Resolve(context.Background(), nil, d, map[string][]string{"status": {"500", "404"}}, 30*time.Minute, time.Now(), 0)
	got := map[string]string{}
	for _, v := range vars {
		got[v.Var.Name] = v.Text()
		if v.Err != nil {
			got[v.Var.Name] += " ERR " + v.Err.Error()
		}
	}
	want := map[string]string{
		"ds": "Prometheus", "job": "flask", "path": "All", "method": "GET + POST", "status": "500 + 404",
		"quantile": "0.99", "win": "1m", "env": "production", "filter": ".*",
		"metric": "flask_http_request_duration_seconds_count", "instance": "(none)",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %q, want %q", k, got[k], w)
		}
	}
	sc := vars.Scope()
	if s := Interpolate(`$path`, sc); s != `(/api/cart|/api/search)` {
		t.Errorf("path: %s", s)
	}
	// --var for a value not offered is taken; All by name.
	vars = Resolve(context.Background(), nil, d, map[string][]string{"job": {"new"}, "path": {"All"}, "quantile": {"0.5"}}, time.Hour, time.Now(), 0)
	sc = vars.Scope()
	if Interpolate("$job $quantile", sc) != "new 0.5" || !sc["path"].All {
		t.Errorf("set: %s %+v", Interpolate("$job $quantile", sc), sc["path"])
	}
	// Custom options with text : value.
	for _, v := range vars {
		if v.Var.Name == "quantile" && (len(v.Options) != 3 || v.Options[2] != (Option{Text: "p99", Value: "0.99"})) {
			t.Errorf("custom options: %+v", v.Options)
		}
		if v.Var.Name == "win" && (v.Options[0].Text != "auto" || v.Options[0].Value != "2m") {
			t.Errorf("auto interval: %+v", v.Options)
		}
	}
}

func TestSplitCustomAndRegex(t *testing.T) {
	got := splitCustom(`a, b\,c , x : y,`)
	if fmt.Sprint(got) != "[{a a} {b,c b,c} {x y}]" {
		t.Errorf("split: %v", got)
	}
	v := &Variable{Regex: `/pod="(?P<text>[^"]+)"/`}
	o, err := filterOptions(v, []string{`up{pod="b"} 1 1`, `up{pod="a"} 1 1`, `up{pod="a"} 1 1`, `nope`})
	if err != nil || fmt.Sprint(o) != "[{b b} {a a}]" {
		t.Errorf("regex: %v %v", o, err)
	}
	v = &Variable{Regex: `api.*`, Sort: 2}
	o, _ = filterOptions(v, []string{"api1", "xapi", "api2"})
	if fmt.Sprint(o) != "[{api2 api2} {api1 api1}]" {
		t.Errorf("anchored, sorted down: %v", o)
	}
	if _, err := filterOptions(&Variable{Regex: "/(/"}, []string{"x"}); err == nil {
		t.Error("bad regex accepted")
	}
}

// A choice lets go of the choices after it (they may depend on it), keeps
// those before, and an interval's "auto" asked by its text stays auto.
func TestChooseLetsGoOfLaterChoices(t *testing.T) {
	d := &Dashboard{Variables: []Variable{{Name: "job"}, {Name: "instance"}, {Name: "path"}}}
	picked := Choose(d, nil, "path", []string{"/a"})
	picked = Choose(d, picked, "instance", []string{"i1"})
	if _, ok := picked["path"]; ok || picked["instance"][0] != "i1" {
		t.Errorf("after instance: %v, want path let go", picked)
	}
	picked = Choose(d, picked, "path", []string{"/b"})
	picked = Choose(d, picked, "job", []string{"api"})
	if len(picked) != 1 || picked["job"][0] != "api" {
		t.Errorf("after job: %v, want job alone", picked)
	}
	iv := &VarState{Var: &Variable{Name: "win", Type: VarInterval, Auto: true}, Options: []Option{{Text: "auto", Value: "2m"}, {Text: "1m", Value: "1m"}}}
	choose(iv, []string{"auto"})
	if len(iv.Selected) != 1 || iv.Selected[0] != "2m" {
		t.Errorf("auto chose %v, want the auto option's value 2m", iv.Selected)
	}
}
