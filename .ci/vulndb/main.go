// Command vulndb turns the OSV entries of a golang.org/x/vulndb module
// download (its data/osv directory) into the v1 database layout that
// `govulncheck -db file:///dir` reads (see golang.org/x/vuln/internal/client):
//
//	index/db.json       {"modified": T}
//	index/modules.json  [{"path", "vulns": [{"id", "modified", "fixed"}]}]
//	index/vulns.json    [{"id", "modified", "aliases"}]
//	ID/<GO-id>.json     the OSV entries, copied verbatim
//
// Usage: go run ./.ci/vulndb -src DIR/data/osv -out OUTDIR
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

type entry struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases"`
	Affected []struct {
		Package struct {
			Name      string `json:"name"`
			Ecosystem string `json:"ecosystem"`
		} `json:"package"`
		Ranges []struct {
			Type   string `json:"type"`
			Events []struct {
				Introduced string `json:"introduced"`
				Fixed      string `json:"fixed"`
			} `json:"events"`
		} `json:"ranges"`
	} `json:"affected"`
}

type moduleVuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Fixed    string    `json:"fixed,omitempty"`
}
type moduleMeta struct {
	Path  string       `json:"path"`
	Vulns []moduleVuln `json:"vulns"`
}
type vulnMeta struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases,omitempty"`
}

