package keys

import (
	"strconv"

	"charm.land/bubbles/v2/key"
)

// Screen is what the key map needs of a top-level screen: the console's
// screen specs (ui.Spec) give one each, in tab order.
type Screen struct {
	// Name is the screen's name, by which messages ask for its key
	// (Screen("doctor")).
	Name string
	// Help is what its key does ("metrics doctor").
	Help string
	// Sections are its own keys, for the key reference.
	Sections []Section
}

type screenKey struct {
	Screen
	b key.Binding
}

// MaxScreens is how many screens have a key: 1 to 9.
const MaxScreens = 9

// SetScreens gives the screens their keys, 1 for the first and on in tab
// order; screens past MaxScreens are reached with tab only.
func (k *KeyMap) SetScreens(screens []Screen) {
	k.screens = k.screens[:0]
	for i, s := range screens {
		var b key.Binding
		if i < MaxScreens {
			n := strconv.Itoa(i + 1)
			b = key.NewBinding(key.WithKeys(n), key.WithHelp(n, s.Help))
		}
		k.screens = append(k.screens, screenKey{Screen: s, b: b})
	}
}

// HasScreens reports whether SetScreens has given the screens their keys.
func (k *KeyMap) HasScreens() bool { return len(k.screens) > 0 }

// Screens returns the screens' keys, in tab order.
func (k *KeyMap) Screens() []key.Binding {
	bs := make([]key.Binding, 0, len(k.screens))
	for _, s := range k.screens {
		if len(s.b.Keys()) > 0 {
			bs = append(bs, s.b)
		}
	}
	return bs
}

// ScreenAt returns the key of the i-th screen (0 is the first); a zero
// binding, which matches nothing, past the ones with a key.
func (k *KeyMap) ScreenAt(i int) key.Binding {
	if i < 0 || i >= len(k.screens) {
		return key.Binding{}
	}
	return k.screens[i].b
}

// Screen returns the key of the screen called name; a zero binding, which
// matches nothing and names no key, when there is none.
func (k *KeyMap) Screen(name string) key.Binding {
	for _, s := range k.screens {
		if s.Name == name {
			return s.b
		}
	}
	return key.Binding{}
}

// screenSections are the screens' own sections of the key reference, in
// tab order.
func (k *KeyMap) screenSections() []Section {
	var out []Section
	for _, s := range k.screens {
		out = append(out, s.Sections...)
	}
	return out
}
