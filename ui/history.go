package ui

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/vigilterm/vigil/query"
	promqlview "github.com/vigilterm/vigil/views/promql"
)

// HistoryPath is $XDG_STATE_HOME/vigil/history (~/.local/state/vigil/history):
// beside the audit log, in vigil's state directory.
func HistoryPath() string { return query.StatePath("history") }

// ReadHistory reads the history file: one expression a line, oldest first,
// the last promqlview.HistoryLimit kept. A missing file is an empty history.
func ReadHistory(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		out = promqlview.AddHistory(out, sc.Text())
	}
	return out, nil
}

// WriteHistory writes the history file (mode 0600, its directory 0700),
// bounded to promqlview.HistoryLimit entries, through a temporary file.
func WriteHistory(path string, h []string) error {
	if path == "" {
		return errors.New("no history path")
	}
	if len(h) > promqlview.HistoryLimit {
		h = h[len(h)-promqlview.HistoryLimit:]
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".history-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(strings.Join(h, "\n") + "\n"); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
