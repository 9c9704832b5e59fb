package query

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Paths that differ in one segment, found from the endpoint label's values:
// /blog/a, /blog/b, ... are one route /blog/<slug>. An id-like segment
// (a number, a UUID, a long hex string) makes siblings of any two paths;
// a slug-like segment (with a hyphen, an underscore, a dot or a digit, as
// hello-world or post-12) needs more than MinVariants variants under the
// same rest of the path, and a plain word four times as many, so /login and
// /logout, or /api/cart and /api/orders, stay apart.

// DefaultMinVariants is how many variants of a plain segment make a group.
const DefaultMinVariants = 5

var (
	idSegment   = regexp.MustCompile(`^[0-9]+$`)
	uuidPathSeg = regexp.MustCompile(`^(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	hexSegment  = regexp.MustCompile(`^(?i)[0-9a-f]{12,}$`)
)

// segmentKind names an id-like segment ("id", "uuid", "hex"), else "".
func segmentKind(s string) string {
	switch {
	case idSegment.MatchString(s):
		return "id"
	case uuidPathSeg.MatchString(s):
		return "uuid"
	case hexSegment.MatchString(s):
		return "hex"
	case strings.ContainsAny(s, "-_.0123456789"):
		return "slug"
	}
	return ""
}

// PathGroup is paths that differ in one segment.
type PathGroup struct {
	// Name is the route with the varying segment named: /blog/<slug>,
	// /api/orders/<id>.
	Name string
	// Members are the paths, sorted.
	Members []string
}

// GroupPaths finds the groups among the values of a path label. Values
// that are no path (not starting with "/", such as "None"), and paths with
// no sibling, are in no group. A path is in one group at most: the one with
// the most members.
func GroupPaths(paths []string, minVariants int) []PathGroup {
	if minVariants <= 0 {
		minVariants = DefaultMinVariants
	}
	type slot struct {
		members []string
		kinds   map[string]int // id-like kinds of the varying segment
	}
	slots := map[string]*slot{}
	keysOf := map[string][]string{}
	for _, p := range paths {
		if !strings.HasPrefix(p, "/") {
			continue
		}
		seg := strings.Split(p, "/")
		for i := 1; i < len(seg); i++ {
			if seg[i] == "" {
				continue
			}
			orig := seg[i]
			seg[i] = "\x00" + strconv.Itoa(i)
			key := strings.Join(seg, "/")
			seg[i] = orig
			s := slots[key]
			if s == nil {
				s = &slot{kinds: map[string]int{}}
				slots[key] = s
			}
			s.members = append(s.members, p)
			s.kinds[segmentKind(orig)]++
			keysOf[p] = append(keysOf[p], key)
		}
	}
	qualifies := func(s *slot) bool {
		if len(s.members) < 2 {
			return false
		}
		plain, slug := s.kinds[""], s.kinds["slug"]
		switch {
		case plain == 0 && slug == 0:
			return true // every variant is id-like
		case plain*5 <= len(s.members): // four in five or more look like slugs or ids
			return len(s.members) > minVariants
		}
		return len(s.members) > 4*minVariants
	}
	// Each path joins its best slot: one whose variants are all id-like
	// first (/orders/1, /orders/2 are one route even when /orders/1 and
	// /users/1 share their id), then the one with most members.
	idLike := func(s *slot) bool { return s.kinds[""] == 0 && s.kinds["slug"] == 0 }
	best := map[string]string{}
	for p, keys := range keysOf {
		bestKey, bestN, bestID := "", 0, false
		for _, k := range keys {
			s := slots[k]
			if !qualifies(s) {
				continue
			}
			id, n := idLike(s), len(s.members)
			if bestKey == "" || id && !bestID || id == bestID && (n > bestN || n == bestN && k < bestKey) {
				bestKey, bestN, bestID = k, n, id
			}
		}
		if bestKey != "" {
			best[p] = bestKey
		}
	}
	byKey := map[string][]string{}
	for p, k := range best {
		byKey[k] = append(byKey[k], p)
	}
	var out []PathGroup
	for k, ms := range byKey {
		if len(ms) < 2 {
			continue
		}
		sort.Strings(ms)
		out = append(out, PathGroup{Name: groupName(k, slots[k].kinds), Members: ms})
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i].Members) != len(out[j].Members) {
			return len(out[i].Members) > len(out[j].Members)
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// groupName names the varying segment of a slot's key: <id>, <uuid>,
// <hex> when every variant is of that kind, else <slug>.
func groupName(key string, kinds map[string]int) string {
	name := "<slug>"
	if kinds[""] == 0 && kinds["slug"] == 0 {
		switch {
		case kinds["uuid"] > 0 && kinds["id"] == 0 && kinds["hex"] == 0:
			name = "<uuid>"
		case kinds["hex"] > 0 && kinds["id"] == 0 && kinds["uuid"] == 0:
			name = "<hex>"
		default:
			name = "<id>"
		}
	}
	seg := strings.Split(key, "/")
	for i, s := range seg {
		if strings.HasPrefix(s, "\x00") {
			seg[i] = name
		}
	}
	return strings.Join(seg, "/")
}
