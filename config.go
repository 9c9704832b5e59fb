// Package vigil holds vigil's configuration: the documented defaults in
// config.toml (embedded here), the loader that reads a user's file strictly,
// and the validation that runs before the console starts.
package vigil

import (
	_ "embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
	"github.com/prometheus/common/model"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/themes"
)

// DefaultTOML is the documented default configuration, config.toml.
//
//go:embed config.toml
var DefaultTOML []byte

// MinRefresh is the shortest refresh interval accepted.
const MinRefresh = time.Second

// Duration is a time.Duration written the way Prometheus writes durations
// (30s, 5m, 1h30m, 1d).
type Duration time.Duration

// UnmarshalText parses a Prometheus-style duration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration back in Prometheus style.
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(query.FormatDuration(time.Duration(d))), nil
}

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// ParseDuration is query.ParseDuration, the one reading of a duration that
// the configuration, the flags and the screens share.
func ParseDuration(s string) (time.Duration, error) { return query.ParseDuration(s) }

// durationKeys lists the dotted key of every Duration field under t
// (the tables of an array of tables included).
func durationKeys(t reflect.Type, prefix string, out map[string]bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name == "" || name == "-" {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		switch {
		case ft == reflect.TypeFor[Duration]():
			out[prefix+name] = true
		case ft.Kind() == reflect.Struct:
			durationKeys(ft, prefix+name+".", out)
		}
	}
}

// checkBareDurations refuses a TOML number (timeout = 5) where a duration
// is expected: decoded as is it would silently be 5ns.
func checkBareDurations(data []byte, source string) error {
	keys := map[string]bool{}
	durationKeys(reflect.TypeFor[Config](), "", keys)
	var err error
	walkKeyValues(data, func(p *unstable.Parser, k string, e *unstable.Node) bool {
		v := e.Value()
		if !keys[k] || v == nil || (v.Kind != unstable.Integer && v.Kind != unstable.Float) {
			return true
		}
		sh := p.Shape(v.Raw)
		err = &Error{Where: fmt.Sprintf("%s:%d:%d", source, sh.Start.Line, sh.Start.Column), Key: k, Msg: query.DurationNeedsUnit(string(v.Data)).Error()}
		return false
	})
	return err
}

// walkKeyValues calls visit with the dotted key of each key/value of the
// TOML document, in the order they are written, until visit returns false.
func walkKeyValues(data []byte, visit func(p *unstable.Parser, key string, kv *unstable.Node) bool) {
	p := unstable.Parser{}
	p.Reset(data)
	var table []string
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = keyParts(e.Key())
		case unstable.KeyValue:
			k := strings.Join(append(append([]string{}, table...), keyParts(e.Key())...), ".")
			if !visit(&p, k, e) {
				return
			}
		}
	}
}

// Config is the whole configuration.
type Config struct {
	Context      string             `toml:"context"`
	LogFile      string             `toml:"log_file"`
	AuditLog     string             `toml:"audit_log"`
	Prometheus   PrometheusConfig   `toml:"prometheus"`
	Alertmanager AlertmanagerConfig `toml:"alertmanager"`
	UI           UIConfig           `toml:"ui"`
	Metrics      MetricsConfig      `toml:"metrics"`
	Thresholds   Thresholds         `toml:"thresholds"`
	Silence      SilenceConfig      `toml:"silence"`
	// Panels are the custom panels of the Panels screen (config_panels.go).
	Panels []PanelConfig `toml:"panel"`
	// Contexts are the other environments of the console
	// (config_contexts.go); the top-level keys are the default one.
	Contexts []ContextConfig `toml:"contexts"`
	// Serve is vigil serve's [serve] table (config_serve.go).
	Serve ServeConfig `toml:"serve"`
	// Rules is the [rules] table of the rules check (config_rules.go).
	Rules RulesConfig `toml:"rules"`
	// Dashboards are Grafana dashboards to show (config_dashboards.go);
	// DashboardVars the values of their variables set by --var.
	Dashboards    []DashboardConfig   `toml:"dashboards"`
	DashboardVars map[string][]string `toml:"-"`

	// Protected and Accent are a [[contexts]]'s (the default context has
	// neither): writes ask for the context's name; the colour of its name.
	Protected bool   `toml:"-"`
	Accent    string `toml:"-"`
	// Current is the context shown first (--context, VIGIL_CONTEXT):
	// a name, "all" (snapshot), or "" for the default one.
	Current string `toml:"-"`
	// presence is which keys each [[contexts]] sets; ctxIndex is, in a
	// resolved context's configuration, its number (from 1; 0: default).
	presence []map[string]bool
	ctxIndex int

	// Source names where the file part came from: a path, or "defaults".
	Source string `toml:"-"`
	// origins maps a dotted key to where its value was last set
	// ("file:line:col", "flag --refresh", "env VIGIL_REFRESH").
	origins map[string]string
}

