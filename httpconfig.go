package vigil

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	promconfig "github.com/prometheus/common/config"
)

// Secret is a password, a token or a secret header value. It prints, and
// marshals, as <secret>: only Reveal gives the text.
type Secret string

const secretShown = "<secret>"

// String hides the secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return secretShown
}

// GoString hides the secret from %#v too.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// MarshalText hides the secret from every encoder.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads the secret.
func (s *Secret) UnmarshalText(b []byte) error {
	*s = Secret(b)
	return nil
}

// Reveal returns the secret's text.
func (s Secret) Reveal() string { return string(s) }

// HTTPConfig is a [prometheus.http] or [alertmanager.http] table: the
// connection settings of one kind of server. Its keys mirror the YAML block
// of Prometheus and amtool (prometheus/common's HTTPClientConfig), written
// as TOML.
type HTTPConfig struct {
	BasicAuth     BasicAuthConfig       `toml:"basic_auth"`
	Authorization AuthorizationConfig   `toml:"authorization"`
	TLSConfig     TLSConfig             `toml:"tls_config"`
	ProxyURL      string                `toml:"proxy_url"`
	HTTPHeaders   map[string]HTTPHeader `toml:"http_headers"`
}

// BasicAuthConfig is HTTP basic authentication.
type BasicAuthConfig struct {
	Username     string `toml:"username"`
	Password     Secret `toml:"password"`
	PasswordFile string `toml:"password_file"`
}

// AuthorizationConfig is an Authorization header: type and credentials.
type AuthorizationConfig struct {
	Type            string `toml:"type"`
	Credentials     Secret `toml:"credentials"`
	CredentialsFile string `toml:"credentials_file"`
}

// TLSConfig is how the server's certificate is checked and which client
// certificate is shown.
type TLSConfig struct {
	CAFile             string `toml:"ca_file"`
	CertFile           string `toml:"cert_file"`
	KeyFile            string `toml:"key_file"`
	ServerName         string `toml:"server_name"`
	InsecureSkipVerify bool   `toml:"insecure_skip_verify"`
}

// HTTPHeader is one extra request header: plain values, secret values and
// files whose content is sent (read again on every request).
type HTTPHeader struct {
	Values  []string `toml:"values"`
	Secrets []Secret `toml:"secrets"`
	Files   []string `toml:"files"`
}

// DefaultHTTPConfig is an empty table: vigil's own transport, no auth.
func DefaultHTTPConfig() HTTPConfig {
	return HTTPConfig{
		Authorization: AuthorizationConfig{Type: "Bearer"},
		HTTPHeaders:   map[string]HTTPHeader{},
	}
}

// IsZero reports whether the table sets nothing beyond the defaults.
func (h *HTTPConfig) IsZero() bool {
	d := DefaultHTTPConfig()
	return h.BasicAuth == d.BasicAuth &&
		(h.Authorization == d.Authorization || h.Authorization == AuthorizationConfig{}) &&
		h.TLSConfig == d.TLSConfig && h.ProxyURL == "" && len(h.HTTPHeaders) == 0
}

// fieldError is a problem with one key of an HTTP table; Key is relative to
// the table (e.g. basic_auth.password_file).
type fieldError struct {
	Key string
	Msg string
}

func (e *fieldError) Error() string { return e.Key + ": " + e.Msg }

