package keys

import (
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
)

var update = flag.Bool("update", false, "rewrite the key reference in README.md")

const (
	readme = "../../README.md"
	begin  = "<!-- keys:begin (generated from views/keys by `go test ./views/keys -update`) -->"
	end    = "<!-- keys:end -->"
)

// Every binding of the key map is listed in a section of the reference.
func TestEveryBindingIsInTheReference(t *testing.T) {
	k := New(false)
	listed := map[string]bool{}
	for _, s := range k.Sections() {
		for _, b := range s.Bindings {
			listed[b.Help().Key+"\x00"+b.Help().Desc] = true
		}
	}
	v := reflect.ValueOf(k).Elem()
	for i := 0; i < v.NumField(); i++ {
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
}

// The README's key reference is the one generated from the bindings.
func TestReadmeKeyReferenceIsCurrent(t *testing.T) {
	data, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the markers %q … %q", begin, end)
	}
	want := New(false).Reference()
	got := doc[i+len(begin) : j]
	if got == want {
		return
	}
	if *update {
		doc = doc[:i+len(begin)] + want + doc[j:]
		if err := os.WriteFile(readme, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("README.md's key reference is out of date: run go test ./views/keys -update\nwant:%s", want)
}

// Read-only mode disables every key that writes, which hides it from help.
func TestReadOnlyDisablesDangerousKeys(t *testing.T) {
	k := New(true)
	for _, b := range k.Dangerous() {
		if b.Enabled() {
			t.Errorf("%q still enabled in read-only mode", b.Help().Key)
		}
	}
	if strings.Contains(k.Reference(), "silence") && strings.Contains(k.Reference(), "| `s` |") {
		t.Error("read-only reference still lists s")
	}
	if !New(false).Silence.Enabled() {
		t.Error("silence disabled outside read-only mode")
	}
	if !k.Quit.Enabled() || !k.Filter.Enabled() {
		t.Error("read-only disabled a harmless key")
	}
}

// A disabled binding carries its reason, declared once with the binding:
// a pressed key of it is refused with that reason, an enabled one is not.
func TestDisabledBindingsCarryTheirReason(t *testing.T) {
	k := New(true)
	why, ok := k.Refusal("s")
	if !ok || why != "read-only: silencing alerts is disabled (ui.read_only)" {
		t.Fatalf("s refused with %q %v", why, ok)
	}
	if why, ok := k.Refusal("x", k.Expire); !ok || !strings.Contains(why, "expiring silences") {
		t.Fatalf("x refused with %q %v", why, ok)
	}
	if _, ok := k.Refusal("x", k.Silence); ok {
		t.Fatal("x refused as the silence key")
	}
	if _, ok := k.Refusal("j"); ok {
		t.Fatal("an enabled key refused")
	}
	if _, ok := New(false).Refusal("s"); ok {
		t.Fatal("s refused outside read-only mode")
	}
	if k.DisabledReason(k.Quit) != "" || k.DisabledReason(k.Ack) == "" {
		t.Fatal("reasons on the wrong bindings")
	}
	if Name(k.Copy) != "y" || Name(k.Pause) != "p" {
		t.Fatalf("names %q %q", Name(k.Copy), Name(k.Pause))
	}
}
