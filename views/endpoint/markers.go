package endpoint

import (
	"fmt"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
)

// markerEvents are the detail's deploys, restarts and firings, oldest
// first.
func (e *Screen) markerEvents() []query.Event {
	if e.data == nil {
		return nil
	}
	ev := append(append([]query.Event(nil), e.data.Changes...), e.data.Firings...)
	query.SortEvents(ev)
	return ev
}

// headerLines are the lines between the title and the charts: the
// markers' legend and, on taller screens, the latest changes of the
// endpoint's targets (newest first, at most three and how many more).
func (e *Screen) headerLines() []string {
	if e.data == nil || e.height < 8 {
		return nil
	}
	st := e.ctx.Styles
	var unknown []string
	if err := e.data.ChangesErr; err != nil {
		unknown = append(unknown, "deploys and restarts unknown: "+err.Error())
	}
	if err := e.data.FiringsErr; err != nil {
		unknown = append(unknown, "alert firings unknown: "+err.Error())
	}
	lines := []string{views.MarkerLegend(st, e.markerEvents(), unknown, e.loc(), e.width)}
	ch := e.data.Changes
	if e.height < 20 || len(ch) == 0 {
		return lines
	}
	for i := len(ch) - 1; i >= 0; i-- {
		if n := len(ch) - i; n > 3 {
			lines = append(lines, st.Muted.Render(text.Fit(fmt.Sprintf("  … %d more", i+1), e.width)))
			break
		}
		c := ch[i]
		tag := query.MarkerTag(c.Kind)
		lines = append(lines, text.Truncate("  "+views.MarkerStyle(st, tag).Paint(tag)+" "+
			st.Muted.Render(c.Time.In(e.loc()).Format("15:04:05"))+" "+text.Sanitize(c.Summary), e.width))
	}
	return lines
}
