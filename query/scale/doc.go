// Package scale holds the tests and benchmarks of vigil's queries at
// scale and of its recording rules: they start their own Prometheus, some
// over 10,000 endpoints, and so run under their own package timeout.
package scale
