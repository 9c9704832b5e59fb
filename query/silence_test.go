package query

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
)

func TestSilenceSpecValidate(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	good := func(t *testing.T) SilenceSpec {
		return SilenceSpec{
			Matchers:  mustMatchers(t, `HighErrorRate path="/a"`),
			StartsAt:  now,
			EndsAt:    now.Add(time.Hour),
			CreatedBy: "oncall",
			Comment:   "deploy in progress",
		}
	}
	hand := func(typ labels.MatchType, name, value string) labels.Matchers {
		return labels.Matchers{&labels.Matcher{Type: typ, Name: name, Value: value}}
	}
	cases := []struct {
		name    string
		edit    func(*SilenceSpec)
		require bool
		field   string // "" = valid
		want    string
	}{
		{"valid", func(*SilenceSpec) {}, true, "", ""},
		{"valid, start zero means now", func(s *SilenceSpec) { s.StartsAt = time.Time{} }, true, "", ""},
		{"valid, start in the past", func(s *SilenceSpec) { s.StartsAt = now.Add(-time.Hour) }, true, "", ""},
		{"no comment allowed", func(s *SilenceSpec) { s.Comment = "" }, false, "", ""},
		{"no matchers", func(s *SilenceSpec) { s.Matchers = nil }, false, "matchers", "at least one matcher"},
		{"match all", func(s *SilenceSpec) { s.Matchers = mustMatchers(t, `alertname=~".*"`) }, false, "matchers", "every matcher matches the empty string"},
		{"match all, two", func(s *SilenceSpec) { s.Matchers = mustMatchers(t, `a=~".*", b!="x"`) }, false, "matchers", "empty string"},
		{"bad regex", func(s *SilenceSpec) { s.Matchers = hand(labels.MatchRegexp, "path", "(") }, false, "matchers", "invalid regular expression"},
		{"bad name", func(s *SilenceSpec) { s.Matchers = hand(labels.MatchEqual, "1path", "x") }, false, "matchers", "not a valid label name"},
		{"empty name", func(s *SilenceSpec) { s.Matchers = hand(labels.MatchEqual, "", "x") }, false, "matchers", "not a valid label name"},
		{"nil matcher", func(s *SilenceSpec) { s.Matchers = labels.Matchers{nil} }, false, "matchers", "matcher 1 is empty"},
		{"no end", func(s *SilenceSpec) { s.EndsAt = time.Time{} }, false, "endsAt", "required"},
		{"end before start", func(s *SilenceSpec) { s.EndsAt = now.Add(-time.Minute); s.StartsAt = now }, false, "endsAt", "after the start"},
		{"end equals start", func(s *SilenceSpec) { s.EndsAt = s.StartsAt }, false, "endsAt", "after the start"},
		{"end in the past", func(s *SilenceSpec) { s.StartsAt = now.Add(-2 * time.Hour); s.EndsAt = now.Add(-time.Hour) }, false, "endsAt", "in the past"},
		{"comment required", func(s *SilenceSpec) { s.Comment = "  " }, true, "comment", "required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := good(t)
			c.edit(&s)
			err := s.ValidateAt(now, c.require)
			if c.field == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want one on %s", c.field)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != c.field {
				t.Fatalf("error %v: first field %v, want %s", err, ve, c.field)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), c.field+": ") {
				t.Fatalf("error %q, want %q after %q", err, c.want, c.field)
			}
		})
	}
	// Every problem is reported at once.
	s := SilenceSpec{EndsAt: now.Add(-time.Hour)}
	var ves ValidationErrors
	if err := s.ValidateAt(now, true); !errors.As(err, &ves) || len(ves) != 3 || ves.Field("comment") == "" || ves.Field("matchers") == "" || ves.Field("endsAt") == "" {
		t.Fatalf("got %v", err)
	}
}

func TestSilenceMatchCountAndSilencesFor(t *testing.T) {
	alerts := []Alert{
		{Name: "A", Labels: map[string]string{"alertname": "A", "path": "/a", "severity": "critical"}},
		{Name: "A", Labels: map[string]string{"alertname": "A", "path": "/b", "severity": "warning"}},
		{Name: "B", Labels: map[string]string{"alertname": "B", "severity": "critical"}},
	}
	ss := []Silence{
		{ID: "1", Matchers: mustMatchers(t, `A`)},
		{ID: "2", Matchers: mustMatchers(t, `severity="critical"`)},
		{ID: "3", Matchers: mustMatchers(t, `alertname="A", path!~"/a|/b"`)},
		{ID: "4", Matchers: nil},
	}
	wantCount := []int{2, 2, 0, 0}
	for i, s := range ss {
		if got := SilenceMatchCount(s, alerts); got != wantCount[i] {
			t.Errorf("silence %s matches %d, want %d", s.ID, got, wantCount[i])
		}
	}
	ids := func(ss []Silence) string {
		var out []string
		for _, s := range ss {
			out = append(out, s.ID)
		}
		return strings.Join(out, ",")
	}
	if got := ids(SilencesFor(alerts[0], ss)); got != "1,2" {
		t.Errorf("SilencesFor(A /a) = %s", got)
	}
	if got := ids(SilencesFor(alerts[2], ss)); got != "2" {
		t.Errorf("SilencesFor(B) = %s", got)
	}
}

func TestSortSilences(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ss := []Silence{
		{ID: "e1", State: SilenceExpired, EndsAt: t0},
		{ID: "p", State: SilencePending, EndsAt: t0.Add(5 * time.Hour)},
		{ID: "a2", State: SilenceActive, EndsAt: t0.Add(2 * time.Hour)},
		{ID: "e2", State: SilenceExpired, EndsAt: t0.Add(time.Hour)},
		{ID: "a1", State: SilenceActive, EndsAt: t0.Add(time.Hour)},
	}
	SortSilences(ss)
	var got []string
	for _, s := range ss {
		got = append(got, s.ID)
	}
	if strings.Join(got, " ") != "a1 a2 p e2 e1" {
		t.Fatalf("order %v", got)
	}
}
