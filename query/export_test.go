package query

// The helpers of this package's tests that its external tests (package
// query_test: those that also need the Alertmanager client of
// query/alertmanager, which imports this package) use too.
var (
	DemoClient    = demoClient
	DemoShape     = demoShape
	PostControl   = postControl
	QueryRequests = queryRequests
	ScalarAt      = scalarAt
	QueryHandlers = queryHandlers
)
