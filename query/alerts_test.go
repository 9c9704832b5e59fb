package query

import (
	"strings"
	"testing"
	"time"
)

func mkAlert(state AlertState, src string, at time.Time, kv ...string) Alert {
	ls := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		ls[kv[i]] = kv[i+1]
	}
	return Alert{Name: ls["alertname"], Severity: ls["severity"], State: state, Labels: ls, ActiveAt: at, Source: src}
}

func TestAlertKeyStable(t *testing.T) {
	a := mkAlert(StateFiring, "", time.Time{}, "b", "2", "a", "1", "alertname", "X")
	b := mkAlert(StateFiring, "", time.Time{}, "alertname", "X", "a", "1", "b", "2")
	for i := 0; i < 20; i++ { // map iteration order must not matter
		if a.Key() != b.Key() {
			t.Fatalf("keys differ: %q vs %q", a.Key(), b.Key())
		}
	}
	if got, want := a.Key(), "a\xff1\xfealertname\xffX\xfeb\xff2\xfe"; got != want {
		t.Fatalf("Key = %q, want %q", got, want)
	}
	// A value that looks like two labels does not collide with them.
	c := mkAlert(StateFiring, "", time.Time{}, "a", `1",b="2`)
	d := mkAlert(StateFiring, "", time.Time{}, "a", "1", "b", "2")
	if c.Key() == d.Key() {
		t.Fatalf("distinct label sets share key %q", c.Key())
	}
}

func TestAlertAnnotations(t *testing.T) {
	a := Alert{Annotations: map[string]string{"summary": "s", "description": "d", "runbook_url": "https://r"}}
	if a.Summary() != "s" || a.Description() != "d" || a.RunbookURL() != "https://r" {
		t.Fatalf("got %q %q %q", a.Summary(), a.Description(), a.RunbookURL())
	}
	b := Alert{Annotations: map[string]string{"message": "m", "runbook": "r2"}}
	if b.Summary() != "m" || b.RunbookURL() != "r2" || b.Description() != "" {
		t.Fatalf("fallbacks: %q %q %q", b.Summary(), b.RunbookURL(), b.Description())
	}
	var z Alert // nil maps
	if z.Summary() != "" || z.RunbookURL() != "" {
		t.Fatal("zero alert has annotations")
	}
}

func TestMergeAlerts(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	am := []Alert{
		mkAlert(StateSilenced, SourceAlertmanager, t0, "alertname", "HighErrorRate", "severity", "critical", "path", "/a"),
		mkAlert(StateFiring, SourceAlertmanager, t0, "alertname", "Slow", "severity", "warning"),
		// Prometheus adds external labels when sending: cluster="eu".
		mkAlert(StateFiring, SourceAlertmanager, t0, "alertname", "Ext", "job", "flask", "cluster", "eu"),
		// exact duplicate inside Alertmanager's list is dropped
		mkAlert(StateFiring, SourceAlertmanager, t0, "alertname", "Slow", "severity", "warning"),
	}
	promErr := mkAlert(StateFiring, SourcePrometheus, t0.Add(-time.Minute), "path", "/a", "alertname", "HighErrorRate", "severity", "critical")
	promErr.Value = "0.07"
	prom := []Alert{
		promErr,
		mkAlert(StatePending, SourcePrometheus, t0, "alertname", "Slow", "severity", "warning", "path", "/b"),
		mkAlert(StateFiring, SourcePrometheus, t0, "alertname", "Ext", "job", "flask"),
		mkAlert(StatePending, SourcePrometheus, t0, "alertname", "Slow", "severity", "warning", "path", "/b"), // dup
	}
	got := MergeAlerts(am, prom)
	if len(got) != 4 {
		for _, a := range got {
			t.Logf("%s %s %s", a.Key(), a.State, a.Source)
		}
		t.Fatalf("merged %d alerts, want 4", len(got))
	}
	byKey := map[string]Alert{}
	for _, a := range got {
		byKey[a.Key()] = a
	}
	he := byKey[am[0].Key()]
	if he.State != StateSilenced || he.Source != SourceBoth || he.Value != "0.07" || !he.ActiveAt.Equal(t0.Add(-time.Minute)) {
		t.Errorf("HighErrorRate: state %s source %s value %q at %s; want Alertmanager's state, Prometheus's value and activation time (one age)", he.State, he.Source, he.Value, he.ActiveAt)
	}
	if s := byKey[am[1].Key()]; s.Source != SourceAlertmanager {
		t.Errorf("Slow (AM only): source %s", s.Source)
	}
	if p := byKey[prom[1].Key()]; p.State != StatePending || p.Source != SourcePrometheus {
		t.Errorf("pending: state %s source %s", p.State, p.Source)
	}
	if e := byKey[am[2].Key()]; e.Source != SourceBoth {
		t.Errorf("external-label alert not merged: source %s", e.Source)
	}
	// inputs untouched
	if am[0].Source != SourceAlertmanager || am[0].Value != "" {
		t.Error("MergeAlerts modified its input")
	}
}

