package keys

import (
	"strings"

	"charm.land/bubbles/v2/key"
)

// Section is a group of bindings in the key reference.
type Section struct {
	Title    string
	Bindings []key.Binding
}

// Sections groups every binding for the key reference in the README: the
// global ones, each screen's own (SetScreens), the prompt's. A test checks
// that every binding of KeyMap is in one.
func (k *KeyMap) Sections() []Section {
	out := []Section{
		{"Everywhere", k.Global()},
		{"Lists (overview, alerts, silences, timeline)", append(k.Navigation(), k.Filter, k.Back)},
	}
	out = append(out, k.screenSections()...) // each screen's own, from its spec
	return append(out,
		Section{"PromQL prompt (:)", []key.Binding{k.Apply, k.Complete, k.HistoryPrev, k.HistoryNext, k.GraphExpr, k.SortColumn, k.ScrollLeft, k.ScrollRight, k.PromQL, k.Cancel}},
		Section{"Served to a team (vigil serve)", []key.Binding{k.Who, k.Claim}},
		Section{"Prompts, forms and confirmations", []key.Binding{k.Apply, k.Cancel}},
	)
}

// Reference renders the sections as a Markdown table, for the README.
// Disabled bindings (read-only mode) are left out.
func (k *KeyMap) Reference() string {
	var b strings.Builder
	for _, s := range k.Sections() {
		b.WriteString("\n**" + s.Title + "**\n\n| key | action |\n|---|---|\n")
		for _, kb := range s.Bindings {
			if !kb.Enabled() {
				continue
			}
			h := kb.Help()
			keys := make([]string, 0, len(kb.Keys()))
			for _, key := range kb.Keys() {
				keys = append(keys, "`"+strings.ReplaceAll(key, "|", `\|`)+"`")
			}
			b.WriteString("| " + strings.Join(keys, ", ") + " | " + h.Desc + " |\n")
		}
	}
	return b.String()
}
