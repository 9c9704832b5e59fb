package access

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// Keyring holds the keys of an authorized keys file and reads the file
// again when it changes (its modification time or size). A file that
// cannot be read, holds an unknown role or no valid key leaves the keys it
// held before in place; the error says why.
type Keyring struct {
	path string

	mu    sync.RWMutex
	keys  map[string]Key // by fingerprint
	mtime time.Time
	size  int64
}

// Load reads the file at path. It fails when the file cannot be read,
// holds an unknown role, or no valid key: a server must not start open to
// nobody by mistake. skipped names the lines that were skipped.
func Load(path string) (*Keyring, []error, error) {
	k := &Keyring{path: path}
	_, skipped, err := k.reload(true)
	if err != nil {
		return nil, skipped, err
	}
	return k, skipped, nil
}

// Path is the file's path.
func (k *Keyring) Path() string { return k.path }

// Len is how many keys are authorized.
func (k *Keyring) Len() int {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return len(k.keys)
}

// Lookup finds the authorized key equal to pub.
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

// Reload reads the file again when its modification time or size changed.
// changed is true when a new set of keys is in use.
func (k *Keyring) Reload() (changed bool, skipped []error, err error) {
	return k.reload(false)
}

func (k *Keyring) reload(force bool) (bool, []error, error) {
	fi, err := os.Stat(k.path)
	if err != nil {
		return false, nil, fmt.Errorf("authorized keys: %w", err)
	}
	k.mu.RLock()
	same := !force && fi.ModTime().Equal(k.mtime) && fi.Size() == k.size
	k.mu.RUnlock()
	if same {
		return false, nil, nil
	}
	keys, skipped, err := ReadFile(k.path)
	if err == nil && len(keys) == 0 {
		err = fmt.Errorf("%s: no valid authorized key", k.path)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	// Whatever the outcome, this version of the file has been read: a bad
	// file is reported once, not at every poll.
	k.mtime, k.size = fi.ModTime(), fi.Size()
	if err != nil {
		return false, skipped, err
	}
	k.keys = make(map[string]Key, len(keys))
	for _, key := range keys {
		k.keys[key.Fingerprint] = key
	}
	return true, skipped, nil
}

// Watch polls the file every interval until ctx ends, logging each reload
// and its problems, and calls changed after a new set of keys is in use.
func (k *Keyring) Watch(ctx context.Context, interval time.Duration, log *slog.Logger, changed func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
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
		if err != nil {
			log.Error("authorized keys not reloaded: the keys read before stay in use", "err", err)
			continue
		}
		if ok {
			log.Info("authorized keys reloaded", "file", k.path, "keys", k.Len())
			if changed != nil {
				changed()
			}
		}
	}
}