// PrometheusConfig is the [prometheus] table.
type PrometheusConfig struct {
	URL     string   `toml:"url"`
	Timeout Duration `toml:"timeout"`
	// PartialResponse and Dedup are Thanos query's partial_response and
	// dedup parameters, sent with every query when "true" or "false";
	// empty sends nothing (the engine's default).
	PartialResponse string `toml:"partial_response"`
	Dedup           string `toml:"dedup"`
	// RecordingRules is "auto" (read vigil's recorded series when
	// Prometheus evaluates them; "" too) or "off" (always the raw series).
	RecordingRules string `toml:"recording_rules"`
	// MaxConcurrentQueries caps how many queries of one refresh are in
	// flight at once; 0 paces them (query.PaceAfter).
	MaxConcurrentQueries int `toml:"max_concurrent_queries"`
	// --- connection settings (auth, TLS, proxy, headers): see httpconfig.go
	HTTP HTTPConfig `toml:"http"`
	// HTTPFile is the --http-config file; when set it replaces HTTP.
	HTTPFile string `toml:"-"`
	// --- end of connection settings
}

// AlertmanagerConfig is the [alertmanager] table.
type AlertmanagerConfig struct {
	URLs    []string `toml:"urls"`
	Timeout Duration `toml:"timeout"`
	// Watchdog is the alertname of the always-firing alert; "" turns the
	// dead man's switch off.
	Watchdog string `toml:"watchdog"`
	// --- connection settings (auth, TLS, proxy, headers): see httpconfig.go
	HTTP HTTPConfig `toml:"http"`
	// HTTPFile is the --http-config file; when set it replaces HTTP.
	HTTPFile string `toml:"-"`
	// --- end of connection settings
}

// UIConfig is the [ui] table.
type UIConfig struct {
	Refresh  Duration `toml:"refresh"`
	Window   Window   `toml:"window"`
	Theme    string   `toml:"theme"`
	ReadOnly bool     `toml:"read_only"`
}

// MetricsConfig is the [metrics] table: the shape of the metrics.
type MetricsConfig struct {
	Selector      string `toml:"selector"`
	EndpointLabel string `toml:"endpoint_label"`
	// ServiceLabel names a service: with several in the selection the
	// overview lists the services first.
	ServiceLabel     string `toml:"service_label"`
	DurationMetric   string `toml:"duration_metric"`
	RequestsMetric   string `toml:"requests_metric"`
	ExceptionsMetric string `toml:"exceptions_metric"`
	ErrorStatus      string `toml:"error_status"`
	InfoMetric       string `toml:"info_metric"` // deploys in the timeline; empty: flask_exporter_info
	// GroupPaths is auto, config or off: how paths that are one route
	// become one row (config_grouping.go).
	GroupPaths       string            `toml:"group_paths"`
	GroupMinVariants int               `toml:"group_min_variants"`
	PathGroups       []PathGroupConfig `toml:"path_group"`
}

// Thresholds is the [thresholds] table.
type Thresholds struct {
	ErrorRatioWarn float64  `toml:"error_ratio_warn"`
	ErrorRatioCrit float64  `toml:"error_ratio_crit"`
	P99Warn        Duration `toml:"p99_warn"`
	P99Crit        Duration `toml:"p99_crit"`
}

// SilenceConfig is the [silence] table.
type SilenceConfig struct {
	Duration    Duration `toml:"duration"`
	AckDuration Duration `toml:"ack_duration"`
	// AckUntilResolved turns "until resolved" on when the ack form opens;
	// AckMax is the longest an ack is kept that way.
	AckUntilResolved bool     `toml:"ack_until_resolved"`
	AckMax           Duration `toml:"ack_max"`
	RequireComment   bool     `toml:"require_comment"`
	CreatedBy        string   `toml:"created_by"`
	WarnMatches      int      `toml:"warn_matches"`
	// RecentlyExpired is how long after it expired a silence is shown on
	// an alert it silenced, to make it again; 0 turns that off.
	RecentlyExpired Duration `toml:"recently_expired"`
}

