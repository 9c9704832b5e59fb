package vigil

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
)

// checkCommentedArrayTable requires a commented-out [[name]] example in the
// shipped file with every key of the element type, each also described in
// the comment block.
func checkCommentedArrayTable(t *testing.T, name string, typ reflect.Type) {
	t.Helper()
	doc := string(DefaultTOML)
	if !strings.Contains(doc, "# [["+name+"]]") {
		t.Errorf("config.toml has no commented-out [[%s]] example", name)
	}
	for i := 0; i < typ.NumField(); i++ {
		tag := typ.Field(i).Tag.Get("toml")
		if tag == "" || tag == "-" {
			continue
		}
		if !strings.Contains(doc, "#   "+tag+" ") {
			t.Errorf("config.toml does not describe %s.%s", name, tag)
		}
		if !strings.Contains(doc, "# "+tag+" = ") {
			t.Errorf("config.toml has no example of %s.%s", name, tag)
		}
	}
}

// uncommentedPanels returns the shipped config.toml with its panel
// examples uncommented.
func uncommentedPanels(t *testing.T) []byte {
	t.Helper()
	doc, ok := demotest.Uncomment(DefaultTOML, "[[panel]]")
	if !ok {
		t.Fatal("no [[panel]] example in config.toml")
	}
	return doc
}

func TestShippedPanelExamplesLoadAndRender(t *testing.T) {
	cfg, err := Parse(uncommentedPanels(t), "config.toml")
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Panels) != 3 {
		t.Fatalf("%d panels", len(cfg.Panels))
	}
	specs := cfg.PanelSpecs()
	if specs[0].Kind != query.PanelTop || specs[1].Kind != query.PanelGraph || specs[0].Limit != 10 {
		t.Fatalf("%+v", specs)
	}
	if specs[1].Warn == nil || *specs[1].Warn != 0.25 || specs[1].Crit == nil || *specs[1].Crit != 1 {
		t.Fatalf("thresholds %+v", specs[1])
	}
	cases := []struct {
		sel  string
		want string
	}{
		{``, `topk(10, sum by (slug) (increase(article_views_total{  }[5m])))`},
		{`job="flask"`, `topk(10, sum by (slug) (increase(article_views_total{ job="flask" }[5m])))`},
	}
	cfg.UI.Window = Window{Fixed: Duration(5 * time.Minute)} // the default is auto: the console fills in the window in use
	for _, c := range cases {
		cfg.Metrics.Selector = c.sel
		got, err := query.RenderPanelQuery(specs[0].Query, query.VarsOf(cfg.Shape()))
		if err != nil || got != c.want {
			t.Errorf("selector %q: got %q, %v; want %q", c.sel, got, err, c.want)
		}
	}
}

func TestPanelValidationNamesThePanel(t *testing.T) {
	cases := []validateCase{
		{"unknown field", "[[panel]]\ntitle = \"A\"\nquery = \"up\"\n[[panel]]\ntitle = \"Views\"\nquery = \"rate(x{ {{.Selectr}} }[5m])\"\n",
			[]string{"f.toml:6:1", `panel 2 ("Views")`, "query", "Selectr"}},
		{"syntax", "[[panel]]\ntitle = \"Views\"\nquery = \"rate(x{{{.Selector}}}[5m])\"\n",
			[]string{`panel 1 ("Views")`, "query", "bad template"}},
		{"unclosed", "[[panel]]\ntitle = \"P\"\nquery = \"rate(x{ {{.Selector }[5m])\"\n", []string{`panel 1 ("P")`, "query"}},
		{"empty render", "[[panel]]\ntitle = \"P\"\nquery = \"{{if false}}x{{end}}\"\n", []string{"panel 1", "empty"}},
		{"no title", "[[panel]]\nquery = \"up\"\n", []string{"f.toml:1:1", "panel 1", "title"}},
		{"kind", "[[panel]]\ntitle = \"P\"\nquery = \"up\"\nkind = \"pie\"\n", []string{"f.toml:4:1", "panel 1", "kind", "graph, stat or top"}},
		{"limit", "[[panel]]\ntitle = \"P\"\nquery = \"up\"\nlimit = -1\n", []string{"panel 1", "limit"}},
		{"crit below warn", "[[panel]]\ntitle = \"P\"\nquery = \"up\"\nwarn = 2\ncrit = 1\n", []string{"panel 1", "crit", "below warn"}},
	}
	checkValidateFails(t, cases, nil)
}

func TestPanelUnknownKeyIsAnError(t *testing.T) {
	_, err := Parse([]byte("[[panel]]\ntitle = \"P\"\nqeury = \"up\"\n"), "f.toml")
	if err == nil || !strings.Contains(err.Error(), "f.toml:3:1") || !strings.Contains(err.Error(), "panel.qeury") {
		t.Fatalf("got %v", err)
	}
}

func TestRenderPanelQuery(t *testing.T) {
	v := query.PanelVars{Selector: `job="flask"`, Window: "5m", EndpointLabel: "path"}
	cases := []struct {
		tmpl, want string
		bad        bool
	}{
		{"sum by ({{.EndpointLabel}}) (rate(x{ {{.Selector}} }[{{.Window}}]))", `sum by (path) (rate(x{ job="flask" }[5m]))`, false},
		{"  up  ", "up", false},
		{"{{.Nope}}", "", true},
		{"{{.Selector", "", true},
		{"{{range 100000000}}xxxxxxxx{{end}}", "", true},
		{"{{template \"x\"}}", "", true},
	}
	for _, c := range cases {
		got, err := query.RenderPanelQuery(c.tmpl, v)
		if c.bad != (err != nil) || (!c.bad && got != c.want) {
			t.Errorf("%q: got %q, %v", c.tmpl, got, err)
		}
	}
	_ = time.Second
}
