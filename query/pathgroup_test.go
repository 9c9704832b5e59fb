package query

import (
	"fmt"
	"reflect"
	"testing"
)

func TestGroupPaths(t *testing.T) {
	var paths []string
	for i := 0; i < 40; i++ {
		paths = append(paths, fmt.Sprintf("/blog/post-%d", i))
	}
	paths = append(paths, "/blog/post-1/comments", "/blog/post-2/comments")
	paths = append(paths, "/api/orders/10400", "/api/orders/10407")
	paths = append(paths, "/files/1a2b3c00-0000-4000-8000-0000005e6f70", "/files/1a2b3c01-0001-4001-8001-0000005e6f71")
	paths = append(paths, "/login", "/logout", "/about", "/health", "None", "/")
	// Routes of an API are words, not slugs: no group.
	paths = append(paths, "/api/cart", "/api/checkout", "/api/search", "/api/orders", "/api/users", "/api/recommendations", "/api/products")
	groups := GroupPaths(paths, 5)
	got := map[string]int{}
	for _, g := range groups {
		got[g.Name] = len(g.Members)
	}
	want := map[string]int{
		"/blog/<slug>":     40,
		"/api/orders/<id>": 2,
		"/files/<uuid>":    2,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("groups %v, want %v", got, want)
	}
	if groups[0].Name != "/blog/<slug>" {
		t.Errorf("largest group first: %q", groups[0].Name)
	}
	// Two comments pages of two slugs are not enough for a plain segment.
	for _, g := range groups {
		for _, m := range g.Members {
			if m == "/login" || m == "None" || m == "/blog/post-1/comments" {
				t.Errorf("%q grouped into %s", m, g.Name)
			}
		}
	}
	if g := GroupPaths([]string{"/a/1", "/a/x"}, 5); len(g) != 0 {
		t.Errorf("a number and a word are no group: %v", g)
	}
	var users []string
	for i := 0; i < 21; i++ {
		users = append(users, "/u/user"+string(rune('a'+i))+"x")
	}
	if g := GroupPaths(users, 5); len(g) != 1 || g[0].Name != "/u/<slug>" {
		t.Errorf("21 plain words under one prefix are a group: %v", g)
	}
	if g := GroupPaths(nil, 0); len(g) != 0 {
		t.Errorf("no paths: %v", g)
	}
}

// Auto mode makes at most MaxAutoGroups groups, the largest, and says so.
func TestAutoRulesBounded(t *testing.T) {
	var paths []string
	for g := 0; g < MaxAutoGroups+10; g++ {
		for i := 0; i < 3+g%4; i++ {
			paths = append(paths, fmt.Sprintf("/r%d/%d", g, 1000+i))
		}
	}
	rules, warn := autoRules(Grouping{Mode: GroupAuto}, "path", paths, nil)
	if len(rules) != MaxAutoGroups || warn == "" {
		t.Errorf("%d rules, warning %q; want %d and a warning", len(rules), warn, MaxAutoGroups)
	}
	for _, r := range rules {
		if !r.Auto {
			t.Errorf("rule %+v", r)
		}
	}
}
