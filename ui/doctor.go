package ui

import (
	"context"
	"errors"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/poll"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/keys"
)

// DoctorInterval is how often the metrics doctor runs: its checks look at
// minutes and hours of data, and it costs DoctorRequests queries.
const DoctorInterval = 5 * time.Minute

// doctorPart runs the metrics doctor at start and every DoctorInterval
// (and on r while its screen is shown), for its screen and the overview's
// line.
type doctorPart struct {
	m      *Model
	tab    *tab
	screen *views.Doctor
	feed   *feed[*query.DoctorReport]
	last   *query.DoctorReport
}

// buildDoctor registers the doctor screen.
func buildDoctor(m *Model, t *tab) []part {
	d := &doctorPart{m: m, tab: t, screen: views.NewDoctor(m.ctx)}
	deadline := 3*m.ctx.Config.Prometheus.Timeout.D() + time.Second
	d.feed, _ = sharedFeed[*query.DoctorReport](m, m.teamKey("doctor", m.ctx.Config.Shape()), poll.Options{Interval: DoctorInterval, Deadline: deadline,
		FirstBackoff: 30 * time.Second, Slack: 50 * time.Millisecond, Now: m.ctx.Now})
	m.addTaker(func() tea.Msg { return d.feed.take() })
	t.push(d.screen)
	return []part{d}
}

func (d *doctorPart) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case polled[*query.DoctorReport]:
		if msg.Err == nil && msg.Value != nil {
			d.last = msg.Value
		}
		d.screen.Update(views.DoctorMsg{Report: d.last, Err: msg.Err})
		d.m.ov.screen.SetDoctorSummary(views.DoctorSummary(d.last, d.m.ctx.Keys.Doctor))
		d.m.SetSize(d.m.width, d.m.height)
		return nil, true
	}
	return nil, false
}

func (d *doctorPart) poll(at time.Time, now bool) tea.Cmd {
	if d.m.opts.Doctor == nil {
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
	run, opts, s := d.m.opts.Doctor, d.m.opts.DoctorOptions, d.m.shape()
	at = dueAt(at, now)
	return d.feed.startDue(func(ctx context.Context) (*query.DoctorReport, error) {
		r := run(ctx, s, opts)
		if r == nil {
			return nil, errors.New("no report")
		}
		return r, nil
	}, at)
}

// doctorKey is the binding that shows the doctor screen.
func doctorKey(k *keys.KeyMap) key.Binding { return k.Doctor }
