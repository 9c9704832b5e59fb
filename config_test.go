package vigil

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// The documented config.toml must say exactly what the built-in defaults are.
func TestEmbeddedConfigEqualsDefaults(t *testing.T) {
	got, err := Parse(DefaultTOML, "config.toml")
	if err != nil {
		t.Fatalf("the shipped config.toml does not load: %v", err)
	}
	want := Defaults()
	got.Source, want.Source = "", ""
	got.origins, want.origins = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("config.toml differs from Defaults():\nfile:     %+v\ndefaults: %+v", got, want)
	}
	if err := got.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
}

// Every key of the shipped file carries a comment right above it, so the
// file documents itself.
func TestEmbeddedConfigCommentsEveryKey(t *testing.T) {
	lines := strings.Split(string(DefaultTOML), "\n")
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "[") {
			continue
		}
		if i == 0 || !strings.HasPrefix(strings.TrimSpace(lines[i-1]), "#") {
			t.Errorf("config.toml:%d: %q has no comment above it", i+1, l)
		}
	}
}

// Every field of Config is present in the shipped file (nothing undocumented).
func TestEmbeddedConfigCoversEveryField(t *testing.T) {
	keys := keyPositions(DefaultTOML, "config.toml")
	var walk func(prefix string, typ reflect.Type)
	walk = func(prefix string, typ reflect.Type) {
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			tag := f.Tag.Get("toml")
			if tag == "" || tag == "-" {
				continue
			}
			k := prefix + tag
			if f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct {
				// An array of tables is empty by default: its keys are
				// documented in a commented-out example (config_panels_test.go).
				checkCommentedArrayTable(t, k, f.Type.Elem())
				continue
			}
			if f.Type.Kind() == reflect.Struct {
				walk(k+".", f.Type)
				continue
			}
			if _, ok := keys[k]; !ok {
				t.Errorf("config.toml does not document %s", k)
			}
		}
	}
	walk("", reflect.TypeOf(Config{}))
}

func TestParseErrorsNameFileLineColumnAndKey(t *testing.T) {
	cases := []validateCase{
		{"unknown top key", "contxt = \"x\"\n", []string{"f.toml:1:1", "contxt", "unknown key"}},
		{"unknown nested key", "[ui]\nrefresh = \"5s\"\nrefersh = \"2s\"\n", []string{"f.toml:3:1", "ui.refersh", "unknown key"}},
		{"wrong type", "[ui]\nread_only = \"yes\"\n", []string{"f.toml:2:", "read_only"}},
		{"bad duration", "[ui]\n\nwindow = \"5 minutes\"\n", []string{"f.toml:3:", "window", "invalid duration"}},
		{"negative duration", "[prometheus]\ntimeout = \"-5s\"\n", []string{"f.toml:2:", "timeout"}},
		{"syntax", "[ui\nrefresh = 1\n", []string{"f.toml:1:"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.doc), "f.toml")
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("message is not one line: %q", msg)
			}
			wantInMessage(t, msg, c.want)
		})
	}
}