func TestMergeAlertsAmbiguousSubsetKeepsBoth(t *testing.T) {
	am := []Alert{
		mkAlert(StateFiring, SourceAlertmanager, time.Time{}, "alertname", "X", "replica", "a"),
		mkAlert(StateFiring, SourceAlertmanager, time.Time{}, "alertname", "X", "replica", "b"),
	}
	prom := []Alert{mkAlert(StateFiring, SourcePrometheus, time.Time{}, "alertname", "X")}
	if got := MergeAlerts(am, prom); len(got) != 3 {
		t.Fatalf("got %d alerts, want 3 (ambiguous match must not merge)", len(got))
	}
	if got := MergeAlerts(nil, nil); len(got) != 0 {
		t.Fatalf("empty merge gave %d", len(got))
	}
}

func TestSortAlerts(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	in := []Alert{
		mkAlert(StateFiring, "", t0, "alertname", "I", "severity", "info"),
		mkAlert(StateFiring, "", t0.Add(time.Hour), "alertname", "W-new", "severity", "warning"),
		mkAlert(StateFiring, "", time.Time{}, "alertname", "C-unknown-start", "severity", "critical"),
		mkAlert(StateFiring, "", t0, "alertname", "N", "severity", "none"),
		mkAlert(StateFiring, "", t0, "alertname", "W-old", "severity", "warning"),
		mkAlert(StateFiring, "", t0, "alertname", "E", "severity", "error"),
		mkAlert(StateFiring, "", t0, "alertname", "C", "severity", "Critical", "path", "/b"),
		mkAlert(StateFiring, "", t0, "alertname", "C", "severity", "Critical", "path", "/a"),
		mkAlert(StateFiring, "", t0, "alertname", "A-nosev"),
		mkAlert(StateFiring, "", t0.Add(-time.Hour), "alertname", "B", "severity", "critical"),
	}
	want := []string{"B", "C/a", "C/b", "C-unknown-start", "E", "W-old", "W-new", "I", "A-nosev", "N"}
	name := func(a Alert) string {
		if p := a.Labels["path"]; p != "" {
			return a.Name + strings.TrimPrefix(p, "")
		}
		return a.Name
	}
	for round := 0; round < 3; round++ {
		cp := append([]Alert(nil), in...)
		// rotate to vary input order
		cp = append(cp[round:], cp[:round]...)
		SortAlerts(cp)
		var got []string
		for _, a := range cp {
			got = append(got, name(a))
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("round %d:\n got %v\nwant %v", round, got, want)
		}
	}
}

