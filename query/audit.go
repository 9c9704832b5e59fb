package query

import (
	"errors"
	"fmt"
	"io"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Audit actions: every write vigil makes to Alertmanager.
const (
	AuditCreate = "create"
	AuditAck    = "ack"
	AuditExtend = "extend"
	AuditExpire = "expire"
	// In a shared console (vigil serve) notes and claims are audited too.
	AuditNote    = "note"
	AuditClaim   = "claim"
	AuditUnclaim = "unclaim"
)

// Audit results.
const (
	AuditOK     = "ok"
	AuditFailed = "failed"
	// AuditRefused is a write refused for the writer's rights at the time
	// of the write: nothing was sent.
	AuditRefused = "refused"
)

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	Time time.Time `json:"time"`
	// User is user@host of the process, or silence.created_by.
	User string `json:"user"`
	// Alertmanager is the peer URL, or every peer of the cluster.
	Alertmanager []string `json:"alertmanager"`
	Action       string   `json:"action"`
	// SilenceID is the id Alertmanager answered with; ReplacedID the id an
	// extend replaced when Alertmanager gave the silence a new one.
	SilenceID  string    `json:"silence_id,omitempty"`
	ReplacedID string    `json:"replaced_id,omitempty"`
	Matchers   string    `json:"matchers"`
	Comment    string    `json:"comment"`
	EndsAt     time.Time `json:"ends_at,omitzero"`
	// Result is ok or failed; Error the failure as Alertmanager said it.
	Result string `json:"result"`
	Error  string `json:"error,omitempty"`
	// Reused is true when a retry found the silence an earlier attempt had
	// created instead of creating a second one.
	Reused bool `json:"reused,omitempty"`
	// Role, KeyFingerprint and Remote are set for a write made in a shared
	// console (vigil serve): the writer's role, the SHA256 fingerprint of
	// their SSH key, and the address they connected from.
	Role           string `json:"role,omitempty"`
	KeyFingerprint string `json:"key_fingerprint,omitempty"`
	Remote         string `json:"remote,omitempty"`
	// Context and Alert name where a note or a claim was made (the alert's
	// name for a claim).
	Context string `json:"context,omitempty"`
	Alert   string `json:"alert,omitempty"`
}

// As fills the entry's writer from p: the key's name, the role at the
// time of the write, the key's fingerprint and the address.
func (e *AuditEntry) As(p Principal) {
	e.User, e.Role, e.KeyFingerprint, e.Remote = p.Name, string(p.Role), p.Fingerprint, p.Remote
}

// DefaultAuditPath is $XDG_STATE_HOME/vigil/audit.log (or
// ~/.local/state/vigil/audit.log).
func DefaultAuditPath() string { return StatePath("audit.log") }

// AuditLog appends entries to a file, one JSON object a line. The file is
// created with mode 0600 (its directory 0700): it names who silenced what.
type AuditLog struct{ jsonLines[AuditEntry] }

// NewAuditLog returns the log at path; nothing is created until the first
// entry.
func NewAuditLog(path string) *AuditLog {
	return &AuditLog{jsonLines[AuditEntry]{path: path, name: "audit log"}}
}

// Append writes one entry. Each append opens, writes and closes the file, so
// a rotated or removed log is recreated and nothing is held open.
func (l *AuditLog) Append(e AuditEntry) error {
	if l == nil || l.path == "" {
		return errors.New("audit log: no path")
	}
	return l.append(e)
}

// ReadAudit reads every entry of the log at r. A line that is not an entry
// is skipped, and named by its line number in bad, so that one corrupt line
// (a torn write, an edit by hand) never hides the others; err is a failure
// to read at all.
func ReadAudit(r io.Reader) (entries []AuditEntry, bad []error, err error) {
	entries, err = scanJSONLines[AuditEntry](r, 4<<20, func(line error) error {
		bad = append(bad, line)
		return nil
	})
	return entries, bad, err
}

// escapeUnprintable rewrites, in a line of JSON, every character that is
// not printable (C1 controls such as U+009B, bidi and other format
// characters, private use) as its \u escape: the line decodes to the same
// text, but none of those characters is written raw to a log a person
// may print on a terminal. JSON's encoder already escapes the C0 controls.
func escapeUnprintable(line []byte) []byte {
	clean := true
	for _, r := range string(line) {
		if r >= utf8.RuneSelf && !unicode.IsPrint(r) {
			clean = false
			break
		}
	}
	if clean {
		return line
	}
	out := make([]byte, 0, len(line)+32)
	for _, r := range string(line) {
		if r < utf8.RuneSelf || unicode.IsPrint(r) {
			out = utf8.AppendRune(out, r)
			continue
		}
		if r > 0xFFFF {
			r1, r2 := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
			continue
		}
		out = fmt.Appendf(out, `\u%04x`, r)
	}
	return out
}