// ClientConfig converts the table into prometheus/common's HTTPClientConfig
// and validates it. Relative file paths are taken relative to dir. Errors
// are *fieldError naming the key; they never quote a secret.
func (h *HTTPConfig) ClientConfig(dir string) (promconfig.HTTPClientConfig, error) {
	c := promconfig.DefaultHTTPClientConfig
	path := func(p string) string {
		if p == "" || filepath.IsAbs(p) || dir == "" {
			return p
		}
		return filepath.Join(dir, p)
	}
	readable := func(key, p string) error {
		if p == "" {
			return nil
		}
		st, err := os.Stat(p)
		if err != nil {
			return &fieldError{key, "cannot read " + p + ": " + unwrapPathErr(err)}
		}
		if st.IsDir() {
			return &fieldError{key, p + " is a directory"}
		}
		return nil
	}

	b := h.BasicAuth
	if b.Username != "" || b.Password != "" || b.PasswordFile != "" {
		if b.Password != "" && b.PasswordFile != "" {
			return c, &fieldError{"basic_auth.password_file", "set password or password_file, not both"}
		}
		if b.Username == "" {
			return c, &fieldError{"basic_auth.username", "basic auth needs a username"}
		}
		if err := readable("basic_auth.password_file", path(b.PasswordFile)); err != nil {
			return c, err
		}
		c.BasicAuth = &promconfig.BasicAuth{Username: b.Username, Password: promconfig.Secret(b.Password), PasswordFile: path(b.PasswordFile)}
	}

	a := h.Authorization
	if a.Credentials != "" || a.CredentialsFile != "" {
		if c.BasicAuth != nil {
			return c, &fieldError{"authorization", "set basic_auth or authorization, not both"}
		}
		if a.Credentials != "" && a.CredentialsFile != "" {
			return c, &fieldError{"authorization.credentials_file", "set credentials or credentials_file, not both"}
		}
		typ := strings.TrimSpace(a.Type)
		if typ == "" {
			typ = "Bearer"
		}
		if strings.EqualFold(typ, "basic") {
			return c, &fieldError{"authorization.type", `"Basic" is not allowed here: use basic_auth`}
		}
		if strings.ContainsAny(typ, " \t\r\n") {
			return c, &fieldError{"authorization.type", fmt.Sprintf("%q is not one word, e.g. Bearer", typ)}
		}
		if err := readable("authorization.credentials_file", path(a.CredentialsFile)); err != nil {
			return c, err
		}
		c.Authorization = &promconfig.Authorization{Type: typ, Credentials: promconfig.Secret(a.Credentials), CredentialsFile: path(a.CredentialsFile)}
	}

	t := h.TLSConfig
	for _, f := range []struct{ key, p string }{
		{"tls_config.ca_file", t.CAFile}, {"tls_config.cert_file", t.CertFile}, {"tls_config.key_file", t.KeyFile},
	} {
		if err := readable(f.key, path(f.p)); err != nil {
			return c, err
		}
	}
	if t.CertFile != "" && t.KeyFile == "" {
		return c, &fieldError{"tls_config.key_file", "a client certificate (cert_file) needs its key_file"}
	}
	if t.KeyFile != "" && t.CertFile == "" {
		return c, &fieldError{"tls_config.cert_file", "a client key (key_file) needs its cert_file"}
	}
	c.TLSConfig = promconfig.TLSConfig{
		CAFile: path(t.CAFile), CertFile: path(t.CertFile), KeyFile: path(t.KeyFile),
		ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify,
	}

	if h.ProxyURL != "" {
		u, err := url.Parse(h.ProxyURL)
		if err != nil || u.Host == "" {
			return c, &fieldError{"proxy_url", "not a URL with a host, e.g. http://proxy.example:3128"}
		}
		switch u.Scheme {
		case "http", "https", "socks5":
		default:
			return c, &fieldError{"proxy_url", fmt.Sprintf("the scheme of %s must be http, https or socks5", u.Redacted())}
		}
		c.ProxyURL = promconfig.URL{URL: u}
	} else {
		// Without a proxy_url, HTTP_PROXY / HTTPS_PROXY / NO_PROXY apply,
		// as they do without an [http] table.
		c.ProxyFromEnvironment = true
	}

	if len(h.HTTPHeaders) > 0 {
		hs := &promconfig.Headers{Headers: map[string]promconfig.Header{}}
		names := make([]string, 0, len(h.HTTPHeaders))
		for n := range h.HTTPHeaders {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			v := h.HTTPHeaders[n]
			key := "http_headers." + n
			if !validHeaderName(n) {
				return c, &fieldError{key, fmt.Sprintf("%q is not a valid header name", n)}
			}
			if _, reserved := promconfig.ReservedHeaders[http.CanonicalHeaderKey(n)]; reserved {
				return c, &fieldError{key, fmt.Sprintf("header %q is set by vigil itself (use basic_auth or authorization for credentials)", http.CanonicalHeaderKey(n))}
			}
			if len(v.Values)+len(v.Secrets)+len(v.Files) == 0 {
				return c, &fieldError{key, "give values, secrets or files"}
			}
			ph := promconfig.Header{Values: v.Values}
			for _, s := range v.Secrets {
				ph.Secrets = append(ph.Secrets, promconfig.Secret(s))
			}
			for i, f := range v.Files {
				if err := readable(fmt.Sprintf("%s.files[%d]", key, i+1), path(f)); err != nil {
					return c, err
				}
				ph.Files = append(ph.Files, path(f))
			}
			hs.Headers[n] = ph
		}
		c.HTTPHeaders = hs
	}

	if err := c.Validate(); err != nil {
		return c, &fieldError{"", err.Error()}
	}
	return c, nil
}

