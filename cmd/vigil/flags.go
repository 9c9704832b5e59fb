package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/vigilterm/vigil"
)

// stringList is a repeatable flag.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// setting is one value that a flag, an environment variable and the config
// file can all set. Precedence: flag, then VIGIL_* variable, then file,
// then the built-in default.
type setting struct {
	flag  string // flag name, without dashes
	env   string // environment variable
	key   string // config key it sets, for error messages
	usage string
	apply func(c *vigil.Config, v string) error
}

func durationSetting(flagName, env, key, usage string, set func(c *vigil.Config, d vigil.Duration)) setting {
	return setting{flag: flagName, env: env, key: key, usage: usage, apply: func(c *vigil.Config, v string) error {
		d, err := vigil.ParseDuration(v)
		if err != nil {
			return err
		}
		set(c, vigil.Duration(d))
		return nil
	}}
}

var settings = []setting{
	{flag: "prometheus", env: "VIGIL_PROMETHEUS", key: "prometheus.url", usage: "Prometheus base `URL`",
		apply: func(c *vigil.Config, v string) error { c.Prometheus.URL = v; return nil }},
	{flag: "alertmanager", env: "VIGIL_ALERTMANAGER", key: "alertmanager.urls", usage: "Alertmanager `URL` (repeat for each peer of a cluster; the variable takes a comma-separated list)",
		apply: func(c *vigil.Config, v string) error {
			c.Alertmanager.URLs = nil
			for _, u := range strings.Split(v, ",") {
				if u = strings.TrimSpace(u); u != "" {
					c.Alertmanager.URLs = append(c.Alertmanager.URLs, u)
				}
			}
			return nil
		}},
	{flag: "watchdog", env: "VIGIL_WATCHDOG", key: "alertmanager.watchdog", usage: "`alertname` of the always-firing alert (dead man's switch); the header says the pipeline is broken when Alertmanager does not hold it",
		apply: func(c *vigil.Config, v string) error { c.Alertmanager.Watchdog = v; return nil }},
	durationSetting("refresh", "VIGIL_REFRESH", "ui.refresh", "refresh `interval` (at least 1s)",
		func(c *vigil.Config, d vigil.Duration) { c.UI.Refresh = d }),
	{flag: "window", env: "VIGIL_WINDOW", key: "ui.window", usage: "rate `window` of every figure: auto (4 scrape intervals) or a duration such as 5m",
		apply: func(c *vigil.Config, v string) error {
			w, err := vigil.ParseWindow(v)
			if err != nil {
				return err
			}
			c.UI.Window = w
			return nil
		}},
	{flag: "selector", env: "VIGIL_SELECTOR", key: "metrics.selector", usage: "label `selector` of your services, without braces, e.g. job=\"flask\"",
		apply: func(c *vigil.Config, v string) error { c.Metrics.Selector = v; return nil }},
	{flag: "endpoint-label", env: "VIGIL_ENDPOINT_LABEL", key: "metrics.endpoint_label", usage: "`label` that names an endpoint: path, url_rule, endpoint or a group_by function's name; unset: detected from the series (path when that fails)",
		apply: func(c *vigil.Config, v string) error { c.Metrics.EndpointLabel = v; return nil }},
	{flag: "group-paths", env: "VIGIL_GROUP_PATHS", key: "metrics.group_paths", usage: "`mode` of grouping paths that are one route into one row: auto, config ([[metrics.path_group]] only) or off",
		apply: func(c *vigil.Config, v string) error { c.Metrics.GroupPaths = v; return nil }},
	{flag: "theme", env: "VIGIL_THEME", key: "ui.theme", usage: "colour `theme`: dark, light, high-contrast or mono",
		apply: func(c *vigil.Config, v string) error { c.UI.Theme = v; return nil }},
	{flag: "read-only", env: "VIGIL_READ_ONLY", key: "ui.read_only", usage: "disable every key that writes to Alertmanager",
		apply: func(c *vigil.Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%q is not true or false", v)
			}
			c.UI.ReadOnly = b
			return nil
		}},
	{flag: "log-file", env: "VIGIL_LOG_FILE", key: "log_file", usage: "write a log to `file` (never to the terminal)",
		apply: func(c *vigil.Config, v string) error { c.LogFile = v; return nil }},
	// Connection settings (transport.go): a Prometheus/amtool HTTP client
	// file that replaces [prometheus.http] and [alertmanager.http].
	{flag: "http-config", env: "VIGIL_HTTP_CONFIG", key: vigil.HTTPConfigKey, usage: "HTTP client config `file` in the YAML of Prometheus and amtool --http.config.file (auth, TLS, proxy, headers) for Prometheus and Alertmanager; replaces [prometheus.http] and [alertmanager.http]",
		apply: func(c *vigil.Config, v string) error {
			c.Prometheus.HTTPFile, c.Alertmanager.HTTPFile = v, v
			return nil
		}},
}

