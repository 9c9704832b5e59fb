package keys

import (
	"strconv"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
)

// The screens get their keys from their order: 1 for the first, none
// past the ninth; each is found by its name, its sections follow the global
// ones in tab order.
func TestScreensTakeKeysInOrder(t *testing.T) {
	k := New(false)
	if k.HasScreens() || len(k.Screens()) != 0 {
		t.Fatal("a new key map has screen keys before SetScreens")
	}
	var ss []Screen
	for i := range MaxScreens + 1 {
		s := Screen{Name: "s" + strconv.Itoa(i), Help: "screen " + strconv.Itoa(i)}
		if i == 1 {
			s.Sections = []Section{{Title: "Second", Bindings: []key.Binding{k.Sort}}}
		}
		ss = append(ss, s)
	}
	k.SetScreens(ss)
	if got := len(k.Screens()); got != MaxScreens {
		t.Fatalf("%d screen keys, want %d", got, MaxScreens)
	}
	if b := k.Screen("s0"); !key.Matches(keyPress("1"), b) || b.Help().Desc != "screen 0" {
		t.Fatalf("first screen: keys %v help %q", b.Keys(), b.Help().Desc)
	}
	if b := k.Screen("s8"); Name(b) != "9" {
		t.Fatalf("ninth screen's key %q", Name(b))
	}
	if b := k.Screen("s9"); len(b.Keys()) != 0 || Name(b) != "" {
		t.Fatalf("tenth screen has key %v", b.Keys())
	}
	if b := k.Screen("nothing"); len(b.Keys()) != 0 {
		t.Fatal("an unknown screen has a key")
	}
	if g := k.Global(); Name(g[0]) != "1" || Name(g[MaxScreens]) != Name(k.PromQL) {
		t.Fatalf("global keys begin %q … %q", Name(g[0]), Name(g[MaxScreens]))
	}
	secs := k.Sections()
	if secs[2].Title != "Second" {
		t.Fatalf("the screen's section is at %q, want after the global and list sections", secs[2].Title)
	}
	k.SetScreens(ss[:2])
	if len(k.Screens()) != 2 {
		t.Fatal("SetScreens again kept the old screens")
	}
}

// keyPress is the key press of a printable key.
type keyPress string

func (k keyPress) String() string { return string(k) }

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
