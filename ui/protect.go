package ui

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query/alertmanager"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/keys"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// confirmPart asks for the context's name before a write in a protected
// context: the write waits in the footer's prompt and is sent only when
// the name is typed exactly (the silence service refuses it otherwise);
// cancel leaves it unsent.
type confirmPart struct {
	overlayBase
	m       *Model
	open    bool
	prompt  widget.Prompt
	pending views.SilenceRequestMsg
	wrong   string // the last name typed that was not the context's
	// released is when the last held write was let go (its name typed).
	released time.Time
}

// held reports whether a write waits for the name, and when the last one
// was let go: the screens say "not sent yet" rather than "sending…".
func (c *confirmPart) held() (bool, time.Time) { return c.open, c.released }

func newConfirmPart(m *Model) *confirmPart {
	return &confirmPart{m: m, prompt: widget.NewPrompt(256)}
}

func (c *confirmPart) isOpen() bool { return c.open }

// opens: the confirm opens on a write, never on a key.
func (c *confirmPart) opens(tea.KeyPressMsg) (tea.Cmd, bool) { return nil, false }

// footer is the prompt's line while a write waits.
func (c *confirmPart) footer(w int) string {
	if !c.open {
		return ""
	}
	return c.view(w)
}

// holdWriteMsg asks the confirm to hold a write in a protected context
// until the context's name is typed.
type holdWriteMsg struct{ req views.SilenceRequestMsg }

// ask holds req until the context's name is typed.
func (c *confirmPart) ask(req views.SilenceRequestMsg) tea.Cmd {
	c.open, c.pending, c.wrong = true, req, ""
	c.opening()
	return c.prompt.Open("")
}

func (c *confirmPart) close() {
	c.open = false
	c.prompt.In.SetValue("")
	c.prompt.In.Blur()
}

func (c *confirmPart) key(msg tea.KeyPressMsg) tea.Cmd {
	k := c.m.ctx.Keys
	name := c.m.cfg.Context
	switch {
	case key.Matches(msg, k.Apply):
		typed := c.prompt.In.Value()
		if typed != name {
			c.wrong = typed
			c.prompt.In.SetValue("")
			return nil
		}
		req := c.pending
		c.close()
		c.released = c.m.now()
		return c.m.sendSilence(req, typed)
	case key.Matches(msg, k.Cancel):
		req := c.pending
		c.close()
		c.m.setFlash("not sent: "+name+"'s name was not typed", true)
		return func() tea.Msg {
			return views.SilenceResultMsg{Request: req, Err: &alertmanager.NotConfirmedError{Context: name}}
		}
	}
	return c.prompt.Update(msg, func(string, bool) bool { return true })
}

func (c *confirmPart) update(msg tea.Msg) (tea.Cmd, bool) {
	if h, ok := msg.(holdWriteMsg); ok {
		return c.ask(h.req), true
	}
	if p, ok := msg.(tea.PasteMsg); ok && c.open {
		return c.prompt.Update(p, func(string, bool) bool { return true }), true
	}
	return nil, false
}

func (c *confirmPart) poll(time.Time, bool) tea.Cmd { return nil }

// what names the write waiting.
func (c *confirmPart) what() string {
	r := c.pending
	switch {
	case r.Ack:
		return "ack"
	case r.Op == views.OpCreate:
		return "silence"
	default:
		return string(r.Op) + " silence"
	}
}

func (c *confirmPart) view(w int) string {
	st := c.m.ctx.Styles
	k := c.m.ctx.Keys
	name := text.Sanitize(c.m.cfg.Context)
	lead := "protected: type " + name + " to " + c.what() + ": "
	if c.wrong != "" {
		lead = "✕ not " + name + " — type " + name + " to " + c.what() + ": "
	}
	hint := "nothing is sent before; " + keys.Name(k.Apply) + " sends, " + keys.Name(k.Cancel) + " cancels"
	return text.Truncate(st.Crit.Render(lead)+widget.InputView(st, &c.prompt.In, max(w-text.Width(lead), 1), true, hint), w)
}

func (c *confirmPart) unsent() string {
	if c.open {
		return "the " + c.what() + " waiting for " + c.m.cfg.Context + "'s name"
	}
	return ""
}
