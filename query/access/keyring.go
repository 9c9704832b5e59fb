package access

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

// Keyring holds the keys of an authorized keys file and reads the file
// again when its content or its modes change. It fails closed: a file that
// is empty, missing, unreadable, writable by others (or in a folder
// writable by others), or invalid (an unknown role, no valid key)
// authorizes no key at all until it is fixed; Problem says why.
type Keyring struct {
	path string

	mu   sync.RWMutex
	keys map[string]Key // by fingerprint; nil while the file is refused
	// sum is the hash of what was last read (the file's modes and owner,
	// its folder's, and its content): a change of any is a new version,
	// whatever the modification time and size say.
	sum  [sha256.Size]byte
	read bool
	// problem is why no key is authorized (nil when the file is in use).
	problem error
}

// Load reads the file at path. It fails when the file is refused (see
// Keyring): a server must not start open to nobody, nor to anybody, by
// mistake. skipped names the lines that were skipped.
func Load(path string) (*Keyring, []error, error) {
	k := &Keyring{path: path}
	_, skipped, err := k.Reload()
	if err != nil {
		return nil, skipped, err
	}
	return k, skipped, nil
}

// Path is the file's path.
func (k *Keyring) Path() string { return k.path }

// Len is how many keys are authorized (0 while the file is refused).
func (k *Keyring) Len() int {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return len(k.keys)
}

// Problem is why no key is authorized now, nil when the file is in use.
func (k *Keyring) Problem() error {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.problem
}

// Lookup finds the authorized key equal to pub. While the file is refused
// no key is found.
func (k *Keyring) Lookup(pub ssh.PublicKey) (Key, bool) {
	if pub == nil {
		return Key{}, false
	}
	fp := ssh.FingerprintSHA256(pub)
	k.mu.RLock()
	defer k.mu.RUnlock()
	key, ok := k.keys[fp]
	return key, ok
}

// Reload reads the file again. changed is true when what is authorized
// changed (new keys, or the file refused or accepted again); err is why
// the file is refused, in which case no key is authorized.
func (k *Keyring) Reload() (changed bool, skipped []error, err error) {
	sum, data, err := k.readChecked()
	k.mu.RLock()
	same, problem := k.read && sum == k.sum, k.problem
	k.mu.RUnlock()
	if same {
		// What was checked and read is as before: so is the outcome.
		return false, nil, problem
	}
	var keys []Key
	if err == nil {
		keys, skipped, err = Parse(k.path, data)
	}
	if err == nil && len(keys) == 0 {
		err = fmt.Errorf("%s: no valid authorized key", k.path)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.sum, k.read = sum, true
	if err != nil {
		// Fail closed: whatever was authorized before is no longer.
		k.keys, k.problem = nil, err
		return true, skipped, err
	}
	k.keys, k.problem = make(map[string]Key, len(keys)), nil
	for _, key := range keys {
		k.keys[key.Fingerprint] = key
	}
	return true, skipped, nil
}

// readChecked checks the file and its folder as OpenSSH's StrictModes
// does, then reads it. sum covers what was checked and read; data is the
// content when err is nil.
func (k *Keyring) readChecked() (sum [sha256.Size]byte, data []byte, err error) {
	h := sha256.New()
	defer func() { copy(sum[:], h.Sum(nil)) }()
	dir := filepath.Dir(k.path)
	if err := checkOwnerMode(dir, "folder", h); err != nil {
		return sum, nil, err
	}
	f, err := os.Open(k.path)
	if err != nil {
		fmt.Fprintf(h, "open: %v\n", err)
		return sum, nil, fmt.Errorf("authorized keys %s: %w", k.path, unwrapPathError(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return sum, nil, fmt.Errorf("authorized keys %s: %w", k.path, unwrapPathError(err))
	}
	if err := ownerMode(k.path, "file", fi, h); err != nil {
		return sum, nil, err
	}
	if !fi.Mode().IsRegular() {
		return sum, nil, fmt.Errorf("authorized keys %s: not a regular file (%v)", k.path, fi.Mode().Type())
	}
	data, err = io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		fmt.Fprintf(h, "read: %v\n", err)
		return sum, nil, fmt.Errorf("authorized keys %s: cannot read: %w", k.path, unwrapPathError(err))
	}
	h.Write(data)
	if len(bytes.TrimSpace(data)) == 0 {
		return sum, nil, fmt.Errorf("authorized keys %s: the file is empty", k.path)
	}
	return sum, data, nil
}

func checkOwnerMode(path, what string, h io.Writer) error {
	fi, err := os.Stat(path)
	if err != nil {
		fmt.Fprintf(h, "%s: %v\n", what, err)
		return fmt.Errorf("authorized keys %s %s: %w", what, path, unwrapPathError(err))
	}
	return ownerMode(path, what, fi, h)
}

// ownerMode refuses a file or folder that someone other than its owner
// may write, or that is owned by someone other than root or this
// process's user: either could authorize themselves.
func ownerMode(path, what string, fi fs.FileInfo, h io.Writer) error {
	uid := -1
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		uid = int(st.Uid)
	}
	fmt.Fprintf(h, "%s %v %d\n", what, fi.Mode(), uid)
	if m := fi.Mode().Perm(); m&0o022 != 0 {
		return fmt.Errorf("authorized keys %s %s is mode %04o: group or others may write it, so anyone could authorize themselves (chmod go-w %s)", what, path, m, path)
	}
	if uid >= 0 && uid != 0 && uid != os.Geteuid() {
		return fmt.Errorf("authorized keys %s %s is owned by uid %d, neither root nor the server's user (uid %d)", what, path, uid, os.Geteuid())
	}
	return nil
}

// unwrapPathError drops the path os repeats, keeping the cause.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Watch reads the file every interval until ctx ends, and calls changed
// after what is authorized changed. A refused file is logged at error
// level at once and again every minute while it stays refused.
func (k *Keyring) Watch(ctx context.Context, interval time.Duration, log *slog.Logger, changed func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var lastLoud time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ok, skipped, err := k.Reload()
		for _, s := range skipped {
			log.Warn("authorized keys: line skipped", "problem", s.Error())
		}
		switch {
		case err != nil && (ok || time.Since(lastLoud) >= time.Minute):
			lastLoud = time.Now()
			log.Error("AUTHORIZED KEYS REFUSED: no key is authorized until the file is fixed; every session is closed", "file", k.path, "err", err)
		case ok:
			log.Info("authorized keys reloaded", "file", k.path, "keys", k.Len())
		}
		if ok && changed != nil {
			changed()
		}
	}
}
