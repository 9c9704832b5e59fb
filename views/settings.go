package views

import (
	"time"

	"github.com/vigilterm/vigil/query"
)

// Settings are the values of the configuration that the screens read, as
// plain values. The root (package ui) fills them in from the configuration
// when it builds a console; the screens never read the configuration
// itself.
type Settings struct {
	// Context is the name of the context shown ("default" for the
	// top-level one).
	Context string
	// ReadOnly is ui.read_only, or a viewer's console of vigil serve.
	ReadOnly bool
	// Window is ui.window: the rate window, or WindowAuto when it is picked
	// from the scrape interval.
	Window     time.Duration
	WindowAuto bool
	// Selector, EndpointLabel, ServiceLabel and DurationMetric are the
	// [metrics] table's (EndpointLabel as detected when it was unset).
	Selector       string
	EndpointLabel  string
	ServiceLabel   string
	DurationMetric string
	// Thresholds are the [thresholds] table's.
	Thresholds query.Thresholds
	// Silence is the [silence] table.
	Silence SilenceSettings
	// AlertmanagerTimeout and Watchdog are alertmanager.timeout and
	// alertmanager.watchdog.
	AlertmanagerTimeout time.Duration
	Watchdog            string
}

// SilenceSettings are the [silence] table's values.
type SilenceSettings struct {
	Duration         time.Duration
	AckDuration      time.Duration
	AckUntilResolved bool
	AckMax           time.Duration
	RequireComment   bool
	CreatedBy        string
	WarnMatches      int
	RecentlyExpired  time.Duration
}
