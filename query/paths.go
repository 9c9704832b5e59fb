package query

import (
	"os"
	"path/filepath"
)

// StatePath is where vigil keeps a file of state (the audit log, the PromQL
// history): $XDG_STATE_HOME/vigil/name, else ~/.local/state/vigil/name; ""
// when there is no home directory either.
func StatePath(name string) string { return xdgPath("XDG_STATE_HOME", ".local/state", name) }

// ConfigPath is $XDG_CONFIG_HOME/vigil/name, else ~/.config/vigil/name; ""
// when there is no home directory either.
func ConfigPath(name string) string { return xdgPath("XDG_CONFIG_HOME", ".config", name) }

// xdgPath is $env/vigil/name, else ~/fallback/vigil/name.
func xdgPath(env, fallback, name string) string {
	dir := os.Getenv(env)
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, filepath.FromSlash(fallback))
	}
	return filepath.Join(dir, "vigil", name)
}
