package alerting

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// currentMatchers are the matchers the form would send now.
func (f *SilenceForm) currentMatchers() (query.Matchers, error) {
	if f.textMode {
		return query.ParseMatchers(f.text.Value())
	}
	ms := query.Matchers{}
	for _, it := range f.items {
		if it.on {
			ms = append(ms, it.m)
		}
	}
	return ms, nil
}

// refresh recomputes the preview: the alerts hit, the warnings, the
// refusal.
func (f *SilenceForm) refresh() {
	f.hits, f.warns, f.refusal, f.matchErr = nil, nil, "", ""
	ms, err := f.currentMatchers()
	f.matchers = ms
	if err != nil {
		f.matchErr = err.Error()
		return
	}
	switch {
	case len(ms) == 0:
		f.refusal = "no matcher: turn one on (" + widget.Key(f.ctx.Keys.Toggle) + ") or type some (" + widget.Key(f.ctx.Keys.MatcherText) + ")"
		return
	case query.MatchesAll(ms):
		f.refusal = `every matcher matches the empty string, so this would silence every alert; Alertmanager refuses it: add a matcher such as alertname="..."`
		return
	}
	f.hits = query.AlertsMatching(ms, f.current)
	var others []string
	hitsOrigin := false
	ok := f.origin.Key()
	for i := range f.hits {
		if f.hits[i].Name != f.origin.Name && !slices.Contains(others, f.hits[i].Name) {
			others = append(others, f.hits[i].Name)
		}
		if !hitsOrigin && f.hits[i].Key() == ok {
			hitsOrigin = true
		}
	}
	if len(others) > 0 && f.free == "" {
		shown := others
		if len(shown) > 3 {
			shown = shown[:3]
		}
		w := "also silences alerts with another name: " + text.Sanitize(strings.Join(shown, ", "))
		if len(others) > 3 {
			w += fmt.Sprintf(" and %d more", len(others)-3)
		}
		f.warns = append(f.warns, w)
	}
	if n, limit := len(f.hits), f.ctx.Settings.Silence.WarnMatches; n > limit && limit > 0 {
		f.warns = append(f.warns, fmt.Sprintf("silences %d current alerts, more than silence.warn_matches (%d)", n, limit))
	}
	if f.free == "" && !hitsOrigin && slices.ContainsFunc(f.current, func(a query.Alert) bool { return a.Key() == ok }) {
		f.warns = append(f.warns, "does not match the alert it was opened from ("+text.Sanitize(f.origin.Name)+")")
	}
}

// validateSpec runs SilenceSpec.Validate on the form's clock: Validate
// reads the wall clock, so the times are moved by the difference first.
func (f *SilenceForm) validateSpec(s query.SilenceSpec) error {
	shift := time.Until(f.ctx.Now())
	c := s
	if !c.StartsAt.IsZero() {
		c.StartsAt = c.StartsAt.Add(-shift)
	}
	if !c.EndsAt.IsZero() {
		c.EndsAt = c.EndsAt.Add(-shift)
	}
	return c.Validate(f.ctx.Settings.Silence.RequireComment)
}

// review checks every field and, when all are good, goes to the confirm
// step. Errors are kept by field, and the cursor goes to the first bad one.
func (f *SilenceForm) review() {
	f.errs = map[string]string{}
	spec := query.SilenceSpec{
		CreatedBy: f.createdBy(),
		Comment:   strings.TrimSpace(f.comment.Value()),
	}
	ms, err := f.currentMatchers()
	if err != nil {
		f.errs[errMatchers] = err.Error()
	}
	spec.Matchers = ms
	d, err := query.ParseDuration(f.duration.Value())
	switch {
	case err != nil:
		f.errs[errDuration] = err.Error()
	case d <= 0:
		f.errs[errDuration] = "must be above 0: write e.g. 15m, 1h, 2h30m or 1d"
	default:
		spec.EndsAt = f.ctx.Now().Add(d)
		if f.ack && f.untilResolved {
			// The marker records the end exactly, to the second: the
			// keeper takes any other end for someone else's change.
			spec.EndsAt = spec.EndsAt.Truncate(time.Second)
			spec.Comment = query.WithAckMarker(spec.Comment, spec.EndsAt)
		}
	}
	if err := f.validateSpec(spec); err != nil {
		var ves query.ValidationErrors
		if errors.As(err, &ves) {
			for _, ve := range ves {
				field := ve.Field
				if field == "endsAt" || field == "startsAt" {
					field = errDuration
				}
				if _, seen := f.errs[field]; !seen {
					f.errs[field] = ve.Msg
				}
			}
		} else {
			f.errs[errMatchers] = err.Error()
		}
	}
	if spec.CreatedBy == "" {
		f.errs[errCreatedBy] = "who creates the silence is required"
	}
	if len(f.errs) > 0 {
		for _, fl := range []struct {
			name  string
			field formField
		}{{errMatchers, fieldMatchers}, {errDuration, fieldDuration}, {errComment, fieldComment}, {errCreatedBy, fieldCreatedBy}} {
			if _, bad := f.errs[fl.name]; bad && (fl.field != fieldCreatedBy || !f.authorFixed()) {
				f.setFocus(fl.field)
				break
			}
		}
		f.confirming = false
		return
	}
	f.spec, f.dur = spec, d
	f.confirming = true
	f.reviewSeen = false
	f.sendErr = ""
}