// options is what the shared flags parse into.
type options struct {
	fs         *flag.FlagSet
	configPath *string
	values     map[string]*string
	amURLs     stringList
	readOnly   *bool
	context    *string
	// allowAll accepts --context all (every context).
	allowAll bool
	// dashboards and vars are --dashboard FILE and --var name=value.
	dashboards, vars stringList
}

// newFlagSet declares the flags shared by the console, snapshot and demo.
func newFlagSet(name string, stderr io.Writer) *options {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{fs: fs, values: map[string]*string{}}
	o.configPath = fs.String("config", "", "config `file` (default $XDG_CONFIG_HOME/vigil/config.toml, else the built-in defaults); env VIGIL_CONFIG")
	o.context = fs.String("context", "", "`name` of the context shown first (the top-level config or a [[contexts]]); env VIGIL_CONTEXT")
	fs.Var(&o.dashboards, "dashboard", "Grafana dashboard JSON `file` to show over the Panels screen (repeatable); see docs/dashboards.md")
	fs.Var(&o.vars, "var", "`name=value` of a dashboard variable (repeatable; several values of one name for a multi-value variable, All for all)")
	for _, s := range settings {
		usage := s.usage + "; env " + s.env
		switch s.flag {
		case "alertmanager":
			fs.Var(&o.amURLs, s.flag, usage)
		case "read-only":
			o.readOnly = fs.Bool(s.flag, false, usage)
		default:
			o.values[s.flag] = fs.String(s.flag, "", usage)
		}
	}
	return o
}

// errUsage marks bad flags or configuration: exit code 2.
var errUsage = errors.New("usage")

var (
	errHelp         = errors.New("help shown")
	errFlagReported = errors.New("flag error already reported")
)

// usageError is a configuration or flag problem (exit code 2).
type usageError struct{ err error }

func (e usageError) Error() string   { return e.err.Error() }
func (e usageError) Unwrap() []error { return []error{errUsage, e.err} }

