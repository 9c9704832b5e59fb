package alerting

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// Column widths of the silences table, in cells.
const (
	silByW      = 16
	silEndsW    = 13 // "ended 59m ago"
	silMatchesW = 7  // "MATCHES"
	silStateW   = 8  // "expired"
	silMinMatch = 16
)

func (s *Silences) tableHeight() int {
	return max(s.height-1-len(s.statusLines()), 0)
}

// statusLines are the lines under the table: the refresh error, the
// question or prompt that owns the keyboard, requests in flight, the
// filter.
func (s *Silences) statusLines() []string {
	st := s.ctx.Styles
	var lines []string
	if s.err != nil && s.haveData {
		lines = append(lines, st.Error.Render("✕ Alertmanager unreachable, showing silences from "+
			views.FormatDuration(s.ctx.Now().Sub(s.at))+" ago: "+text.Sanitize(s.err.Error())))
	}
	if len(s.pending) > 0 {
		ids := make([]string, 0, len(s.pending))
		for id, p := range s.pending {
			ids = append(ids, string(p.op)+" "+text.Sanitize(id))
		}
		slices.Sort(ids)
		lead := "sending… "
		if s.ctx.WriteHeld() {
			lead = "held, " + s.ctx.HeldNote() + ": "
		}
		lines = append(lines, st.Accent.Render(text.Sanitize(lead+strings.Join(ids, ", "))))
	}
	switch {
	case !s.ask.Empty():
		lines = append(lines, s.ask.Lines()...)
	case s.list.Prompt.IsOpen():
		if s.filterErr != "" {
			lines = append(lines, st.Error.Render(text.Fit("✕ "+s.filterErr, s.width)))
		}
		lines = append(lines, s.list.Prompt.View(st, s.width, "words, by:author, expiring:1h"))
	case s.filter != "":
		lines = append(lines, st.Accent.Render(widget.FilterLine(s.ctx.Keys, s.filter, fmt.Sprintf("%d shown", s.list.Len()))))
	}
	return lines
}

// View implements views.Screen. Only the visible rows are rendered.
func (s *Silences) View() string {
	if s.width <= 0 || s.height <= 0 {
		return ""
	}
	if !s.form.Empty() {
		return s.form.View()
	}
	if !s.detail.Empty() {
		// The detail above, the question or the sending note under it.
		status := s.statusLines()
		s.detail.SetSize(s.width, max(s.height-len(status), 0))
		lines := append(s.detail.Lines(), status...)
		return text.ClipLines(lines, s.width, s.height)
	}
	st := s.ctx.Styles
	lines := make([]string, 0, s.height)
	lines = append(lines, s.header())
	body := s.tableHeight()
	switch {
	case s.noAM:
		for _, l := range text.Wrap("Alertmanager not configured: vigil cannot list silences (set --alertmanager or alertmanager.urls)", s.width-2) {
			lines = append(lines, st.Error.Render("  "+l))
		}
	case !s.haveData && s.err != nil:
		lines = append(lines, st.Error.Render("  Alertmanager unreachable: cannot list silences:"))
		for _, l := range text.Wrap(text.Sanitize(s.err.Error()), s.width-4) {
			lines = append(lines, st.Error.Render("    "+l))
		}
	case !s.haveData:
		lines = append(lines, st.Muted.Render(text.Fit("  waiting for the first answer from Alertmanager…", s.width)))
	case s.list.Len() == 0 && s.filter != "":
		lines = append(lines, st.Muted.Render(text.Fit("  no silence matches the filter", s.width)))
	case s.list.Len() == 0:
		note := "  no active or pending silences"
		if !s.showExpired {
			note += " (" + widget.Key(s.ctx.Keys.ShowExpired) + " shows expired ones)"
		}
		lines = append(lines, st.Muted.Render(text.Fit(note, s.width)))
	default:
		now := s.ctx.Now()
		rows := s.list.Items()
		from, to := s.list.Visible(len(rows))
		for i := from; i < to; i++ {
			lines = append(lines, s.renderRow(&rows[i], i == s.list.Cursor(), now))
		}
	}
	return widget.Frame(lines[0], lines[1:], body, s.statusLines(), s.width, s.height)
}

