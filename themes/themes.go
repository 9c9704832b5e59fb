package themes

import (
	"fmt"
	"slices"
	"strings"
)

// Default is the theme used when none is named.
const Default = "dark"

// Mono is the name of the colourless theme NO_COLOR selects.
const Mono = "mono"

// Theme is a named palette.
type Theme struct {
	Name string
	// Dark is true when the theme is meant for a dark terminal background.
	Dark    bool
	Palette Palette
}

// Styles builds the theme's styles. Build them once, when the console
// starts, and hand the result to every screen.
func (t Theme) Styles() *Styles {
	s := NewStyles(t.Palette)
	s.Name = t.Name
	return s
}

// builtin holds the shipped themes in the order Names lists them.
var builtin = []Theme{
	{Name: "dark", Dark: true, Palette: dark},
	{Name: "light", Dark: false, Palette: light},
	{Name: "high-contrast", Dark: true, Palette: highContrast},
	{Name: Mono, Dark: true, Palette: Palette{}},
}

// Names returns the names of the built-in themes: dark, light,
// high-contrast, mono.
func Names() []string {
	out := make([]string, len(builtin))
	for i, t := range builtin {
		out[i] = t.Name
	}
	return out
}

// Get returns the built-in theme called name; "" is Default. An unknown
// name is an error that lists the valid ones.
func Get(name string) (Theme, error) {
	if name == "" {
		name = Default
	}
	i := slices.IndexFunc(builtin, func(t Theme) bool { return t.Name == name })
	if i < 0 {
		return Theme{}, fmt.Errorf("unknown theme %q: choose %s", name, strings.Join(Names(), ", "))
	}
	return builtin[i], nil
}

// Select returns the theme to use: mono when noColor is set (the caller
// passes os.Getenv("NO_COLOR") != ""), whatever name says, otherwise the
// theme called name as Get finds it.
func Select(name string, noColor bool) (Theme, error) {
	if noColor {
		return Get(Mono)
	}
	return Get(name)
}

// dark is for a dark terminal background.
var dark = Palette{
	Text:   "#d4d4d8",
	Muted:  "#8b8b94",
	Accent: "#7dd3fc",
	Link:   "#93c5fd",

	Focus: "#c4b5fd",

	SelectionFg: "#fafafa",
	SelectionBg: "#334155",

	OK:   "#4ade80",
	Warn: "#facc15",
	Crit: "#f87171",
	Info: "#60a5fa",

	Firing:    "#f87171",
	Pending:   "#fb923c",
	Silenced:  "#a5b4fc",
	Inhibited: "#94a3b8",
	Resolved:  "#4ade80",

	Live:  "#4ade80",
	Stale: "#facc15",
	Down:  "#f87171",

	Graph1:        "#38bdf8",
	Graph2:        "#c084fc",
	Graph3:        "#fbbf24",
	Graph4:        "#34d399",
	Axis:          "#8b8b94",
	ThresholdWarn: "#eab308",
	ThresholdCrit: "#f87171",
}

// light is for a light terminal background.
var light = Palette{
	Text:   "#27272a",
	Muted:  "#6b6b74",
	Accent: "#0369a1",
	Link:   "#1d4ed8",

	Focus: "#6d28d9",

	SelectionFg: "#18181b",
	SelectionBg: "#dbeafe",

	OK:   "#15803d",
	Warn: "#a15c07",
	Crit: "#b91c1c",
	Info: "#1d4ed8",

	Firing:    "#b91c1c",
	Pending:   "#c2410c",
	Silenced:  "#4f46e5",
	Inhibited: "#64748b",
	Resolved:  "#15803d",

	Live:  "#15803d",
	Stale: "#a15c07",
	Down:  "#b91c1c",

	Graph1:        "#0369a1",
	Graph2:        "#9333ea",
	Graph3:        "#b45309",
	Graph4:        "#047857",
	Axis:          "#71717a",
	ThresholdWarn: "#a16207",
	ThresholdCrit: "#b91c1c",
}

// highContrast is for a dark background: pure, saturated colours, white
// text, black on a cyan header bar and white on a deep blue selection.
var highContrast = Palette{
	Text:   "#ffffff",
	Muted:  "#d0d0d0",
	Accent: "#00ffff",
	Link:   "#00ffff",

	Focus: "#ffff00",

	SelectionFg: "#ffffff",
	SelectionBg: "#003080",

	OK:   "#00ff00",
	Warn: "#ffff00",
	Crit: "#ff6060",
	Info: "#00ffff",

	Firing:    "#ff6060",
	Pending:   "#ffa500",
	Silenced:  "#ff80ff",
	Inhibited: "#d0d0d0",
	Resolved:  "#00ff00",

	Live:  "#00ff00",
	Stale: "#ffff00",
	Down:  "#ff6060",

	Graph1:        "#00ffff",
	Graph2:        "#ff80ff",
	Graph3:        "#ffff00",
	Graph4:        "#ffffff",
	Axis:          "#ffffff",
	ThresholdWarn: "#ffff00",
	ThresholdCrit: "#ff6060",
}
