package vigil

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// ContextConfig is one [[contexts]]: another environment (a Prometheus, its
// Alertmanager cluster, the shape of its services) shown in the same
// console. The top-level keys are the default context.
type ContextConfig struct {
	Name         string             `toml:"name"`
	Prometheus   PrometheusConfig   `toml:"prometheus"`
	Alertmanager AlertmanagerConfig `toml:"alertmanager"`
	// Selector and EndpointLabel default to metrics.selector and
	// metrics.endpoint_label when unset.
	Selector      string `toml:"selector"`
	EndpointLabel string `toml:"endpoint_label"`
	// Thresholds default, key by key, to the top-level [thresholds].
	Thresholds Thresholds `toml:"thresholds"`
	// ReadOnly defaults to ui.read_only.
	ReadOnly bool `toml:"read_only"`
	// Protected asks for the context's name before every write.
	Protected bool `toml:"protected"`
	// Theme defaults to ui.theme.
	Theme string `toml:"theme"`
	// Accent is the colour of the context's name in the header: #rgb,
	// #rrggbb or an ANSI colour number 0-255. Empty: the theme's accent.
	Accent string `toml:"accent"`
}

// ContextAll is the --context value of "vigil snapshot" that asks for
// every context.
const ContextAll = "all"

// accentRE matches an accent colour.
var accentRE = regexp.MustCompile(`^(#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}|[0-9]{1,3})$`)

// contextPresence records, per [[contexts]], which dotted keys the file sets
// (inline tables included), so that unset ones take the top-level value.
func contextPresence(data []byte) []map[string]bool {
	var doc struct {
		Context []map[string]any `toml:"contexts"`
	}
	if toml.Unmarshal(data, &doc) != nil || len(doc.Context) == 0 {
		return nil
	}
	out := make([]map[string]bool, len(doc.Context))
	for i, m := range doc.Context {
		out[i] = map[string]bool{}
		var walk func(prefix string, m map[string]any)
		walk = func(prefix string, m map[string]any) {
			for k, v := range m {
				out[i][prefix+k] = true
				if sub, ok := v.(map[string]any); ok {
					walk(prefix+k+".", sub)
				}
			}
		}
		walk("", m)
	}
	return out
}

// addContextPositions records where each [[contexts]] and its keys are, as
// contexts[N] and contexts[N].key, contexts[N].prometheus.url (N from 1), the
// keys of its sub-tables ([contexts.prometheus], …) included.
func addContextPositions(out map[string]string, data []byte, source string) {
	p := unstable.Parser{}
	p.Reset(data)
	n := 0
	prefix := "" // "" outside the context tables
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			parts := keyParts(e.Key())
			prefix = ""
			if len(parts) == 0 || parts[0] != "contexts" {
				continue
			}
			if e.Kind == unstable.ArrayTable && len(parts) == 1 {
				n++
			}
			if n == 0 {
				continue
			}
			prefix = fmt.Sprintf("contexts[%d]", n)
			if len(parts) > 1 {
				prefix += "." + strings.Join(parts[1:], ".")
			}
			it := e.Key()
			if it.Next() {
				sh := p.Shape(it.Node().Raw)
				out[prefix] = fmt.Sprintf("%s:%d:%d", source, sh.Start.Line, max(sh.Start.Column-1, 1))
			}
		case unstable.KeyValue:
			if prefix == "" {
				continue
			}
			it := e.Key()
			if it.Next() {
				sh := p.Shape(it.Node().Raw)
				k := prefix + "." + strings.Join(keyParts(e.Key()), ".")
				out[k] = fmt.Sprintf("%s:%d:%d", source, sh.Start.Line, sh.Start.Column)
			}
		}
	}
}

// ContextNames lists the contexts: the default one (the top-level keys)
// first, then each [[contexts]] in the order of the file.
func (c *Config) ContextNames() []string {
	out := []string{c.Context}
	for _, x := range c.Contexts {
		out = append(out, x.Name)
	}
	return out
}

// UnknownContext is the error of a context name that is not configured.
func (c *Config) UnknownContext(name string) error {
	return fmt.Errorf("unknown context %q: the known contexts are %s", name, strings.Join(c.ContextNames(), ", "))
}

// ForContext returns the whole configuration of one context: the top-level
// one for the default context's name, else a copy of it with the
// [[contexts]]'s keys in place of the top-level ones (the keys it leaves
// unset keep the top-level values, except the connection settings, which
// are its own).
func (c *Config) ForContext(name string) (Config, error) {
	if name == c.Context {
		out := *c
		out.Contexts = nil
		return out, nil
	}
	for i := range c.Contexts {
		if c.Contexts[i].Name == name {
			return c.resolveContext(i), nil
		}
	}
	return Config{}, c.UnknownContext(name)
}

// contextKeys maps a key of a [[contexts]] to the top-level key it stands
// for in the resolved configuration.
var contextKeys = map[string]string{
	"selector":       "metrics.selector",
	"endpoint_label": "metrics.endpoint_label",
	"read_only":      "ui.read_only",
	"theme":          "ui.theme",
}