var headerNameRE = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

func validHeaderName(n string) bool { return headerNameRE.MatchString(n) }

// inlineSecrets lists the keys of the table that hold a secret inline.
func (h *HTTPConfig) inlineSecrets(prefix string) []string {
	var keys []string
	if h.BasicAuth.Password != "" {
		keys = append(keys, prefix+".basic_auth.password")
	}
	if h.Authorization.Credentials != "" {
		keys = append(keys, prefix+".authorization.credentials")
	}
	names := make([]string, 0, len(h.HTTPHeaders))
	for n, v := range h.HTTPHeaders {
		if len(v.Secrets) > 0 {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		keys = append(keys, prefix+".http_headers."+n+".secrets")
	}
	return keys
}

// HTTPClient is the resolved connection configuration of one kind of
// server and where it came from.
type HTTPClient struct {
	// Config is prometheus/common's HTTPClientConfig, validated.
	Config promconfig.HTTPClientConfig
	// Source names where it came from: "config.toml [prometheus.http]" or
	// the --http-config file.
	Source string
	// Zero is true when nothing is configured: vigil's own transport is used.
	Zero bool
}

// PrometheusHTTP returns the connection settings of Prometheus: the
// --http-config file when one is set, else the [prometheus.http] table.
func (c *Config) PrometheusHTTP() (HTTPClient, error) {
	return c.httpClient("prometheus.http", c.Prometheus.HTTPFile, &c.Prometheus.HTTP)
}

// AlertmanagerHTTP returns the connection settings of the Alertmanagers:
// the --http-config file when one is set, else the [alertmanager.http]
// table.
func (c *Config) AlertmanagerHTTP() (HTTPClient, error) {
	return c.httpClient("alertmanager.http", c.Alertmanager.HTTPFile, &c.Alertmanager.HTTP)
}

func (c *Config) httpClient(prefix, file string, h *HTTPConfig) (HTTPClient, error) {
	if file != "" {
		hc, err := LoadHTTPConfigFile(file)
		if err != nil {
			return HTTPClient{}, &Error{Where: c.where(HTTPConfigKey), Msg: err.Error()}
		}
		return HTTPClient{Config: hc, Source: file}, nil
	}
	dir := ""
	if c.Source != "" && c.Source != "defaults" {
		dir = filepath.Dir(c.Source)
	}
	hc, err := h.ClientConfig(dir)
	if err != nil {
		var fe *fieldError
		key := prefix
		msg := err.Error()
		if errors.As(err, &fe) {
			if fe.Key != "" {
				key = prefix + "." + fe.Key
			}
			msg = fe.Msg
		}
		return HTTPClient{}, &Error{Where: c.whereNearest(key), Key: key, Msg: msg}
	}
	return HTTPClient{Config: hc, Source: fmt.Sprintf("%s [%s]", c.Source, prefix), Zero: h.IsZero()}, nil
}

// HTTPConfigKey is the origin key of the --http-config flag and its
// VIGIL_HTTP_CONFIG variable.
const HTTPConfigKey = "http_config"

// whereNearest is where for a key that may sit inside an inline table: the
// position of the key itself, else of its nearest enclosing key.
func (c *Config) whereNearest(key string) string {
	for k := key; k != ""; {
		if w, ok := c.origins[k]; ok {
			return w
		}
		i := strings.LastIndex(k, ".")
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return c.Source
}

// validateHTTP checks the connection settings of both kinds of server.
func (c *Config) validateHTTP() error {
	if c.Prometheus.HTTPFile != "" && c.Prometheus.HTTPFile == c.Alertmanager.HTTPFile {
		_, err := c.PrometheusHTTP()
		return err
	}
	if _, err := c.PrometheusHTTP(); err != nil {
		return err
	}
	_, err := c.AlertmanagerHTTP()
	return err
}

// yamlLine matches the "line N: " of a YAML error.
var yamlLine = regexp.MustCompile(`^line (\d+): `)

// yamlQuoted matches the value a YAML type error quotes, which may be
// (the start of) a secret.
var yamlQuoted = regexp.MustCompile("`[^`]*`")

// yamlGoType matches the Go type a YAML error names, which says nothing to
// the user.
var yamlGoType = regexp.MustCompile(` (in type|into) [a-z0-9]+\.[A-Za-z0-9]+`)

// LoadHTTPConfigFile reads a file in the format of Prometheus's and
// amtool's --http.config.file (prometheus/common's HTTPClientConfig in
// YAML), strictly: unknown keys are errors. Relative paths in it are taken
// relative to the file's directory. The error names the file (and the line
// when the YAML parser gives one) and never quotes a value from the file.
func LoadHTTPConfigFile(path string) (promconfig.HTTPClientConfig, error) {
	if _, err := os.Stat(path); err != nil {
		return promconfig.HTTPClientConfig{}, fmt.Errorf("%s: cannot read HTTP client config: %s", path, unwrapPathErr(err))
	}
	hc, _, err := promconfig.LoadHTTPConfigFile(path)
	if err != nil {
		return promconfig.HTTPClientConfig{}, yamlError(path, err)
	}
	return *hc, nil
}

func yamlError(path string, err error) error {
	msg := yamlQuoted.ReplaceAllString(err.Error(), "(value hidden)")
	msg = yamlGoType.ReplaceAllString(msg, "")
	msg = strings.TrimPrefix(msg, "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:")
	var parts []string
	for _, l := range strings.Split(msg, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	where := path
	if len(parts) > 0 {
		if m := yamlLine.FindStringSubmatch(parts[0]); m != nil {
			where = path + ":" + m[1]
			parts[0] = parts[0][len(m[0]):]
		}
	}
	return fmt.Errorf("%s: %s", where, strings.Join(parts, "; "))
}

// InlineSecretWarnings returns one line for each configuration file that
// holds a secret inline (a password, credentials, a secret header, a key)
// while group or others may read it, naming the file and the fix.
func (c *Config) InlineSecretWarnings() []string {
	var out []string
	if c.Source != "" && c.Source != "defaults" {
		keys := append(c.Prometheus.HTTP.inlineSecrets("prometheus.http"), c.Alertmanager.HTTP.inlineSecrets("alertmanager.http")...)
		if w := exposedWarning(c.Source, keys, "password_file / credentials_file"); w != "" {
			out = append(out, w)
		}
	}
	seen := map[string]bool{}
	for _, f := range []string{c.Prometheus.HTTPFile, c.Alertmanager.HTTPFile} {
		if f == "" || seen[f] {
			continue
		}
		seen[f] = true
		hc, err := LoadHTTPConfigFile(f)
		if err != nil {
			continue
		}
		if w := exposedWarning(f, yamlInlineSecrets(&hc), "password_file / credentials_file / key_file"); w != "" {
			out = append(out, w)
		}
	}
	return out
}

func exposedWarning(path string, keys []string, alt string) string {
	if len(keys) == 0 {
		return ""
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm()&0o077 == 0 {
		return ""
	}
	return fmt.Sprintf("warning: %s holds a secret inline (%s) and group or others can read it (mode %04o): run chmod 600 %s, or keep the secret in its own file and use %s",
		path, strings.Join(keys, ", "), st.Mode().Perm(), path, alt)
}

func yamlInlineSecrets(hc *promconfig.HTTPClientConfig) []string {
	var keys []string
	if hc.BasicAuth != nil && hc.BasicAuth.Password != "" {
		keys = append(keys, "basic_auth.password")
	}
	if hc.Authorization != nil && hc.Authorization.Credentials != "" {
		keys = append(keys, "authorization.credentials")
	}
	if hc.BearerToken != "" {
		keys = append(keys, "bearer_token")
	}
	if hc.OAuth2 != nil && hc.OAuth2.ClientSecret != "" {
		keys = append(keys, "oauth2.client_secret")
	}
	if hc.TLSConfig.Key != "" {
		keys = append(keys, "tls_config.key")
	}
	if hc.HTTPHeaders != nil {
		names := make([]string, 0, len(hc.HTTPHeaders.Headers))
		for n, h := range hc.HTTPHeaders.Headers {
			if len(h.Secrets) > 0 {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		for _, n := range names {
			keys = append(keys, "http_headers."+n+".secrets")
		}
	}
	return keys
}
