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

// A change of the file is picked up by Reload, by its content: an edit
// of the same size that keeps the modification time is seen.
func TestKeyringReloadByContent(t *testing.T) {
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
	// Same length (both keys are ed25519, both names 3 letters), same time.
	write(bText+" bob\n", t0)
	if changed, _, err := k.Reload(); !changed || err != nil {
		t.Fatalf("Reload after a same-size edit keeping the time: %v %v", changed, err)
	}
	if _, ok := k.Lookup(a); ok {
		t.Error("ann still authorized after her line was replaced")
	}
	if key, ok := k.Lookup(b); !ok || key.Name != "bob" {
		t.Errorf("bob: %+v %v", key, ok)
	}
}

// Every way the file can go wrong authorizes no key until it is fixed,
// with a message naming the file (and its mode where that is the
// problem); fixing it authorizes the keys again.
func TestKeyringFailsClosed(t *testing.T) {
	a, aText := newKey(t)
	_, bText := newKey(t)
	good := aText + " ann\n" + `role="silencer" ` + bText + " bob\n"
	cases := []struct {
		name   string
		break_ func(t *testing.T, dir, path string)
		want   string
	}{
		{"empty", func(t *testing.T, _, path string) { writeKeys(t, path, "", 0o600) }, "the file is empty"},
		{"only comments", func(t *testing.T, _, path string) { writeKeys(t, path, "# nobody\n", 0o600) }, "no valid authorized key"},
		{"deleted", func(t *testing.T, _, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}, "no such file or directory"},
		{"unreadable", func(t *testing.T, _, path string) {
			// As root a mode 000 file is still read: a folder in its
			// place cannot be read by anyone.
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}, "not a regular file"},
		{"world-writable", func(t *testing.T, _, path string) { chmod(t, path, 0o606) }, "is mode 0606: group or others may write it"},
		{"group-writable", func(t *testing.T, _, path string) { chmod(t, path, 0o620) }, "is mode 0620"},
		{"folder world-writable", func(t *testing.T, dir, _ string) { chmod(t, dir, 0o777) }, "folder "},
		{"invalid role", func(t *testing.T, _, path string) {
			writeKeys(t, path, aText+" ann\n"+`role="amdin" `+bText+" bob\n", 0o600)
		}, `:2: unknown role "amdin"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "keys.d")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "authorized_keys")
			writeKeys(t, path, good, 0o600)
			k, _, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			c.break_(t, dir, path)
			changed, _, err := k.Reload()
			if !changed || err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), dir) {
				t.Fatalf("Reload: changed %v, err %v; want a refusal naming %s and %q", changed, err, dir, c.want)
			}
			if _, ok := k.Lookup(a); ok || k.Len() != 0 {
				t.Errorf("a key is still authorized after the file was refused (%d keys)", k.Len())
			}
			if p := k.Problem(); p == nil || p.Error() != err.Error() {
				t.Errorf("Problem() = %v, want %v", p, err)
			}
			if changed, _, err := k.Reload(); changed || err == nil {
				t.Errorf("a second Reload of the same refused file: changed %v, err %v", changed, err)
			}
			if _, _, err := Load(path); err == nil {
				t.Error("Load accepted the refused file")
			}
			// Fixed: the keys are back.
			chmod(t, dir, 0o700)
			if fi, err := os.Stat(path); err == nil && fi.IsDir() {
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
			}
			writeKeys(t, path, good, 0o600)
			if changed, _, err := k.Reload(); !changed || err != nil {
				t.Fatalf("Reload of the fixed file: %v %v", changed, err)
			}
			if _, ok := k.Lookup(a); !ok || k.Problem() != nil {
				t.Errorf("the fixed file does not authorize ann (problem %v)", k.Problem())
			}
		})
	}
}

func writeKeys(t *testing.T, path, s string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), mode); err != nil {
		t.Fatal(err)
	}
	chmod(t, path, mode)
}

func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}
