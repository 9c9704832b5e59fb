// Package views holds the screens of the console: one type each, all with
// the same contract. A screen never opens a connection: the root model in
// package ui fetches and hands the results over as messages.
package views

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views/keys"
)

// Context is what every screen shares: the settings, styles, keys and the
// clock. It is built once, before the program starts.
type Context struct {
	Settings Settings
	Styles   *themes.Styles
	Keys     *keys.KeyMap
	// Now is the clock; tests fix it.
	Now func() time.Time
	// Detection says what was detected from the series at start (the
	// endpoint label, the metric prefix), or why it failed; "" when the
	// config left nothing to detect.
	Detection string
	// HeldWrite reports a write that has not left yet: in a protected
	// context it waits until the context's name is typed (held), and
	// released is when it was. Nil: writes are never held.
	HeldWrite func() (held bool, released time.Time)
	// AcksKeptByServer is set in a console served by vigil serve: the
	// server keeps the acks until resolved, whatever this console may write.
	AcksKeptByServer bool
	// SignedBy, set in a console served by vigil serve, is the name the
	// server writes as the author of a silence (the key's name, whatever
	// is typed): the silence form shows it read-only. Nil: the author is
	// the form's field.
	SignedBy func() string
}

// HeldNote is what a screen says of its write while it is held for the
// protected context's name: nothing has been sent yet.
func (c *Context) HeldNote() string {
	return "not sent yet: type " + c.Settings.Context + "'s name below to send it (esc there cancels)"
}

// WriteHeld reports whether a write is held before it leaves.
func (c *Context) WriteHeld() bool {
	if c.HeldWrite == nil {
		return false
	}
	held, _ := c.HeldWrite()
	return held
}

// Thresholds returns the configured thresholds.
func (c *Context) Thresholds() query.Thresholds { return c.Settings.Thresholds }

// SourcesMsg tells the screens, at start, which servers are configured
// (an Alertmanager is assumed until told).
type SourcesMsg struct {
	Alertmanager bool
}

// PausedMsg tells a screen that refreshing is paused (since Since) or not.
type PausedMsg struct {
	Paused bool
	Since  time.Time
}

// GraphAlertMsg asks the root model to graph an alert's rule.
type GraphAlertMsg struct {
	Alert query.Alert
}

// GraphAlert asks for the graph of an alert's rule.
func GraphAlert(al query.Alert) tea.Cmd {
	return func() tea.Msg { return GraphAlertMsg{Alert: al} }
}

// OverviewMsg carries a refresh of the overview to the screen.
type OverviewMsg struct {
	Overview *query.Overview
}

// OpenEndpointMsg asks the root model to open an endpoint's detail screen.
type OpenEndpointMsg struct {
	Endpoint string
}

// OpenGroupMsg asks for the members of a group row, worst first.
type OpenGroupMsg struct {
	Group   string
	Members int
}

// FlashMsg asks the root model to show a short message in the footer.
type FlashMsg struct {
	Text  string
	Error bool
}

// Toggle flips a screen's switch, lets the screen redo what depends on
// it, and says which way it went.
func Toggle(b *bool, redo func(), on, off string) tea.Cmd {
	*b = !*b
	redo()
	if *b {
		return Flash(on, false)
	}
	return Flash(off, false)
}

// Flash returns a command that shows a flash message.
func Flash(text string, isErr bool) tea.Cmd {
	return func() tea.Msg { return FlashMsg{Text: text, Error: isErr} }
}

// AlertsMsg carries a refresh of alerts (Alertmanager's merged with
// Prometheus's pending ones, sorted) and silences to the alert screens.
// Err is set when the refresh failed; the screens keep their last data.
//
// The sources are told apart so that what vigil cannot know is never shown
// as none: Alerts is nil unless at least one source answered, Silences is
// nil unless Alertmanager answered the silences call.
type AlertsMsg struct {
	Alerts   []query.Alert
	Silences []query.Silence
	Peers    []alertmanager.PeerStatus
	At       time.Time
	Err      error
	// NoAlertmanager is set when no Alertmanager is configured.
	NoAlertmanager bool
	// AlertmanagerErr, PrometheusErr and SilencesErr are the failures of
	// Alertmanager's alerts call, Prometheus's alerts call and
	// Alertmanager's silences call; nil when the call answered (or was not
	// made: NoPrometheus, NoAlertmanager).
	AlertmanagerErr error
	PrometheusErr   error
	SilencesErr     error
	NoPrometheus    bool
	// NoRules is set (to query.NoRulesText) when the engine at the
	// Prometheus URL evaluates no rules: its alerts are not asked for.
	NoRules string
	// PendingScope says whose pending alerts the engine lists when it is
	// not all of them (query.MimirPendingText); "" otherwise.
	PendingScope string
	// Routing is the running Alertmanager's routing and inhibit rules;
	// RoutingErr says why it is unknown when it is nil.
	Routing    *alertmanager.Routing
	RoutingErr error
	// Watchdog is the dead man's switch as Alertmanager's alerts show it.
	Watchdog query.WatchdogState
}

// SilenceOp names a write to Alertmanager.
type SilenceOp string

// The writes a screen can ask for.
const (
	OpCreate SilenceOp = "create"
	OpExpire SilenceOp = "expire"
	OpExtend SilenceOp = "extend"
)

// SilenceRequestMsg asks the root model to write to Alertmanager. The root
// runs it in a command with a deadline and answers with SilenceResultMsg.
// Screens never send it in read-only mode.
type SilenceRequestMsg struct {
	Op SilenceOp
	// Spec is the silence to create (OpCreate). With Retry set, the root
	// first looks for an identical silence that an earlier attempt may
	// have created, so that a retry never doubles it.
	Spec  query.SilenceSpec
	Retry bool
	// Silence is the silence to expire or extend; NewEnd the new end.
	Silence query.Silence
	NewEnd  time.Time
	// Ack marks a create made by the ack key, for the audit and the flash.
	Ack bool
}

// SilenceResultMsg is the answer to a SilenceRequestMsg. ID is the id that
// came back (a new one when an extend replaced the silence); Reused is
// true when a retry found the silence an earlier attempt had created.
type SilenceResultMsg struct {
	Request SilenceRequestMsg
	ID      string
	Reused  bool
	// Verified is true when the silence was read back and is active or
	// pending (create, extend) or expired (expire).
	Verified bool
	Err      error
}

// JumpToEndpointMsg asks the root model to show an endpoint on the overview.
type JumpToEndpointMsg struct {
	Endpoint string
}

// CopyMsg asks the root model to copy text to the clipboard (OSC 52, which
// works over SSH). What names it in the flash, e.g. "runbook URL".
type CopyMsg struct {
	Text string
	What string
}

// OpenURLMsg asks the root model to open a URL with the local opener, when a
// display is available.
type OpenURLMsg struct {
	URL string
}