// load parses args and builds the validated configuration:
// defaults → file → VIGIL_* environment → flags → Validate.
func (o *options) load(args []string, getenv func(string) string) (vigil.Config, error) {
	if err := parseFlags(o.fs, args); err != nil {
		return vigil.Config{}, err
	}
	if o.fs.NArg() > 0 {
		return vigil.Config{}, usageError{fmt.Errorf("unexpected argument %q", o.fs.Arg(0))}
	}
	set := map[string]bool{}
	o.fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	path := *o.configPath
	if !set["config"] {
		path = getenv("VIGIL_CONFIG")
	}
	cfg, err := vigil.Load(path)
	if err != nil {
		return vigil.Config{}, usageError{err}
	}
	for _, s := range settings {
		var v, where string
		switch {
		case set[s.flag]:
			where = "flag --" + s.flag
			switch s.flag {
			case "alertmanager":
				v = o.amURLs.String()
			case "read-only":
				v = strconv.FormatBool(*o.readOnly)
			default:
				v = *o.values[s.flag]
			}
		case getenv(s.env) != "":
			where, v = "env "+s.env, getenv(s.env)
		default:
			continue
		}
		if err := s.apply(&cfg, v); err != nil {
			return vigil.Config{}, usageError{&vigil.Error{Where: where, Key: s.key, Msg: err.Error()}}
		}
		cfg.SetOrigin(s.key, where)
	}
	if err := cfg.AddDashboardFlags(o.dashboards, o.vars); err != nil {
		return vigil.Config{}, usageError{err}
	}
	if err := cfg.Validate(); err != nil {
		return vigil.Config{}, usageError{err}
	}
	where, name := "flag --context", *o.context
	if !set["context"] {
		where, name = "env VIGIL_CONTEXT", getenv("VIGIL_CONTEXT")
	}
	if name != "" && !(o.allowAll && name == vigil.ContextAll) {
		if _, err := cfg.ForContext(name); err != nil {
			if name == vigil.ContextAll {
				err = fmt.Errorf("%w (all: only vigil snapshot shows every context)", err)
			}
			return vigil.Config{}, usageError{fmt.Errorf("%s: %w", where, err)}
		}
	}
	cfg.Current = name
	return cfg, nil
}

func lookupEnv(k string) string { return os.Getenv(k) }

// helpShown is -h or --help: its text goes to stdout and the exit code is 0.
type helpShown struct{ text string }

func (h helpShown) Error() string        { return "help shown" }
func (h helpShown) Is(target error) bool { return target == errHelp }

// parseFlags parses args. The usage that -h asks for is returned in a
// helpShown (for stdout); the usage after a bad flag goes, with the
// problem, to the flag set's output (stderr), and the error is a usage error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	err := fs.Parse(args)
	fs.SetOutput(out)
	if err == nil {
		return nil
	}
	if errors.Is(err, flag.ErrHelp) {
		return helpShown{buf.String()}
	}
	_, _ = out.Write(buf.Bytes())
	// The problem and the usage are printed already.
	return usageError{errors.Join(err, errFlagReported)}
}

// printHelpTo writes err's help text to w when err is a helpShown.
func printHelpTo(w io.Writer, err error) {
	var h helpShown
	if errors.As(err, &h) {
		_, _ = io.WriteString(w, h.text)
	}
}

// builtinDefaults maps each dotted config key to its built-in default as
// config.toml writes it ("5s", "http://127.0.0.1:9090"); "" when it has none.
func builtinDefaults() map[string]string {
	out := map[string]string{}
	b, err := toml.Marshal(vigil.Defaults())
	if err != nil {
		return out
	}
	var doc map[string]any
	if toml.Unmarshal(b, &doc) != nil {
		return out
	}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			switch v := v.(type) {
			case map[string]any:
				walk(prefix+k+".", v)
			case []any:
				parts := make([]string, 0, len(v))
				for _, x := range v {
					parts = append(parts, fmt.Sprint(x))
				}
				out[prefix+k] = strings.Join(parts, ",")
			default:
				out[prefix+k] = fmt.Sprint(v)
			}
		}
	}
	walk("", doc)
	return out
}

// printDefaults lists the flags with their built-in defaults: the flags
// themselves default to "not set", the value then comes from the
// environment, the config file or the built-in default shown here.
func (o *options) printDefaults(w io.Writer) {
	defs := builtinDefaults()
	keyOf := map[string]string{}
	for _, s := range settings {
		keyOf[s.flag] = s.key
	}
	o.fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		def := ""
		if key, ok := keyOf[f.Name]; ok {
			switch v := defs[key]; {
			case v != "":
				def = " (default " + v + ")"
			case f.Name == "selector":
				def = " (default none: every series)"
			default:
				def = " (default none)"
			}
		} else if f.DefValue != "" && f.DefValue != "0" && f.Name != "config" {
			def = " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(w, "%s\n    \t%s%s\n", line, strings.ReplaceAll(usage, "\n", "\n    \t"), def)
	})
}