var (
	idRE     = regexp.MustCompile(`^GO-[0-9]{4}-[0-9]{4,}$`)
	semverRE = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$`)
	// The data/osv entries carry no modification time (the vulndb's own
	// generator takes it from git), so the database's time falls back to
	// the commit time in the module's pseudo-version.
	pseudoRE = regexp.MustCompile(`@v0\.0\.0-([0-9]{14})-`)
)

func main() {
	src := flag.String("src", "", "directory of OSV files (the vulndb module's data/osv)")
	out := flag.String("out", "", "output directory (created; replaced atomically)")
	flag.Parse()
	if *src == "" || *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: vulndb -src VULNDB/data/osv -out DIR")
		os.Exit(2)
	}
	if err := run(*src, *out); err != nil {
		fmt.Fprintln(os.Stderr, "vulndb:", err)
		os.Exit(1)
	}
}

func run(src, out string) error {
	files, err := filepath.Glob(filepath.Join(src, "*.json"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("%s: no OSV *.json files found (err=%v)", src, err)
	}
	tmp := fmt.Sprintf("%s.tmp-%d", out, os.Getpid())
	defer os.RemoveAll(tmp)
	for _, d := range []string{"ID", "index"} {
		if err := os.MkdirAll(filepath.Join(tmp, d), 0o755); err != nil {
			return err
		}
	}
	var dbMod time.Time
	modules := map[string]*moduleMeta{}
	var vulns []vulnMeta
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		e, err := validate(f, b)
		if err != nil {
			return fmt.Errorf("%s: %v", f, err)
		}
		if e.Modified.After(dbMod) {
			dbMod = e.Modified
		}
		vulns = append(vulns, vulnMeta{e.ID, e.Modified, e.Aliases})
		for _, a := range e.Affected {
			m := modules[a.Package.Name]
			if m == nil {
				m = &moduleMeta{Path: a.Package.Name, Vulns: []moduleVuln{}}
				modules[a.Package.Name] = m
			}
			// Same rule as govulncheck's semver.NonSupersededFix: the latest
			// fix, unless the vulnerability is re-introduced after it.
			fixed := ""
			for _, r := range a.Ranges {
				for _, ev := range r.Events {
					if ev.Fixed != "" && less(fixed, ev.Fixed) {
						fixed = ev.Fixed
					}
				}
				for _, ev := range r.Events {
					if ev.Introduced != "" && ev.Introduced != "0" && less(fixed, ev.Introduced) {
						fixed = ""
						break
					}
				}
			}
			m.Vulns = append(m.Vulns, moduleVuln{e.ID, e.Modified, fixed})
		}
		if err := os.WriteFile(filepath.Join(tmp, "ID", e.ID+".json"), b, 0o644); err != nil {
			return err
		}
	}
	if m := pseudoRE.FindStringSubmatch(src); m != nil && dbMod.IsZero() {
		dbMod, _ = time.Parse("20060102150405", m[1])
	}
	mods := make([]*moduleMeta, 0, len(modules))
	for _, m := range modules {
		sort.SliceStable(m.Vulns, func(i, j int) bool { return m.Vulns[i].ID < m.Vulns[j].ID })
		mods = append(mods, m)
	}
	sort.Slice(mods, func(i, j int) bool { return mods[i].Path < mods[j].Path })
	sort.Slice(vulns, func(i, j int) bool { return vulns[i].ID < vulns[j].ID })
	for name, v := range map[string]any{"db": map[string]time.Time{"modified": dbMod}, "modules": mods, "vulns": vulns} {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(tmp, "index", name+".json"), b, 0o644); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, out); err != nil {
		// Another run may have finished first; its result is as good.
		if _, serr := os.Stat(filepath.Join(out, "index", "modules.json")); serr != nil {
			return err
		}
	}
	fmt.Printf("vulndb: %d entries, %d modules -> %s\n", len(vulns), len(mods), out)
	return nil
}

// validate decodes one OSV file and checks what the index relies on.
func validate(file string, b []byte) (*entry, error) {
	var e entry
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("invalid OSV JSON: %v", err)
	}
	if !idRE.MatchString(e.ID) {
		return nil, fmt.Errorf("id %q is not of the form GO-YYYY-NNNN", e.ID)
	}
	if filepath.Base(file) != e.ID+".json" {
		return nil, fmt.Errorf("file name does not match id %q", e.ID)
	}
	if len(e.Affected) == 0 {
		return nil, fmt.Errorf("no \"affected\" entries")
	}
	for i, a := range e.Affected {
		if a.Package.Name == "" || a.Package.Ecosystem != "Go" {
			return nil, fmt.Errorf("affected[%d]: package %q, ecosystem %q (want a name and \"Go\")", i, a.Package.Name, a.Package.Ecosystem)
		}
		for j, r := range a.Ranges {
			if r.Type != "SEMVER" {
				return nil, fmt.Errorf("affected[%d].ranges[%d]: type %q, want SEMVER", i, j, r.Type)
			}
			for k, ev := range r.Events {
				v := ev.Introduced + ev.Fixed
				if (ev.Introduced == "") == (ev.Fixed == "") || !(semverRE.MatchString(v) || ev.Introduced == "0") {
					return nil, fmt.Errorf("affected[%d].ranges[%d].events[%d]: want exactly one valid semver introduced or fixed, got %+v", i, j, k, ev)
				}
			}
		}
	}
	return &e, nil
}

// less reports whether semver a < b (no "v" prefix; "" is lowest), with
// prerelease ordering as in golang.org/x/mod/semver; build metadata is ignored.
func less(a, b string) bool {
	ma, mb := semverRE.FindStringSubmatch(a), semverRE.FindStringSubmatch(b)
	if ma == nil || mb == nil {
		return ma == nil && mb != nil
	}
	for i := 1; i <= 3; i++ {
		if c := cmpNum(ma[i], mb[i]); c != 0 {
			return c < 0
		}
	}
	pa, pb := ma[4], mb[4]
	if pa == "" || pb == "" {
		return pa != "" && pb == ""
	}
	xa, xb := strings.Split(pa, "."), strings.Split(pb, ".")
	for i := 0; i < len(xa) && i < len(xb); i++ {
		na, nb := isNum(xa[i]), isNum(xb[i])
		switch {
		case na && nb && cmpNum(xa[i], xb[i]) != 0:
			return cmpNum(xa[i], xb[i]) < 0
		case na != nb:
			return na
		case !na && xa[i] != xb[i]:
			return xa[i] < xb[i]
		}
	}
	return len(xa) < len(xb)
}

func isNum(s string) bool { return strings.Trim(s, "0123456789") == "" }

func cmpNum(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}