// Defaults returns the built-in defaults. They are the values of the
// embedded config.toml; a test holds the two equal.
func Defaults() Config {
	return Config{
		Context:      "default",
		Prometheus:   PrometheusConfig{URL: "http://127.0.0.1:9090", Timeout: Duration(10 * time.Second), RecordingRules: "auto", HTTP: DefaultHTTPConfig()},
		Alertmanager: AlertmanagerConfig{URLs: []string{}, Timeout: Duration(10 * time.Second), HTTP: DefaultHTTPConfig()},
		UI: UIConfig{
			Refresh: Duration(5 * time.Second),
			Window:  Window{Auto: true},
			Theme:   "dark",
		},
		Metrics: MetricsConfig{
			EndpointLabel:    "",
			ServiceLabel:     query.DefaultServiceLabel,
			DurationMetric:   "flask_http_request_duration_seconds",
			RequestsMetric:   "flask_http_request_total",
			ExceptionsMetric: "flask_http_request_exceptions_total",
			ErrorStatus:      "5..",
			GroupPaths:       query.GroupAuto,
		},
		Thresholds: Thresholds{
			ErrorRatioWarn: 0.01,
			ErrorRatioCrit: 0.05,
			P99Warn:        Duration(time.Second),
			P99Crit:        Duration(2 * time.Second),
		},
		Silence: SilenceConfig{
			Duration:       Duration(time.Hour),
			AckDuration:    Duration(15 * time.Minute),
			AckMax:         Duration(24 * time.Hour),
			RequireComment: true,
			WarnMatches:    1,
			// Shown on an alert that fires again after its silence ended.
			RecentlyExpired: Duration(time.Hour),
		},
		Serve:  defaultServe(),
		Source: "defaults",
	}
}

// Error is a configuration error. Its message names where the bad value came
// from (file, line and column, or the flag or environment variable) and the key.
type Error struct {
	Where string // "path:line:col", "flag --refresh", "env VIGIL_REFRESH"
	Key   string // dotted key, e.g. ui.refresh
	Msg   string
}

func (e *Error) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("%s: %s", e.Where, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", e.Where, e.Key, e.Msg)
}

// DefaultPath is $XDG_CONFIG_HOME/vigil/config.toml (or ~/.config/...).
func DefaultPath() string { return query.ConfigPath("config.toml") }

// Load reads the configuration. An explicit path must exist; with an empty
// path the default path is used when it exists, else the embedded defaults.
func Load(path string) (Config, error) {
	if path == "" {
		if p := DefaultPath(); p != "" {
			if _, err := os.Stat(p); err == nil {
				path = p
			}
		}
	}
	if path == "" {
		return Parse(DefaultTOML, "defaults")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, &Error{Where: path, Msg: "cannot read config: " + unwrapPathErr(err)}
	}
	return Parse(data, path)
}

func unwrapPathErr(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Parse decodes a TOML document over the defaults. Unknown keys, wrong types
// and bad values are errors naming the file, line, column and key.
func Parse(data []byte, source string) (Config, error) {
	cfg := Defaults()
	cfg.Source = source
	dec := toml.NewDecoder(strings.NewReader(string(data))).DisallowUnknownFields()
	// Before decoding, which would take 5 as 5ns (or fail on 2.5 without
	// naming the key); a syntax error stops the scan and Decode reports it.
	if err := checkBareDurations(data, source); err != nil {
		return Config{}, err
	}
	if err := dec.Decode(&cfg); err != nil {
		return Config{}, decodeError(source, err)
	}
	cfg.origins = keyPositions(data, source)
	addPanelPositions(cfg.origins, data, source)
	addContextPositions(cfg.origins, data, source)
	cfg.presence = contextPresence(data)
	return cfg, nil
}

func decodeError(source string, err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) && len(strict.Errors) > 0 {
		de := strict.Errors[0]
		line, col := de.Position()
		return &Error{Where: fmt.Sprintf("%s:%d:%d", source, line, col), Key: strings.Join(de.Key(), "."), Msg: "unknown key"}
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, col := de.Position()
		msg := strings.TrimPrefix(de.Error(), "toml: ")
		return &Error{Where: fmt.Sprintf("%s:%d:%d", source, line, col), Key: strings.Join(de.Key(), "."), Msg: msg}
	}
	return &Error{Where: source, Msg: err.Error()}
}

// keyPositions maps each dotted key of the document to "source:line:col".
func keyPositions(data []byte, source string) map[string]string {
	out := map[string]string{}
	walkKeyValues(data, func(p *unstable.Parser, k string, e *unstable.Node) bool {
		it := e.Key()
		if it.Next() {
			sh := p.Shape(it.Node().Raw)
			out[k] = fmt.Sprintf("%s:%d:%d", source, sh.Start.Line, sh.Start.Column)
		}
		return true
	})
	return out
}

