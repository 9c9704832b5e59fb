package demo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// stackQuery runs an instant query and returns the vector it gives.
func stackQuery(t *testing.T, promURL, q string) model.Vector {
	t.Helper()
	v, err := stackTryQuery(promURL, q)
	if err != nil {
		t.Fatalf("query %s: %v", q, err)
	}
	return v
}

func stackTryQuery(promURL, q string) (model.Vector, error) {
	return stackQueryAt(promURL, q, time.Now())
}

func stackQueryAt(promURL, q string, at time.Time) (model.Vector, error) {
	c, err := api.NewClient(api.Config{Address: promURL})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	v, _, _, err := v1.NewAPI(c).Query(ctx, q, at)
	if err != nil {
		return nil, err
	}
	vec, ok := v.(model.Vector)
	if !ok {
		return nil, fmt.Errorf("%s is a %s, not a vector", q, v.Type())
	}
	return vec, nil
}

func stackGet(u string) (int, []byte, error) {
	// The 10,000-endpoint app's /metrics took over 30s on a loaded
	// 2-core machine.
	c := http.Client{Timeout: 2 * time.Minute}
	resp, err := c.Get(u)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	return resp.StatusCode, b, err
}

func stackReady(u string) bool {
	code, _, err := stackGet(u + "/-/ready")
	return err == nil && code == 200
}

// stackProcsNaming returns the pids of the processes whose command line
// mentions s (the stack's directory).
func stackProcsNaming(s string) []string {
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(b, []byte(s)) {
			out = append(out, e.Name()+": "+string(bytes.ReplaceAll(b, []byte{0}, []byte{' '})))
		}
	}
	return out
}

func stackPIDsGone(t *testing.T, pids []int) {
	t.Helper()
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process %d still exists after Close (kill 0: %v)", pid, err)
		}
	}
}

const stackRules = `groups:
  - name: demo-launcher-test
    rules:
      - alert: LauncherTestPage
        expr: vector(1)
        labels: {severity: critical}
        annotations: {summary: "always firing"}
      - alert: LauncherTestChat
        expr: vector(1)
        labels: {severity: warning}
`

