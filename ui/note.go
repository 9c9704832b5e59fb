package ui

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views/keys"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// notePart is the one-line prompt the note key opens over any screen: the
// note is stored with its author, its time and the context's name in the
// notes file beside the audit log (where the note command writes), and
// the timeline is rebuilt at once so that it shows there. A note that
// could not be written stays in the prompt, with the reason under it.
type notePart struct {
	overlayBase
	m       *Model
	open    bool
	prompt  widget.Prompt
	problem string // why the last enter did not save, shown over the prompt
}

// noteSaved is the answer of a note's write.
type noteSaved struct {
	note query.Note
	path string
	err  error
}

func newNotePart(m *Model) *notePart {
	return &notePart{m: m, prompt: widget.NewPrompt(query.MaxNoteBytes)}
}

func (n *notePart) isOpen() bool { return n.open }

func (n *notePart) opens(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	if !key.Matches(msg, n.m.ctx.Keys.Note) {
		return nil, false
	}
	return n.openPrompt(), true
}

// footer is the prompt's line while it is open.
func (n *notePart) footer(w int) string {
	if !n.open {
		return ""
	}
	return n.view(w)
}

func (n *notePart) lines(w int) []string { return n.problemLines(w) }

// openPrompt opens the prompt on the text kept from a failed save, if any.
func (n *notePart) openPrompt() tea.Cmd {
	if why := n.m.viewerRefusal(); why != "" {
		n.m.setFlash(why, true)
		return nil
	}
	n.open = true
	n.opening()
	return n.prompt.Open(n.prompt.In.Value())
}

func (n *notePart) close() {
	n.open = false
	n.prompt.In.Blur()
	n.setProblem("")
}

func (n *notePart) setProblem(s string) {
	if s == n.problem {
		return
	}
	n.problem = s
	n.m.SetSize(n.m.width, n.m.height)
}

// key handles a key while the prompt is open: enter saves, esc discards,
// anything else edits.
func (n *notePart) key(msg tea.KeyPressMsg) tea.Cmd {
	k := n.m.ctx.Keys
	switch {
	case key.Matches(msg, k.Apply):
		return n.save()
	case key.Matches(msg, k.Cancel):
		n.prompt.In.SetValue("")
		n.close()
		n.m.setFlash("note discarded", false)
		return nil
	}
	return n.prompt.Update(msg, func(string, bool) bool { return true })
}

// save checks the note and writes it in a command.
func (n *notePart) save() tea.Cmd {
	txt := n.prompt.In.Value()
	if why := n.m.viewerRefusal(); why != "" {
		n.setProblem("note not saved: " + why)
		return nil
	}
	if err := query.CheckNote(txt); err != nil {
		n.setProblem("note not saved: " + err.Error())
		return nil
	}
	m := n.m
	author := m.opts.AuditUser
	if author == "" {
		author = m.opts.Identity
	}
	note := query.Note{Time: m.now().UTC(), Author: author, Context: m.cfg.Context, Text: txt}
	path := m.notesPath()
	principal, audit := m.opts.Principal, m.opts.Audit
	n.close()
	return func() tea.Msg {
		if path == "" {
			return noteSaved{note: note, err: errNoNotesPath}
		}
		// The rights are checked again where the note is written.
		return noteSaved{note: note, path: path, err: query.WriteNote(path, note, principal, audit)}
	}
}

var errNoNotesPath = noNotesPath{}

type noNotesPath struct{}

func (noNotesPath) Error() string {
	return "no notes file: vigil has no audit log path (set audit_log or a home directory) beside which to keep notes"
}

func (n *notePart) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case noteSaved:
		if msg.err != nil {
			// Keep the text: the prompt opens again on it with the reason.
			n.m.log.Warn("note not saved", "path", msg.path, "err", msg.err)
			cmd := n.openPrompt()
			n.setProblem("note not saved: " + msg.err.Error())
			return cmd, true
		}
		if !n.open {
			n.prompt.In.SetValue("")
		}
		n.m.setFlash("note saved", false)
		// The timeline shows it at once (ui/timeline.go).
		return n.m.toParts(noteWrittenMsg{}), true
	case tea.PasteMsg:
		if n.open {
			return n.prompt.Update(msg, func(string, bool) bool { return true }), true
		}
	}
	return nil, false
}

func (n *notePart) poll(time.Time, bool) tea.Cmd { return nil }

// problemLines are the lines over the prompt saying why the note was not
// saved, at most two.
func (n *notePart) problemLines(w int) []string {
	if n.problem == "" || w <= 0 {
		return nil
	}
	ls := text.WrapWords(text.Sanitize(n.problem), w)
	if len(ls) > 2 {
		ls = ls[:2]
	}
	for i := range ls {
		ls[i] = n.m.ctx.Styles.FlashErr.Render(text.Fit(ls[i], w))
	}
	return ls
}

// view is the prompt's line.
func (n *notePart) view(w int) string {
	st := n.m.ctx.Styles
	k := n.m.ctx.Keys
	lead := "note: "
	hint := "what happened — " + keys.Name(k.Apply) + " saves, " + keys.Name(k.Cancel) + " discards"
	return text.Truncate(st.Prompt.Render(lead)+widget.InputView(st, &n.prompt.In, max(w-len(lead), 1), true, hint), w)
}

// unsent names the note being typed, for the quit question.
func (n *notePart) unsent() string {
	if n.prompt.In.Value() != "" {
		return "the note being typed"
	}
	return ""
}
