package vigil

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
)

// DashboardConfig is one [[dashboards]] table: a Grafana dashboard read
// from a JSON file, or from Grafana's HTTP API.
type DashboardConfig struct {
	// File is the dashboard's JSON file (relative to the config file's
	// directory).
	File string `toml:"file"`
	// Grafana reads the dashboard of UID from Grafana's API at URL.
	Grafana *GrafanaSource `toml:"grafana"`
}

// GrafanaSource is where Grafana serves a dashboard: GET
// URL/api/dashboards/uid/UID, with the connection settings of HTTP
// (bearer token, basic auth, TLS), as [prometheus.http] takes them.
type GrafanaSource struct {
	URL  string     `toml:"url"`
	UID  string     `toml:"uid"`
	HTTP HTTPConfig `toml:"http"`
}

var uidRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,40}$`)

// validateDashboards checks each [[dashboards]] and --var.
func (c *Config) validateDashboards() error {
	for i, d := range c.Dashboards {
		key := fmt.Sprintf("dashboards[%d]", i)
		switch {
		case d.File == "" && d.Grafana == nil:
			return c.fail(key, "set file = \"dashboard.json\" or grafana = { url = \"…\", uid = \"…\" }")
		case d.File != "" && d.Grafana != nil:
			return c.fail(key, "set file or grafana, not both")
		case d.Grafana != nil:
			if err := checkURL(d.Grafana.URL); err != nil {
				return c.fail(key+".grafana.url", "%v", err)
			}
			if !uidRE.MatchString(d.Grafana.UID) {
				return c.fail(key+".grafana.uid", "%q is not a dashboard UID (letters, digits, - and _, at most 40)", d.Grafana.UID)
			}
			if _, err := c.DashboardHTTP(i); err != nil {
				return err
			}
		}
	}
	for name := range c.DashboardVars {
		if !regexp.MustCompile(`^\w+$`).MatchString(name) {
			return c.fail("var", "%q is not a variable name", name)
		}
	}
	return nil
}

// DashboardFile is the path of dashboard i's file: relative paths are
// read from the config file's directory.
func (c *Config) DashboardFile(i int) string {
	f := c.Dashboards[i].File
	if filepath.IsAbs(f) || c.Source == "" || c.Source == "defaults" {
		return f
	}
	if strings.HasPrefix(c.where(fmt.Sprintf("dashboards[%d]", i)), "flag") {
		return f
	}
	return filepath.Join(filepath.Dir(c.Source), f)
}

// DashboardHTTP is the connection settings of dashboard i's Grafana.
func (c *Config) DashboardHTTP(i int) (HTTPClient, error) {
	g := c.Dashboards[i].Grafana
	return c.httpClient(fmt.Sprintf("dashboards[%d].grafana.http", i), "", &g.HTTP)
}

// DashboardURL is the API address of dashboard i's Grafana source.
func (c *Config) DashboardURL(i int) string {
	g := c.Dashboards[i].Grafana
	return strings.TrimRight(g.URL, "/") + "/api/dashboards/uid/" + url.PathEscape(g.UID)
}

// AddDashboardFlags adds the --dashboard files (read from the working
// directory) and the --var name=value settings.
func (c *Config) AddDashboardFlags(files, vars []string) error {
	for _, f := range files {
		c.Dashboards = append(c.Dashboards, DashboardConfig{File: f})
		c.SetOrigin(fmt.Sprintf("dashboards[%d]", len(c.Dashboards)-1), "flag --dashboard")
	}
	for _, kv := range vars {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return &Error{Where: "flag --var", Msg: fmt.Sprintf("%q: write name=value", kv)}
		}
		if c.DashboardVars == nil {
			c.DashboardVars = map[string][]string{}
		}
		c.DashboardVars[name] = append(c.DashboardVars[name], val)
	}
	return nil
}