func TestSeverityRank(t *testing.T) {
	for s, want := range map[string]int{"critical": 0, "CRITICAL": 0, "error": 1, "warning": 2, "info": 3, "": 4, "page": 4} {
		if got := SeverityRank(s); got != want {
			t.Errorf("SeverityRank(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestParseAlertFilter(t *testing.T) {
	base := Alert{
		Name: "HighErrorRate", Severity: "critical", State: StateFiring,
		Labels:      map[string]string{"alertname": "HighErrorRate", "severity": "critical", "path": "/api/Checkout", "job": "flask"},
		Annotations: map[string]string{"summary": "Error rate above 5% for 2 minutes"},
	}
	other := Alert{
		Name: "SlowAPIResponses", Severity: "warning", State: StateSilenced,
		Labels: map[string]string{"alertname": "SlowAPIResponses", "severity": "warning", "path": "/blog"},
	}
	cases := []struct {
		filter      string
		base, other bool
	}{
		{"", true, true},
		{"   ", true, true},
		{"checkout", true, false},            // label value, case-insensitive
		{"ERROR RATE", true, false},          // both words, in summary / name
		{`"error rate above"`, true, false},  // phrase
		{"highErrorRate", true, false},       // name
		{"silenced", false, true},            // state
		{"blog nothing", false, false},       // every word must match
		{`severity="critical"`, true, false}, // matcher
		{`severity!="critical"`, false, true},
		{`path=~"/api/.*"`, true, false},
		{`path!~"/api/.*"`, false, true},
		{`path=~"/api"`, false, false}, // anchored, like Alertmanager
		{`{severity="critical",job="flask"}`, true, false},
		{`severity="critical", job="flask"`, true, false},
		{`severity = "warning"`, false, true}, // blanks around the operator
		{`job="flask" checkout`, true, false},
		{`job="flask" blog`, false, false},
		{`team=""`, true, true}, // absent label equals empty
		{`{}`, true, true},
	}
	for _, c := range cases {
		f, err := ParseAlertFilter(c.filter)
		if err != nil {
			t.Errorf("ParseAlertFilter(%q): %v", c.filter, err)
			continue
		}
		if got := f.Match(base); got != c.base {
			t.Errorf("%q matches HighErrorRate = %v, want %v", c.filter, got, c.base)
		}
		if got := f.Match(other); got != c.other {
			t.Errorf("%q matches SlowAPIResponses = %v, want %v", c.filter, got, c.other)
		}
	}
	f, _ := ParseAlertFilter("checkout")
	if got := f.Filter([]Alert{base, other}); len(got) != 1 || got[0].Name != "HighErrorRate" {
		t.Errorf("Filter gave %d alerts", len(got))
	}
}

func TestParseAlertFilterErrors(t *testing.T) {
	cases := []struct {
		filter string
		want   []string // substrings of the error
	}{
		{`severity=~"("`, []string{"column 1", `severity=~"("`, "missing closing )"}},
		{`checkout path=~"[a"`, []string{"column 10", `path=~"[a"`, "missing closing ]"}},
		{`{severity="critical"`, []string{"column 1", "unclosed {"}},
		{`path="/a`, []string{"column 6", "unclosed quote"}},
		{`"open phrase`, []string{"column 1", "unclosed quote"}},
		{`{severity="a"b}`, []string{"column 1", "unescaped double quote"}},
		{`{ foo }`, []string{"bad matcher format: foo"}},
	}
	for _, c := range cases {
		_, err := ParseAlertFilter(c.filter)
		if err == nil {
			t.Errorf("ParseAlertFilter(%q): no error", c.filter)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("multi-line error: %q", err)
		}
		t.Logf("%-24s -> %v", c.filter, err)
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("ParseAlertFilter(%q) = %q, want it to contain %q", c.filter, err, w)
			}
		}
	}
}

// Two rules with identical label sets (a slow and a fast copy of one alert)
// give Prometheus two alerts with one key. Whichever comes first, the merge
// keeps the firing one; between two of one state, the earlier activeAt.
func TestMergeAlertsDuplicatesPreferFiringThenEarliest(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	t1 := t0.Add(5 * time.Minute)
	kv := []string{"alertname", "Twin", "severity", "warning", "job", "flask"}
	pend := func(at time.Time) Alert { return mkAlert(StatePending, SourcePrometheus, at, kv...) }
	fire := func(at time.Time) Alert { return mkAlert(StateFiring, SourcePrometheus, at, kv...) }
	amFire := mkAlert(StateFiring, SourceAlertmanager, time.Time{}, kv...)
	cases := []struct {
		name      string
		am, prom  []Alert
		wantState AlertState
		wantAt    time.Time
		wantSrc   string
	}{
		{"pending first", nil, []Alert{pend(t0), fire(t1)}, StateFiring, t1, SourcePrometheus},
		{"firing first", nil, []Alert{fire(t1), pend(t0)}, StateFiring, t1, SourcePrometheus},
		{"two firing, later first", nil, []Alert{fire(t1), fire(t0)}, StateFiring, t0, SourcePrometheus},
		{"two pending, later first", nil, []Alert{pend(t1), pend(t0)}, StatePending, t0, SourcePrometheus},
		{"unknown start loses", nil, []Alert{fire(time.Time{}), fire(t1)}, StateFiring, t1, SourcePrometheus},
		{"with Alertmanager, pending first", []Alert{amFire}, []Alert{pend(t0), fire(t1)}, StateFiring, t1, SourceBoth},
		{"duplicates inside Alertmanager's list", []Alert{mkAlert(StateFiring, SourceAlertmanager, t1, kv...), mkAlert(StateFiring, SourceAlertmanager, t0, kv...)}, nil, StateFiring, t0, SourceAlertmanager},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := MergeAlerts(c.am, c.prom)
			if len(got) != 1 {
				t.Fatalf("%d alerts, want 1: %+v", len(got), got)
			}
			if got[0].State != c.wantState || !got[0].ActiveAt.Equal(c.wantAt) || got[0].Source != c.wantSrc {
				t.Fatalf("got %s at %v from %s, want %s at %v from %s", got[0].State, got[0].ActiveAt, got[0].Source, c.wantState, c.wantAt, c.wantSrc)
			}
		})
	}
}

