package alertmanager

import (
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/models"
	"github.com/prometheus/alertmanager/pkg/labels"

	"github.com/vigilterm/vigil/query"
)

// postable builds the API body. Matchers must be valid (Validate).
func postable(s query.SilenceSpec, now time.Time) *models.PostableSilence {
	start := s.StartsAt
	if start.IsZero() {
		start = now
	}
	st, en := strfmt.DateTime(start), strfmt.DateTime(s.EndsAt)
	createdBy, comment := s.CreatedBy, s.Comment
	ms := make(models.Matchers, 0, len(s.Matchers))
	for _, m := range s.Matchers {
		if m == nil {
			continue
		}
		name, value := m.Name, m.Value
		isEqual := m.Type == labels.MatchEqual || m.Type == labels.MatchRegexp
		isRegex := m.Type == labels.MatchRegexp || m.Type == labels.MatchNotRegexp
		ms = append(ms, &models.Matcher{Name: &name, Value: &value, IsEqual: &isEqual, IsRegex: &isRegex})
	}
	return &models.PostableSilence{
		ID: s.ID,
		Silence: models.Silence{
			Matchers:  ms,
			StartsAt:  &st,
			EndsAt:    &en,
			CreatedBy: &createdBy,
			Comment:   &comment,
		},
	}
}

// silenceFromAPI converts Alertmanager's silence. A matcher Alertmanager
// holds but that does not build here (it cannot happen with a sane server)
// is left out.
func silenceFromAPI(g *models.GettableSilence) query.Silence {
	var s query.Silence
	if g == nil {
		return s
	}
	s.ID = deref(g.ID)
	if g.Status != nil {
		s.State = deref(g.Status.State)
	}
	s.UpdatedAt = dateTime(g.UpdatedAt)
	s.StartsAt = dateTime(g.StartsAt)
	s.EndsAt = dateTime(g.EndsAt)
	s.CreatedBy = deref(g.CreatedBy)
	s.Comment = deref(g.Comment)
	s.Matchers = make(labels.Matchers, 0, len(g.Matchers))
	for _, m := range g.Matchers {
		if m == nil {
			continue
		}
		isEqual := m.IsEqual == nil || *m.IsEqual
		isRegex := m.IsRegex != nil && *m.IsRegex
		t := labels.MatchEqual
		switch {
		case isEqual && isRegex:
			t = labels.MatchRegexp
		case !isEqual && isRegex:
			t = labels.MatchNotRegexp
		case !isEqual:
			t = labels.MatchNotEqual
		}
		lm, err := labels.NewMatcher(t, deref(m.Name), deref(m.Value))
		if err == nil {
			s.Matchers = append(s.Matchers, lm)
		}
	}
	return s
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func dateTime(d *strfmt.DateTime) time.Time {
	if d == nil {
		return time.Time{}
	}
	return time.Time(*d)
}
