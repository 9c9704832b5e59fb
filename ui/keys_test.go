package ui

import (
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"

	"github.com/vigilterm/vigil/views/keys"
)

var updateKeys = flag.Bool("update-keys", false, "rewrite the key reference in README.md")

const (
	readme    = "../README.md"
	keysBegin = "<!-- keys:begin (generated from the key map and the screen specs by `go test ./ui -run TestReadmeKeyReference -update-keys`) -->"
	keysEnd   = "<!-- keys:end -->"
)

// Every binding of the key map, and every screen's key, is listed in a
// section of the reference: the screens' own sections come from their
// specs.
func TestEveryBindingIsInTheReference(t *testing.T) {
	k := Keys(false)
	listed := map[string]bool{}
	for _, s := range k.Sections() {
		for _, b := range s.Bindings {
			listed[b.Help().Key+"\x00"+b.Help().Desc] = true
		}
	}
	v := reflect.ValueOf(k).Elem()
	for i := 0; i < v.NumField(); i++ {
		if !v.Type().Field(i).IsExported() {
			continue
		}
		b, ok := v.Field(i).Interface().(key.Binding)
		if !ok {
			continue
		}
		if !listed[b.Help().Key+"\x00"+b.Help().Desc] {
			t.Errorf("binding %s (%q) is in no section of the key reference", v.Type().Field(i).Name, b.Help().Key)
		}
		if len(b.Keys()) == 0 || b.Help().Desc == "" {
			t.Errorf("binding %s has no keys or no help", v.Type().Field(i).Name)
		}
	}
	if len(k.Screens()) != len(screens) {
		t.Fatalf("%d screen keys for %d screens", len(k.Screens()), len(screens))
	}
	for i, s := range screens {
		b := k.Screen(s.Name)
		if keys.Name(b) != string(rune('1'+i)) || b.Help().Desc != s.Help || !listed[b.Help().Key+"\x00"+s.Help] {
			t.Errorf("screen %s: key %q help %q, listed %v", s.Name, keys.Name(b), b.Help().Desc, listed[b.Help().Key+"\x00"+s.Help])
		}
	}
}

// The README's key reference is the one generated from the key map and
// the screens' specs.
func TestReadmeKeyReferenceIsCurrent(t *testing.T) {
	data, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i, j := strings.Index(doc, keysBegin), strings.Index(doc, keysEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the markers %q … %q", keysBegin, keysEnd)
	}
	want := Keys(false).Reference()
	got := doc[i+len(keysBegin) : j]
	if got == want {
		return
	}
	if *updateKeys {
		doc = doc[:i+len(keysBegin)] + want + doc[j:]
		if err := os.WriteFile(readme, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("README.md's key reference is out of date: run go test ./ui -run TestReadmeKeyReference -update-keys\nwant:%s", want)
}
