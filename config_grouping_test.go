package vigil

import (
	"strings"
	"testing"

	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
)

func TestPathGroupConfig(t *testing.T) {
	doc, ok := demotest.Uncomment(DefaultTOML, "[[metrics.path_group]]")
	if !ok {
		t.Fatal("no [[metrics.path_group]] example in config.toml")
	}
	cfg, err := Parse(doc, "config.toml")
	if err != nil {
		t.Fatalf("the shipped example does not load: %v", err)
	}
	g := cfg.Grouping()
	if g.Mode != query.GroupAuto || len(g.Rules) != 1 || g.Rules[0].Name != "/blog/<slug>" || g.Rules[0].Pattern != "/blog/[^/]+" {
		t.Errorf("grouping of the shipped example: %+v", g)
	}
	if s := cfg.Shape(); s.Grouping.Mode != query.GroupAuto {
		t.Errorf("shape grouping %+v", s.Grouping)
	}

	for _, c := range []struct{ doc, want string }{
		{"[metrics]\ngroup_paths = \"sometimes\"\n", `f.toml:2:1: metrics.group_paths: unknown mode "sometimes": choose auto, config or off`},
		{"[metrics]\ngroup_min_variants = -1\n", "f.toml:2:1: metrics.group_min_variants: -1 is out of range"},
		{"[[metrics.path_group]]\nname = \"/a\"\npattern = \"/a/[\"\n", `f.toml:3:1: metrics.path_group[1].pattern: pattern "/a/[": error parsing regexp`},
		{"[[metrics.path_group]]\nname = \"/a\"\npattern = \"/a/.+\"\n[[metrics.path_group]]\npattern = \"/b/.+\"\n", "f.toml:4:1: metrics.path_group[2].name: every path group needs a name"},
		{"[[metrics.path_group]]\nname = \"/a\"\npattern = \"/a/.+\"\n[[metrics.path_group]]\nname = \"/a\"\npattern = \"/b/.+\"\n", `f.toml:5:1: metrics.path_group[2].name: "/a" is also the name of path group 1`},
		{"[[metrics.path_group]]\nname = \"unmatched (404)\"\npattern = \"/x\"\n", `metrics.path_group[1].name: "unmatched (404)" is the row of unmatched requests`},
		{"[[metrics.path_group]]\nname = \"/a\"\npatern = \"/x\"\n", "f.toml:3:1: metrics.path_group.patern: unknown key"},
	} {
		cfg, err := Parse([]byte(c.doc), "f.toml")
		if err == nil {
			err = cfg.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.doc, err, c.want)
		}
	}
}
