package widget

import (
	"strings"

	"charm.land/bubbles/v2/key"
)

// Prose that names a key ("esc clears", "e to extend it") takes the key
// from the binding, so that what it says cannot drift from what the key
// does.

// glyphs are how prose writes some keys.
var glyphs = map[string]string{
	"up": "↑", "down": "↓", "left": "←", "right": "→", "pgdown": "pgdn",
}

// Key is the key of a binding as prose names it: its first key, arrows
// as arrows ("s", "enter", "↑", "pgdn").
func Key(b key.Binding) string {
	ks := b.Keys()
	if len(ks) == 0 {
		return ""
	}
	if g, ok := glyphs[ks[0]]; ok {
		return g
	}
	return ks[0]
}

// Keys names several bindings' keys together: "↑/↓", "j/k".
func Keys(bs ...key.Binding) string {
	out := make([]string, 0, len(bs))
	for _, b := range bs {
		out = append(out, Key(b))
	}
	return strings.Join(out, "/")
}

// Arrow is the arrow key of a binding as prose names it ("↑"), or its
// Key when it has none.
func Arrow(b key.Binding) string {
	for _, k := range b.Keys() {
		switch k {
		case "up", "down", "left", "right":
			return glyphs[k]
		}
	}
	return Key(b)
}

// Arrows names several bindings' arrow keys together: "↑/↓".
func Arrows(bs ...key.Binding) string {
	out := make([]string, 0, len(bs))
	for _, b := range bs {
		out = append(out, Arrow(b))
	}
	return strings.Join(out, "/")
}
