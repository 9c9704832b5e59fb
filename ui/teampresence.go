package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
)

// presenceScreen lists who is connected and where each one is, over the
// screen it was opened from: w or esc closes it. It reads the Team when
// drawn, so a change shows as soon as the console hears of it.
type presenceScreen struct {
	m             *Model
	width, height int
}

var _ views.Screen = (*presenceScreen)(nil)

func newPresenceScreen(m *Model) *presenceScreen { return &presenceScreen{m: m} }

// Title implements views.Screen.
func (p *presenceScreen) Title() string { return "Who" }

// Notes implements views.Screen.
func (p *presenceScreen) Notes() []string {
	return []string{"Who: everyone connected to this vigil, the screen each is on and the endpoint or alert selected there; you are marked ▸."}
}

// Update implements views.Component: w or esc closes it.
func (p *presenceScreen) Update(msg tea.Msg) (views.Component, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, p.m.ctx.Keys.Back, p.m.ctx.Keys.Who) {
		return nil, nil
	}
	return p, nil
}

// SetSize implements views.Component.
func (p *presenceScreen) SetSize(w, h int) { p.width, p.height = w, h }

// Capturing implements views.Component.
func (p *presenceScreen) Capturing() bool { return false }

// UnsentWork implements views.Component.
func (p *presenceScreen) UnsentWork() string { return "" }

// ShortHelp implements views.Component.
func (p *presenceScreen) ShortHelp() []key.Binding {
	return []key.Binding{p.m.ctx.Keys.Who, p.m.ctx.Keys.Back}
}

// FullHelp implements views.Component.
func (p *presenceScreen) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

// View implements views.Component.
func (p *presenceScreen) View() string {
	st := p.m.ctx.Styles
	people := p.m.link.team.Presence()
	now := p.m.now()
	lines := []string{st.Title.Render(fmt.Sprintf("Who is watching (%d)", len(people)))}
	const nameW, roleW, fromW, sinceW = 12, 8, 16, 5
	// The screen column fits the longest screen name, up to a third of
	// what is left: a wide terminal cuts none.
	screenW := 10
	for _, x := range people {
		s := text.Sanitize(x.Screen)
		if x.Context != "" && x.Context != p.m.cfg.Context {
			s = text.Sanitize(x.Context) + ":" + s
		}
		screenW = max(screenW, min(text.Width(s), (p.width-2-nameW-roleW-fromW-sinceW-5)/3))
	}
	restW := max(p.width-2-nameW-roleW-fromW-screenW-sinceW-5, 8)
	row := func(mark, name, role, from, screen, where, since string) string {
		return mark + " " + text.Fit(name, nameW) + " " + text.Fit(role, roleW) + " " + text.Fit(from, fromW) + " " +
			text.Fit(screen, screenW) + " " + text.Fit(where, restW) + " " + text.PadLeft(since, sinceW)
	}
	lines = append(lines, st.Accent.Render(text.Fit(row(" ", "NAME", "ROLE", "FROM", "SCREEN", "ENDPOINT / ALERT", "SINCE"), p.width)))
	for _, x := range people {
		mark := " "
		if x.ID == p.m.link.member.ID() {
			mark = "▸"
		}
		// Identities are sanitised by Join; where comes from labels.
		where := text.Sanitize(x.Endpoint)
		if x.Alert != "" {
			where = "alert " + text.Sanitize(x.Alert)
		}
		screen := text.Sanitize(x.Screen)
		if x.Context != "" && x.Context != p.m.cfg.Context {
			screen = text.Sanitize(x.Context) + ":" + screen
		}
		if screen == "" {
			screen = "(starting)"
		}
		lines = append(lines, text.Fit(row(mark, orDash(x.Name), orDash(x.Role), orDash(x.Remote), screen, where,
			views.FormatDuration(now.Sub(x.Joined).Truncate(1e9))), p.width))
	}
	return text.FitLines(lines, p.width, p.height)
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return views.Dash
	}
	return s
}
