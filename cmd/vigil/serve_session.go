package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
)

// whoKey opens and closes an admin's list of who is connected. A function
// key: it is never typed into a filter or a comment.
const whoKey = "f2"

// sessionRoot is a session's console with what the server adds: for an
// admin, the list of who is connected (F2).
type sessionRoot struct {
	tea.Model
	srv     *server
	ss      *session
	showWho bool
	w, h    int
	// env is the session's environment, to build its console again when
	// its rights change; notice says why it was.
	env    func(string) string
	notice string
}

// rightsMsg tells a session's console that its key's role or name changed.
type rightsMsg struct{ why string }

func (r *sessionRoot) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case rightsMsg:
		return r, r.rebuild(msg.why)
	case tea.WindowSizeMsg:
		r.w, r.h = msg.Width, msg.Height
	case tea.KeyPressMsg:
		if r.notice != "" && msg.String() == "esc" {
			r.notice = ""
			return r, nil
		}
		if r.ss.keyNow().Role == query.RoleAdmin {
			switch s := msg.String(); {
			case s == whoKey:
				r.showWho = !r.showWho
				return r, nil
			case r.showWho && s == "esc":
				r.showWho = false
				return r, nil
			case r.showWho:
				return r, nil // the list is shown: keys do not reach the console under it
			}
		}
	}
	m, cmd := r.Model.Update(msg)
	r.Model = m
	return r, cmd
}

func (r *sessionRoot) View() tea.View {
	v := r.Model.View()
	if r.showWho {
		v.Content = r.whoView()
	}
	if r.notice != "" && r.w > 0 {
		// The first line says why the console changed, until esc.
		ls := strings.SplitN(v.Content, "\n", 2)
		ls[0] = text.Fit(text.Sanitize("vigil serve: "+r.notice+" · esc hides this"), r.w)
		v.Content = strings.Join(ls, "\n")
	}
	return v
}

// rebuild builds the console again for the key's rights as they are now:
// whatever was open (a form, a prompt) is closed, a role that does not
// write has no writing key, and the first line says why.
func (r *sessionRoot) rebuild(why string) tea.Cmd {
	m, err := r.srv.console(r.ss, r.env)
	if err != nil {
		r.srv.closeWith(r.ss, "build", "cannot rebuild the console for the new rights: "+err.Error())
		return nil
	}
	r.Model, r.showWho, r.notice = m, false, why
	size := tea.WindowSizeMsg{Width: r.w, Height: r.h}
	return tea.Sequence(m.Init(), func() tea.Msg { return size })
}

// whoView lists the connected sessions, one a line: name, role, address,
// since when, last keystroke, key.
func (r *sessionRoot) whoView() string {
	all := r.srv.Sessions()
	now := time.Now()
	lines := []string{
		fmt.Sprintf("vigil serve · %d connected   (%s or esc closes)", len(all), whoKey),
		fmt.Sprintf("%-20s %-8s %-22s %8s %8s  %s", "NAME", "ROLE", "FROM", "FOR", "IDLE", "KEY"),
	}
	for _, s := range all {
		me := " "
		if s.ID == r.ss.id {
			me = "*"
		}
		lines = append(lines, fmt.Sprintf("%s%-19s %-8s %-22s %8s %8s  %s", me, text.Truncate(text.Sanitize(s.Name), 19), s.Role,
			text.Sanitize(s.Remote), views.FormatDuration(now.Sub(s.Since).Truncate(time.Second)),
			views.FormatDuration(now.Sub(s.LastInput).Truncate(time.Second)), text.Sanitize(s.Fingerprint)))
	}
	return text.FitLines(lines, max(r.w, 1), max(r.h, 1))
}

// inputReader is the session's keyboard: every read is a keystroke that
// keeps the session from being idle; a session with none for idle is
// killed.
type inputReader struct {
	r    io.Reader
	ss   *session
	idle time.Duration
	kill func()

	once  sync.Once
	timer *time.Timer
}

func (in *inputReader) Read(p []byte) (int, error) {
	in.once.Do(func() { in.timer = time.AfterFunc(in.idle, in.kill) })
	n, err := in.r.Read(p)
	if n > 0 {
		in.ss.lastInput.Store(time.Now().UnixNano())
		in.timer.Reset(in.idle)
	}
	if err != nil {
		in.timer.Stop()
	}
	return n, err
}

// deadlineWriter is the session's screen. Nothing is buffered here: a
// write goes straight to the SSH channel and blocks while the client does
// not take it; one that is still blocked after timeout kills the session,
// so a client that stops reading holds at most the frame being written and
// stalls no one else.
type deadlineWriter struct {
	w       io.Writer
	timeout time.Duration
	timer   *time.Timer
}

func newDeadlineWriter(w io.Writer, timeout time.Duration, kill func()) *deadlineWriter {
	t := time.AfterFunc(time.Hour, kill)
	t.Stop()
	return &deadlineWriter{w: w, timeout: timeout, timer: t}
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	d.timer.Reset(d.timeout)
	n, err := d.w.Write(p)
	d.timer.Stop()
	return n, err
}

// sessionEnv is the environment a session's console reads: what is about
// the person's terminal (NO_COLOR, TMUX) from what their client sent, the
// rest from the server's.
func sessionEnv(env []string, server func(string) string) func(string) string {
	return func(k string) string {
		switch k {
		case "NO_COLOR", "TMUX":
			for _, kv := range env {
				if v, ok := strings.CutPrefix(kv, k+"="); ok {
					return v
				}
			}
			return ""
		}
		return server(k)
	}
}
