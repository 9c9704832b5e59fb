package alerting

import (
	"fmt"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
)

// The Silences screen's extras: marking silences to expire them at once,
// a new silence from matchers alone, and the filter's by: and expiring:
// terms.

func (s *Silences) createdBy() string {
	if c := strings.TrimSpace(s.ctx.Settings.Silence.CreatedBy); c != "" {
		return c
	}
	if s.whoami != nil {
		return s.whoami()
	}
	return query.SystemUser()
}

// Marked returns the ids of the marked silences, sorted.
func (s *Silences) Marked() []string {
	out := make([]string, 0, len(s.marked))
	for id := range s.marked {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// FormOpen is the silence form opened on this screen, or nil.
func (s *Silences) FormOpen() *SilenceForm { f, _ := views.Find[*SilenceForm](&s.form); return f }

// toggleMark marks or unmarks the selected silence and moves down.
func (s *Silences) toggleMark() tea.Cmd {
	si, ok := s.Selected()
	if !ok {
		return nil
	}
	if si.Expired() {
		return views.Flash("silence "+text.Sanitize(si.ID)+" has already expired: nothing to mark", false)
	}
	if s.marked[si.ID] {
		delete(s.marked, si.ID)
	} else {
		s.marked[si.ID] = true
	}
	s.list.Move(1)
	return nil
}

// forgetGoneMarks drops the marks of silences no longer listed or expired.
func (s *Silences) forgetGoneMarks() {
	live := map[string]bool{}
	for _, si := range s.all {
		if !si.Expired() {
			live[si.ID] = true
		}
	}
	for id := range s.marked {
		if !live[id] {
			delete(s.marked, id)
		}
	}
}

// startBulkExpire asks once before expiring every marked silence.
func (s *Silences) startBulkExpire() tea.Cmd {
	if s.ctx.Settings.ReadOnly {
		return views.Flash("read-only: expiring silences is disabled (ui.read_only)", true)
	}
	var targets []query.Silence
	for _, si := range s.all {
		if s.marked[si.ID] && !si.Expired() {
			if op, busy := s.busy(si.ID); busy {
				return views.Flash(fmt.Sprintf("silence %s: %s already on its way", text.Sanitize(si.ID), op), false)
			}
			targets = append(targets, si)
		}
	}
	if len(targets) == 0 {
		return nil
	}
	s.ask.Push(newConfirm(s.ctx, fmt.Sprintf("expire %d marked silences", len(targets)), func() tea.Cmd { return s.sendBulk(targets) }))
	return nil
}

// sendBulk sends one expire per silence, through the same path as one.
func (s *Silences) sendBulk(targets []query.Silence) tea.Cmd {
	s.bulk = &bulkExpire{left: map[string]bool{}, total: len(targets)}
	cmds := make([]tea.Cmd, 0, len(targets))
	for _, si := range targets {
		s.bulk.left[si.ID] = true
		cmds = append(cmds, s.send(views.SilenceRequestMsg{Op: views.OpExpire, Silence: si}))
	}
	s.marked = map[string]bool{}
	return tea.Batch(cmds...)
}

// bulkExpire counts the answers of a bulk expire, for one flash at the end.
type bulkExpire struct {
	left   map[string]bool
	total  int
	ok     int
	failed []string
}

// onBulkResult takes the answer of one expire of a bulk; done is false
// when the answer is not one of the bulk's.
func (s *Silences) onBulkResult(msg views.SilenceResultMsg) (tea.Cmd, bool) {
	b := s.bulk
	if b == nil || msg.Request.Op != views.OpExpire || !b.left[msg.Request.Silence.ID] {
		return nil, false
	}
	id := msg.Request.Silence.ID
	delete(b.left, id)
	delete(s.pending, id)
	if msg.Err != nil {
		b.failed = append(b.failed, text.Sanitize(id)+": "+text.Sanitize(msg.Err.Error()))
	} else {
		b.ok++
	}
	if len(b.left) > 0 {
		return nil, true
	}
	s.bulk = nil
	if len(b.failed) == 0 {
		return views.Flash(fmt.Sprintf("expired %d of %d silences", b.ok, b.total), false), true
	}
	return views.Flash(fmt.Sprintf("expired %d of %d silences; failed: %s", b.ok, b.total, strings.Join(b.failed, "; ")), true), true
}

// openNewSilence opens the form for a silence from matchers alone.
func (s *Silences) openNewSilence() tea.Cmd {
	if s.ctx.Settings.ReadOnly {
		return views.Flash("read-only: silencing alerts is disabled (ui.read_only)", true)
	}
	if s.noAM {
		return views.Flash("cannot silence: Alertmanager not configured", true)
	}
	f := NewFreeSilenceForm(s.ctx, "Silence from matchers", nil, "", s.alerts, s.createdBy())
	f.routing = s.routing // where the matched alerts' notifications go
	s.form.Push(f)
	return nil
}

// filterTerms splits the filter into its by: and expiring: terms and the
// plain words. A bad duration after expiring: is an error.
type silenceFilter struct {
	by       []string
	expiring time.Duration
	words    []string
}

func parseSilenceFilter(f string) (silenceFilter, error) {
	var out silenceFilter
	for _, w := range strings.Fields(strings.ToLower(f)) {
		switch {
		case strings.HasPrefix(w, "by:") && len(w) > 3:
			out.by = append(out.by, w[3:])
		case strings.HasPrefix(w, "expiring:"):
			d, err := query.ParseDuration(strings.TrimPrefix(w, "expiring:"))
			if err != nil || d <= 0 {
				return out, fmt.Errorf("%q: expiring: takes a duration, e.g. expiring:1h", w)
			}
			out.expiring = d
		default:
			out.words = append(out.words, w)
		}
	}
	return out, nil
}

// matchesTerms reports whether a silence passes the filter's by: (its
// author contains the text) and expiring: (active, ending within the
// duration) terms.
func (f silenceFilter) matchesTerms(si *query.Silence, now time.Time) bool {
	for _, b := range f.by {
		if !strings.Contains(strings.ToLower(si.CreatedBy), b) {
			return false
		}
	}
	if f.expiring > 0 {
		if si.State != query.SilenceActive || si.EndsAt.Sub(now) > f.expiring {
			return false
		}
	}
	return true
}