func TestStackWithOneAlertmanager(t *testing.T) {
	t.Parallel()
	start := time.Now()
	s := demotest.Start(t, demo.StackOptions{
		Alertmanagers: 1,
		App:           demo.AppOptions{Seed: 42},
		RuleFiles:     map[string][]byte{"launcher-test.yml": []byte(stackRules)},
	})
	t.Logf("stack started in %s", time.Since(start).Round(time.Millisecond))
	if len(s.AlertmanagerURLs) != 1 || !stackReady(s.AlertmanagerURLs[0]) || !stackReady(s.PrometheusURL) {
		t.Fatalf("not ready: %s %v", s.PrometheusURL, s.AlertmanagerURLs)
	}
	if len(s.PIDs()) != 2 {
		t.Errorf("pids %v, want prometheus and one alertmanager", s.PIDs())
	}

	// Data at once: the app has been scraped, as job flask.
	if v := stackQuery(t, s.PrometheusURL, `up{job="flask"}`); len(v) != 1 || v[0].Value != 1 ||
		string(v[0].Metric["instance"]) != s.App.Addr() {
		t.Fatalf(`up{job="flask"} = %v`, v)
	}
	if v := stackQuery(t, s.PrometheusURL, `count(flask_http_request_duration_seconds_count{job="flask"})`); len(v) != 1 || v[0].Value < demo.DefaultEndpoints {
		t.Errorf("request series right after Start: %v", v)
	}

	// The rule file is loaded; its alerts reach the sink through
	// Alertmanager: critical on /pager, warning on /chat.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for path, name := range map[string]string{"/pager": "LauncherTestPage", "/chat": "LauncherTestChat"} {
		n, err := s.Sink.WaitFor(ctx, func(n demo.Notification) bool {
			return n.Path == path && n.Status == "firing" && len(n.AlertNames()) == 1 && n.AlertNames()[0] == name
		})
		if err != nil {
			t.Fatalf("%s on %s: %v (received %d)", name, path, err, len(s.Sink.Received()))
		}
		if n.Alerts[0].Labels["alertname"] != name || n.Receiver == "" {
			t.Errorf("notification %+v", n)
		}
	}
	for _, n := range s.Sink.Received() {
		if n.Path == "/pager" && n.CommonLabels["severity"] != "critical" {
			t.Errorf("non-critical notification paged: %+v", n)
		}
	}

	// Faults through the control endpoint show in Prometheus within seconds.
	for _, q := range []string{"path=/api/checkout&error_ratio=0.6", "path=/api/search&latency=3s"} {
		resp, err := http.Post(s.App.URL()+"/-/fault?"+q, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("POST /-/fault?%s: %s", q, resp.Status)
		}
	}
	faultSet := time.Now()
	const ratioQ = `sum(rate(flask_http_request_duration_seconds_count{job="flask",path="/api/checkout",status=~"5.."}[10s]))
		/ sum(rate(flask_http_request_duration_seconds_count{job="flask",path="/api/checkout"}[10s]))`
	const p99Q = `histogram_quantile(0.99, sum by (le) (rate(flask_http_request_duration_seconds_bucket{job="flask",path="/api/search"}[10s])))`
	demotest.Eventually(t, 30*time.Second, "a high 5xx ratio on /api/checkout and a slow /api/search", func() (bool, string) {
		r, err1 := stackTryQuery(s.PrometheusURL, ratioQ)
		p, err2 := stackTryQuery(s.PrometheusURL, p99Q)
		if err := errors.Join(err1, err2); err != nil {
			return false, err.Error()
		}
		ok := len(r) == 1 && r[0].Value > 0.3 && len(p) == 1 && p[0].Value > 2
		return ok, fmt.Sprintf("ratio %v, p99 %v", r, p)
	})
	t.Logf("faults visible in Prometheus after %s", time.Since(faultSet).Round(time.Millisecond))

	// Restart Prometheus: same port, same storage. The same query at the
	// same instant gives the same answer before and after.
	const samplesQ = `count_over_time(up{job="flask"}[10m])`
	at := time.Now()
	before, err := stackQueryAt(s.PrometheusURL, samplesQ, at)
	if err != nil || len(before) != 1 || before[0].Value < 2 {
		t.Fatalf("%s = %v, %v", samplesQ, before, err)
	}
	oldURL := s.PrometheusURL
	if err := s.StopPrometheus(); err != nil {
		t.Fatal(err)
	}
	if stackReady(oldURL) {
		t.Fatalf("prometheus still answers after StopPrometheus")
	}
	if len(s.PIDs()) != 1 {
		t.Errorf("pids after StopPrometheus: %v", s.PIDs())
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel2()
	restart := time.Now()
	if err := s.StartPrometheus(ctx2); err != nil {
		t.Fatal(err)
	}
	t.Logf("prometheus restarted in %s", time.Since(restart).Round(time.Millisecond))
	if s.PrometheusURL != oldURL || !stackReady(oldURL) {
		t.Fatalf("prometheus at %s after the restart, was %s", s.PrometheusURL, oldURL)
	}
	after, err := stackQueryAt(s.PrometheusURL, samplesQ, at)
	if err != nil || len(after) != 1 || after[0].Value != before[0].Value {
		t.Errorf("samples before the restart %v, after %v (%v): the storage was not kept", before, after, err)
	}
	if now := stackQuery(t, s.PrometheusURL, `up{job="flask"}`); len(now) != 1 || now[0].Value != 1 {
		t.Errorf("up after the restart: %v", now)
	}
	if err := s.StartPrometheus(ctx2); err != nil {
		t.Errorf("StartPrometheus on a running one: %v", err)
	}

	// Restart the Alertmanager on the same port.
	if err := s.StopAlertmanager(0); err != nil {
		t.Fatal(err)
	}
	if stackReady(s.AlertmanagerURLs[0]) {
		t.Fatalf("alertmanager still answers after StopAlertmanager")
	}
	if err := s.StartAlertmanager(ctx2, 0); err != nil {
		t.Fatal(err)
	}
	if !stackReady(s.AlertmanagerURLs[0]) {
		t.Fatalf("alertmanager not back on %s", s.AlertmanagerURLs[0])
	}
	if err := s.StopAlertmanager(3); err == nil {
		t.Errorf("StopAlertmanager(3) of one accepted")
	}

	// Close stops every process, removes Dir, and may be called again.
	pids := s.PIDs()
	if len(pids) != 2 {
		t.Errorf("pids before Close: %v", pids)
	}
	closing := time.Now()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	t.Logf("closed in %s", time.Since(closing).Round(time.Millisecond))
	stackPIDsGone(t, pids)
	if left := stackProcsNaming(s.Dir); len(left) > 0 {
		t.Errorf("processes left: %v", left)
	}
	if _, err := os.Stat(s.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Dir %s still there: %v", s.Dir, err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if stackReady(oldURL) {
		t.Errorf("prometheus answers after Close")
	}
	if err := s.StartPrometheus(ctx2); err == nil {
		t.Errorf("StartPrometheus after Close succeeded")
	}
	if code, _, err := stackGet(s.App.URL() + "/metrics"); err == nil {
		t.Errorf("the app answers after Close: %d", code)
	}
}