func (s *Silences) header() string {
	var r widget.Row
	r.Add("MATCHERS", s.matchW, false)
	r.Add("CREATED BY", s.byW, false)
	r.Add("COMMENT", s.commentW, false)
	r.Add("ENDS IN", s.endsW, false)
	r.Add("MATCHES", s.countW, true)
	r.Add("STATE", s.stateW, false)
	return s.ctx.Styles.TableHeader.Render(text.Fit(r.String(), s.width))
}

// matcherText is the silence's matchers as FormatMatchers writes them,
// from the refresh's cache (formatting a matcher is not cheap).
func (s *Silences) matcherText(si *query.Silence) string {
	if t, ok := s.mtext[si.ID]; ok {
		return t
	}
	return query.FormatMatchers(si.Matchers)
}

// endsIn is the ENDS IN cell: "45m", "ended 3m ago", "starts in 10m".
func endsIn(now time.Time, si query.Silence) string {
	switch {
	case si.State == query.SilencePending && si.StartsAt.After(now):
		return "starts in " + views.FormatDuration(si.StartsAt.Sub(now).Truncate(time.Second))
	case si.EndsAt.IsZero():
		return views.Dash
	case si.EndsAt.After(now):
		return views.FormatDuration(si.EndsAt.Sub(now).Truncate(time.Second))
	}
	return "ended " + views.FormatDuration(now.Sub(si.EndsAt).Truncate(time.Second)) + " ago"
}

func (s *Silences) renderRow(si *query.Silence, selected bool, now time.Time) string {
	st := s.ctx.Styles
	var r widget.Row
	mark := ""
	switch {
	case s.marked[si.ID]:
		mark = "▪ "
	case len(s.marked) > 0:
		mark = "  " // the column of marks, while there are some
	}
	shown, ok := s.mshow[si.ID]
	if !ok {
		shown = s.matcherText(si)
	}
	m := text.Fit(mark+text.Sanitize(strings.TrimSuffix(strings.TrimPrefix(shown, "{"), "}")), s.matchW)
	if si.Expired() && !selected {
		m = st.Expired.Render(m)
	}
	r.Cell(m)
	if s.byW > 0 {
		r.Cell(text.Fit(text.Sanitize(si.CreatedBy), s.byW))
	}
	until := si.UntilResolved()
	if s.commentW > 0 {
		c := si.Comment
		if base, _, ok := query.ParseAckMarker(c); ok {
			// The marker's "kept to" is the ENDS IN column's.
			c = strings.TrimSpace(base + " [until resolved]")
		}
		r.Cell(text.Fit(text.Sanitize(c), s.commentW))
	}
	if s.endsW > 0 {
		e := endsIn(now, *si)
		if until && !si.Expired() {
			// ⟳: an ack kept until its alert resolves, extended while it fires.
			e = "⟳ " + e
		}
		c := text.Fit(e, s.endsW)
		if !selected && si.State == query.SilencePending {
			c = st.Pending.Render(c)
		}
		r.Cell(c)
	}
	if s.countW > 0 {
		c := views.Dash
		if !si.Expired() {
			c = fmt.Sprint(s.counts[si.ID])
		}
		r.Cell(text.PadLeft(c, s.countW))
	}
	if s.stateW > 0 {
		c := text.Fit(text.Sanitize(si.State), s.stateW)
		if !selected {
			c = st.SilenceState(si.State).Render(c)
		}
		r.Cell(c)
	}
	if selected {
		return st.RowSelected.Render(text.Fit(r.String(), s.width))
	}
	return text.Truncate(r.String(), s.width)
}
