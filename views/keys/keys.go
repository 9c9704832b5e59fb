// Package keys declares every key binding of the console once. Help screens,
// the footer, the README's key reference and every message that names a
// key are built from these bindings, so none can drift from behaviour. Keys
// that write to Alertmanager are marked dangerous: in read-only mode they
// are disabled, hidden from help, and carry the reason they are refused.
package keys

import (
	"slices"

	"charm.land/bubbles/v2/key"
)

// KeyMap holds all bindings.
type KeyMap struct {
	// Global.
	Quit       key.Binding
	Help       key.Binding
	Refresh    key.Binding
	Pause      key.Binding
	NextScreen key.Binding
	PromQL     key.Binding
	Note       key.Binding
	Contexts   key.Binding
	AllAlerts  key.Binding

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
	// Selector edits the overview's selector while running.
	Selector key.Binding

	// Alerts and silences.
	Group       key.Binding
	Browse      key.Binding
	Silence     key.Binding
	Ack         key.Binding
	Expire      key.Binding
	Extend      key.Binding
	ShowExpired key.Binding
	Jump        key.Binding
	Mark        key.Binding
	NewSilence  key.Binding
	Recreate    key.Binding

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
	ScrollLeft  key.Binding
	ScrollRight key.Binding
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
	// SilenceScope switches the matchers between the whole alert on its
	// service and the one series the form was opened from.
	SilenceScope key.Binding
	// Who lists who is watching; Claim claims an alert ("NAME is on it"):
	// a console served by vigil serve (several people at once).
	Who   key.Binding
	Claim key.Binding

	// UntilResolved turns "until resolved" on or off in the ack form.
	UntilResolved key.Binding

	// Interrupt is ctrl+c: it quits from anywhere, even while typing, and
	// asks first when that would throw typed work away.
	Interrupt key.Binding

	// Reasons maps a disabled binding's help key to why it is disabled;
	// Disable fills it.
	Reasons map[string]string

	// screens are the top-level screens' keys, in tab order (SetScreens).
	screens []screenKey
}

// dangerous are the bindings that write to Alertmanager, with what each
// does, for the reason a read-only console gives when one is pressed.
func (k *KeyMap) dangerous() []struct {
	b    *key.Binding
	what string
} {
	return []struct {
		b    *key.Binding
		what string
	}{
		{&k.Silence, "silencing alerts"},
		{&k.Ack, "acking alerts"},
		{&k.Expire, "expiring silences"},
		{&k.Extend, "extending silences"},
		{&k.NewSilence, "silencing alerts"},
		{&k.Recreate, "silencing alerts"},
	}
}