func TestValidateNamesFileLineAndKey(t *testing.T) {
	cases := []validateCase{
		{"refresh below minimum", "[ui]\nrefresh = \"500ms\"\n", []string{"f.toml:2:1", "ui.refresh", "below the minimum of 1s"}},
		{"bad url scheme", "[prometheus]\nurl = \"ftp://x\"\n", []string{"f.toml:2:1", "prometheus.url", "scheme"}},
		{"url without host", "[prometheus]\nurl = \"http://\"\n", []string{"prometheus.url", "no host"}},
		{"bad alertmanager url", "[alertmanager]\nurls = [\"http://ok:9093\", \"nope\"]\n", []string{"f.toml:2:1", "alertmanager.urls", "entry 2"}},
		{"unknown theme", "[ui]\ntheme = \"neon\"\n", []string{"ui.theme", "dark, light, high-contrast, mono"}},
		{"bad label", "[metrics]\nendpoint_label = \"a-b\"\n", []string{"metrics.endpoint_label"}},
		{"bad metric", "[metrics]\nduration_metric = \"9x\"\n", []string{"metrics.duration_metric"}},
		{"utf-8 metric", "[metrics]\nduration_metric = \"http.server.duration\"\n", []string{"f.toml:2:1", "metrics.duration_metric", "not Prometheus 3's quoted UTF-8 names"}},
		{"utf-8 label", "[metrics]\nendpoint_label = \"http.route\"\n", []string{"metrics.endpoint_label", "not Prometheus 3's quoted UTF-8 names"}},
		{"bad regex", "[metrics]\nerror_status = \"5[\"\n", []string{"metrics.error_status"}},
		{"braces", "[metrics]\nselector = '{job=\"x\"}'\n", []string{"metrics.selector", "without braces"}},
		{"ratio", "[thresholds]\nerror_ratio_warn = 5\n", []string{"thresholds.error_ratio_warn", "0.01 = 1%"}},
		{"crit below warn", "[thresholds]\np99_warn = \"3s\"\n", []string{"thresholds.p99_crit", "below p99_warn"}},
		{"zero silence", "[silence]\nduration = \"0s\"\n", []string{"silence.duration"}},
		{"ack max below ack", "[silence]\nack_max = \"5m\"\n", []string{"f.toml:2:1", "silence.ack_max", "below ack_duration 15m"}},
		{"ack lapses between refreshes", "[ui]\nrefresh = \"10s\"\n[silence]\nack_duration = \"15s\"\n", []string{"f.toml:4:1", "silence.ack_duration", "twice ui.refresh"}},
		{"watchdog without alertmanager", "[alertmanager]\nwatchdog = \"Watchdog\"\n", []string{"f.toml:2:1", "alertmanager.watchdog", "set alertmanager.urls"}},
		{"watchdog with spaces", "[alertmanager]\nurls = [\"http://am:9093\"]\nwatchdog = \" Watchdog\"\n", []string{"f.toml:3:1", "alertmanager.watchdog", "spaces"}},
	}
	checkValidateFails(t, cases, nil)
}

// validateCase is a configuration document and the substrings of the one
// error message it must get (from Parse, or from Validate once parsed).
type validateCase struct {
	name string
	doc  string
	want []string
}

// wantInMessage checks that msg contains each of want.
func wantInMessage(t *testing.T, msg string, want []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q lacks %q", msg, w)
		}
	}
}

// checkValidateFails runs each case as a subtest; also, when not nil, is
// one more check of each message.
func checkValidateFails(t *testing.T, cases []validateCase, also func(t *testing.T, msg string)) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse([]byte(c.doc), "f.toml")
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			err = cfg.Validate()
			if err == nil {
				t.Fatal("validated")
			}
			if also != nil {
				also(t, err.Error())
			}
			wantInMessage(t, err.Error(), c.want)
		})
	}
}

func TestOriginOfFlagOrEnvWins(t *testing.T) {
	cfg := Defaults()
	cfg.UI.Refresh = Duration(100 * time.Millisecond)
	cfg.SetOrigin("ui.refresh", "flag --refresh")
	err := cfg.Validate()
	if err == nil || !strings.HasPrefix(err.Error(), "flag --refresh: ui.refresh:") {
		t.Fatalf("got %v", err)
	}
}

func TestLoadMissingFileNamesIt(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.toml"))
	if err == nil || !strings.Contains(err.Error(), "nope.toml") || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("got %v", err)
	}
}

