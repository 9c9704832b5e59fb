package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/poll"
	"github.com/vigilterm/vigil/ui/team"
	"github.com/vigilterm/vigil/views"
)

// The root draws the header and answers the other contexts by asking the
// parts for what they contribute, through the roles below. It holds no
// part by name: a part plays a role by implementing its interface, and the
// root finds it among its parts.

// figuresRole is the part whose refreshes the header reports: the
// connection to Prometheus and its state, the host, the refresh interval
// and the rate window, the totals, the scope every screen reads with
// (ui/overview.go).
type figuresRole interface {
	part
	// conn is the state of the connection to Prometheus.
	conn() conn
	// status is its poller's: in flight, last success, next retry.
	status() poll.Status
	// err is the last refresh's failure, nil when it worked.
	err() error
	// data is the overview on screen, nil before the first answer.
	data() *query.Overview
	// took is how long the last answered refresh took.
	took() time.Duration
	// host is the Prometheus server's host, for the header.
	host() string
	// every is the refresh interval in use, scrape true when it is the
	// targets' scrape interval, longer than the one asked for.
	every() (d time.Duration, scrape bool)
	// onTab reports whether t is the tab of its figures.
	onTab(t *tab) bool
	// scoped is the configured shape with the scope the person chose
	// (the selector asked, the service opened).
	scoped(s query.Shape) query.Shape
}

// Checked when built: a method renamed would leave the header on
// noFigures.
var _ figuresRole = (*overviewPart)(nil)

// alertsRole is the part whose alerts the header counts on their tab, whose
// Alertmanager peers it shows, and whose count of firing alerts the other
// contexts show (ui/alerts.go).
type alertsRole interface {
	part
	// badge is the counts after t's title: "" on another tab or without
	// a source of alerts.
	badge(t *tab) string
	// peersText is each Alertmanager peer's health, "" without one.
	peersText() string
	// firing is the number of firing alerts, -1 while unknown.
	firing() int
	// symbols are its marks in the header's legend.
	symbols() []views.Symbol
}

var _ alertsRole = (*alertsPart)(nil)

// watcher is a part that says what the person is on in its tab (an
// endpoint, an alert), for the Team's list of who is where.
type watcher interface {
	watching(t *tab, w *team.Where)
}

var _, _ watcher = (*overviewPart)(nil), (*alertsPart)(nil)

// claimer is a part whose tab lists alerts one can claim: the alert
// selected or open on t; ok is false on another tab or with none selected.
type claimer interface {
	claimable(t *tab) (al query.Alert, onTab, ok bool)
}

var _ claimer = (*alertsPart)(nil)

// figures is the part playing figuresRole; while none does (a screen's
// build asking before the overview's is made), one that knows nothing.
func (m *Model) figures() figuresRole {
	for _, p := range m.parts {
		if f, ok := p.(figuresRole); ok {
			return f
		}
	}
	return noFigures{m}
}

// alertsOf is the part playing alertsRole; while none does, one that has
// no source of alerts.
func (m *Model) alertsOf() alertsRole {
	for _, p := range m.parts {
		if a, ok := p.(alertsRole); ok {
			return a
		}
	}
	return noAlerts{}
}

// noFigures is figuresRole without a part: connecting, no data.
type noFigures struct{ m *Model }

func (noFigures) update(tea.Msg) (tea.Cmd, bool)   { return nil, false }
func (noFigures) poll(time.Time, bool) tea.Cmd     { return nil }
func (noFigures) conn() conn                       { return connConnecting }
func (noFigures) status() poll.Status              { return poll.Status{} }
func (noFigures) err() error                       { return nil }
func (noFigures) data() *query.Overview            { return nil }
func (noFigures) took() time.Duration              { return 0 }
func (noFigures) host() string                     { return "" }
func (f noFigures) every() (time.Duration, bool)   { return f.m.cfg.UI.Refresh.D(), false }
func (noFigures) onTab(*tab) bool                  { return false }
func (noFigures) scoped(s query.Shape) query.Shape { return s }

// noAlerts is alertsRole without a part: no source of alerts.
type noAlerts struct{}

func (noAlerts) update(tea.Msg) (tea.Cmd, bool) { return nil, false }
func (noAlerts) poll(time.Time, bool) tea.Cmd   { return nil }
func (noAlerts) badge(*tab) string              { return "" }
func (noAlerts) peersText() string              { return "" }
func (noAlerts) firing() int                    { return -1 }
func (noAlerts) symbols() []views.Symbol        { return nil }

// graphRanger is a part that knows the graph range the person chose last
// (the endpoint detail's), which a graph opened elsewhere starts with.
type graphRanger interface {
	graphRange() time.Duration
}

var _ graphRanger = (*detailPart)(nil)

// graphRange is the range a graph opens with: the one chosen last in an
// endpoint detail, else an hour.
func (m *Model) graphRange() time.Duration {
	for _, p := range m.parts {
		if g, ok := p.(graphRanger); ok {
			return g.graphRange()
		}
	}
	return time.Hour
}
