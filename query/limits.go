package query

import "time"

// The bounds of a refresh's requests under prometheus.timeout and
// prometheus.max_concurrent_queries.

// rounds is how many rounds n requests sent together take under the cap on
// the requests in flight: 1 without a cap.
func (p *Prometheus) rounds(n int) int { return rounds(n, p.maxConcurrent) }

func rounds(n, maxConcurrent int) int {
	if maxConcurrent <= 0 || n <= maxConcurrent {
		return 1
	}
	return (n + maxConcurrent - 1) / maxConcurrent
}

// RefreshDeadline is the longest the requests of an overview refresh can
// take with a timeout per request and at most maxConcurrent in flight (0:
// no cap): the timeout for each round of them. The reads a refresh sends
// before the rest (a first refresh's targets, rules and groups) or after
// them (what changes slowly, when the targets' health changed) share it:
// one cut by it fails alone and is named, as a rejected query is.
func RefreshDeadline(timeout time.Duration, maxConcurrent int) time.Duration {
	return timeout * time.Duration(rounds(QueriesPerRefresh, maxConcurrent))
}

// evalTimeout is the timeout parameter sent with a query: the client sends
// it as Go writes a duration, and Prometheus cannot read "1.5s", so a
// timeout above a second is rounded up to whole seconds (the client's own
// deadline stays exact).
func evalTimeout(d time.Duration) time.Duration {
	if d <= time.Second || d%time.Second == 0 {
		return d
	}
	return d.Truncate(time.Second) + time.Second
}