func TestLoadUsesXDGConfigHome(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	if err := os.MkdirAll(filepath.Join(dir, "vigil"), 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "vigil", "config.toml")
	if err := os.WriteFile(p, []byte("context = \"prod-eu\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Context != "prod-eu" || cfg.Source != p {
		t.Fatalf("context %q from %q", cfg.Context, cfg.Source)
	}
	// Keys not in the file keep their defaults.
	if cfg.UI.Refresh.D() != 5*time.Second {
		t.Fatalf("refresh %v", cfg.UI.Refresh.D())
	}
}

func TestLoadWithoutFileUsesEmbeddedDefaults(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	cfg, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Source != "defaults" || cfg.Metrics.EndpointLabel != "" || cfg.EndpointLabel() != "path" {
		t.Fatalf("%+v", cfg)
	}
}

func TestParseDuration(t *testing.T) {
	good := map[string]time.Duration{"90m": 90 * time.Minute, "2h30m": 150 * time.Minute, "1d": 24 * time.Hour, "1.5h": 90 * time.Minute, "500ms": 500 * time.Millisecond}
	for in, want := range good {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "abc", "-1h", "5 minutes", "1y2"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestBareNumberDurationNeedsUnit(t *testing.T) {
	found := map[string]bool{}
	durationKeys(reflect.TypeOf(Config{}), "", found)
	keys := slices.Sorted(maps.Keys(found))
	if len(keys) < 7 {
		t.Fatalf("found only duration keys %v", keys)
	}
	for _, key := range keys {
		for _, num := range []string{"5", "15", "0", "2.5"} {
			table, leaf := key[:strings.LastIndex(key, ".")], key[strings.LastIndex(key, ".")+1:]
			doc := fmt.Sprintf("[%s]\n%s = %s\n", table, leaf, num)
			_, err := Parse([]byte(doc), "f.toml")
			if err == nil {
				t.Errorf("%s = %s accepted", key, num)
				continue
			}
			msg := err.Error()
			for _, want := range []string{"f.toml:2:", key, num + " needs a unit, e.g. " + num + "s"} {
				if !strings.Contains(msg, want) {
					t.Errorf("%s = %s: message %q lacks %q", key, num, msg, want)
				}
			}
			// Quoted, the same bare number is refused the same way.
			doc = fmt.Sprintf("[%s]\n%s = \"%s\"\n", table, leaf, num)
			if _, err := Parse([]byte(doc), "f.toml"); err == nil || !strings.Contains(err.Error(), num+" needs a unit") {
				t.Errorf("%s = \"%s\": %v", key, num, err)
			}
		}
	}
	if _, err := ParseDuration("5"); err == nil || err.Error() != "5 needs a unit, e.g. 5s" {
		t.Errorf("ParseDuration(5): %v", err)
	}
}

// prometheus.partial_response and prometheus.dedup take "true", "false" or
// "" only, and a bad value names its key.
func TestThanosSettingsChecked(t *testing.T) {
	c := Defaults()
	c.Prometheus.Dedup = "yes"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "prometheus.dedup") || !strings.Contains(err.Error(), `"yes"`) {
		t.Errorf("dedup = yes: %v", err)
	}
	c = Defaults()
	c.Prometheus.PartialResponse = "false"
	c.Prometheus.Dedup = "true"
	if err := c.Validate(); err != nil {
		t.Errorf("valid settings refused: %v", err)
	}
}

// prometheus.recording_rules takes "auto" or "off", and
// prometheus.max_concurrent_queries 0 to 64; a bad value names the file,
// its line and the key.
func TestRecordingRulesAndConcurrencyChecked(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"[prometheus]\nrecording_rules = \"never\"\n", `vigil.toml:2:1: prometheus.recording_rules: "never": write "auto"`},
		{"[prometheus]\nmax_concurrent_queries = -1\n", `vigil.toml:2:1: prometheus.max_concurrent_queries: -1: write 0`},
		{"[prometheus]\nmax_concurrent_queries = 65\n", `prometheus.max_concurrent_queries: 65`},
	} {
		cfg, err := Parse([]byte(c.text), "vigil.toml")
		if err == nil {
			err = cfg.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.text, err, c.want)
		}
	}
	cfg, err := Parse([]byte("[prometheus]\nrecording_rules = \"off\"\nmax_concurrent_queries = 2\n"), "vigil.toml")
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil || cfg.Prometheus.RecordingRules != "off" || cfg.Prometheus.MaxConcurrentQueries != 2 {
		t.Errorf("valid settings: %+v %v", cfg.Prometheus, err)
	}
	if d := Defaults(); d.Prometheus.RecordingRules != "auto" || d.Prometheus.MaxConcurrentQueries != 0 {
		t.Errorf("defaults %+v", d.Prometheus)
	}
}
