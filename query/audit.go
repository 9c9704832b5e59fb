package query

import (
	"errors"
	"io"
	"time"
)

// Audit actions: every write vigil makes to Alertmanager.
const (
	AuditCreate = "create"
	AuditAck    = "ack"
	AuditExtend = "extend"
	AuditExpire = "expire"
)

// Audit results.
const (
	AuditOK     = "ok"
	AuditFailed = "failed"
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