func keyParts(it unstable.Iterator) []string {
	var parts []string
	for it.Next() {
		parts = append(parts, string(it.Node().Data))
	}
	return parts
}

// SetOrigin records where a key's value came from (a flag or an environment
// variable), so that a validation error can name it.
func (c *Config) SetOrigin(key, where string) {
	if c.origins == nil {
		c.origins = map[string]string{}
	}
	c.origins[key] = where
}

func (c *Config) where(key string) string {
	if w, ok := c.origins[key]; ok {
		return w
	}
	return c.Source
}

func (c *Config) fail(key, format string, args ...any) error {
	return &Error{Where: c.where(key), Key: key, Msg: fmt.Sprintf(format, args...)}
}

// Validate checks every value. The first problem is returned.
func (c *Config) Validate() error {
	if err := checkURL(c.Prometheus.URL); err != nil {
		return c.fail("prometheus.url", "%v", err)
	}
	if c.Prometheus.Timeout <= 0 {
		return c.fail("prometheus.timeout", "must be above 0")
	}
	for _, kv := range [][2]string{{"prometheus.partial_response", c.Prometheus.PartialResponse}, {"prometheus.dedup", c.Prometheus.Dedup}} {
		if key, v := kv[0], kv[1]; v != "" && v != "true" && v != "false" {
			return c.fail(key, "%q: write \"true\", \"false\" or \"\" (the engine's default)", v)
		}
	}
	if r := c.Prometheus.RecordingRules; r != "" && r != "auto" && r != "off" {
		return c.fail("prometheus.recording_rules", "%q: write \"auto\" (read vigil's recorded series when Prometheus evaluates them) or \"off\"", r)
	}
	if n := c.Prometheus.MaxConcurrentQueries; n < 0 || n > 64 {
		return c.fail("prometheus.max_concurrent_queries", "%d: write 0 (a refresh's queries paced: each sent when the one before has answered, or 20ms after it was sent) or 1 to 64 (at most that many at once)", n)
	}
	for i, u := range c.Alertmanager.URLs {
		if err := checkURL(u); err != nil {
			return c.fail("alertmanager.urls", "entry %d: %v", i+1, err)
		}
	}
	if c.Alertmanager.Timeout <= 0 {
		return c.fail("alertmanager.timeout", "must be above 0")
	}
	if err := checkWatchdog(c.Alertmanager.Watchdog, len(c.Alertmanager.URLs)); err != "" {
		return c.fail("alertmanager.watchdog", "%s", err)
	}
	// --- connection settings: [prometheus.http], [alertmanager.http], --http-config
	if err := c.validateHTTP(); err != nil {
		return err
	}
	// --- end of connection settings
	if err := c.validateDashboards(); err != nil {
		return err
	}
	if c.UI.Refresh.D() < MinRefresh {
		return c.fail("ui.refresh", "%s is below the minimum of %s", c.UI.Refresh.D(), MinRefresh)
	}
	if !c.UI.Window.Auto && c.UI.Window.D() < time.Second {
		return c.fail("ui.window", "%s is too short: the rate window must be at least 1s (a few scrape intervals is right)", c.UI.Window.D())
	}
	if _, err := themes.Get(c.UI.Theme); err != nil || c.UI.Theme == "" {
		return c.fail("ui.theme", "unknown theme %q: choose %s", c.UI.Theme, strings.Join(themes.Names(), ", "))
	}
	if !model.LabelName(c.Metrics.ServiceLabel).IsValidLegacy() {
		return c.fail("metrics.service_label", "%q is not a valid label name (the default is job)%s", c.Metrics.ServiceLabel, utf8NameNote(c.Metrics.ServiceLabel))
	}
	if c.Metrics.EndpointLabel != "" && !model.LabelName(c.Metrics.EndpointLabel).IsValidLegacy() {
		return c.fail("metrics.endpoint_label", "%q is not a valid label name (empty: detected from the series)%s", c.Metrics.EndpointLabel, utf8NameNote(c.Metrics.EndpointLabel))
	}
	for key, v := range map[string]string{
		"metrics.duration_metric":   c.Metrics.DurationMetric,
		"metrics.requests_metric":   c.Metrics.RequestsMetric,
		"metrics.exceptions_metric": c.Metrics.ExceptionsMetric,
	} {
		if !model.IsValidLegacyMetricName(v) {
			return c.fail(key, "%q is not a valid metric name%s", v, utf8NameNote(v))
		}
	}
	if _, err := regexp.Compile("^(?:" + c.Metrics.ErrorStatus + ")$"); err != nil || c.Metrics.ErrorStatus == "" {
		return c.fail("metrics.error_status", "%q is not a valid regular expression", c.Metrics.ErrorStatus)
	}
	if strings.ContainsAny(c.Metrics.Selector, "{}") {
		return c.fail("metrics.selector", "write the selector without braces, e.g. job=\"flask\"")
	}
	if err := query.CheckSelector(c.Metrics.Selector); err != nil {
		return c.fail("metrics.selector", "%v", err)
	}
	if err := c.validateGrouping(); err != nil {
		return err
	}
	t := c.Thresholds
	if t.ErrorRatioWarn < 0 || t.ErrorRatioWarn > 1 {
		return c.fail("thresholds.error_ratio_warn", "%v is not a ratio between 0 and 1 (0.01 = 1%%)", t.ErrorRatioWarn)
	}
	if t.ErrorRatioCrit < 0 || t.ErrorRatioCrit > 1 {
		return c.fail("thresholds.error_ratio_crit", "%v is not a ratio between 0 and 1 (0.05 = 5%%)", t.ErrorRatioCrit)
	}
	if t.ErrorRatioCrit < t.ErrorRatioWarn {
		return c.fail("thresholds.error_ratio_crit", "%v is below error_ratio_warn %v", t.ErrorRatioCrit, t.ErrorRatioWarn)
	}
	if t.P99Crit < t.P99Warn {
		return c.fail("thresholds.p99_crit", "%s is below p99_warn %s", t.P99Crit.D(), t.P99Warn.D())
	}
	if c.Silence.Duration <= 0 {
		return c.fail("silence.duration", "must be above 0")
	}
	if c.Silence.RecentlyExpired < 0 {
		return c.fail("silence.recently_expired", "must be 0 (off) or above")
	}
	if c.Silence.AckDuration <= 0 {
		return c.fail("silence.ack_duration", "must be above 0")
	}
	if c.Silence.AckDuration.D() < 2*c.UI.Refresh.D() {
		// An ack kept until resolved is extended once less than half of it
		// is left: a refresh must come within that half.
		return c.fail("silence.ack_duration", "%s is below twice ui.refresh (%s): an ack kept until resolved would lapse between refreshes", c.Silence.AckDuration.D(), c.UI.Refresh.D())
	}
	if c.Silence.AckMax < c.Silence.AckDuration {
		return c.fail("silence.ack_max", "%s is below ack_duration %s", c.Silence.AckMax.D(), c.Silence.AckDuration.D())
	}
	if err := c.validatePanels(); err != nil {
		return err
	}
	if c.Silence.WarnMatches < 1 {
		return c.fail("silence.warn_matches", "must be at least 1")
	}
	if err := c.validateRules(); err != nil {
		return err
	}
	return c.validateContexts()
}

