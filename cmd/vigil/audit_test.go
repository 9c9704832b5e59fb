package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAuditCorruptLineIsSkippedWithAWarning(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	log := `{"time":"2026-01-02T03:04:05Z","action":"create","silence_id":"first","result":"ok"}
{"time":"2026-01-02T03:04:06Z","action":"cre
{"time":"2026-01-02T03:04:07Z","action":"expire","silence_id":"third","result":"ok"}
`
	if err := os.WriteFile(path, []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if err := runAudit([]string{"--file", path}, &out, &errOut, func(string) string { return "" }); err != nil {
		t.Fatalf("%v (stderr %q)", err, errOut.String())
	}
	if !strings.Contains(out.String(), "first") || !strings.Contains(out.String(), "third") {
		t.Errorf("the good lines are not all shown:\n%s", out.String())
	}
	if w := errOut.String(); !strings.Contains(w, path+":2") || !strings.Contains(w, "warning") {
		t.Errorf("stderr %q does not warn about line 2 of %s", w, path)
	}
}

func TestAuditMissingFileIsAUsageError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nonexistent")
	var out, errOut bytes.Buffer
	err := runAudit([]string{"--file", path}, &out, &errOut, func(string) string { return "" })
	if err == nil || !errors.Is(err, errUsage) {
		t.Fatalf("got %v, want a usage error (exit 2)", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("message %q does not name the file and the cause", err)
	}
	if code := exitCode(err, &errOut); code != 2 {
		t.Errorf("exit code %d, want 2", code)
	}
}
