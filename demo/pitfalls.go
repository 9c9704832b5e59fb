package demo

import (
	"fmt"
	"regexp"
	"strings"
)

// Pitfalls makes the app show, on demand, the pitfalls of
// prometheus_flask_exporter that a console must see through. Each field is
// one of them; the zero value shows none.
type Pitfalls struct {
	// Prefix replaces "flask" in the names of the exporter's families, as
	// PrometheusMetrics(defaults_prefix=...) does; NoPrefix drops it, as
	// defaults_prefix=NO_PREFIX does (http_request_total, exporter_info).
	Prefix   string
	NoPrefix bool
	// GroupBy is the exporter's group_by: "path" (the default, the concrete
	// path), "url_rule" (/blog/<slug>), "endpoint" (the view function's
	// name) or the name of a function, which becomes the label's name
	// (its values are then the URL rules).
	GroupBy string
	// Summary exposes the latency as a summary with no quantiles, as
	// default_latency_as_histogram=False does: _count and _sum, no buckets.
	Summary bool
	// Workers, above 1, runs that many gunicorn workers without
	// multiprocess mode: each keeps its own counters, and each scrape
	// reaches the next worker, so the counters Prometheus sees go back and
	// forth.
	Workers int
	// HideExceptions turns every unhandled exception into a handled 500
	// response, as an @errorhandler(Exception) does: the exceptions counter
	// stays at 0 while 500s occur.
	HideExceptions bool
	// Scanners adds scanners asking for paths the app does not serve: 404s
	// that, under group_by path, are each a new series (up to
	// maxScannedPaths), and under url_rule or endpoint land on "None".
	Scanners bool
	// PathExplosion adds ids and slugs in paths: 40 blog articles, 25
	// orders by number and 10 files by UUID, each its own path.
	PathExplosion bool
	// DebugReloader serves no exporter family at all, as under Flask's
	// debug reloader without DEBUG_METRICS: /metrics answers, with the
	// process's other metrics only.
	DebugReloader bool
}

// maxWorkers bounds Pitfalls.Workers.
const maxWorkers = 16

// Scanners: how many requests per second, and how many distinct paths at
// most (then the same ones come back).
const (
	scannerRate     = 2.0
	maxScannedPaths = 120
)

var labelNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

func (p Pitfalls) check() error {
	if p.Workers < 0 || p.Workers > maxWorkers {
		return fmt.Errorf("demo app: Pitfalls.Workers %d is out of range 0..%d", p.Workers, maxWorkers)
	}
	if p.GroupBy != "" && !labelNameRE.MatchString(p.GroupBy) {
		return fmt.Errorf("demo app: Pitfalls.GroupBy %q is not a label name", p.GroupBy)
	}
	if p.Prefix != "" && !labelNameRE.MatchString(p.Prefix) {
		return fmt.Errorf("demo app: Pitfalls.Prefix %q is not a metric name prefix", p.Prefix)
	}
	if p.Prefix != "" && p.NoPrefix {
		return fmt.Errorf("demo app: Pitfalls.Prefix %q and NoPrefix both set", p.Prefix)
	}
	return nil
}

// name is the name of one of the exporter's families.
func (p Pitfalls) name(base string) string {
	switch {
	case p.NoPrefix:
		return base
	case p.Prefix != "":
		return p.Prefix + "_" + base
	}
	return "flask_" + base
}

// MetricPrefix is the prefix of the exporter's families with underscore,
// "flask_" by default, "" under NoPrefix.
func (p Pitfalls) MetricPrefix() string { return strings.TrimSuffix(p.name("x"), "x") }

// endpointLabel is the name of the endpoint label.
func (p Pitfalls) endpointLabel() string {
	if p.GroupBy == "" {
		return "path"
	}
	return p.GroupBy
}

// EndpointLabel is the name of the endpoint label the app exposes.
func (p Pitfalls) EndpointLabel() string { return p.endpointLabel() }

