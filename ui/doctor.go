package ui

import (
	"context"
	"errors"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/doctor"
	"github.com/vigilterm/vigil/query/poll"
	doctorview "github.com/vigilterm/vigil/views/doctor"
	overviewview "github.com/vigilterm/vigil/views/overview"
)

// DoctorInterval is how often the metrics doctor runs: its checks look at
// minutes and hours of data, and it costs doctor.Requests queries.
const DoctorInterval = 5 * time.Minute

// DoctorFresh is how old the checks may be when the doctor's screen is
// shown before they are made again.
const DoctorFresh = 30 * time.Second

// doctorPart runs the metrics doctor at start and every DoctorInterval
// (and on r while its screen is shown), for its screen and the overview's
// line.
type doctorPart struct {
	m      *Model
	tab    *tab
	screen *doctorview.Screen
	feed   *feed[*doctor.Report]
	last   *doctor.Report
	// rulesOf is the overview's newest refresh: the recording rules
	// line says what it found, as the header does, rather than what the
	// doctor's own look found (up to DoctorInterval ago).
	rulesOf *query.Overview
}

// doctorName is the Doctor screen's name (its spec's).
const doctorName = "doctor"

// doctorSpec is the metrics doctor: its checks on the exporter's series,
// on its screen and in the overview's line.
var doctorSpec = Spec{Name: doctorName, Help: "metrics doctor", Build: buildDoctor,
	Source: func(p *query.Prometheus) any {
		return DoctorFunc(func(ctx context.Context, s query.Shape, o doctor.Options) *doctor.Report {
			return doctor.Run(ctx, p, s, o)
		})
	}}

// DoctorSource checks the exporter's series behind a shape; DoctorFunc
// makes one of a function, such as doctor.Run on a Prometheus client.
type DoctorSource interface {
	Doctor(ctx context.Context, s query.Shape, o doctor.Options) *doctor.Report
}

// DoctorFunc is a DoctorSource made of a function.
type DoctorFunc func(ctx context.Context, s query.Shape, o doctor.Options) *doctor.Report

// Doctor implements DoctorSource.
func (f DoctorFunc) Doctor(ctx context.Context, s query.Shape, o doctor.Options) *doctor.Report {
	return f(ctx, s, o)
}

// buildDoctor registers the doctor screen.
func buildDoctor(m *Model, t *tab) []part {
	d := &doctorPart{m: m, tab: t, screen: doctorview.New(m.ctx)}
	deadline := 4*m.cfg.Prometheus.Timeout.D() + time.Second // + the window's read
	d.feed, _ = sharedFeed[*doctor.Report](m, m.teamKey("doctor", m.baseShape()), poll.Options{Interval: DoctorInterval, Deadline: deadline,
		FirstBackoff: 30 * time.Second, Slack: 50 * time.Millisecond, Now: m.ctx.Now})
	if _, ok := sourceOf[DoctorSource](m, doctorName); !ok {
		// Never "checking…" for ever: the screen says what it lacks.
		d.screen.Update(doctorview.Msg{Err: errors.New("it needs a Prometheus source")})
	}
	t.push(d.screen)
	return []part{d, newRulesPart(m)} // ui/rulecheck.go
}

// overviewReadMsg tells the parts of the overview's newest refresh.
type overviewReadMsg struct{ ov *query.Overview }

func (d *doctorPart) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case overviewReadMsg:
		return d.followRules(msg.ov), true
	case polled[*doctor.Report]:
		if msg.Err == nil && msg.Value != nil {
			d.last = msg.Value
		}
		return d.show(msg.Err), true
	case shownMsg:
		// Shown with checks older than DoctorFresh: checked again, so
		// what the screen says is of now (a 500 since the last run…).
		if msg.tab != d.tab || d.last == nil || d.last.At.IsZero() || d.m.now().Sub(d.last.At) < DoctorFresh {
			return nil, false
		}
		return d.poll(d.m.now(), true), true
	}
	return nil, false
}

// show puts the report on the screen and the overview's line, its
// recording rules check as the overview's newest refresh found them.
func (d *doctorPart) show(err error) tea.Cmd {
	r := d.last.WithRulesOf(d.m.shape(), d.rulesOf)
	d.screen.Update(doctorview.Msg{Report: r, Err: err})
	// To the overview's screen (ui/overview.go).
	cmd := d.m.toParts(overviewview.DoctorSummaryMsg{Text: doctorview.Summary(r, d.m.ctx.Keys.Screen("doctor"))})
	d.m.SetSize(d.m.width, d.m.height)
	return cmd
}

// followRules takes the rules state of a refresh of the overview when it
// differs from what the doctor's screen says.
func (d *doctorPart) followRules(ov *query.Overview) tea.Cmd {
	if ov == nil {
		return nil
	}
	prev := d.rulesOf
	d.rulesOf = ov
	if d.last == nil || (prev != nil && prev.Recorded == ov.Recorded && prev.RulesWhy == ov.RulesWhy && slices.Equal(prev.NotRecorded, ov.NotRecorded)) {
		return nil
	}
	return d.show(nil)
}

func (d *doctorPart) poll(at time.Time, now bool) tea.Cmd {
	src, ok := sourceOf[DoctorSource](d.m, doctorName)
	if !ok {
		return nil
	}
	// r refreshes it only while its screen is shown: elsewhere, r is for
	// that screen's figures.
	if now && d.m.activeTab() != d.tab && d.last != nil {
		return nil
	}
	if !now && !d.feed.p.Due(at) {
		return nil
	}
	opts, s := d.m.opts.DoctorOptions, d.m.autoShape()
	at = dueAt(at, now)
	return d.feed.startDue(func(ctx context.Context) (*doctor.Report, error) {
		r := src.Doctor(ctx, s, opts)
		if r == nil {
			return nil, errors.New("no report")
		}
		return r, nil
	}, at)
}
