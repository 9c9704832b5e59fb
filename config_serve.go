package vigil

import (
	"net"
	"time"
)

// ServeConfig is the [serve] table: the console served over SSH to a team
// (vigil serve).
type ServeConfig struct {
	// Listen is the SSH address, host:port or :port.
	Listen string `toml:"listen"`
	// AuthorizedKeys is the OpenSSH authorized_keys file of who may connect;
	// each line's comment is the person's name, role="viewer|silencer|admin"
	// their role. Required: with none, vigil serve refuses to start.
	AuthorizedKeys string `toml:"authorized_keys"`
	// HostKey is the server's ed25519 host key, created on first start;
	// empty: $XDG_STATE_HOME/vigil/ssh_host_ed25519_key.
	HostKey string `toml:"host_key"`
	// MaxSessions bounds the sessions of everyone; MaxPerKey those of one key.
	MaxSessions int `toml:"max_sessions"`
	MaxPerKey   int `toml:"max_per_key"`
	// IdleTimeout closes a session that has had no keystroke for so long.
	IdleTimeout Duration `toml:"idle_timeout"`
	// WriteTimeout closes a session whose client has not taken one screen
	// update for so long (a link that stopped reading).
	WriteTimeout Duration `toml:"write_timeout"`
	// MetricsListen is the address of the server's own /metrics; empty: none.
	MetricsListen string `toml:"metrics_listen"`
	// PromptMaxSeriesSteps is the most a PromQL prompt query may cost, in
	// series-steps (query.EstimateCost): one above it is not sent.
	PromptMaxSeriesSteps int64 `toml:"prompt_max_series_steps"`
}

// DefaultPromptMaxSeriesSteps is serve.prompt_max_series_steps's default: a
// graph of 240 points over 4,000 series, or a query of a 10,000-step
// subquery over 100.
const DefaultPromptMaxSeriesSteps = 1_000_000

// defaultServe is [serve]'s built-in defaults, as in config.toml.
func defaultServe() ServeConfig {
	return ServeConfig{Listen: ":2222", MaxSessions: 32, MaxPerKey: 4,
		IdleTimeout: Duration(time.Hour), WriteTimeout: Duration(10 * time.Second),
		PromptMaxSeriesSteps: DefaultPromptMaxSeriesSteps}
}

// ValidateServe checks [serve] for vigil serve; the other commands ignore it.
func (c *Config) ValidateServe() error {
	s := c.Serve
	if _, _, err := net.SplitHostPort(s.Listen); err != nil {
		return c.fail("serve.listen", "%q is not host:port or :port", s.Listen)
	}
	if s.AuthorizedKeys == "" {
		return c.fail("serve.authorized_keys", "not set: name the authorized_keys file of who may connect (--authorized-keys)")
	}
	if s.MaxSessions < 1 {
		return c.fail("serve.max_sessions", "must be at least 1")
	}
	if s.MaxPerKey < 1 {
		return c.fail("serve.max_per_key", "must be at least 1")
	}
	if s.IdleTimeout.D() < time.Second {
		return c.fail("serve.idle_timeout", "%s is below the minimum of 1s", s.IdleTimeout.D())
	}
	if s.WriteTimeout.D() < time.Second {
		return c.fail("serve.write_timeout", "%s is below the minimum of 1s", s.WriteTimeout.D())
	}
	if s.PromptMaxSeriesSteps < 1 {
		return c.fail("serve.prompt_max_series_steps", "must be at least 1")
	}
	if s.MetricsListen != "" {
		if _, _, err := net.SplitHostPort(s.MetricsListen); err != nil {
			return c.fail("serve.metrics_listen", "%q is not host:port or :port", s.MetricsListen)
		}
	}
	return nil
}

// Where names where key's value came from: "file:line:col", a flag, an
// environment variable, or the configuration's source.
func (c *Config) Where(key string) string { return c.where(key) }
