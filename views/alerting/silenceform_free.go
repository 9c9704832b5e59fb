package alerting

import (
	"strings"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
)

// NewFreeSilenceForm opens the silence form without an alert: with no
// matchers, the matchers as text to type (amtool's syntax), the cursor in
// them; with matchers (an expired silence made again), the list of them,
// all on, and the comment, the cursor in the comment. title names the form
// ("New silence", "Recreate silence"). The preview shows what the matchers
// select now, none included.
func NewFreeSilenceForm(ctx *views.Context, title string, ms query.Matchers, comment string, current []query.Alert, createdBy string) *SilenceForm {
	f := NewSilenceForm(ctx, query.Alert{}, current, createdBy)
	f.free = title
	for _, m := range ms {
		if m != nil {
			f.items = append(f.items, newMatcherItem(m))
		}
	}
	if c := strings.TrimSpace(comment); c != "" {
		f.comment.SetValue(c)
		f.comment.CursorEnd()
	}
	if len(f.items) == 0 {
		f.textMode = true
		f.setFocus(fieldMatchers)
	} else {
		f.setFocus(fieldComment)
	}
	f.refresh()
	f.markClean()
	return f
}

// toggleTextMode switches the matchers between the list and the text. The
// text starts as the matchers that are on; going back to the list takes
// the text's matchers, all on, when it parses.
func (f *SilenceForm) toggleTextMode() {
	if !f.textMode {
		var parts []string
		for _, it := range f.items {
			if it.on {
				parts = append(parts, it.text)
			}
		}
		f.text.SetValue(strings.Join(parts, ", "))
		f.textMode = true
		f.setFocus(fieldMatchers)
		f.changed()
		return
	}
	ms, err := query.ParseMatchers(f.text.Value())
	if err != nil {
		f.errs[errMatchers] = err.Error()
		return
	}
	f.items = f.items[:0]
	for _, m := range ms {
		f.items = append(f.items, newMatcherItem(m))
	}
	f.item = 0
	f.textMode = false
	delete(f.errs, errMatchers)
	f.setFocus(fieldMatchers)
	f.changed()
}

// stepPreset moves the duration to the previous or next preset.
func (f *SilenceForm) stepPreset(d int) {
	f.duration.SetValue(stepDurationPreset(strings.TrimSpace(f.duration.Value()), d))
	f.duration.CursorEnd()
	f.changed()
}
