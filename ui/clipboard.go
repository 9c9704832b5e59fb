package ui

import (
	"os"
	"os/exec"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/keys"
	"github.com/vigilterm/vigil/views/text"
)

// outside reaches outside the terminal for any screen: the clipboard
// (OSC 52) and the local URL opener. Its look-ups of the environment run
// in commands, never in Update.
type outside struct {
	m      *Model
	inTmux bool
}

func (o outside) poll(time.Time, bool) tea.Cmd { return nil }

func (o outside) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case views.CopyMsg:
		return o.copyText(msg), true
	case views.OpenURLMsg:
		return o.openURL(msg.URL), true
	}
	return nil, false
}

// openURL opens a URL with the local opener when there is a display;
// over SSH without one it says to copy the URL instead.
func (o outside) openURL(raw string) tea.Cmd {
	u, ok := text.SafeURL(raw)
	if !ok {
		o.m.setFlash("not an http(s) URL: "+text.Sanitize(raw), true)
		return nil
	}
	copyInstead := "press " + keys.Name(o.m.ctx.Keys.Copy) + " to copy the URL instead"
	if o.m.opts.Principal != nil || o.m.link.served() {
		// A console served over SSH: the display would be the server's,
		// never the person's. Nothing is run.
		return func() tea.Msg { return views.FlashMsg{Text: "served over SSH: " + u + " · " + copyInstead} }
	}
	return func() tea.Msg {
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			return views.FlashMsg{Text: "no display here: " + copyInstead}
		}
		opener, err := exec.LookPath("xdg-open")
		if err != nil {
			return views.FlashMsg{Text: "no xdg-open here: " + copyInstead}
		}
		cmd := exec.Command(opener, u)
		if err := cmd.Start(); err != nil {
			return views.FlashMsg{Text: "xdg-open: " + err.Error(), Error: true}
		}
		go func() { _ = cmd.Wait() }()
		return views.FlashMsg{Text: "opening " + u}
	}
}

// copyText puts sanitised text on the clipboard with OSC 52, wrapped for
// tmux's passthrough as well inside tmux (see text.OSC52Tmux).
func (o outside) copyText(msg views.CopyMsg) tea.Cmd {
	seq := text.OSC52Tmux(msg.Text, o.inTmux)
	if seq == "" {
		o.m.setFlash("nothing to copy", true)
		return nil
	}
	note := "copied " + msg.What + " to the clipboard (OSC 52)"
	if o.inTmux {
		note += "; inside tmux this needs set-clipboard on (or allow-passthrough on)"
	}
	o.m.setFlash(note, false)
	return tea.Raw(seq)
}