// labelValue is the endpoint label's value of a request of the path.
func (p Pitfalls) labelValue(path string) string {
	switch p.endpointLabel() {
	case "path":
		return path
	case "endpoint":
		return viewName(URLRule(path))
	}
	return URLRule(path)
}

var (
	numericSegment = regexp.MustCompile(`^[0-9]+$`)
	uuidSegment    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// URLRule is the Flask URL rule that serves a path of the app: ids, UUIDs,
// blog slugs and static files become the rule's variables.
func URLRule(path string) string {
	seg := strings.Split(path, "/")
	for i, s := range seg {
		switch {
		case s == "":
		case numericSegment.MatchString(s):
			seg[i] = "<int:id>"
		case uuidSegment.MatchString(s):
			seg[i] = "<uuid:id>"
		case i == 2 && seg[1] == "blog":
			seg[i] = "<slug>"
		case i == 2 && seg[1] == "static":
			return "/static/<path:filename>"
		}
	}
	return strings.Join(seg, "/")
}

// viewName is the name of the view function of a URL rule, as Flask's
// endpoint label gives it: its fixed segments joined, "index" for "/",
// "_item" for a rule with a variable.
func viewName(rule string) string {
	var parts []string
	item := false
	for _, s := range strings.Split(rule, "/") {
		switch {
		case s == "":
		case strings.HasPrefix(s, "<"):
			item = true
		default:
			parts = append(parts, strings.NewReplacer("-", "_", ".", "_").Replace(s))
		}
	}
	if len(parts) == 0 {
		return "index"
	}
	name := strings.Join(parts, "_")
	if item {
		name += "_item"
	}
	return name
}

// explodedEndpoints are the ids and slugs of Pitfalls.PathExplosion.
func explodedEndpoints() []*endpoint {
	var eps []*endpoint
	words := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"}
	for i := 0; i < 40; i++ {
		slug := fmt.Sprintf("%s-notes-%d", words[i%len(words)], i)
		eps = append(eps, &endpoint{method: "GET", path: "/blog/" + slug, rate: 0.3, latency: ms(45), spread: 0.5, okStatus: "200", slug: slug, query: "select_article"})
	}
	for i := 0; i < 25; i++ {
		eps = append(eps, &endpoint{method: "GET", path: fmt.Sprintf("/api/orders/%d", 10400+i*7), rate: 0.4, latency: ms(60), spread: 0.5, okStatus: "200", query: "select_orders"})
	}
	for i := 0; i < 10; i++ {
		eps = append(eps, &endpoint{method: "GET", path: fmt.Sprintf("/files/%08x-%04x-4%03x-8%03x-%012x", 0x1a2b3c00+i, i, i, i, 0x5e6f70+i), rate: 0.2, latency: ms(30), spread: 0.5, okStatus: "200"})
	}
	return eps
}

// scannerPaths are what scanners ask for; a number makes each distinct.
var scannerPaths = []string{"/wp-login.php", "/.env", "/.git/config", "/phpmyadmin/index.php", "/xmlrpc.php", "/cgi-bin/test.cgi"}

// scan records one scanner's request: a 404 for a path the app does not
// serve. Called with a.mu held.
func (a *App) scan() {
	base := scannerPaths[a.rng.Intn(len(scannerPaths))]
	path := base
	if len(a.scanned) < maxScannedPaths {
		path = fmt.Sprintf("/old-%d%s", a.rng.Intn(1_000_000), base) // the path label has no query string
	} else {
		for p := range a.scanned { // map order: one of the seen ones
			path = p
			break
		}
	}
	if a.opts.Pitfalls.DebugReloader {
		return
	}
	a.scanned[path] = true
	value := path
	if a.opts.Pitfalls.endpointLabel() != "path" {
		value = "None" // no rule matched: the exporter's label is None
	}
	w := 0
	if len(a.workers) > 1 {
		w = a.rng.Intn(len(a.workers))
	}
	f := a.workers[w]
	f.duration.WithLabelValues("GET", value, "404").Observe(lognormal(a.rng, 0.002, 0.3))
	f.requests.WithLabelValues("GET", "404").Inc()
}