func TestStackWithAnHAPair(t *testing.T) {
	t.Parallel()
	s := demotest.Start(t, demo.StackOptions{Alertmanagers: 2})
	if len(s.AlertmanagerURLs) != 2 || s.AlertmanagerURLs[0] == s.AlertmanagerURLs[1] {
		t.Fatalf("alertmanagers %v", s.AlertmanagerURLs)
	}
	type status struct {
		Cluster struct {
			Name   string `json:"name"`
			Status string `json:"status"`
			Peers  []struct {
				Name    string `json:"name"`
				Address string `json:"address"`
			} `json:"peers"`
		} `json:"cluster"`
	}
	peers := func(u string) (status, error) {
		var st status
		code, b, err := stackGet(u + "/api/v2/status")
		if err != nil {
			return st, err
		}
		if code != 200 {
			return st, fmt.Errorf("status %d: %s", code, b)
		}
		return st, json.Unmarshal(b, &st)
	}
	names := map[string]bool{}
	for _, u := range s.AlertmanagerURLs {
		st, err := peers(u)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Cluster.Peers) != 2 || st.Cluster.Status != "ready" {
			t.Errorf("%s: cluster %+v, want 2 peers", u, st.Cluster)
		}
		names[st.Cluster.Name] = true
		for _, p := range st.Cluster.Peers {
			if !strings.HasPrefix(p.Address, "127.0.0.1:") {
				t.Errorf("%s: peer address %s is not on loopback", u, p.Address)
			}
		}
	}
	if len(names) != 2 {
		t.Errorf("peer names %v", names)
	}

	// Prometheus sends to both.
	var am struct {
		Data struct {
			Active []struct {
				URL string `json:"url"`
			} `json:"activeAlertmanagers"`
		} `json:"data"`
	}
	if _, b, err := stackGet(s.PrometheusURL + "/api/v1/alertmanagers"); err != nil || json.Unmarshal(b, &am) != nil || len(am.Data.Active) != 2 {
		t.Errorf("prometheus alertmanagers: %v %s", err, b)
	}

	// A silence made on one peer shows on the other: they are one cluster.
	silence := fmt.Sprintf(`{"matchers":[{"name":"alertname","value":"HATest","isRegex":false,"isEqual":true}],
		"startsAt":%q,"endsAt":%q,"createdBy":"demo test","comment":"cluster check"}`,
		time.Now().UTC().Format(time.RFC3339), time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	resp, err := http.Post(s.AlertmanagerURLs[0]+"/api/v2/silences", "application/json", strings.NewReader(silence))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("POST silence: %s", resp.Status)
	}
	demotest.Eventually(t, 15*time.Second, "the silence reaching the other peer", func() (bool, string) {
		_, b, err := stackGet(s.AlertmanagerURLs[1] + "/api/v2/silences")
		if err != nil {
			return false, err.Error()
		}
		return bytes.Contains(b, []byte("HATest")), string(b)
	})

	// One peer down: the other sees itself alone; back: two again.
	if err := s.StopAlertmanager(1); err != nil {
		t.Fatal(err)
	}
	demotest.Eventually(t, 20*time.Second, "peer 0 seeing peer 1 gone", func() (bool, string) {
		st, err := peers(s.AlertmanagerURLs[0])
		if err != nil {
			return false, err.Error()
		}
		return len(st.Cluster.Peers) == 1, fmt.Sprint(st.Cluster)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := s.StartAlertmanager(ctx, 1); err != nil {
		t.Fatal(err)
	}
	for _, u := range s.AlertmanagerURLs {
		if st, err := peers(u); err != nil || len(st.Cluster.Peers) != 2 {
			t.Errorf("%s after the restart: %v %+v", u, err, st.Cluster)
		}
	}
	// The restarted peer kept its storage (or got the silence back by gossip).
	if _, b, err := stackGet(s.AlertmanagerURLs[1] + "/api/v2/silences"); err != nil || !bytes.Contains(b, []byte("HATest")) {
		t.Errorf("silence on the restarted peer: %v", err)
	}

	pids := s.PIDs()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	stackPIDsGone(t, pids)
	if left := stackProcsNaming(s.Dir); len(left) > 0 {
		t.Errorf("processes left: %v", left)
	}
}

func TestStackHighCardinality(t *testing.T) {
	t.Parallel()
	const endpoints = 10000
	// The app runs in this test's process, under -race in make test, and
	// renders 170k samples a scrape: on a busy 2-core machine a scrape took
	// more than 5s (a fresh-clone run failed so), so it gets 10s.
	const interval = 10 * time.Second
	start := time.Now()
	s := demotest.Start(t, demo.StackOptions{
		App:            demo.AppOptions{Endpoints: endpoints},
		ScrapeInterval: interval,
	})
	t.Logf("stack with %d endpoints started in %s", endpoints, time.Since(start).Round(time.Millisecond))
	one := func(q string) float64 {
		v := stackQuery(t, s.PrometheusURL, q)
		if len(v) != 1 {
			t.Fatalf("%s = %v", q, v)
		}
		return float64(v[0].Value)
	}
	paths := one(`count(count by (path) (flask_http_request_duration_seconds_count{job="flask"}))`)
	if paths != endpoints {
		t.Errorf("%v paths in Prometheus, want %d", paths, endpoints)
	}
	// A scrape that fails on a busy machine reports no samples: judge the
	// best scrape so far, report the last one too.
	samples := one(`max_over_time(scrape_samples_scraped{job="flask"}[5m])`)
	best := one(`min_over_time(scrape_duration_seconds{job="flask"}[5m])`)
	dur := one(`scrape_duration_seconds{job="flask"}`)
	series := one(`count({job="flask"})`)
	// scrape_duration_seconds includes storing the samples: the first
	// scrape, which creates 170k series, can take longer than the timeout
	// on a busy machine and still succeed.
	if samples < endpoints*17 || math.IsNaN(best) || best <= 0 {
		t.Errorf("scrape: %v samples, best scrape %vs", samples, best)
	}
	if up := one(`max_over_time(up{job="flask"}[5m])`); up != 1 {
		t.Errorf("up never 1: %v", up)
	}
	rss := ""
	for _, pid := range s.PIDs() {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if strings.HasPrefix(line, "VmRSS:") {
					rss = strings.Join(strings.Fields(line)[1:], " ")
				}
			}
		}
	}
	fetch := time.Now()
	code, body, err := stackGet(s.App.URL() + "/metrics")
	if err != nil || code != 200 {
		t.Fatalf("GET /metrics: %d %v", code, err)
	}
	t.Logf("the app's /metrics: %d bytes in %s", len(body), time.Since(fetch).Round(time.Millisecond))
	t.Logf("high-cardinality scrape: %.0f samples scraped, %.0f series in Prometheus, scrape_duration_seconds %.3f (best %.3f), prometheus RSS %s",
		samples, series, dur, best, rss)
}

