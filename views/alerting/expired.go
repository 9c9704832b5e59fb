package alerting

import (
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// An alert that fires again after its silence ended says so, with who made
// the silence and why, and R makes it again: the silence form filled from
// the expired silence's matchers and comment.

// recentlyExpired is the silence that matched the alert and expired most
// recently, within silence.recently_expired, while no other silence covers
// the alert; false when there is none (or the alert is not firing).
func recentlyExpired(ctx *views.Context, a query.Alert, silences []query.Silence) (query.Silence, bool) {
	within := ctx.Settings.Silence.RecentlyExpired
	if within <= 0 || a.State != query.StateFiring {
		return query.Silence{}, false
	}
	now := ctx.Now()
	var best query.Silence
	found := false
	for _, si := range query.SilencesFor(a, silences) {
		if !si.Expired() {
			return query.Silence{}, false // another silence covers it
		}
		if si.EndsAt.IsZero() || now.Sub(si.EndsAt) > within || si.EndsAt.After(now) {
			continue
		}
		if !found || si.EndsAt.After(best.EndsAt) {
			best, found = si, true
		}
	}
	return best, found
}

// expiredNote is "silence expired 12m ago by alice: <comment>".
func expiredNote(ctx *views.Context, si query.Silence) string {
	ago := views.FormatDuration(ctx.Now().Sub(si.EndsAt).Truncate(time.Second))
	note := "silence expired " + ago + " ago by " + text.Sanitize(si.CreatedBy)
	if si.Comment != "" {
		note += ": " + text.Sanitize(si.Comment)
	}
	return note
}

// expiredLine is the line under the alerts table for the selected alert
// whose silence expired recently; "" when there is none.
func (a *Alerts) expiredLine() string {
	al, ok := a.list.Selected()
	if !ok {
		return ""
	}
	si, ok := recentlyExpired(a.ctx, al, a.silences)
	if !ok {
		return ""
	}
	// The key stays in view: the comment is cut first.
	hint := " · " + widget.Key(a.ctx.Keys.Recreate) + " recreates it"
	if !a.ctx.Keys.Recreate.Enabled() {
		hint = ""
	}
	note := text.Fit("◌ "+text.Sanitize(al.Name)+": "+expiredNote(a.ctx, si), max(a.width-text.Width(hint), 0))
	return a.ctx.Styles.Warn.Render(text.Fit(strings.TrimRight(note, " ")+hint, a.width))
}

// expiredLines are the alert detail's lines for a silence that expired
// recently.
func (d *AlertDetail) expiredLines(w int) []string {
	si, ok := recentlyExpired(d.ctx, d.alert, d.silences)
	if !ok {
		return nil
	}
	st := d.ctx.Styles
	var out []string
	for _, l := range text.Wrap(expiredNote(d.ctx, si), max(w-4, 1)) {
		out = append(out, "  "+st.Warn.Render(l))
	}
	if d.ctx.Keys.Recreate.Enabled() {
		out = append(out, "  "+st.Muted.Render(widget.Key(d.ctx.Keys.Recreate)+" makes it again: its matchers and comment, reviewed before it is sent"))
	}
	return out
}

// recreate opens the silence form on the matchers and comment of the
// alert's recently expired silence.
func (a *Alerts) recreate(al query.Alert) tea.Cmd {
	if !a.amConfigured {
		return views.Flash("cannot silence: Alertmanager not configured", true)
	}
	si, ok := recentlyExpired(a.ctx, al, a.silences)
	if !ok {
		return views.Flash("no silence of "+text.Sanitize(al.Name)+" expired in the last "+
			views.FormatDuration(a.ctx.Settings.Silence.RecentlyExpired)+" (silence.recently_expired)", false)
	}
	f := NewFreeSilenceForm(a.ctx, "Recreate expired silence", si.Matchers, si.Comment, a.all, a.createdBy())
	f.routing = a.routing
	a.stack.Push(f)
	return nil
}
