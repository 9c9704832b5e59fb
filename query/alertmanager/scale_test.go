package alertmanager

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/vigilterm/vigil/query"
)

// A real Alertmanager holding 1,000 alerts and 500 silences: listing both
// and counting every silence's matches stays fast.
func TestAlertmanagerScale(t *testing.T) {
	am := startAlertmanager(t)
	const nAlerts, nSilences = 1000, 500
	alerts := make([]testAlert, nAlerts)
	for i := range alerts {
		alerts[i] = testAlert{
			Labels: map[string]string{
				"alertname": fmt.Sprintf("ScaleRule%d", i%20),
				"severity":  []string{"critical", "warning", "info"}[i%3],
				"path":      fmt.Sprintf("/p%d", i%nSilences),
				"instance":  fmt.Sprintf("10.0.0.%d:8000", i%250),
				"job":       "flask",
			},
			Annotations: map[string]string{"summary": "scale test alert", "runbook_url": "https://runbooks.example/scale"},
		}
	}
	start := time.Now()
	postAlerts(t, am.URL, alerts)
	t.Logf("posted %d alerts in %s", nAlerts, time.Since(start).Round(time.Millisecond))

	// Silences: one per path (two alerts each), every tenth a regexp.
	start = time.Now()
	ends := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var postErr error
	hc := &http.Client{Timeout: 10 * time.Second}
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				m := map[string]any{"name": "path", "value": fmt.Sprintf("/p%d", i), "isRegex": false, "isEqual": true}
				if i%10 == 0 {
					m = map[string]any{"name": "path", "value": fmt.Sprintf("/p%d|/nothing", i), "isRegex": true, "isEqual": true}
				}
				body, _ := json.Marshal(map[string]any{
					"matchers":  []any{m},
					"startsAt":  time.Now().UTC().Format(time.RFC3339),
					"endsAt":    ends,
					"createdBy": "vigil-scale",
					"comment":   fmt.Sprintf("scale %d", i),
				})
				resp, err := hc.Post(am.URL+"/api/v2/silences", "application/json", bytes.NewReader(body))
				if err == nil {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("%d %s", resp.StatusCode, b)
					}
				}
				if err != nil {
					mu.Lock()
					postErr = err
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < nSilences; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if postErr != nil {
		t.Fatalf("posting silences: %v", postErr)
	}
	t.Logf("posted %d silences in %s", nSilences, time.Since(start).Round(time.Millisecond))

	c := newTestAM(t, 10*time.Second, am.URL)
	ctx := testCtx(t, 60*time.Second)
	// One warm-up round, then the measured one.
	if _, err := c.Alerts(ctx); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	got, err := c.Alerts(ctx)
	tAlerts := time.Since(t0)
	if err != nil || len(got) != nAlerts {
		t.Fatalf("Alerts: %d, %v", len(got), err)
	}
	t0 = time.Now()
	ss, err := c.Silences(ctx)
	tSilences := time.Since(t0)
	if err != nil || len(ss) != nSilences {
		t.Fatalf("Silences: %d, %v", len(ss), err)
	}
	t0 = time.Now()
	total := 0
	for _, s := range ss {
		n := query.SilenceMatchCount(s, got)
		if n != 2 {
			t.Fatalf("silence %s (%s) matches %d alerts, want 2", s.ID, query.FormatMatchers(s.Matchers), n)
		}
		total += n
	}
	tCount := time.Since(t0)
	t0 = time.Now()
	merged := query.MergeAlerts(got, nil)
	query.SortAlerts(merged)
	tMerge := time.Since(t0)
	silenced := 0
	for _, a := range got {
		if a.State == query.StateSilenced {
			silenced++
		}
	}
	if silenced != nAlerts {
		t.Errorf("%d of %d alerts silenced", silenced, nAlerts)
	}
	t.Logf("Alerts %s, Silences %s, SilenceMatchCount x%d %s, merge+sort %s (matches %d)",
		tAlerts.Round(time.Millisecond), tSilences.Round(time.Millisecond), nSilences,
		tCount.Round(time.Microsecond), tMerge.Round(time.Microsecond), total)
	// Generous bounds: two shared cores, possibly -race.
	if tAlerts > 3*time.Second || tSilences > 3*time.Second || tCount > time.Second || tMerge > time.Second {
		t.Errorf("too slow: Alerts %s, Silences %s, counts %s, merge+sort %s", tAlerts, tSilences, tCount, tMerge)
	}
}
