package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vigilterm/vigil/query/doctor"
)

// A path label with escape sequences and bidi overrides reaches no doctor
// output raw: text, markdown and JSON.
func TestDoctorOutputsNeutraliseHostileLabels(t *testing.T) {
	hostile := "/x\x1b]52;c;aGk=\x07\u202e/y"
	r := &doctor.Report{
		Detected: doctor.Detected{Prefix: "flask_", PrefixKnown: true, EndpointLabel: "path"},
		Checks: []doctor.Check{{ID: doctor.CheckUnmatched, Title: "unmatched routes (404)", Status: doctor.Warn,
			Seen: "1 path " + hostile, Subjects: []string{hostile}}},
	}
	d := doctorOutput{Prometheus: "http://p", Selector: `job="a` + "\x1b[2J" + `"`, Report: r}
	for name, write := range map[string]func(*bytes.Buffer) error{
		"text":     func(b *bytes.Buffer) error { return d.writeText(b) },
		"markdown": func(b *bytes.Buffer) error { return d.writeMarkdown(b) },
		"json":     func(b *bytes.Buffer) error { return d.writeJSON(b) },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(b.String(), "\x1b\x07\u202e") {
			t.Errorf("%s output carries a raw control or bidi character:\n%q", name, b.String())
		}
		if !strings.Contains(b.String(), "/x") {
			t.Errorf("%s output lost the subject:\n%s", name, b.String())
		}
	}
	if r.Checks[0].Subjects[0] != hostile {
		t.Error("writing JSON changed the report itself")
	}
}