// Alerts of one name show the labels that tell them apart, and leave out
// those they all share; an alert alone with its name shows all its labels.
func TestLabelPicker(t *testing.T) {
	alerts := []Alert{
		mkAlert(StateFiring, "", time.Time{}, "alertname", "SlowAPIResponses", "severity", "warning", "job", "flask", "instance", "app:8000", "path", "/api/search"),
		mkAlert(StateFiring, "", time.Time{}, "alertname", "SlowAPIResponses", "severity", "warning", "job", "flask", "instance", "app:8000", "path", "/api/checkout", "ruleset", "corrected"),
		mkAlert(StateFiring, "", time.Time{}, "alertname", "Lonely", "severity", "critical", "job", "flask", "instance", "app:8000"),
	}
	p := NewLabelPicker(alerts)
	for i, want := range [][]string{{"path"}, {"path", "ruleset"}, {"instance", "job"}} {
		if got := p.Names(alerts[i], "path"); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("alert %d: %v, want %v", i, got, want)
		}
	}
	if got := p.Names(alerts[2], "job"); strings.Join(got, ",") != "job,instance" {
		t.Errorf("first labels first: %v", got)
	}
}

func TestHeadline(t *testing.T) {
	for _, c := range []struct {
		ann  map[string]string
		want string
	}{
		{map[string]string{"summary": "s", "description": "d"}, "s"},
		{map[string]string{"description": "  first line\nsecond"}, "first line"},
		{nil, ""},
	} {
		if got := (Alert{Annotations: c.ann}).Headline(); got != c.want {
			t.Errorf("%v: %q, want %q", c.ann, got, c.want)
		}
	}
}

// Within one severity, firing alerts come before pending ones, and those
// before silenced or inhibited ones, whatever their age.
func TestSortAlertsFiringBeforePendingBeforeSilenced(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	in := []Alert{
		mkAlert(StateSilenced, "", t0.Add(-3*time.Hour), "alertname", "S", "severity", "warning"),
		mkAlert(StatePending, "", t0.Add(-2*time.Hour), "alertname", "P", "severity", "warning"),
		mkAlert(StateFiring, "", t0, "alertname", "F", "severity", "warning"),
		mkAlert(StatePending, "", t0, "alertname", "CP", "severity", "critical"),
	}
	SortAlerts(in)
	var got []string
	for _, a := range in {
		got = append(got, a.Name)
	}
	if want := "CP F P S"; strings.Join(got, " ") != want {
		t.Fatalf("got %v, want %s", got, want)
	}
}