func TestStackStartFailureSaysWhy(t *testing.T) {
	t.Parallel()
	demotest.RequireTools(t, "prometheus", "alertmanager")
	dir := filepath.Join(t.TempDir(), "stack")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	_, err := demo.Start(ctx, demo.StackOptions{
		Dir:           dir,
		Alertmanagers: 1,
		RuleFiles:     map[string][]byte{"broken.yml": []byte("groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: sum(\n")},
	})
	if err == nil {
		t.Fatal("a broken rule file was accepted")
	}
	t.Logf("the error:\n%v", err)
	prom, _, _ := demo.Binaries()
	msg := err.Error()
	for _, want := range []string{"prometheus", prom, "http://127.0.0.1:", "last lines of", "broken.yml"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not mention %q:\n%s", want, msg)
		}
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("failing took %s: an exited process must not be waited for", time.Since(start))
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Dir left after a failed Start: %v", err)
	}
	if left := stackProcsNaming(dir); len(left) > 0 {
		t.Errorf("processes left after a failed Start: %v", left)
	}

	for _, name := range []string{"../x.yml", "a/b.yml", "", "prometheus.yml", "alertmanager-0.log"} {
		if _, err := demo.Start(ctx, demo.StackOptions{RuleFiles: map[string][]byte{name: nil}}); err == nil {
			t.Errorf("rule file name %q accepted", name)
		}
	}
	if _, err := demo.Start(ctx, demo.StackOptions{Alertmanagers: -1}); err == nil {
		t.Errorf("Alertmanagers -1 accepted")
	}
}

func TestStackKeepsAnExistingDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mine := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(mine, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := demotest.Start(t, demo.StackOptions{Dir: dir, RuleFiles: map[string][]byte{"r.yml": []byte("groups: []\n")}})
	stackURL(t, s.PrometheusURL)
	stackURL(t, s.App.URL())
	stackURL(t, s.Sink.URL())
	if len(s.AlertmanagerURLs) != 0 || len(s.PIDs()) != 1 {
		t.Errorf("no alertmanager asked, got %v, pids %v", s.AlertmanagerURLs, s.PIDs())
	}
	if err := s.StopAlertmanager(0); err == nil {
		t.Errorf("StopAlertmanager(0) without alertmanagers accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, "prometheus.log")); err != nil {
		t.Errorf("no prometheus log in Dir: %v", err)
	}
	// A restart on a port taken meanwhile fails and says so; once the port
	// is free again it works.
	u, _ := url.Parse(s.PrometheusURL)
	if err := s.StopPrometheus(); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", u.Host)
	if err != nil {
		t.Fatalf("take the port: %v", err)
	}
	ctx0, cancel0 := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel0()
	err = s.StartPrometheus(ctx0)
	ln.Close()
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("StartPrometheus on a taken port: %v", err)
	}
	if err := s.StartPrometheus(ctx0); err != nil {
		t.Fatalf("StartPrometheus once the port is free: %v", err)
	}

	// A rule file can be replaced while running.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.SetRuleFiles(ctx, map[string][]byte{"new.yml": []byte(stackRules)}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "r.yml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the replaced rule file is still there")
	}
	demotest.Eventually(t, 10*time.Second, "the new rule loaded", func() (bool, string) {
		_, b, err := stackGet(s.PrometheusURL + "/api/v1/rules")
		return err == nil && bytes.Contains(b, []byte("LauncherTestPage")), string(b)
	})
	if err := s.SetRuleFiles(ctx, map[string][]byte{"bad.yml": []byte("groups: [{name: x, rules: [{alert: X, expr: 'sum('}]}]\n")}); err == nil {
		t.Errorf("a broken rule file reloaded without error")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "notes.txt" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("Dir after Close holds %v, want only notes.txt", names)
	}
}

func TestBinariesAndTools(t *testing.T) {
	if _, err := demo.Tool("vigil-no-such-tool"); !errors.Is(err, demo.ErrMissingBinary) || !strings.Contains(err.Error(), demo.InstallHint) {
		t.Errorf("missing tool: %v", err)
	}
	t.Setenv("PATH", t.TempDir())
	_, _, err := demo.Binaries()
	if !errors.Is(err, demo.ErrMissingBinary) || !strings.Contains(err.Error(), "apt-get install prometheus prometheus-alertmanager") {
		t.Errorf("Binaries with an empty PATH: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := demo.Start(ctx, demo.StackOptions{}); !errors.Is(err, demo.ErrMissingBinary) {
		t.Errorf("Start with an empty PATH: %v", err)
	}
}

// stackURL checks a URL is a loopback http URL.
func stackURL(t *testing.T, u string) {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "http" || p.Hostname() != "127.0.0.1" {
		t.Errorf("%q is not a loopback URL", u)
	}
}
