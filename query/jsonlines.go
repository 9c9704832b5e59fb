package query

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// jsonLines is an append-only file of one JSON object a line, created with
// mode 0600 (its directory 0700) since what it holds names people. Each
// append opens, writes and closes the file, so a rotated or removed file is
// recreated and nothing is held open.
type jsonLines[T any] struct {
	mu   sync.Mutex
	path string
	name string // the file's name in messages: "audit log", "notes"
}

// Path is where the lines are written.
func (l *jsonLines[T]) Path() string { return l.path }

// append writes v as one line.
func (l *jsonLines[T]) append(v T) error {
	if l.path == "" {
		return fmt.Errorf("%s: no path", l.name)
	}
	line, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s %s: %w", l.name, l.path, err)
	}
	line = append(escapeUnprintable(line), '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(l.path), 0o700); err != nil {
		return fmt.Errorf("%s %s: %w", l.name, l.path, err)
	}
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("%s %s: %w", l.name, l.path, err)
	}
	if _, err := f.Write(line); err != nil {
		f.Close()
		return fmt.Errorf("%s %s: %w", l.name, l.path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s %s: %w", l.name, l.path, err)
	}
	return nil
}

// scanJSONLines reads one T a line from r, passing over empty lines and
// lines longer than maxLine bytes failing the read. A line that is not a T
// goes to bad as an error naming its line number: bad's answer, when not
// nil, ends the read with what was read so far.
func scanJSONLines[T any](r io.Reader, maxLine int, bad func(line error) error) ([]T, error) {
	var out []T
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxLine)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			if stop := bad(fmt.Errorf("line %d: %v", n, err)); stop != nil {
				return out, stop
			}
			continue
		}
		out = append(out, v)
	}
	return out, sc.Err()
}
