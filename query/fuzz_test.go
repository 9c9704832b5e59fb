package query

import (
	"testing"
)

// FuzzParseMatchers: silence matchers typed by a person parse or fail with
// an error; a parsed set formats back to something that parses again.
func FuzzParseMatchers(f *testing.F) {
	for _, s := range []string{`alertname="HighErrorRate"`, `{job="flask", path=~"/api/.*"}`, `HighErrorRate`, `a!~"["`, `a=`, `{`, "a=\"\x1b[2J\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ms, err := ParseMatchers(s)
		if err != nil {
			return
		}
		again, err := ParseMatchers(FormatMatchers(ms))
		if err != nil {
			t.Fatalf("%q parsed, but its formatted form %q does not: %v", s, FormatMatchers(ms), err)
		}
		if len(again) != len(ms) {
			t.Fatalf("%q: %d matchers, %d after a round trip", s, len(ms), len(again))
		}
		_ = MatchesAll(ms)
	})
}

// FuzzParseAlertFilter: the alerts filter prompt never panics.
func FuzzParseAlertFilter(f *testing.F) {
	for _, s := range []string{`checkout`, `severity="critical"`, `alertname=~"High.*", job="flask"`, `a=~"("`, `"`, `{}`} {
		f.Add(s)
	}
	a := Alert{Name: "HighErrorRate", Labels: map[string]string{"alertname": "HighErrorRate", "job": "flask"}}
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := ParseAlertFilter(s)
		if err != nil {
			return
		}
		_ = flt.Match(a)
	})
}
