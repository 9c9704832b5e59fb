package query

// DemoShape is demoShape for the external tests (package query_test: those
// that also need the Alertmanager client of query/alertmanager, which
// imports this package).
var DemoShape = demoShape
