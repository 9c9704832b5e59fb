package query

import (
	"strings"
	"testing"

	"github.com/prometheus/alertmanager/pkg/labels"
)

func mustMatchers(t *testing.T, s string) labels.Matchers {
	t.Helper()
	ms, err := ParseMatchers(s)
	if err != nil {
		t.Fatalf("ParseMatchers(%q): %v", s, err)
	}
	return ms
}

func TestParseMatchers(t *testing.T) {
	cases := []struct {
		in, want string
	}{
		{`HighErrorRate`, `{alertname="HighErrorRate"}`},
		{`HighErrorRate path="/api" severity!="info"`, `{alertname="HighErrorRate", path="/api", severity!="info"}`},
		{`alertname=~"High.*",severity=critical`, `{alertname=~"High.*", severity="critical"}`},
		{`{alertname="A", path!~"/health|/metrics"}`, `{alertname="A", path!~"/health|/metrics"}`},
		{`"High Error" job="flask"`, `{alertname="High Error", job="flask"}`},
		{`msg="a, b \"quoted\""`, `{msg="a, b \"quoted\""}`},
		{`path = "/x"`, `{path="/x"}`},
		{``, `{}`},
	}
	for _, c := range cases {
		ms, err := ParseMatchers(c.in)
		if err != nil {
			t.Errorf("ParseMatchers(%q): %v", c.in, err)
			continue
		}
		if got := FormatMatchers(ms); got != c.want {
			t.Errorf("ParseMatchers(%q) = %s, want %s", c.in, got, c.want)
		}
		// FormatMatchers reads back to the same matchers.
		again, err := ParseMatchers(FormatMatchers(ms))
		if err != nil || !SameMatchers(again, ms) {
			t.Errorf("round trip of %q: %v %s", c.in, err, FormatMatchers(again))
		}
	}
}

func TestParseMatchersErrors(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{`alertname=X stray`, []string{"column 13", "stray", "not a matcher"}},
		{`a=~"("`, []string{"column 1", "missing closing )"}},
		{`a="x`, []string{"column 3", "unclosed quote"}},
		{`{a="1"`, []string{"unclosed {"}},
	}
	for _, c := range cases {
		_, err := ParseMatchers(c.in)
		if err == nil {
			t.Errorf("ParseMatchers(%q): no error", c.in)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("ParseMatchers(%q) = %q, want %q in it", c.in, err, w)
			}
		}
	}
}

func TestMatchersFromLabels(t *testing.T) {
	ms := MatchersFromLabels(map[string]string{"severity": "critical", "alertname": "X", "path": `/a"b`})
	if got, want := FormatMatchers(ms), `{alertname="X", path="/a\"b", severity="critical"}`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	for _, m := range ms {
		if m.Type != labels.MatchEqual {
			t.Fatalf("matcher %s is not an equality", m)
		}
	}
	if len(MatchersFromLabels(nil)) != 0 {
		t.Fatal("nil labels gave matchers")
	}
}

func TestMatchesAll(t *testing.T) {
	cases := []struct {
		in   string
		want bool
	}{
		{`alertname=~".*"`, true},
		{`alertname=~".*", severity!="critical"`, true},
		{`foo=""`, true},
		{`a!~"x"`, true},
		{`alertname=~".+"`, false},
		{`alertname=~".*", severity="critical"`, false},
		{`alertname!=""`, false},
		{`X`, false},
		{``, true},
	}
	for _, c := range cases {
		if got := MatchesAll(mustMatchers(t, c.in)); got != c.want {
			t.Errorf("MatchesAll(%s) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestAlertsMatching(t *testing.T) {
	alerts := []Alert{
		{Labels: map[string]string{"alertname": "A", "path": "/a"}},
		{Labels: map[string]string{"alertname": "A", "path": "/b"}},
		{Labels: map[string]string{"alertname": "B"}},
	}
	if got := AlertsMatching(mustMatchers(t, `A`), alerts); len(got) != 2 {
		t.Errorf("A matched %d", len(got))
	}
	if got := AlertsMatching(mustMatchers(t, `alertname="A", path=~"/b|/c"`), alerts); len(got) != 1 || got[0].Labels["path"] != "/b" {
		t.Errorf("path matcher matched %v", got)
	}
	if got := AlertsMatching(mustMatchers(t, `path=""`), alerts); len(got) != 1 || got[0].Labels["alertname"] != "B" {
		t.Errorf("absent label matched %v", got)
	}
}

// Matchers built by hand (no compiled regular expression, unknown type,
// nil) must not bring vigil down.
func TestHandBuiltMatchersDoNotPanic(t *testing.T) {
	alerts := []Alert{{Labels: map[string]string{"alertname": "Abc"}}}
	handRe := labels.Matchers{&labels.Matcher{Type: labels.MatchRegexp, Name: "alertname", Value: "A.*"}}
	if got := AlertsMatching(handRe, alerts); len(got) != 1 {
		t.Errorf("hand-built regexp matcher matched %d, want 1", len(got))
	}
	if MatchesAll(handRe) {
		t.Error("A.* does not match empty")
	}
	bad := labels.Matchers{&labels.Matcher{Type: labels.MatchType(9), Name: "x"}}
	if got := AlertsMatching(bad, alerts); len(got) != 0 {
		t.Error("unknown type matched")
	}
	withNil := labels.Matchers{nil}
	if got := AlertsMatching(withNil, alerts); len(got) != 0 {
		t.Error("nil matcher matched")
	}
	_ = FormatMatchers(append(bad, withNil...))
	if SilenceMatchCount(Silence{Matchers: handRe}, alerts) != 1 {
		t.Error("SilenceMatchCount with hand-built matcher")
	}
	f := AlertFilter{Matchers: handRe}
	if !f.Match(alerts[0]) {
		t.Error("filter with hand-built matcher")
	}
	if err := (SilenceSpec{Matchers: bad}).Validate(false); err == nil {
		t.Error("unknown match type validated")
	}
}
