package alerting

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
)

// silenceDetail shows one silence in full, with the current alerts it
// matches; it lives on the silences screen, which handles the keys that
// act on the silence and draws its questions under it.
type silenceDetail struct {
	views.NoWork
	views.ScrollPage
	ctx    *views.Context
	si     query.Silence
	alerts []query.Alert
	ackErr error // why an ack kept until resolved is unknown
}

// silenceShown is a refresh as the silence detail sees it: the silence
// selected on the list, and the current alerts.
type silenceShown struct {
	si     query.Silence
	alerts []query.Alert
	ackErr error
}

func newSilenceDetail(ctx *views.Context, si query.Silence, alerts []query.Alert) *silenceDetail {
	return &silenceDetail{ScrollPage: views.NewScrollPage(ctx), ctx: ctx, si: si, alerts: alerts}
}

// Update implements views.Component: it scrolls, follows refreshes and is done
// on esc.
func (d *silenceDetail) Update(msg tea.Msg) (views.Component, tea.Cmd) {
	switch msg := msg.(type) {
	case silenceShown:
		d.si, d.alerts, d.ackErr = msg.si, msg.alerts, msg.ackErr
	case tea.KeyPressMsg:
		if d.Key(msg, len(d.lines())) {
			return nil, nil
		}
	}
	return d, nil
}

// ShortHelp implements views.Component.
func (d *silenceDetail) ShortHelp() []key.Binding {
	k := d.ctx.Keys
	return []key.Binding{k.Back, k.Expire, k.Extend, k.Copy}
}

// FullHelp implements views.Component.
func (d *silenceDetail) FullHelp() [][]key.Binding {
	k := d.ctx.Keys
	return [][]key.Binding{append([]key.Binding{k.Back}, k.Navigation()...), d.ShortHelp()[1:]}
}

// View implements views.Component: the lines from the offset that fit.
func (d *silenceDetail) View() string {
	return d.Window(d.lines())
}

// lines are every line of the detail.
func (d *silenceDetail) lines() []string {
	st := d.ctx.Styles
	w := d.Width()
	si := d.si
	now := d.ctx.Now()
	var out []string
	field := func(name, value string) { out = append(out, labelled(st, name, value, w)...) }
	out = append(out, st.Title.Render("Silence "+text.Sanitize(si.ID)))
	field("state", st.SilenceState(si.State).Render(text.Sanitize(si.State))+" · "+silenceEndsIn(now, si))
	for i, m := range si.Matchers {
		name := ""
		if i == 0 {
			name = "matchers"
		}
		if m != nil {
			field(name, text.Sanitize(m.String()))
		}
	}
	field("starts", formatClock(now, si.StartsAt))
	field("ends", formatClock(now, si.EndsAt))
	if !si.UpdatedAt.IsZero() {
		field("updated", formatClock(now, si.UpdatedAt))
	}
	field("created by", text.Sanitize(si.CreatedBy))
	for i, l := range strings.Split(text.SanitizeMultiline(si.Comment), "\n") {
		name := ""
		if i == 0 {
			name = "comment"
		}
		field(name, l)
	}
	if si.UntilResolved() && !si.Expired() {
		dec := alertmanager.DecideAck(si, d.ackErr == nil && alertmanager.AlertsFiring(si, d.alerts), d.ackErr, now, ackPolicy(d.ctx))
		field("keep", styleAck(d.ctx, dec.Action, "⟳ "+text.Sanitize(dec.Text(now, now.Location()))))
	}
	hits := query.AlertsMatching(si.Matchers, d.alerts)
	out = append(out, "")
	out = append(out, st.TableHeader.Render(fmt.Sprintf("MATCHES %d CURRENT ALERT%s", len(hits), strings.ToUpper(views.Plural(len(hits))))))
	for _, a := range hits {
		out = append(out, "  "+st.AlertState(string(a.State)).Render(text.Fit(string(a.State), alertStateW))+" "+text.Sanitize(a.Name)+"  "+
			compactLabels(st, nil, a.Labels, d.ctx.Settings.EndpointLabel, max(w-alertStateW-5-text.Width(text.Sanitize(a.Name)), 1), false))
	}
	return out
}
