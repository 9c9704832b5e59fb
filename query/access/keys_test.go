package access

import (
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/vigilterm/vigil/query"
)

// newKey returns a fresh public key and its authorized_keys text.
func newKey(t *testing.T) (ssh.PublicKey, string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return sp, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp)))
}

func TestParseRolesNamesAndBadLines(t *testing.T) {
	a, aText := newKey(t)
	b, bText := newKey(t)
	c, cText := newKey(t)
	_, dText := newKey(t)
	_, eText := newKey(t)
	file := strings.Join([]string{
		"# the incident team",
		"",
		aText + " Ann Example",                 // 3: viewer by default
		`role="silencer" ` + bText + " bob",    // 4
		`role="admin" ` + cText + " carol",     // 5
		"ssh-ed25519 AAAAnotbase64 dave",       // 6: not a key
		dText,                                  // 7: no name
		`from="10.0.0.0/8" ` + eText + " eve",  // 8: unsupported option
		`role="admin" ` + bText + " bob again", // 9: repeated key
	}, "\n")
	keys, skipped, err := Parse("/etc/vigil/keys", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		pub  ssh.PublicKey
		name string
		role query.Role
		src  string
	}{{a, "Ann Example", query.RoleViewer, "/etc/vigil/keys:3"}, {b, "bob", query.RoleSilencer, "/etc/vigil/keys:4"}, {c, "carol", query.RoleAdmin, "/etc/vigil/keys:5"}}
	if len(keys) != len(want) {
		t.Fatalf("%d keys, want %d: %+v", len(keys), len(want), keys)
	}
	for i, w := range want {
		k := keys[i]
		if k.Name != w.name || k.Role != w.role || k.Source != w.src || k.Fingerprint != ssh.FingerprintSHA256(w.pub) {
			t.Errorf("key %d: %+v, want %s %s %s", i, k, w.name, w.role, w.src)
		}
	}
	wantSkipped := []string{
		"/etc/vigil/keys:6: not an authorized key line",
		"/etc/vigil/keys:7: no name",
		`/etc/vigil/keys:8: option "from=\"10.0.0.0/8\"" is not supported`,
		"/etc/vigil/keys:9: key " + ssh.FingerprintSHA256(b) + " is already authorized at /etc/vigil/keys:4",
	}
	if len(skipped) != len(wantSkipped) {
		t.Fatalf("skipped %v, want %d", skipped, len(wantSkipped))
	}
	for i, w := range wantSkipped {
		if !strings.HasPrefix(skipped[i].Error(), w) {
			t.Errorf("skipped %d: %q, want it to start with %q", i, skipped[i], w)
		}
	}
}

func TestParseUnknownRoleRefusesTheFile(t *testing.T) {
	_, aText := newKey(t)
	_, bText := newKey(t)
	for _, role := range []string{"amdin", ""} {
		file := aText + " ann\n" + `role="` + role + `" ` + bText + " bob\n"
		keys, _, err := Parse("keys", []byte(file))
		var re *RoleError
		if !errors.As(err, &re) || !strings.HasPrefix(err.Error(), "keys:2: unknown role") || keys != nil {
			t.Errorf("role %q: keys %v, err %v; want a role error naming keys:2", role, keys, err)
		}
	}
}

func TestKeyringLoadRefusesAFileWithNoKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(path, []byte("# nobody yet\nnot a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, skipped, err := Load(path); err == nil || !strings.Contains(err.Error(), "no valid authorized key") || len(skipped) != 1 {
		t.Errorf("Load: %v (skipped %v)", err, skipped)
	}
	if _, _, err := Load(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("Load of a missing file did not fail")
	}
}

// A change of the file is picked up by Reload; a bad version of the file
// (an unknown role) keeps the keys read before.
func TestKeyringReload(t *testing.T) {
	a, aText := newKey(t)
	b, bText := newKey(t)
	path := filepath.Join(t.TempDir(), "keys")
	write := func(s string, at time.Time) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, at, at); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Now().Add(-time.Hour)
	write(aText+" ann\n", t0)
	k, _, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := k.Lookup(a); !ok {
		t.Fatal("ann not authorized")
	}
	if _, ok := k.Lookup(b); ok {
		t.Fatal("bob authorized before being added")
	}
	if changed, _, err := k.Reload(); changed || err != nil {
		t.Fatalf("Reload of an unchanged file: %v %v", changed, err)
	}

	write(`role="silencer" `+bText+" bob\n", t0.Add(time.Minute))
	if changed, _, err := k.Reload(); !changed || err != nil {
		t.Fatalf("Reload after a change: %v %v", changed, err)
	}
	if _, ok := k.Lookup(a); ok {
		t.Error("ann still authorized after her line was removed")
	}
	if key, ok := k.Lookup(b); !ok || key.Role != query.RoleSilencer || key.Name != "bob" {
		t.Errorf("bob: %+v %v", key, ok)
	}

	write(`role="root" `+aText+" ann\n", t0.Add(2*time.Minute))
	if changed, _, err := k.Reload(); changed || err == nil || !strings.Contains(err.Error(), path+":1: unknown role") {
		t.Fatalf("Reload of a bad file: %v %v", changed, err)
	}
	if _, ok := k.Lookup(b); !ok {
		t.Error("a bad file dropped the keys read before")
	}
}
