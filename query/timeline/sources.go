package timeline

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"strings"
	"time"

	"github.com/vigilterm/vigil/query"
)

// SilenceEvents lists each silence's creation (its start) and its end
// when that is past (expired by hand or run out), with who created it and
// why.
func SilenceEvents(ss []query.Silence, plan query.TimelinePlan, now time.Time) []query.Event {
	var out []query.Event
	for _, s := range ss {
		labels := map[string]string{"silence_id": s.ID, "created_by": s.CreatedBy, "matchers": query.FormatMatchers(s.Matchers), "comment": s.Comment}
		if plan.InRange(s.StartsAt) {
			out = append(out, query.Event{Time: s.StartsAt.UTC(), Kind: query.EventSilenceCreated, Source: query.TimelineSilences, Labels: labels,
				Summary: fmt.Sprintf("silence %s created by %s for %s: %s", s.ID, s.CreatedBy, query.FormatMatchers(s.Matchers), s.Comment)})
		}
		if !s.EndsAt.IsZero() && !s.EndsAt.After(now) && plan.InRange(s.EndsAt) {
			out = append(out, query.Event{Time: s.EndsAt.UTC(), Kind: query.EventSilenceExpired, Source: query.TimelineSilences, Labels: maps.Clone(labels),
				Summary: fmt.Sprintf("silence %s (created by %s) expired: %s", s.ID, s.CreatedBy, s.Comment)})
		}
	}
	return out
}

// auditEvents lists vigil's writes to Alertmanager in the range.
// Corrupt lines are skipped and returned in bad, each naming its line.
func auditEvents(path string, plan query.TimelinePlan) (out []query.Event, bad []error, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	entries, bad, err := query.ReadAudit(f)
	for _, e := range entries {
		if !plan.InRange(e.Time) {
			continue
		}
		result := e.Result
		if e.Error != "" {
			result += ": " + e.Error
		}
		out = append(out, query.Event{Time: e.Time.UTC(), Kind: query.EventWrite, Source: query.TimelineAudit,
			Summary: strings.TrimSpace(fmt.Sprintf("%s: %s silence %s %s (%s) %s", e.User, e.Action, e.SilenceID, e.Matchers, result, e.Comment)),
			Labels: map[string]string{"user": e.User, "action": e.Action, "silence_id": e.SilenceID, "matchers": e.Matchers,
				"result": e.Result, "comment": e.Comment, "alertmanager": strings.Join(e.Alertmanager, ",")}})
	}
	if err != nil {
		return out, bad, fmt.Errorf("%s: %w", path, err)
	}
	return out, bad, nil
}

// NoteEvents lists the notes of a context in the range.
func NoteEvents(ns []query.Note, context string, plan query.TimelinePlan) []query.Event {
	var out []query.Event
	for _, n := range ns {
		if n.Context != context || !plan.InRange(n.Time) {
			continue
		}
		out = append(out, query.Event{Time: n.Time.UTC(), Kind: query.EventNote, Source: query.TimelineNotes,
			Summary: n.Author + ": " + n.Text,
			Labels:  map[string]string{"author": n.Author, "context": n.Context}})
	}
	return out
}