func checkURL(s string) error {
	if s == "" {
		return errors.New("empty URL")
	}
	u, err := url.Parse(s)
	if err != nil {
		// The parse error quotes the whole URL, which may hold a password.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("invalid URL: %v", err)
	}
	s = u.Redacted()
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("invalid URL %q: the scheme must be http or https", s)
	}
	if u.Host == "" {
		return fmt.Errorf("invalid URL %q: no host", s)
	}
	return nil
}

// DefaultEndpointLabel is the endpoint label when metrics.endpoint_label is
// unset and was not detected: prometheus_flask_exporter's default group_by.
const DefaultEndpointLabel = "path"

// EndpointLabel is metrics.endpoint_label, or DefaultEndpointLabel while it
// is unset (DetectShape sets it from the series).
func (c *Config) EndpointLabel() string {
	if c.Metrics.EndpointLabel == "" {
		return DefaultEndpointLabel
	}
	return c.Metrics.EndpointLabel
}

// Shape returns the metric shape the queries are built from.
func (c *Config) Shape() query.Shape {
	s := query.Shape{
		Selector:         c.Metrics.Selector,
		EndpointLabel:    c.EndpointLabel(),
		DurationMetric:   c.Metrics.DurationMetric,
		RequestsMetric:   c.Metrics.RequestsMetric,
		ExceptionsMetric: c.Metrics.ExceptionsMetric,
		ErrorStatus:      c.Metrics.ErrorStatus,
		Window:           c.UI.Window.D(),
		AutoWindow:       c.UI.Window.Auto,
		Grouping:         c.Grouping(),
		InfoMetric:       c.Metrics.InfoMetric,
		ServiceLabel:     c.Metrics.ServiceLabel,
	}
	if s.AutoWindow {
		s.Window = query.DefaultAutoWindow
	}
	return s
}
