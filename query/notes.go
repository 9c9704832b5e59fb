package query

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"
)

// NotesFileName is the notes store's file name, in the audit log's
// directory.
const NotesFileName = "notes.log"

// MaxNoteBytes bounds the text of one note.
const MaxNoteBytes = 4096

// Note is one line of the notes store: a remark typed during an incident.
type Note struct {
	Time    time.Time `json:"time"`
	Author  string    `json:"author"`
	Context string    `json:"context"`
	Text    string    `json:"text"`
}

// NotesPathFor is the notes store beside the audit log at auditPath.
func NotesPathFor(auditPath string) string {
	if auditPath == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(auditPath), NotesFileName)
}

// NoteLog appends notes to a file, one JSON object a line, created with
// mode 0600 (its directory 0700), like the audit log. Notes are never
// rewritten.
type NoteLog struct{ jsonLines[Note] }

// NewNoteLog returns the store at path; nothing is created until the first
// note.
func NewNoteLog(path string) *NoteLog { return &NoteLog{jsonLines[Note]{path: path, name: "notes"}} }

// CheckNote refuses a note with no text, one too long, or invalid UTF-8.
func CheckNote(text string) error {
	switch {
	case strings.TrimSpace(text) == "":
		return errors.New("the note is empty")
	case len(text) > MaxNoteBytes:
		return fmt.Errorf("the note is %d bytes long, at most %d", len(text), MaxNoteBytes)
	case !utf8.ValidString(text):
		return errors.New("the note is not valid UTF-8")
	}
	return nil
}

// Append writes one note. Each append opens, writes and closes the file.
func (l *NoteLog) Append(n Note) error {
	if l == nil || l.path == "" {
		return errors.New("notes: no path")
	}
	if err := CheckNote(n.Text); err != nil {
		return err
	}
	return l.append(n)
}

// Read returns every note of the store; a store not yet written has none.
func (l *NoteLog) Read() ([]Note, error) {
	f, err := os.Open(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("notes %s: %w", l.path, err)
	}
	defer f.Close()
	ns, err := ReadNotes(f)
	if err != nil {
		return ns, fmt.Errorf("notes %s: %w", l.path, err)
	}
	return ns, nil
}

// ReadNotes reads every note at r. A line that is not a note is an error
// naming its line number.
func ReadNotes(r io.Reader) ([]Note, error) {
	return scanJSONLines[Note](r, 1<<20, func(line error) error { return line })
}

// WriteNote appends n to the notes file at path as written by p, a shared
// console's person (nil: the local console). The rights are checked here,
// as they are at the write: a role that does not write is refused and
// nothing is stored. In a shared console the author is the key's name,
// and the note and any refusal go into audit as well.
func WriteNote(path string, n Note, p *Principal, audit *AuditLog) error {
	if p == nil {
		return NewNoteLog(path).Append(n)
	}
	cur := p.Current()
	n.Author = cur.Name
	e := AuditEntry{Time: n.Time.UTC(), Action: AuditNote, Comment: n.Text, Context: n.Context, Result: AuditOK}
	e.As(cur)
	var err error
	if !cur.Role.CanWrite() {
		err = &ForbiddenError{Principal: cur}
		e.Result = AuditRefused
	} else if err = NewNoteLog(path).Append(n); err != nil {
		e.Result = AuditFailed
	}
	if err != nil {
		e.Error = err.Error()
	}
	if audit != nil {
		if aerr := audit.Append(e); aerr != nil && err == nil {
			err = fmt.Errorf("note saved, but not audited: %w", aerr)
		}
	}
	return err
}
