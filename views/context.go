// Package views holds the screens of the console: one type each, all with
// the same contract. A screen never opens a connection: the root model in
// package ui fetches and hands the results over as messages.
package views

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/ui/keys"
)

// Context is what every screen shares: configuration, styles, keys and the
// clock. It is built once, before the program starts.
type Context struct {
	Config *vigil.Config
	Styles *themes.Styles
	Keys   *keys.KeyMap
	// Now is the clock; tests fix it.
	Now func() time.Time
}

// Thresholds returns the configured thresholds in query's terms.
func (c *Context) Thresholds() query.Thresholds {
	t := c.Config.Thresholds
	return query.Thresholds{
		ErrorRatioWarn: t.ErrorRatioWarn,
		ErrorRatioCrit: t.ErrorRatioCrit,
		P99Warn:        t.P99Warn.D(),
		P99Crit:        t.P99Crit.D(),
	}
}

// Screen is the contract of every screen.
type Screen interface {
	// Update handles a message routed to this screen.
	Update(msg tea.Msg) (Screen, tea.Cmd)
	// View renders the content area (between header and footer).
	View() string
	// SetSize gives the size of the content area.
	SetSize(width, height int)
	// ShortHelp and FullHelp make the screen a help.KeyMap.
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
	// Capturing is true while a prompt or form owns the keyboard, so that
	// global keys (q, 1, 2, ...) are typed into it instead.
	Capturing() bool
	// Title names the screen in the header.
	Title() string
	// Notes are extra lines for the help screen (e.g. what a column means).
	Notes() []string
}

// OverviewMsg carries a refresh of the overview to the screen.
type OverviewMsg struct {
	Overview *query.Overview
}

// OpenEndpointMsg asks the root model to open an endpoint's detail screen.
type OpenEndpointMsg struct {
	Endpoint string
}

// FlashMsg asks the root model to show a short message in the footer.
type FlashMsg struct {
	Text  string
	Error bool
}

// Flash returns a command that shows a flash message.
func Flash(text string, isErr bool) tea.Cmd {
	return func() tea.Msg { return FlashMsg{Text: text, Error: isErr} }
}
