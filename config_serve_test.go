package vigil

import (
	"strings"
	"testing"
)

func TestValidateServeNamesTheKey(t *testing.T) {
	cases := []struct {
		toml, want string
	}{
		{`[serve]` + "\n" + `authorized_keys = ""`, `serve.authorized_keys: not set`},
		{`[serve]` + "\n" + `authorized_keys = "k"` + "\n" + `listen = "2222"`, `serve.listen: "2222" is not host:port or :port`},
		{`[serve]` + "\n" + `authorized_keys = "k"` + "\n" + `max_sessions = 0`, `serve.max_sessions: must be at least 1`},
		{`[serve]` + "\n" + `authorized_keys = "k"` + "\n" + `max_per_key = 0`, `serve.max_per_key: must be at least 1`},
		{`[serve]` + "\n" + `authorized_keys = "k"` + "\n" + `idle_timeout = "10ms"`, `serve.idle_timeout: 10ms is below the minimum of 1s`},
		{`[serve]` + "\n" + `authorized_keys = "k"` + "\n" + `write_timeout = "0s"`, `serve.write_timeout: 0s is below the minimum of 1s`},
		{`[serve]` + "\n" + `authorized_keys = "k"` + "\n" + `metrics_listen = "nope"`, `serve.metrics_listen: "nope" is not host:port or :port`},
		{`[serve]` + "\n" + `authorized_keys = "k"` + "\n" + `prompt_max_series_steps = 0`, `serve.prompt_max_series_steps: must be at least 1`},
	}
	for _, c := range cases {
		cfg, err := Parse([]byte(c.toml), "vigil.toml")
		if err != nil {
			t.Fatalf("%s: %v", c.toml, err)
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("Validate (which ignores [serve]): %v", err)
		}
		err = cfg.ValidateServe()
		if err == nil || !strings.HasPrefix(err.Error(), "vigil.toml:") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v; want vigil.toml:…: %s", c.toml, err, c.want)
		}
	}
	ok, err := Parse([]byte("[serve]\nauthorized_keys = \"/etc/vigil/keys\"\n"), "vigil.toml")
	if err != nil {
		t.Fatal(err)
	}
	if err := ok.ValidateServe(); err != nil {
		t.Errorf("the defaults with a keys file: %v", err)
	}
}
