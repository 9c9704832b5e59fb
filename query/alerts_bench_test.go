package query

import (
	"fmt"
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
