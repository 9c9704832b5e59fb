package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPrecedenceFlagsEnvFileDefaults(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.toml")
	if err := os.WriteFile(file, []byte("[ui]\nwindow = \"10m\"\nrefresh = \"7s\"\ntheme = \"light\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"VIGIL_WINDOW": "2m", "VIGIL_REFRESH": "3s", "VIGIL_ALERTMANAGER": "http://a:9093, http://b:9093"}
	getenv := func(k string) string { return env[k] }
	o := newFlagSet("vigil", io.Discard)
	cfg, err := o.load([]string{"--config", file, "--window", "1m", "--read-only"}, getenv)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"flag beats env and file", cfg.UI.Window.D(), time.Minute},
		{"env beats file", cfg.UI.Refresh.D(), 3 * time.Second},
		{"file beats default", cfg.UI.Theme, "light"},
		{"default", cfg.Metrics.EndpointLabel, ""},
		{"default resolved", cfg.EndpointLabel(), "path"},
		{"env list", strings.Join(cfg.Alertmanager.URLs, " "), "http://a:9093 http://b:9093"},
		{"bool flag", cfg.UI.ReadOnly, true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	// The config file can come from VIGIL_CONFIG too.
	env["VIGIL_CONFIG"] = file
	delete(env, "VIGIL_REFRESH")
	cfg, err = newFlagSet("vigil", io.Discard).load(nil, getenv)
	if err != nil || cfg.UI.Refresh.D() != 7*time.Second || cfg.Source != file {
		t.Fatalf("VIGIL_CONFIG: %v %v %q", cfg.UI.Refresh.D(), err, cfg.Source)
	}
}

// --window and VIGIL_WINDOW take "auto" as well as a duration.
func TestWindowFlagAndEnvTakeAuto(t *testing.T) {
	cfg, err := newFlagSet("vigil", io.Discard).load([]string{"--window", "auto"}, func(string) string { return "" })
	if err != nil || !cfg.UI.Window.Auto {
		t.Fatalf("--window auto: %+v %v", cfg.UI.Window, err)
	}
	env := func(k string) string {
		if k == "VIGIL_WINDOW" {
			return "5m"
		}
		return ""
	}
	cfg, err = newFlagSet("vigil", io.Discard).load(nil, env)
	if err != nil || cfg.UI.Window.Auto || cfg.UI.Window.D() != 5*time.Minute {
		t.Fatalf("VIGIL_WINDOW=5m: %+v %v", cfg.UI.Window, err)
	}
}

func TestRepeatedAlertmanagerFlags(t *testing.T) {
	cfg, err := newFlagSet("vigil", io.Discard).load([]string{"--alertmanager", "http://a:9093", "--alertmanager", "http://b:9093"}, func(string) string { return "" })
	if err != nil || len(cfg.Alertmanager.URLs) != 2 || cfg.Alertmanager.URLs[1] != "http://b:9093" {
		t.Fatalf("%v %v", cfg.Alertmanager.URLs, err)
	}
}

func TestBareNumberDurationFlagOrEnvNeedsUnit(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		env  map[string]string
		file string
		want []string
	}{
		{args: []string{"--refresh", "5"}, want: []string{"flag --refresh", "ui.refresh", "5 needs a unit, e.g. 5s"}},
		{args: []string{"--window", "15"}, want: []string{"flag --window", "ui.window", "15 needs a unit, e.g. 15s"}},
		{env: map[string]string{"VIGIL_REFRESH": "5"}, want: []string{"env VIGIL_REFRESH", "ui.refresh", "5 needs a unit"}},
		{env: map[string]string{"VIGIL_WINDOW": "0"}, want: []string{"env VIGIL_WINDOW", "ui.window", "0 needs a unit"}},
		{file: "[prometheus]\ntimeout = 5\n", want: []string{"c.toml:2:", "prometheus.timeout", "5 needs a unit, e.g. 5s"}},
		{file: "[silence]\nack_duration = 15\n", want: []string{"c.toml:2:", "silence.ack_duration", "15 needs a unit, e.g. 15s"}},
	}
	for _, c := range cases {
		args := c.args
		if c.file != "" {
			path := filepath.Join(dir, "c.toml")
			if err := os.WriteFile(path, []byte(c.file), 0o600); err != nil {
				t.Fatal(err)
			}
			args = append([]string{"--config", path}, args...)
		}
		_, err := newFlagSet("vigil", io.Discard).load(args, func(k string) string { return c.env[k] })
		if err == nil {
			t.Errorf("%v %v %q accepted", c.args, c.env, c.file)
			continue
		}
		if !errors.Is(err, errUsage) {
			t.Errorf("%v: not a usage error (exit 2): %v", c.args, err)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v %v %q: %q lacks %q", c.args, c.env, c.file, err, w)
			}
		}
	}
}
