package demo

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func post(t *testing.T, u string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	n, _ := resp.Body.Read(buf)
	b.Write(buf[:n])
	return resp.StatusCode, b.String()
}

func requestTotal(t *testing.T, a *App) float64 {
	t.Helper()
	total := 0.0
	for _, m := range appScrape(t, a)["flask_http_request_total"].GetMetric() {
		total += m.GetCounter().GetValue()
	}
	return total
}

// POST /-/restart starts the app's metrics again: the counters go back to
// zero and process_start_time_seconds moves forward.
func TestAppRestartResetsCountersAndStartTime(t *testing.T) {
	a := appStart(t, AppOptions{Seed: 1, Tick: hold})
	appSteps(a, 30, 1)
	before := appScrape(t, a)["process_start_time_seconds"].GetMetric()[0].GetGauge().GetValue()
	if before <= 0 || requestTotal(t, a) == 0 {
		t.Fatalf("start time %v, requests %v before the restart", before, requestTotal(t, a))
	}
	if code, body := post(t, a.URL()+"/-/restart"); code != http.StatusOK {
		t.Fatalf("POST /-/restart: %d %s", code, body)
	}
	after := appScrape(t, a)["process_start_time_seconds"].GetMetric()[0].GetGauge().GetValue()
	if after <= before {
		t.Errorf("process_start_time_seconds %v after the restart, was %v", after, before)
	}
	if got := requestTotal(t, a); got != 0 {
		t.Errorf("requests after the restart: %v, want 0 (counters start again)", got)
	}
	appSteps(a, 5, 1)
	if requestTotal(t, a) == 0 {
		t.Error("no traffic counted after the restart")
	}
	if code, _ := post(t, a.URL()+"/-/restart"); code != http.StatusOK {
		t.Fatal(code)
	}
	if a.StartTime().UnixNano() <= int64(after*1e9)-1e6 {
		t.Errorf("a second restart did not move the start time")
	}
}

// POST /-/version changes the version label of flask_exporter_info: one
// series, of the new version.
func TestAppVersionChange(t *testing.T) {
	a := appStart(t, AppOptions{Seed: 1, Tick: hold})
	if code, body := post(t, a.URL()+"/-/version?version="+url.QueryEscape("2.0.1")); code != http.StatusOK {
		t.Fatalf("POST /-/version: %d %s", code, body)
	}
	info := appScrape(t, a)["flask_exporter_info"].GetMetric()
	if len(info) != 1 || label(info[0], "version") != "2.0.1" {
		t.Fatalf("flask_exporter_info after the change: %v", info)
	}
	for _, bad := range []string{"", "a\x1b[31m", strings.Repeat("x", 200)} {
		if code, body := post(t, a.URL()+"/-/version?version="+url.QueryEscape(bad)); code != http.StatusBadRequest {
			t.Errorf("version %q: %d %s, want 400", bad, code, body)
		}
	}
	if a.Version() != "2.0.1" {
		t.Errorf("version %q after refused changes", a.Version())
	}
	if code, _ := post(t, a.URL()+"/-/restart"); code != http.StatusOK {
		t.Fatal(code)
	}
	info = appScrape(t, a)["flask_exporter_info"].GetMetric()
	if len(info) != 1 || label(info[0], "version") != "2.0.1" {
		t.Errorf("a restart lost the version: %v", info)
	}
}
