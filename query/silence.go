package query

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/matcher/compat"
	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/common/model"
)

// Silence states as Alertmanager reports them.
const (
	SilenceActive  = "active"
	SilencePending = "pending"
	SilenceExpired = "expired"
)

// Silence is a silence as Alertmanager holds it.
type Silence struct {
	ID        string
	Matchers  labels.Matchers
	StartsAt  time.Time
	EndsAt    time.Time
	UpdatedAt time.Time
	CreatedBy string
	Comment   string
	State     string // SilenceActive, SilencePending or SilenceExpired
}

// Expired reports whether the silence no longer applies.
func (s Silence) Expired() bool { return s.State == SilenceExpired }

// SilenceSpec is what vigil sends to create a silence, or to edit one when
// ID is set.
type SilenceSpec struct {
	ID        string // empty to create; an existing silence's id to edit it
	Matchers  labels.Matchers
	StartsAt  time.Time // zero: now
	EndsAt    time.Time
	CreatedBy string
	Comment   string
}

// ValidationError is one problem with one field of a SilenceSpec. Field is
// the name Alertmanager's API uses: matchers, startsAt, endsAt, comment.
type ValidationError struct {
	Field string
	Msg   string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Msg }

// ValidationErrors lists every problem found, in field order.
type ValidationErrors []*ValidationError

func (es ValidationErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// Unwrap lets errors.As find the first *ValidationError.
func (es ValidationErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Field returns the message for one field, or "".
func (es ValidationErrors) Field(name string) string {
	for _, e := range es {
		if e.Field == name {
			return e.Msg
		}
	}
	return ""
}

// Validate checks the spec the way Alertmanager would, so that nothing it
// would reject is sent: at least one matcher, valid label names and regular
// expressions, not every matcher matching the empty string, an end after the
// start and in the future. With requireComment, an empty comment is refused
// too (Alertmanager accepts one; amtool does not by default). The error, if
// any, is a ValidationErrors.
func (s SilenceSpec) Validate(requireComment bool) error {
	return s.ValidateAt(time.Now(), requireComment)
}

// ValidateAt is Validate at the time now.
func (s SilenceSpec) ValidateAt(now time.Time, requireComment bool) error {
	var errs ValidationErrors
	add := func(field, format string, args ...any) {
		errs = append(errs, &ValidationError{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	switch {
	case len(s.Matchers) == 0:
		add("matchers", "at least one matcher is required")
	default:
		bad := false
		for i, m := range s.Matchers {
			switch {
			case m == nil:
				add("matchers", "matcher %d is empty", i+1)
			case !validMatchType(m.Type):
				add("matchers", "matcher %d (%s): unknown match type %d", i+1, m.Name, int(m.Type))
			case m.Name == "" || !compat.IsValidLabelName(model.LabelName(m.Name)):
				add("matchers", "matcher %d: %q is not a valid label name", i+1, m.Name)
			default:
				if _, err := labels.NewMatcher(m.Type, m.Name, m.Value); err != nil {
					add("matchers", "matcher %d (%s): %v", i+1, m.String(), regexpProblem(err))
				} else {
					continue
				}
			}
			bad = true
		}
		if !bad && MatchesAll(s.Matchers) {
			add("matchers", "every matcher matches the empty string, so the silence would match every alert; Alertmanager refuses it: add a matcher such as alertname=\"...\"")
		}
	}
	start := s.StartsAt
	if start.IsZero() {
		start = now
	}
	switch {
	case s.EndsAt.IsZero():
		add("endsAt", "an end time is required")
	case !s.EndsAt.After(start):
		add("endsAt", "must be after the start (%s)", start.Format(time.RFC3339))
	case !s.EndsAt.After(now):
		add("endsAt", "%s is in the past", s.EndsAt.Format(time.RFC3339))
	}
	if requireComment && strings.TrimSpace(s.Comment) == "" {
		add("comment", "a comment is required")
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// SortSilences orders silences active, pending, expired; within a state by
// end time (the soonest to end first, the most recently ended first among
// the expired), then id. alertmanager.Client.Silences answers in this order.
func SortSilences(ss []Silence) {
	rank := func(state string) int {
		switch state {
		case SilenceActive:
			return 0
		case SilencePending:
			return 1
		case SilenceExpired:
			return 3
		}
		return 2
	}
	slices.SortStableFunc(ss, func(a, b Silence) int {
		if ra, rb := rank(a.State), rank(b.State); ra != rb {
			return ra - rb
		}
		if c := a.EndsAt.Compare(b.EndsAt); c != 0 {
			if a.State == SilenceExpired {
				return -c // the most recently expired first
			}
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// SilenceMatchCount is how many of the alerts the silence's matchers select.
func SilenceMatchCount(s Silence, alerts []Alert) int {
	ms, ok := UsableMatchers(s.Matchers)
	if !ok || len(ms) == 0 {
		return 0
	}
	n := 0
	for i := range alerts {
		if MatchLabelMap(ms, alerts[i].Labels) {
			n++
		}
	}
	return n
}

// SilencesFor returns the silences whose matchers select the alert, in order.
// Callers pass the silences they care about (usually the unexpired ones).
func SilencesFor(a Alert, ss []Silence) []Silence {
	var out []Silence
	for _, s := range ss {
		ms, ok := UsableMatchers(s.Matchers)
		if !ok || len(ms) == 0 {
			continue
		}
		if MatchLabelMap(ms, a.Labels) {
			out = append(out, s)
		}
	}
	return out
}
