package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --context and VIGIL_CONTEXT choose the context; an unknown name is a
// usage error (exit 2) that lists the known ones.
func TestContextFlagAndEnv(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.toml")
	doc := "context = \"prod-eu\"\n[[contexts]]\nname = \"prod-us\"\nprotected = true\nprometheus = { url = \"http://us:9090\" }\n"
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	cfg, err := newFlagSet("vigil", io.Discard).load([]string{"--config", file, "--context", "prod-us"}, getenv)
	if err != nil || cfg.Current != "prod-us" {
		t.Fatalf("--context prod-us: %q %v", cfg.Current, err)
	}
	env["VIGIL_CONTEXT"] = "prod-eu"
	cfg, err = newFlagSet("vigil", io.Discard).load([]string{"--config", file}, getenv)
	if err != nil || cfg.Current != "prod-eu" {
		t.Fatalf("VIGIL_CONTEXT=prod-eu: %q %v", cfg.Current, err)
	}
	cfg, err = newFlagSet("vigil", io.Discard).load([]string{"--config", file, "--context", "prod-us"}, getenv)
	if err != nil || cfg.Current != "prod-us" {
		t.Fatalf("the flag beats the variable: %q %v", cfg.Current, err)
	}
	delete(env, "VIGIL_CONTEXT")

	// The commands that show one context read the one named.
	var out bytes.Buffer
	run([]string{"doctor", "--config", file, "--context", "prod-us"}, &out, io.Discard, getenv)
	if !strings.Contains(out.String(), "http://us:9090") {
		t.Errorf("doctor --context prod-us does not read prod-us's Prometheus:\n%s", out.String())
	}

	for _, c := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"--config", file, "--context", "prod"}, "", `vigil: flag --context: unknown context "prod": the known contexts are prod-eu, prod-us`},
		{[]string{"--config", file}, "staging", `vigil: env VIGIL_CONTEXT: unknown context "staging": the known contexts are prod-eu, prod-us`},
		{[]string{"--config", file, "--context", "all", "--prometheus", "http://127.0.0.1:1"}, "", "only vigil snapshot shows every context"},
	} {
		env["VIGIL_CONTEXT"] = c.env
		var stderr bytes.Buffer
		code := run(c.args, io.Discard, &stderr, getenv)
		if code != 2 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", c.args, code, stderr.String(), c.want)
		}
	}
}
