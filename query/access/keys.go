// Package access reads who may connect to a shared console (vigil serve):
// an OpenSSH authorized_keys file whose comments are people's names and
// whose role="..." option is what each may do.
package access

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode"

	"golang.org/x/crypto/ssh"

	"github.com/vigilterm/vigil/query"
)

// Key is one authorized key: the person's name (the line's comment), their
// role, the key's SHA256 fingerprint and the file:line it was read from.
type Key struct {
	Name        string
	Role        query.Role
	Fingerprint string
	Source      string
	Public      ssh.PublicKey
}

// Principal is the person of k connecting from remote.
func (k Key) Principal(remote string) query.Principal {
	return query.Principal{Name: k.Name, Role: k.Role, RoleSource: k.Source, Fingerprint: k.Fingerprint, Remote: remote}
}

// LineError is a line of the file that was skipped, and why.
type LineError struct {
	Where string // file:line
	Msg   string
}

func (e *LineError) Error() string { return e.Where + ": " + e.Msg }

// RoleError is a line whose role is unknown. Unlike a line that is not a
// key, it refuses the whole file: a misspelt role must not quietly become
// another.
type RoleError struct{ LineError }

// maxFile bounds the file read: an authorized_keys file of a team is a few
// kilobytes.
const maxFile = 4 << 20

// Parse reads the authorized keys in data (read from path, for messages).
// Blank lines and # comments are skipped. A line that is not a key, has no
// name, has an option other than role, or repeats a key is skipped and
// named in skipped. An unknown role is an error (a *RoleError naming
// file:line): nothing of the file is used.
func Parse(path string, data []byte) (keys []Key, skipped []error, err error) {
	if len(data) > maxFile {
		return nil, nil, fmt.Errorf("%s: %d bytes is too large for an authorized keys file (at most %d)", path, len(data), maxFile)
	}
	seen := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), maxFile)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		where := fmt.Sprintf("%s:%d", path, n)
		k, lerr := parseLine(where, line)
		var re *RoleError
		switch {
		case errors.As(lerr, &re):
			return nil, skipped, lerr
		case lerr != nil:
			skipped = append(skipped, lerr)
			continue
		}
		if first, dup := seen[k.Fingerprint]; dup {
			skipped = append(skipped, &LineError{where, "key " + k.Fingerprint + " is already authorized at " + first + "; this line is ignored"})
			continue
		}
		seen[k.Fingerprint] = where
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		return nil, skipped, fmt.Errorf("%s: %w", path, err)
	}
	return keys, skipped, nil
}

func parseLine(where, line string) (Key, error) {
	pub, comment, options, rest, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return Key{}, &LineError{where, "not an authorized key line: " + err.Error()}
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return Key{}, &LineError{where, "one key per line: text after the key"}
	}
	name := strings.TrimSpace(comment)
	if name == "" {
		return Key{}, &LineError{where, "no name: the comment after the key is the person's name"}
	}
	if strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return Key{}, &LineError{where, "the name holds control characters"}
	}
	k := Key{Name: name, Role: query.RoleViewer, Fingerprint: ssh.FingerprintSHA256(pub), Source: where, Public: pub}
	for _, o := range options {
		v, ok := strings.CutPrefix(o, "role=")
		if !ok {
			return Key{}, &LineError{where, fmt.Sprintf("option %q is not supported (only role=\"viewer|silencer|admin\")", o)}
		}
		v = strings.Trim(v, `"`)
		r, err := query.ParseRole(v)
		if err != nil || v == "" {
			return Key{}, &RoleError{LineError{where, fmt.Sprintf("unknown role %q: use viewer, silencer or admin", v)}}
		}
		k.Role = r
	}
	return k, nil
}

// ReadFile reads and parses the file at path.
func ReadFile(path string) (keys []Key, skipped []error, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("authorized keys: %w", err)
	}
	return Parse(path, data)
}
