package vigil

import (
	"fmt"
	"strings"

	"github.com/vigilterm/vigil/query"
)

// PathGroupConfig is one [[metrics.path_group]]: the paths its pattern
// matches are one row named name.
type PathGroupConfig struct {
	// Pattern is an RE2 regular expression over the whole path.
	Pattern string `toml:"pattern"`
	// Name is the row's name, e.g. /blog/<slug>.
	Name string `toml:"name"`
}

// maxMinVariants bounds metrics.group_min_variants.
const maxMinVariants = 1000

func (c *Config) pathGroupFail(i int, key, format string, args ...any) error {
	k := fmt.Sprintf("metrics.path_group[%d].%s", i+1, key)
	where := c.where(fmt.Sprintf("metrics.path_group[%d]", i+1))
	if w, ok := c.origins[k]; ok {
		where = w
	}
	return &Error{Where: where, Key: k, Msg: fmt.Sprintf(format, args...)}
}

// validateGrouping checks metrics.group_paths and every path_group.
func (c *Config) validateGrouping() error {
	m := c.Metrics
	switch m.GroupPaths {
	case query.GroupAuto, query.GroupConfig, query.GroupOff:
	default:
		return c.fail("metrics.group_paths", "unknown mode %q: choose auto, config or off", m.GroupPaths)
	}
	if m.GroupMinVariants < 0 || m.GroupMinVariants > maxMinVariants {
		return c.fail("metrics.group_min_variants", "%d is out of range: 1 to %d (0: the default of %d)", m.GroupMinVariants, maxMinVariants, query.DefaultMinVariants)
	}
	seen := map[string]int{}
	for i, g := range m.PathGroups {
		if strings.TrimSpace(g.Name) == "" {
			return c.pathGroupFail(i, "name", "every path group needs a name, e.g. \"/blog/<slug>\"")
		}
		if g.Pattern == "" {
			return c.pathGroupFail(i, "pattern", "every path group needs a pattern, e.g. \"/blog/[^/]+\"")
		}
		if err := query.CheckPathRule(query.PathRule{Name: g.Name, Pattern: g.Pattern}); err != nil {
			return c.pathGroupFail(i, "pattern", "%v", err)
		}
		if j, ok := seen[g.Name]; ok {
			return c.pathGroupFail(i, "name", "%q is also the name of path group %d: names must differ", g.Name, j+1)
		}
		if g.Name == query.UnmatchedName {
			return c.pathGroupFail(i, "name", "%q is the row of unmatched requests: choose another name", g.Name)
		}
		seen[g.Name] = i
	}
	return nil
}

// Grouping returns the grouping in query's terms.
func (c *Config) Grouping() query.Grouping {
	g := query.Grouping{Mode: c.Metrics.GroupPaths, MinVariants: c.Metrics.GroupMinVariants}
	for _, p := range c.Metrics.PathGroups {
		g.Rules = append(g.Rules, query.PathRule{Name: p.Name, Pattern: p.Pattern})
	}
	return g
}
