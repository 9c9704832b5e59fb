package query

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
)

func TestAuditLogAppendsPrivateJSONLines(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "vigil")
	l := NewAuditLog(filepath.Join(dir, "audit.log"))
	at := time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)
	entries := []AuditEntry{
		{Time: at, User: "oncall@bastion", Alertmanager: []string{"http://am:9093"}, Action: AuditCreate, SilenceID: "a1",
			Matchers: `{alertname="HighErrorRate"}`, Comment: "rollback", EndsAt: at.Add(time.Hour), Result: AuditOK},
		{Time: at.Add(time.Minute), User: "oncall@bastion", Action: AuditExpire, SilenceID: "a1", Result: AuditFailed, Error: "silence not found"},
	}
	for _, e := range entries {
		if err := l.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(l.Path())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("log mode %v, want 0600", fi.Mode().Perm())
	}
	if di, err := os.Stat(dir); err != nil || di.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v (%v), want 0700", di.Mode().Perm(), err)
	}
	data, _ := os.ReadFile(l.Path())
	if n := strings.Count(string(data), "\n"); n != 2 {
		t.Fatalf("%d lines:\n%s", n, data)
	}
	f, _ := os.Open(l.Path())
	defer f.Close()
	got, bad, err := ReadAudit(f)
	if err != nil || len(bad) != 0 || len(got) != 2 {
		t.Fatalf("read back %d entries: %v", len(got), err)
	}
	if got[0].Matchers != entries[0].Matchers || !got[0].EndsAt.Equal(entries[0].EndsAt) || got[1].Error != "silence not found" || got[1].Result != AuditFailed {
		t.Fatalf("round trip: %+v", got)
	}
	// A removed log is recreated by the next append.
	os.Remove(l.Path())
	if err := l.Append(entries[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(l.Path()); err != nil {
		t.Fatal(err)
	}
}

func TestReadAuditSkipsACorruptLineAndNamesIt(t *testing.T) {
	log := "{\"action\":\"create\",\"silence_id\":\"a\"}\nnot json\n\n{\"action\":\"expire\",\"silence_id\":\"b\"}\n{\"action\":\"ack\",\"silence_id\":\"c\"}\n"
	got, bad, err := ReadAudit(strings.NewReader(log))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range got {
		ids = append(ids, e.SilenceID)
	}
	if strings.Join(ids, ",") != "a,b,c" {
		t.Errorf("entries %v, want a,b,c around the corrupt line", ids)
	}
	if len(bad) != 1 || !strings.Contains(bad[0].Error(), "line 2") {
		t.Errorf("problems %v, want one naming line 2", bad)
	}
}

func TestAuditLogReportsAnUnwritablePath(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	err := NewAuditLog(filepath.Join(blocker, "audit.log")).Append(AuditEntry{Action: AuditCreate})
	if err == nil || !strings.Contains(err.Error(), blocker) {
		t.Fatalf("got %v", err)
	}
}

// No character that is not printable reaches the audit log raw: C1
// controls, bidi overrides and isolates are written as \u escapes and read
// back as they were.
func TestAuditLogEscapesC1AndBidi(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	hostile := "ann\u009b2J\u202eevil\u2066x\u2069\u200f\U000e0001 é ✓"
	if err := NewAuditLog(path).Append(AuditEntry{User: hostile, Action: AuditNote, Comment: hostile, Result: AuditOK}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range string(data) {
		if r >= 0x80 && !unicode.IsPrint(r) {
			t.Fatalf("the audit log holds %U raw:\n%q", r, data)
		}
	}
	for _, want := range []string{`\u009b`, `\u202e`, `\u2066`, `\u2069`, `\u200f`, `\udb40\udc01`, "é ✓"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the audit log lacks %s:\n%s", want, data)
		}
	}
	entries, bad, err := ReadAudit(strings.NewReader(string(data)))
	if err != nil || len(bad) > 0 || len(entries) != 1 || entries[0].User != hostile || entries[0].Comment != hostile {
		t.Errorf("read back: %+v %v %v", entries, bad, err)
	}
}
