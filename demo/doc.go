// Package demo runs a synthetic Flask-shaped service and a real Prometheus +
// Alertmanager stack around it, on loopback, for `vigil demo` and for the
// integration tests of every vigil package.
//
// # The app
//
// StartApp serves, at /metrics, exactly the metric families that a Flask app
// instrumented with prometheus_flask_exporter 0.23.2 exposes (see
// docs/flask-metrics.md): the request duration histogram labelled method, path
// and status; the request and exception counters labelled method and status
// only; flask_exporter_info; and the business metrics article_views_total,
// db_query_duration_seconds and celery_task_duration_seconds. No real HTTP
// traffic is needed: a ticker simulates requests from a seeded random source
// and records each of them consistently in every family, the way the exporter
// does (an unhandled exception counts in the exceptions counter, in
// flask_http_request_total{status="500"} and in the histogram with
// status="500").
//
// Incidents are scripted with App.SetFault, by AppOptions.Script (a looping
// timeline: an error burst on /api/checkout, a latency spike on /api/search,
// calm, again), or from another process through the control endpoint on the
// app's own server:
//
//	POST /-/fault?path=/api/checkout&error_ratio=0.3&latency=3s
//	    sets the fault of one path: error_ratio is the extra share of
//	    requests that fail with 500 (0..1), latency the p99 the path's
//	    latency moves to (a duration such as 3s or 250ms, up to 1m). At
//	    least one of the two is needed. Parameters may also come as a form
//	    body.
//	POST /-/fault/clear[?path=/api/checkout]
//	    clears the fault of one path, or every fault set by hand.
//	GET /-/fault
//	    lists the faults in force (set by hand and scripted) as JSON.
//
// Bad input gets 400 with a message that says what is wrong.
//
// With AppOptions.Endpoints above 30 the app is high-cardinality: that many
// GET paths (/item/00001...), a scrape of 10000 of them is 170k samples and
// 17 MB of text, served from a copy rendered at most one scrape earlier so
// that a busy machine still scrapes it in time.
//
// # The stack
//
// Start launches the real prometheus and prometheus-alertmanager binaries
// from PATH on free loopback ports in a scratch directory, with generated
// configurations: Prometheus scrapes the app as job "flask", loads the given
// rule files and sends alerts to every Alertmanager; the Alertmanagers (none,
// one, or an HA pair) notify a webhook Sink. Start returns once every process
// is ready and Prometheus has scraped the app, so data is there at once.
// Stack.Close stops everything and removes the scratch directory. The
// children die with the process that started them (Linux: PR_SET_PDEATHSIG),
// so a killed test leaves nothing running.
//
// Package demotest wraps Start for tests: it skips the test when the
// binaries are missing (fails it under CI=true) and closes the stack when the
// test ends.
package demo
