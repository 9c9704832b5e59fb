// Package keys declares every key binding of the console once. Help screens
// and the footer are built from these bindings, so help cannot drift from
// behaviour. Keys that write to Alertmanager are marked dangerous: in
// read-only mode they are disabled and hidden from help.
package keys

import "charm.land/bubbles/v2/key"

// KeyMap holds all bindings.
type KeyMap struct {
	// Global.
	Quit       key.Binding
	Help       key.Binding
	Refresh    key.Binding
	Pause      key.Binding
	NextScreen key.Binding
	Overview   key.Binding
	Alerts     key.Binding
	Silences   key.Binding
	Panels     key.Binding
	PromQL     key.Binding

	// Lists.
	Up       key.Binding
	Down     key.Binding
	Top      key.Binding
	Bottom   key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Filter   key.Binding
	Open     key.Binding
	Back     key.Binding
	Sort     key.Binding
	Reverse  key.Binding
	Copy     key.Binding

	// Alerts and silences.
	Group       key.Binding
	Browse      key.Binding
	Silence     key.Binding
	Ack         key.Binding
	Expire      key.Binding
	Extend      key.Binding
	ShowExpired key.Binding
	Jump        key.Binding

	// The endpoint detail screen.
	RangeShorter key.Binding
	RangeLonger  key.Binding
	RangeChoose  key.Binding
	Compare      key.Binding

	// The PromQL prompt.
	GraphExpr   key.Binding
	Complete    key.Binding
	HistoryPrev key.Binding
	HistoryNext key.Binding
	SortColumn  key.Binding
	GraphAlert  key.Binding

	// Prompts and forms.
	Apply  key.Binding
	Cancel key.Binding

	// The silence form.
	NextField   key.Binding
	PrevField   key.Binding
	Toggle      key.Binding
	MatcherText key.Binding
	PresetPrev  key.Binding
	PresetNext  key.Binding
}

// New returns the key map. With readOnly set, every dangerous binding is
// disabled, which also hides it from help.
func New(readOnly bool) *KeyMap {
	k := &KeyMap{
		Quit:       key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Help:       key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Refresh:    key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh now")),
		Pause:      key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause/resume")),
		NextScreen: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next screen")),
		Overview:   key.NewBinding(key.WithKeys("1"), key.WithHelp("1", "overview")),
		Alerts:     key.NewBinding(key.WithKeys("2"), key.WithHelp("2", "alerts")),
		Silences:   key.NewBinding(key.WithKeys("3"), key.WithHelp("3", "silences")),
		Panels:     key.NewBinding(key.WithKeys("4"), key.WithHelp("4", "custom panels")),
		PromQL:     key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "PromQL prompt")),

		Up:       key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("↓/j", "down")),
		Top:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "top (home on the alerts screens, where g graphs the rule)")),
		Bottom:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "bottom")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn", "page down")),
		Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Open:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back/clear")),
		Sort:     key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "sort column")),
		Reverse:  key.NewBinding(key.WithKeys("O"), key.WithHelp("O", "reverse sort")),
		Copy:     key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy")),

		Group:       key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "group by alertname")),
		Browse:      key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "open runbook")),
		Silence:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "silence")),
		Ack:         key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "ack (short silence)")),
		Expire:      key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "expire silence")),
		Extend:      key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "extend silence")),
		ShowExpired: key.NewBinding(key.WithKeys("E"), key.WithHelp("E", "show expired")),
		Jump:        key.NewBinding(key.WithKeys("J"), key.WithHelp("J", "jump to endpoint")),

		RangeShorter: key.NewBinding(key.WithKeys("["), key.WithHelp("[", "shorter time range")),
		RangeLonger:  key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "longer time range")),
		RangeChoose:  key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "choose time range")),
		Compare:      key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "compare: 1 day, 1 week earlier, off")),

		GraphExpr:   key.NewBinding(key.WithKeys("ctrl+g"), key.WithHelp("ctrl+g", "graph the expression")),
		Complete:    key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete metric name")),
		HistoryPrev: key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "older query")),
		HistoryNext: key.NewBinding(key.WithKeys("down"), key.WithHelp("↓", "newer query")),
		SortColumn:  key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "sort by next column")),
		GraphAlert:  key.NewBinding(key.WithKeys("g"), key.WithHelp("g", "graph the alert's rule")),

		Apply:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),

		NextField:   key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next field")),
		PrevField:   key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous field")),
		Toggle:      key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "matcher on/off")),
		MatcherText: key.NewBinding(key.WithKeys("ctrl+t"), key.WithHelp("ctrl+t", "matchers as text/list")),
		PresetPrev:  key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "shorter preset")),
		PresetNext:  key.NewBinding(key.WithKeys("down"), key.WithHelp("↓", "longer preset")),
	}
	if readOnly {
		for _, b := range k.Dangerous() {
			b.SetEnabled(false)
		}
	}
	return k
}

// Dangerous returns the bindings that write to Alertmanager.
func (k *KeyMap) Dangerous() []*key.Binding {
	return []*key.Binding{&k.Silence, &k.Ack, &k.Expire, &k.Extend}
}

// Global returns the bindings that work on every screen.
func (k *KeyMap) Global() []key.Binding {
	return []key.Binding{k.Overview, k.Alerts, k.Silences, k.Panels, k.PromQL, k.NextScreen, k.Refresh, k.Pause, k.Help, k.Quit}
}

// Navigation returns the list movement bindings.
func (k *KeyMap) Navigation() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown}
}
