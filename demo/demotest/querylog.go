package demotest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"
)

// QueryCost is what Prometheus spent on the queries of its query log from
// one offset on: the API's queries only, rule evaluations left out.
type QueryCost struct {
	Queries int
	// Eval is the sum of evalTotalTime (preparation, inner evaluation and
	// sorting); Exec the sum of execTotalTime (Eval plus the time queued).
	Eval, Exec time.Duration
	// Samples is the sum of totalQueryableSamples when Prometheus logs it.
	Samples int64
	// ByQuery is the evaluation time of each query text (its first 90
	// characters), summed.
	ByQuery map[string]time.Duration
	// RuleEvals and RuleEval count the rules' own evaluations in the same
	// span and their evaluation time, apart from the queries above.
	RuleEvals int
	RuleEval  time.Duration
}

func (c QueryCost) String() string {
	return fmt.Sprintf("%d queries, eval %s, exec %s", c.Queries, c.Eval.Round(time.Microsecond), c.Exec.Round(time.Microsecond))
}

// Per divides the cost by n refreshes.
func (c QueryCost) Per(n int) QueryCost {
	if n <= 0 {
		return c
	}
	return QueryCost{Queries: c.Queries / n, Eval: c.Eval / time.Duration(n), Exec: c.Exec / time.Duration(n), Samples: c.Samples / int64(n)}
}

// QueryLogSize is the current size of the query log at path, the offset to
// pass to QueryLogCost; 0 when it does not exist yet.
func QueryLogSize(t testing.TB, path string) int64 {
	t.Helper()
	if path == "" {
		t.Fatal("no query log: start the stack with QueryLog")
	}
	fi, err := os.Stat(path)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// QueryLogCost sums the timings of the API queries Prometheus logged at
// path after offset. Prometheus writes a line when a query ends, which can
// be a moment after its client has the answer: it waits (up to 5 s) until
// want queries are logged when want > 0.
func QueryLogCost(t testing.TB, path string, offset int64, want int) QueryCost {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := queryLogCost(t, path, offset)
		if want <= 0 || c.Queries >= want || time.Now().After(deadline) {
			return c
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func queryLogCost(t testing.TB, path string, offset int64) QueryCost {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return QueryCost{}
	}
	if err != nil {
		t.Fatal(err)
	}
	if offset > int64(len(data)) {
		t.Fatalf("query log %s shrank below offset %d", path, offset)
	}
	var c QueryCost
	sc := bufio.NewScanner(bytes.NewReader(data[offset:]))
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		var e struct {
			HTTPRequest *struct {
				Path string `json:"path"`
			} `json:"httpRequest"`
			Params struct {
				Query string `json:"query"`
			} `json:"params"`
			Stats struct {
				Timings struct {
					EvalTotalTime float64 `json:"evalTotalTime"`
					ExecTotalTime float64 `json:"execTotalTime"`
				} `json:"timings"`
				Samples struct {
					TotalQueryableSamples int64 `json:"totalQueryableSamples"`
				} `json:"samples"`
			} `json:"stats"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			// The last line may be half written.
			continue
		}
		if e.HTTPRequest == nil {
			// A rule's evaluation: counted apart.
			c.RuleEvals++
			c.RuleEval += time.Duration(e.Stats.Timings.EvalTotalTime * float64(time.Second))
			continue
		}
		c.Queries++
		if c.ByQuery == nil {
			c.ByQuery = map[string]time.Duration{}
		}
		q := e.Params.Query
		if len(q) > 90 {
			q = q[:90]
		}
		c.ByQuery[q] += time.Duration(e.Stats.Timings.EvalTotalTime * float64(time.Second))
		c.Eval += time.Duration(e.Stats.Timings.EvalTotalTime * float64(time.Second))
		c.Exec += time.Duration(e.Stats.Timings.ExecTotalTime * float64(time.Second))
		c.Samples += e.Stats.Samples.TotalQueryableSamples
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading query log %s: %v", path, err)
	}
	return c
}