// New returns the key map. With readOnly set, every dangerous binding is
// disabled, which also hides it from help.
func New(readOnly bool) *KeyMap {
	k := &KeyMap{
		Quit:       key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		Help:       key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Refresh:    key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh now")),
		Pause:      key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause/resume")),
		NextScreen: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next screen")),
		Note:       key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "add a note to the timeline")),
		PromQL:     key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "PromQL prompt")),
		Contexts:   key.NewBinding(key.WithKeys("C"), key.WithHelp("C", "switch context")),
		AllAlerts:  key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "alerts of all contexts")),

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
		Selector: key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "change the selector")),

		Group:       key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "group by alertname")),
		Browse:      key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "open runbook")),
		Silence:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "silence")),
		Ack:         key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "ack (short silence)")),
		Expire:      key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "expire silence")),
		Extend:      key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "extend silence")),
		ShowExpired: key.NewBinding(key.WithKeys("E"), key.WithHelp("E", "show expired")),
		Jump:        key.NewBinding(key.WithKeys("J"), key.WithHelp("J", "jump to endpoint")),
		Mark:        key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "mark (x expires the marked)")),
		NewSilence:  key.NewBinding(key.WithKeys("+"), key.WithHelp("+", "new silence from matchers")),
		Recreate:    key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "recreate the recently expired silence")),

		RangeShorter: key.NewBinding(key.WithKeys("["), key.WithHelp("[", "shorter time range")),
		RangeLonger:  key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "longer time range")),
		RangeChoose:  key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "choose time range")),
		Compare:      key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "compare: 1 day, 1 week earlier, off")),

		GraphExpr:   key.NewBinding(key.WithKeys("ctrl+g"), key.WithHelp("ctrl+g", "graph the expression")),
		Complete:    key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete metric name")),
		HistoryPrev: key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "older query")),
		HistoryNext: key.NewBinding(key.WithKeys("down"), key.WithHelp("↓", "newer query")),
		SortColumn:  key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "sort by next column")),
		ScrollLeft:  key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "scroll the result left")),
		ScrollRight: key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "scroll the result right")),
		GraphAlert:  key.NewBinding(key.WithKeys("g"), key.WithHelp("g", "graph the alert's rule")),

		Apply:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),

		NextField:     key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next field")),
		PrevField:     key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous field")),
		Toggle:        key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "matcher on/off")),
		MatcherText:   key.NewBinding(key.WithKeys("ctrl+t"), key.WithHelp("ctrl+t", "matchers as text/list")),
		PresetPrev:    key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "shorter preset")),
		PresetNext:    key.NewBinding(key.WithKeys("down"), key.WithHelp("↓", "longer preset")),
		SilenceScope:  key.NewBinding(key.WithKeys("ctrl+o"), key.WithHelp("ctrl+o", "silence: whole alert / this series")),
		Who:           key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "who is watching")),
		Claim:         key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "I'm on it: claim the alert (again: unclaim)")),
		UntilResolved: key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "ack: until resolved on/off")),

		Interrupt: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit, even while typing (asks first if typed work would be lost)")),

		Reasons: map[string]string{},
	}
	if readOnly {
		for _, d := range k.dangerous() {
			k.Disable(d.b, "read-only: "+d.what+" is disabled (ui.read_only)")
		}
	}
	return k
}

// Dangerous returns the bindings that write to Alertmanager.
func (k *KeyMap) Dangerous() []*key.Binding {
	var out []*key.Binding
	for _, d := range k.dangerous() {
		out = append(out, d.b)
	}
	return out
}

// Disable disables a binding, which hides it from help and the footer, and
// records why: pressing its keys gets that reason (see Refusal).
func (k *KeyMap) Disable(b *key.Binding, reason string) {
	b.SetEnabled(false)
	k.Reasons[b.Help().Key] = reason
}

// DisabledReason returns why b is disabled, or "" when it is enabled.
func (k *KeyMap) DisabledReason(b key.Binding) string {
	if b.Enabled() {
		return ""
	}
	return k.Reasons[b.Help().Key]
}

// Refusal returns the reason a pressed key is refused when it belongs to a
// disabled binding among bs (every disabled binding when bs is empty). A
// disabled binding no longer matches, so it is looked up by its keys.
func (k *KeyMap) Refusal(pressed string, bs ...key.Binding) (string, bool) {
	if len(bs) == 0 {
		for _, d := range k.dangerous() {
			bs = append(bs, *d.b)
		}
	}
	for _, b := range bs {
		if why := k.DisabledReason(b); why != "" && slices.Contains(b.Keys(), pressed) {
			return why, true
		}
	}
	return "", false
}

// Name is a binding's key as help shows it, for messages that tell which
// key to press: "press " + keys.Name(k.Copy).
func Name(b key.Binding) string { return b.Help().Key }

// Global returns the bindings that work on every screen.
func (k *KeyMap) Global() []key.Binding {
	return append(k.Screens(), k.PromQL, k.Note, k.Contexts, k.AllAlerts, k.NextScreen, k.Refresh, k.Pause, k.Help, k.Quit, k.Interrupt)
}

// Navigation returns the list movement bindings.
func (k *KeyMap) Navigation() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown}
}

// NavigationHome is Navigation for the screens where g graphs: top is
// home there, and the help says so (g is listed once, for the graph).
func (k *KeyMap) NavigationHome() []key.Binding {
	top := key.NewBinding(key.WithKeys("home"), key.WithHelp("home", "top"))
	return []key.Binding{k.Up, k.Down, top, k.Bottom, k.PageUp, k.PageDown}
}
