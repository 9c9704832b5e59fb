package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/doctor"
)

// The header says "rules ✓" while the figures come from vigil's recording
// rules, "rules partial" while rules of an older vigil record only some,
// and nothing of rules while they come from the raw series.
func TestHeaderSaysRules(t *testing.T) {
	ov := sample()
	ov.Recorded = "5m"
	m, _ := newModel(t, &scripted{ov: ov})
	run(m, m.Init())
	if s := screen(m); !strings.Contains(s, "window 5m (auto) · rules ✓") {
		t.Errorf("header lacks the rules mark:\n%s", s)
	}
	partial := sample()
	partial.Recorded = "5m"
	partial.NotRecorded = []string{"the counter resets, read raw (no vigil:job_path:flask_http_request_duration_seconds_count:resets5m)"}
	m, _ = newModel(t, &scripted{ov: partial})
	run(m, m.Init())
	// The longer mark leaves no room for "(auto)" beside the address at 80 columns.
	if s := screen(m); !strings.Contains(s, "prom.example:9090") || !strings.Contains(s, "window 5m · rules partial") {
		t.Errorf("rules of an older vigil without the partial mark:\n%s", s)
	}
	raw := sample()
	raw.RulesWhy = "window 5m is not recorded"
	m, _ = newModel(t, &scripted{ov: raw})
	run(m, m.Init())
	if s := screen(m); strings.Contains(s, "rules") {
		t.Errorf("raw figures with a rules mark:\n%s", s)
	}
}

// The doctor looks at the rules every few minutes, the overview at every
// refresh: the doctor's recording rules line says what the overview's
// newest refresh found, so that it never says "raw" under a "rules ✓"
// header (as it did in a demo whose rules were evaluated after the
// doctor's first look).
func TestDoctorRulesLineFollowsTheOverview(t *testing.T) {
	report := &doctor.Report{Checks: []doctor.Check{{ID: doctor.CheckRecordingRules, Title: "recording rules", Status: doctor.Info,
		Seen: "the overview reads the raw series: Prometheus has no series vigil:job_le:x:rate1m (nor of another window)"}}}
	doctorRuns := 0
	withDoctor := func(o *Options) {
		o.Screens = map[string]any{"doctor": DoctorFunc(func(context.Context, query.Shape, doctor.Options) *doctor.Report {
			doctorRuns++
			return report
		})}
	}
	src := &scripted{ov: sample()}
	src.ov.RulesWhy = "not checked yet"
	m, clock := newModel(t, src, withDoctor)
	run(m, m.Init())
	press(m, "7")
	if s := screen(m); !strings.Contains(s, "reads the raw series: not checked yet") {
		t.Fatalf("doctor screen before the rules are found:\n%s", s)
	}
	rec := sample()
	rec.Recorded = "5m"
	src.ov = rec
	tickAfter(m, clock, 6*time.Second)
	s := screen(m)
	if !strings.Contains(s, "rules ✓") || !strings.Contains(s, "reads vigil's recorded series of window 5m") || strings.Contains(s, "no series") {
		t.Errorf("doctor screen after a refresh read the rules:\n%s", s)
	}
	if doctorRuns != 1 {
		t.Errorf("the doctor ran %d times, want once (its line follows the overview without a new run)", doctorRuns)
	}
	if !strings.Contains(report.Checks[0].Seen, "no series") {
		t.Errorf("the shared report was changed: %q", report.Checks[0].Seen)
	}
}

// The doctor's checks say when they were made; shown again more than 30s
// after, they are made again, so a 500 served since is seen.
func TestDoctorShownAgainChecksAgain(t *testing.T) {
	runs := 0
	var clock *fakeClock
	withDoctor := func(o *Options) {
		o.Screens = map[string]any{"doctor": DoctorFunc(func(context.Context, query.Shape, doctor.Options) *doctor.Report {
			runs++
			return &doctor.Report{At: clock.Now(), Checks: []doctor.Check{{ID: doctor.CheckExceptions, Title: "exceptions counted",
				Status: doctor.Unknown, Seen: fmt.Sprintf("run %d", runs)}}}
		})}
	}
	clock = &fakeClock{t: time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)}
	m, c := newModel(t, &scripted{ov: sample()}, withDoctor)
	clock = c
	run(m, m.Init())
	press(m, "7")
	if s := screen(m); runs != 1 || !strings.Contains(s, "checked just now") || !strings.Contains(s, "run 1") {
		t.Fatalf("runs %d:\n%s", runs, s)
	}
	press(m, "1")
	tickAfter(m, clock, 10*time.Second)
	press(m, "7")
	if runs != 1 {
		t.Errorf("shown again 10s after: %d runs, want 1 (fresh enough)", runs)
	}
	press(m, "1")
	tickAfter(m, clock, 30*time.Second)
	press(m, "7")
	if s := screen(m); runs != 2 || !strings.Contains(s, "run 2") || !strings.Contains(s, "checked just now") {
		t.Errorf("shown again 40s after: %d runs, want 2:\n%s", runs, s)
	}
}

// Without a source, the Doctor screen says what it lacks rather than
// "checking…" for ever.
func TestDoctorWithoutASourceSaysSo(t *testing.T) {
	m, _ := newModel(t, &scripted{ov: sample()})
	run(m, m.Init())
	press(m, "7")
	if s := screen(m); !strings.Contains(s, "the doctor could not run: it needs a Prometheus source") || strings.Contains(s, "checking the exporter") {
		t.Fatalf("doctor screen without a source:\n%s", s)
	}
}
