package main

import (
	"bytes"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"
)

// serveRun runs "vigil serve args" with its state in state and returns
// the exit code and stderr.
func serveRun(t *testing.T, state string, args ...string) (int, string) {
	t.Helper()
	cfgHome := t.TempDir()
	env := map[string]string{"XDG_STATE_HOME": state, "XDG_CONFIG_HOME": cfgHome}
	t.Setenv("XDG_STATE_HOME", state)
	t.Setenv("XDG_CONFIG_HOME", cfgHome)
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"serve", "--prometheus", "http://127.0.0.1:1", "--listen", "127.0.0.1:0"}, args...), &stdout, &stderr,
		func(k string) string { return env[k] })
	return code, stderr.String()
}

func testKeyLine(t *testing.T) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(sp)))
}

// vigil serve refuses to start, with exit code 2 and the reason, without
// a keys file, with a keys file holding an unknown role or no valid key,
// and with a host key others can read.
func TestServeRefusesToStart(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	badRole := write("bad-role", testKeyLine(t)+" ann\nrole=\"amdin\" "+testKeyLine(t)+" bob\n", 0o600)
	none := write("none", "# nobody\nssh-ed25519 garbage x\n", 0o600)
	good := write("good", testKeyLine(t)+" ann\n", 0o600)
	loose := filepath.Join(dir, "state", "vigil", "ssh_host_ed25519_key")
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"no keys file", nil, []string{"serve.authorized_keys: not set"}},
		{"unknown role", []string{"--authorized-keys", badRole}, []string{"flag --authorized-keys: serve.authorized_keys: " + badRole + `:2: unknown role "amdin"`}},
		{"no valid key", []string{"--authorized-keys", none}, []string{none + ":2: not an authorized key line", "no valid authorized key"}},
		{"loose host key", []string{"--authorized-keys", good, "--host-key", loose}, []string{"serve.host_key: " + loose + ": mode -rw-r--r--: a host key must be readable by its owner only"}},
	}
	if err := os.MkdirAll(filepath.Dir(loose), 0o700); err != nil {
		t.Fatal(err)
	}
	// A host key file readable by all.
	write(filepath.Join("state", "vigil", "ssh_host_ed25519_key"), "x", 0o644)
	if err := os.Chmod(loose, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		code, stderr := serveRun(t, filepath.Join(dir, "state"), c.args...)
		if code != 2 {
			t.Errorf("%s: exit %d, want 2; stderr:\n%s", c.name, code, stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s: stderr does not say %q:\n%s", c.name, w, stderr)
			}
		}
	}
}

// The host key is made once, mode 0600, and read back the same after.
func TestHostKeyCreatedOnceAndKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigil", "ssh_host_ed25519_key")
	pem1, fp1, err := hostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key mode: %v %v", fi, err)
	}
	if di, err := os.Stat(filepath.Dir(path)); err != nil || di.Mode().Perm() != 0o700 {
		t.Errorf("its directory: %v %v", di, err)
	}
	pem2, fp2, err := hostKey(path)
	if err != nil || fp1 != fp2 || !bytes.Equal(pem1, pem2) || !strings.HasPrefix(fp1, "SHA256:") {
		t.Errorf("second read: %s vs %s, %v", fp1, fp2, err)
	}
}