func (c *Config) resolveContext(i int) Config {
	x := c.Contexts[i]
	has := func(k string) bool { return i < len(c.presence) && c.presence[i][k] }
	out := *c
	out.Contexts = nil
	out.Context = x.Name
	out.Protected, out.Accent = x.Protected, x.Accent
	out.Prometheus = x.Prometheus
	out.Prometheus.HTTPFile = ""
	if !has("prometheus.timeout") {
		out.Prometheus.Timeout = c.Prometheus.Timeout
	}
	if !has("prometheus.http") {
		out.Prometheus.HTTP = DefaultHTTPConfig()
	}
	out.Alertmanager = x.Alertmanager
	out.Alertmanager.HTTPFile = ""
	if out.Alertmanager.URLs == nil {
		out.Alertmanager.URLs = []string{}
	}
	if !has("alertmanager.timeout") {
		out.Alertmanager.Timeout = c.Alertmanager.Timeout
	}
	if !has("alertmanager.http") {
		out.Alertmanager.HTTP = DefaultHTTPConfig()
	}
	out.Metrics = c.Metrics
	if has("selector") {
		out.Metrics.Selector = x.Selector
	}
	if has("endpoint_label") {
		out.Metrics.EndpointLabel = x.EndpointLabel
	}
	out.UI = c.UI
	if has("read_only") {
		out.UI.ReadOnly = x.ReadOnly
	}
	if has("theme") {
		out.UI.Theme = x.Theme
	}
	out.Thresholds = c.Thresholds
	if has("thresholds.error_ratio_warn") {
		out.Thresholds.ErrorRatioWarn = x.Thresholds.ErrorRatioWarn
	}
	if has("thresholds.error_ratio_crit") {
		out.Thresholds.ErrorRatioCrit = x.Thresholds.ErrorRatioCrit
	}
	if has("thresholds.p99_warn") {
		out.Thresholds.P99Warn = x.Thresholds.P99Warn
	}
	if has("thresholds.p99_crit") {
		out.Thresholds.P99Crit = x.Thresholds.P99Crit
	}
	// Errors about the resolved keys name the [[contexts]]'s.
	pre := fmt.Sprintf("contexts[%d]", i+1)
	out.origins = map[string]string{}
	for k, v := range c.origins {
		out.origins[k] = v
	}
	for _, k := range []string{"prometheus", "alertmanager", "thresholds"} {
		delete(out.origins, k)
		for ok := range out.origins {
			if strings.HasPrefix(ok, k+".") {
				delete(out.origins, ok)
			}
		}
	}
	for k, v := range c.origins {
		rest, ok := strings.CutPrefix(k, pre+".")
		if !ok {
			continue
		}
		if top, ok := contextKeys[rest]; ok {
			rest = top
		}
		out.origins[rest] = v
	}
	out.ctxIndex = i + 1
	return out
}

// contextKey is the key a [[contexts]]'s error names for a key of its
// resolved configuration: prometheus.url → contexts[2].prometheus.url.
func contextKey(i int, key string) string {
	for k, top := range contextKeys {
		if key == top {
			key = k
		}
	}
	return fmt.Sprintf("contexts[%d].%s", i, key)
}

// validateContexts checks every [[contexts]]: a name, unique, and each key
// of its resolved configuration. Errors name the context's key
// (contexts[2].prometheus.url) and where it is in the file.
func (c *Config) validateContexts() error {
	seen := map[string]int{c.Context: 0}
	for i, x := range c.Contexts {
		n := i + 1
		where := c.where(fmt.Sprintf("contexts[%d]", n))
		fail := func(key, format string, args ...any) error {
			k := fmt.Sprintf("contexts[%d].%s", n, key)
			w := where
			if p, ok := c.origins[k]; ok {
				w = p
			}
			return &Error{Where: w, Key: k, Msg: fmt.Sprintf(format, args...)}
		}
		name := x.Name
		switch {
		case strings.TrimSpace(name) == "":
			return fail("name", "every context needs a name, e.g. \"prod-us\"")
		case name == ContextAll:
			return fail("name", "%q means every context on the command line: choose another name", name)
		case strings.TrimSpace(name) != name || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
			return fail("name", "%q has spaces around it or a control character", name)
		}
		if j, ok := seen[name]; ok {
			other := "the default context (the top-level key context)"
			if j > 0 {
				other = fmt.Sprintf("context %d", j)
			}
			return fail("name", "%q is also the name of %s: names must differ", name, other)
		}
		seen[name] = n
		if x.Prometheus.URL == "" {
			return fail("prometheus.url", "every context needs its Prometheus, e.g. url = \"http://prometheus.prod:9090\"")
		}
		if x.Accent != "" {
			if n, err := strconv.Atoi(x.Accent); !accentRE.MatchString(x.Accent) || (err == nil && n > 255) {
				return fail("accent", "%q is not a colour: write #rgb, #rrggbb or an ANSI colour number 0-255", x.Accent)
			}
		}
		r := c.resolveContext(i)
		if err := r.Validate(); err != nil {
			var e *Error
			if errors.As(err, &e) && e.Key != "" && !strings.HasPrefix(e.Key, "contexts[") {
				e2 := *e
				e2.Key = contextKey(n, e.Key)
				return &e2
			}
			return err
		}
	}
	return nil
}
