package query

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"
)

// syntheticAlerts builds n Alertmanager alerts and the Prometheus view of
// the same rules: most firing alerts in both, plus pending ones only
// Prometheus has.
func syntheticAlerts(n int) (am, prom []Alert) {
	sev := []string{"critical", "warning", "info", "error", ""}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		ls := map[string]string{
			"alertname": fmt.Sprintf("Rule%d", i%40),
			"severity":  sev[i%len(sev)],
			"path":      fmt.Sprintf("/api/v1/resource%d", i%250),
			"instance":  fmt.Sprintf("10.0.%d.%d:8000", i/250, i%250),
			"job":       "flask",
			"method":    []string{"GET", "POST"}[i%2],
		}
		a := Alert{
			Fingerprint: fmt.Sprintf("%016x", i), Name: ls["alertname"], Severity: ls["severity"],
			State: StateFiring, Labels: ls,
			Annotations: map[string]string{"summary": fmt.Sprintf("checkout error rate %d", i), "runbook_url": "https://runbooks.example/x"},
			ActiveAt:    t0.Add(time.Duration(i%97) * time.Minute), Source: SourceAlertmanager,
		}
		if i%7 == 0 {
			a.State = StateSilenced
		}
		am = append(am, a)
		if i%5 != 0 { // 80% also in Prometheus
			p := a
			p.Source, p.State, p.Value = SourcePrometheus, StateFiring, "0.07"
			prom = append(prom, p)
		}
		if i%5 == 0 { // pending only in Prometheus
			pl := make(map[string]string, len(ls))
			for k, v := range ls {
				pl[k] = v
			}
			pl["alertname"] = "Pending" + pl["alertname"]
			prom = append(prom, Alert{Name: pl["alertname"], Severity: pl["severity"], State: StatePending, Labels: pl, Source: SourcePrometheus, ActiveAt: t0})
		}
	}
	return am, prom
}

func BenchmarkMergeSortFilter1000(b *testing.B) {
	am, prom := syntheticAlerts(1000)
	b.ReportAllocs()
	b.ResetTimer()
	kept := 0
	for i := 0; i < b.N; i++ {
		merged := MergeAlerts(am, prom)
		SortAlerts(merged)
		f, err := ParseAlertFilter(`severity=~"critical|warning" checkout`)
		if err != nil {
			b.Fatal(err)
		}
		kept = len(f.Filter(merged))
	}
	b.ReportMetric(float64(kept), "kept")
}

func BenchmarkSilenceMatchCount500x1000(b *testing.B) {
	am, _ := syntheticAlerts(1000)
	ss := make([]Silence, 500)
	for i := range ss {
		ms, err := ParseMatchers(fmt.Sprintf(`Rule%d path=~"/api/v1/resource%d.*"`, i%40, i%250))
		if err != nil {
			b.Fatal(err)
		}
		ss[i] = Silence{ID: fmt.Sprint(i), Matchers: ms}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, s := range ss {
			SilenceMatchCount(s, am)
		}
	}
}

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
		n := SilenceMatchCount(s, got)
		if n != 2 {
			t.Fatalf("silence %s (%s) matches %d alerts, want 2", s.ID, FormatMatchers(s.Matchers), n)
		}
		total += n
	}
	tCount := time.Since(t0)
	t0 = time.Now()
	merged := MergeAlerts(got, nil)
	SortAlerts(merged)
	tMerge := time.Since(t0)
	silenced := 0
	for _, a := range got {
		if a.State == StateSilenced {
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
