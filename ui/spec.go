package ui

import (
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views/keys"
)

// Spec is a top-level screen, declared once in the screen's own file: its
// tab, its key and that key's help, its sections of the key reference, its
// source and its parts are all derived from it. Adding a screen is its own
// files (query, views, ui) and one line in screens; docs/adding-a-screen.md
// walks through one.
type Spec struct {
	// Name is the screen's name, by which a message asks for its key
	// (keys.Screen("timeline")).
	Name string
	// Help is what its key does, in the help and the key reference.
	Help string
	// Sections are the screen's own keys in the key reference; nil: none.
	Sections func(k *keys.KeyMap) []keys.Section
	// Source, when set, is what the screen reads, made from a context's
	// Prometheus client; PrometheusSources puts it in Options.Screens by
	// Name, where a test puts its fake, and the screen's part reads it
	// with sourceOf.
	Source func(p *query.Prometheus) any
	// Build makes the screen's parts on its tab t, and pushes its
	// component.
	Build func(m *Model, t *tab) []part
}

// screens are the top-level screens, in tab order: the first has key 1.
// This is the one line a new screen adds.
var screens = []Spec{
	overviewSpec, // ui/overview.go, ui/detail.go
	alertsSpec,   // ui/alerts.go
	silencesSpec, // ui/alerts.go
	panelsSpec,   // ui/panels.go, ui/dashboard.go
	timelineSpec, // ui/timeline.go
	statusSpec,   // ui/status.go
	doctorSpec,   // ui/doctor.go
}

// Keys is the console's key map, with a key for each screen of screens.
func Keys(readOnly bool) *keys.KeyMap {
	k := keys.New(readOnly)
	setScreenKeys(k)
	return k
}

// setScreenKeys gives k the screens' keys and key reference sections.
func setScreenKeys(k *keys.KeyMap) {
	ks := make([]keys.Screen, 0, len(screens))
	for _, s := range screens {
		ks = append(ks, keys.Screen{Name: s.Name, Help: s.Help})
		if s.Sections != nil {
			ks[len(ks)-1].Sections = s.Sections(k)
		}
	}
	k.SetScreens(ks)
}

// screenSources fills o.Screens with each screen's own source made from p.
func screenSources(o *Options, p *query.Prometheus) {
	for _, s := range screens {
		if s.Source == nil {
			continue
		}
		if o.Screens == nil {
			o.Screens = map[string]any{}
		}
		o.Screens[s.Name] = s.Source(p)
	}
}

// sourceOf is the source of the screen called name, as the type its part
// reads; ok is false when there is none (a console without it, or a test
// that gave none).
func sourceOf[T any](m *Model, name string) (T, bool) {
	v, ok := m.opts.Screens[name].(T)
	return v, ok
}
