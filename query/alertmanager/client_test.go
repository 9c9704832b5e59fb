package alertmanager

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"

	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
)

// amTestConfig routes everything to a receiver that notifies nobody, and
// inhibits InhibitTarget while InhibitSource fires.
const amTestConfig = `route:
  receiver: nobody
  group_wait: 1h
  group_interval: 1h
  repeat_interval: 24h
receivers:
  - name: nobody
inhibit_rules:
  - source_matchers: ['alertname="InhibitSource"']
    target_matchers: ['alertname="InhibitTarget"']
`

// testAM is one Alertmanager process started by a test.
type testAM struct {
	URL string
	cmd *exec.Cmd
	log string

	stopOnce sync.Once
	done     chan struct{}
}

// Stop kills the process and waits for it.
func (a *testAM) Stop() {
	a.stopOnce.Do(func() {
		if a.cmd.Process != nil {
			_ = a.cmd.Process.Kill()
		}
		<-a.done
	})
}

func amInCI() bool {
	v := strings.ToLower(strings.TrimSpace(os.Getenv("CI")))
	return v == "true" || v == "1"
}

func alertmanagerBinary(t testing.TB) string {
	t.Helper()
	for _, n := range []string{"prometheus-alertmanager", "alertmanager"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if amInCI() {
		t.Fatal("prometheus-alertmanager is not installed (CI=true: it is required; apt-get install prometheus-alertmanager)")
	}
	t.Skip("SKIPPED, NOT TESTED: prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)")
	return ""
}

func amFreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startAlertmanager starts a real, unclustered Alertmanager on a free
// loopback port with amTestConfig, waits until it is ready, and kills it
// when the test ends.
func startAlertmanager(t testing.TB) *testAM {
	t.Helper()
	bin := alertmanagerBinary(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(cfg, []byte(amTestConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port := amFreePort(t)
		am, err := launchAM(t, bin, dir, cfg, port, attempt)
		if err == nil {
			return am
		}
		lastErr = err
	}
	t.Fatalf("alertmanager did not start: %v", lastErr)
	return nil
}

func launchAM(t testing.TB, bin, dir, cfg string, port, attempt int) (*testAM, error) {
	logPath := filepath.Join(dir, fmt.Sprintf("alertmanager-%d.log", attempt))
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin,
		"--config.file="+cfg,
		"--storage.path="+filepath.Join(dir, fmt.Sprintf("data-%d", attempt)),
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port),
		"--cluster.listen-address=",
		"--log.level=warn",
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	am := &testAM{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(am.done)
	}()
	t.Cleanup(func() {
		am.Stop()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			if len(b) > 3000 {
				b = b[len(b)-3000:]
			}
			t.Logf("alertmanager log (%s):\n%s", am.URL, b)
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	hc := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-am.done:
			b, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("exited: %s", bytes.TrimSpace(b))
		default:
		}
		resp, err := hc.Get(am.URL + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return am, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	am.Stop()
	return nil, fmt.Errorf("not ready within 20s")
}

// testAlert is the body of POST /api/v2/alerts.
type testAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"startsAt,omitempty"`
	EndsAt       time.Time         `json:"endsAt,omitempty"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// postAlerts sends alerts straight to Alertmanager, in batches of 200.
func postAlerts(t testing.TB, baseURL string, alerts []testAlert) {
	t.Helper()
	for i := 0; i < len(alerts); i += 200 {
		demotest.PostJSON(t, baseURL+"/api/v2/alerts", alerts[i:min(i+200, len(alerts))])
	}
}

// rawSilence is a silence as Alertmanager's JSON has it.
type rawSilence struct {
	ID        string `json:"id"`
	Comment   string `json:"comment"`
	CreatedBy string `json:"createdBy"`
	EndsAt    string `json:"endsAt"`
	Status    struct {
		State string `json:"state"`
	} `json:"status"`
}

// rawSilences reads /api/v2/silences directly, without vigil's client.
func rawSilences(t testing.TB, baseURL string) []rawSilence {
	t.Helper()
	var out []rawSilence
	demotest.GetJSON(t, baseURL+"/api/v2/silences", &out)
	return out
}

// rawAlert is an alert as Alertmanager's JSON has it.
type rawAlert struct {
	Labels map[string]string `json:"labels"`
	Status struct {
		State       string   `json:"state"`
		SilencedBy  []string `json:"silencedBy"`
		InhibitedBy []string `json:"inhibitedBy"`
	} `json:"status"`
}

func rawAlerts(t testing.TB, baseURL string) []rawAlert {
	t.Helper()
	var out []rawAlert
	demotest.GetJSON(t, baseURL+"/api/v2/alerts", &out)
	return out
}

func countSilences(t testing.TB, baseURL, comment string, unexpiredOnly bool) int {
	t.Helper()
	n := 0
	for _, s := range rawSilences(t, baseURL) {
		if s.Comment == comment && (!unexpiredOnly || s.Status.State != query.SilenceExpired) {
			n++
		}
	}
	return n
}

func newTestAM(t testing.TB, timeout time.Duration, urls ...string) *Client {
	t.Helper()
	a, err := New(Options{URLs: urls, Timeout: timeout})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

func testCtx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// faultAction is what the fault proxy does with one request.
type faultAction int

const (
	faultPass          faultAction = iota // forward, return the answer
	faultForwardHang                      // forward, then never answer
	faultForwardReset                     // forward, then cut the connection
	faultHang                             // do not forward, never answer
	faultRefuseToParse                    // answer 200 with malformed JSON
	faultGatewayPage                      // answer 502 with a long HTML page, as a proxy does
)

// faultProxy stands in front of a real Alertmanager and does, per request,
// what a real one cannot: drop or cut an answer, hang, or answer garbage.
type faultProxy struct {
	URL    string
	target string
	srv    *http.Server
	ln     net.Listener
	decide func(r *http.Request, n int) faultAction // n counts requests of that method+path

	mu       sync.Mutex
	counts   map[string]int
	forwards atomic.Int32 // POSTs forwarded to Alertmanager
	stop     chan struct{}
}

func startFaultProxy(t testing.TB, target string, decide func(r *http.Request, n int) faultAction) *faultProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{URL: "http://" + ln.Addr().String(), target: target, ln: ln, decide: decide, counts: map[string]int{}, stop: make(chan struct{})}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	t.Cleanup(func() {
		close(p.stop)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = p.srv.Shutdown(ctx)
	})
	return p
}

func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.Method + " " + r.URL.Path
	p.mu.Lock()
	p.counts[key]++
	n := p.counts[key]
	p.mu.Unlock()
	action := faultPass
	if p.decide != nil {
		action = p.decide(r, n)
	}
	body, _ := io.ReadAll(r.Body)
	hang := func() {
		select {
		case <-r.Context().Done(): // the client gave up
		case <-p.stop:
		case <-time.After(30 * time.Second):
		}
	}
	switch action {
	case faultHang:
		hang()
		return
	case faultRefuseToParse:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[{"labels": {"alertname": "X"`))
		return
	case faultGatewayPage:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html>\n<head><title>502 Bad Gateway</title></head>\n<body>" + strings.Repeat("upstream unavailable ", 100) + "</body></html>"))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.Method, p.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	respBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if r.Method == http.MethodPost {
		p.forwards.Add(1)
	}
	switch action {
	case faultForwardHang:
		hang()
		return
	case faultForwardReset:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0)
				}
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	for k, vs := range resp.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(respBody)
}

func alertNamed(alerts []query.Alert, name string) (query.Alert, bool) {
	for _, a := range alerts {
		if a.Name == name {
			return a, true
		}
	}
	return query.Alert{}, false
}

func TestAlertmanagerAlerts(t *testing.T) {
	am := startAlertmanager(t)
	now := time.Now()
	postAlerts(t, am.URL, []testAlert{
		{
			Labels:       map[string]string{"alertname": "HighErrorRate", "severity": "critical", "path": "/checkout", "job": "flask"},
			Annotations:  map[string]string{"summary": "Error rate above 5% for 2 minutes", "runbook_url": "https://wiki.example/runbooks/high-error-rate"},
			StartsAt:     now.Add(-10 * time.Minute),
			GeneratorURL: "http://prometheus.example/graph?g0.expr=x",
		},
		{Labels: map[string]string{"alertname": "SlowAPIResponses", "severity": "warning", "path": "/blog"}, StartsAt: now.Add(-5 * time.Minute)},
		{Labels: map[string]string{"alertname": "InhibitSource", "severity": "critical"}, StartsAt: now.Add(-time.Minute)},
		{Labels: map[string]string{"alertname": "InhibitTarget", "severity": "warning"}, StartsAt: now.Add(-time.Minute)},
	})
	c := newTestAM(t, 5*time.Second, am.URL)
	ctx := testCtx(t, 60*time.Second)

	var got []query.Alert
	demotest.EventuallyTrue(t, 10*time.Second, "four alerts, InhibitTarget inhibited", func() bool {
		var err error
		got, err = c.Alerts(ctx)
		if err != nil {
			t.Fatalf("Alerts: %v", err)
		}
		a, ok := alertNamed(got, "InhibitTarget")
		return len(got) == 4 && ok && a.State == query.StateInhibited
	})

	he, _ := alertNamed(got, "HighErrorRate")
	if he.State != query.StateFiring || he.Severity != "critical" || he.Source != query.SourceAlertmanager {
		t.Errorf("HighErrorRate: state %s severity %s source %s", he.State, he.Severity, he.Source)
	}
	if he.Summary() != "Error rate above 5% for 2 minutes" || he.RunbookURL() != "https://wiki.example/runbooks/high-error-rate" {
		t.Errorf("annotations: %v", he.Annotations)
	}
	if he.GeneratorURL != "http://prometheus.example/graph?g0.expr=x" || he.Fingerprint == "" {
		t.Errorf("generator %q fingerprint %q", he.GeneratorURL, he.Fingerprint)
	}
	if len(he.Receivers) != 1 || he.Receivers[0] != "nobody" {
		t.Errorf("receivers %v", he.Receivers)
	}
	if d := he.ActiveAt.Sub(now.Add(-10 * time.Minute)); d < -time.Second || d > time.Second {
		t.Errorf("ActiveAt %s, want about %s", he.ActiveAt, now.Add(-10*time.Minute))
	}
	if he.EndsAt.Before(now) {
		t.Errorf("EndsAt %s is in the past", he.EndsAt)
	}
	it, _ := alertNamed(got, "InhibitTarget")
	if len(it.InhibitedBy) == 0 || len(it.SilencedBy) != 0 {
		t.Errorf("InhibitTarget: inhibitedBy %v silencedBy %v", it.InhibitedBy, it.SilencedBy)
	}

	filterNames := func(filter string) string {
		f, err := query.ParseAlertFilter(filter)
		if err != nil {
			t.Fatalf("ParseAlertFilter(%q): %v", filter, err)
		}
		sorted := append([]query.Alert(nil), f.Filter(got)...)
		query.SortAlerts(sorted)
		var names []string
		for _, a := range sorted {
			names = append(names, a.Name)
		}
		return strings.Join(names, ",")
	}
	for filter, want := range map[string]string{
		`severity="critical"`:            "HighErrorRate,InhibitSource",
		`checkout`:                       "HighErrorRate",
		`inhibited`:                      "InhibitTarget",
		`{severity!="critical"}`:         "SlowAPIResponses,InhibitTarget",
		`path=~"/(blog|checkout)" error`: "HighErrorRate",
		``:                               "HighErrorRate,InhibitSource,SlowAPIResponses,InhibitTarget",
	} {
		if got := filterNames(filter); got != want {
			t.Errorf("filter %q: %s, want %s", filter, got, want)
		}
	}
}

func TestAlertmanagerSilenceLifecycle(t *testing.T) {
	am := startAlertmanager(t)
	postAlerts(t, am.URL, []testAlert{
		{Labels: map[string]string{"alertname": "HighErrorRate", "severity": "critical", "path": "/checkout"}},
		{Labels: map[string]string{"alertname": "HighErrorRate", "severity": "critical", "path": "/login"}},
	})
	c := newTestAM(t, 5*time.Second, am.URL)
	ctx := testCtx(t, 60*time.Second)
	alerts, err := c.Alerts(ctx)
	if err != nil || len(alerts) != 2 {
		t.Fatalf("Alerts: %d, %v", len(alerts), err)
	}
	var target query.Alert
	for _, a := range alerts {
		if a.Labels["path"] == "/checkout" {
			target = a
		}
	}
	spec := query.SilenceSpec{
		Matchers:  query.MatchersFromLabels(target.Labels),
		EndsAt:    time.Now().Add(time.Hour),
		CreatedBy: "vigil-test",
		Comment:   "lifecycle",
	}
	if n := len(query.AlertsMatching(spec.Matchers, alerts)); n != 1 {
		t.Fatalf("preview matches %d alerts, want 1", n)
	}
	id, err := c.CreateSilence(ctx, spec)
	if err != nil {
		t.Fatalf("CreateSilence: %v", err)
	}

	// Alertmanager's own view of the alert.
	demotest.EventuallyTrue(t, 10*time.Second, "the alert suppressed by the new silence in /api/v2/alerts", func() bool {
		for _, ra := range rawAlerts(t, am.URL) {
			if ra.Labels["path"] == "/checkout" {
				return ra.Status.State == "suppressed" && len(ra.Status.SilencedBy) == 1 && ra.Status.SilencedBy[0] == id
			}
		}
		return false
	})
	for _, ra := range rawAlerts(t, am.URL) {
		if ra.Labels["path"] == "/login" && ra.Status.State != "active" {
			t.Errorf("the other alert is %s", ra.Status.State)
		}
	}

	// vigil's view.
	alerts, err = c.Alerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range alerts {
		want := query.StateFiring
		if a.Labels["path"] == "/checkout" {
			want = query.StateSilenced
			if len(a.SilencedBy) != 1 || a.SilencedBy[0] != id {
				t.Errorf("SilencedBy %v, want [%s]", a.SilencedBy, id)
			}
		}
		if a.State != want {
			t.Errorf("%s: state %s, want %s", a.Labels["path"], a.State, want)
		}
	}
	ss, err := c.Silences(ctx)
	if err != nil || len(ss) != 1 {
		t.Fatalf("Silences: %d, %v", len(ss), err)
	}
	s := ss[0]
	if s.ID != id || s.State != query.SilenceActive || s.CreatedBy != "vigil-test" || s.Comment != "lifecycle" || !query.SameMatchers(s.Matchers, spec.Matchers) {
		t.Fatalf("silence read back: %+v", s)
	}
	if s.UpdatedAt.IsZero() || s.StartsAt.IsZero() {
		t.Errorf("times not read: %+v", s)
	}
	if n := query.SilenceMatchCount(s, alerts); n != 1 {
		t.Errorf("SilenceMatchCount = %d, want 1", n)
	}
	if got := query.SilencesFor(target, ss); len(got) != 1 || got[0].ID != id {
		t.Errorf("SilencesFor = %v", got)
	}

	// Extending an active silence keeps its id.
	newEnd := s.EndsAt.Add(time.Hour).Truncate(time.Second)
	id2, err := c.ExtendSilence(ctx, s, newEnd)
	if err != nil {
		t.Fatalf("ExtendSilence: %v", err)
	}
	if id2 != id {
		t.Errorf("extending an active silence changed its id: %s -> %s", id, id2)
	}
	s2, err := c.Silence(ctx, id2)
	if err != nil || !s2.EndsAt.Equal(newEnd) || s2.State != query.SilenceActive {
		t.Fatalf("after extend: %+v, %v (want end %s)", s2, err, newEnd)
	}

	// Expire; expiring again is fine.
	if err := c.ExpireSilence(ctx, id); err != nil {
		t.Fatalf("ExpireSilence: %v", err)
	}
	if err := c.ExpireSilence(ctx, id); err != nil {
		t.Fatalf("ExpireSilence of an expired silence: %v", err)
	}
	s3, err := c.Silence(ctx, id)
	if err != nil || s3.State != query.SilenceExpired {
		t.Fatalf("after expire: %+v, %v", s3, err)
	}
	demotest.EventuallyTrue(t, 10*time.Second, "the alert active again", func() bool {
		for _, ra := range rawAlerts(t, am.URL) {
			if ra.Labels["path"] == "/checkout" {
				return ra.Status.State == "active"
			}
		}
		return false
	})

	// Extending an expired silence: Alertmanager answers with a new id.
	id4, err := c.ExtendSilence(ctx, s3, time.Now().Add(30*time.Minute))
	if err != nil {
		t.Fatalf("ExtendSilence(expired): %v", err)
	}
	if id4 == id || id4 == "" {
		t.Fatalf("extending an expired silence returned %q (old %s); Alertmanager gives a new id", id4, id)
	}
	s4, err := c.Silence(ctx, id4)
	if err != nil || s4.State != query.SilenceActive {
		t.Fatalf("new silence: %+v, %v", s4, err)
	}
	if got := countSilences(t, am.URL, "lifecycle", true); got != 1 {
		t.Errorf("%d unexpired silences, want 1", got)
	}
	if err := c.ExpireSilence(ctx, id4); err != nil {
		t.Fatal(err)
	}
}

// countingRT counts requests by method, and by method and path ("GET
// /api/v2/silence/<id>"), on the real network.
type countingRT struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *countingRT) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[r.Method]++
	c.n[r.Method+" "+r.URL.Path]++
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (c *countingRT) count(method string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[method]
}

func TestAlertmanagerValidationSendsNothing(t *testing.T) {
	am := startAlertmanager(t)
	rt := &countingRT{}
	c, err := New(Options{URLs: []string{am.URL}, Timeout: 5 * time.Second, RoundTripper: rt})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t, 30*time.Second)
	now := time.Now()
	ok := mustMatchers(t, `HighErrorRate`)
	badRe := labels.Matchers{&labels.Matcher{Type: labels.MatchRegexp, Name: "path", Value: "("}}
	cases := []struct {
		name  string
		spec  query.SilenceSpec
		field string
	}{
		{"no matchers", query.SilenceSpec{EndsAt: now.Add(time.Hour)}, "matchers"},
		{"matches everything", query.SilenceSpec{Matchers: mustMatchers(t, `alertname=~".*"`), EndsAt: now.Add(time.Hour)}, "matchers"},
		{"bad regexp", query.SilenceSpec{Matchers: badRe, EndsAt: now.Add(time.Hour)}, "matchers"},
		{"end before start", query.SilenceSpec{Matchers: ok, StartsAt: now.Add(time.Hour), EndsAt: now.Add(time.Minute)}, "endsAt"},
		{"end in the past", query.SilenceSpec{Matchers: ok, StartsAt: now.Add(-time.Hour), EndsAt: now.Add(-time.Minute)}, "endsAt"},
	}
	for _, c2 := range cases {
		id, err := c.CreateSilence(ctx, c2.spec)
		var ve *query.ValidationError
		if err == nil || id != "" || !errors.As(err, &ve) || ve.Field != c2.field {
			t.Errorf("%s: id %q err %v, want a validation error on %s", c2.name, id, err, c2.field)
		}
	}
	if _, err := c.ExtendSilence(ctx, query.Silence{ID: "5a0e6b8c-1b4c-4c8e-9d61-5f0f5b8f0d11", Matchers: ok, StartsAt: now.Add(-time.Hour), State: query.SilenceActive}, now.Add(-time.Second)); err == nil {
		t.Error("extending into the past was accepted")
	}
	if err := c.ExpireSilence(ctx, ""); err == nil {
		t.Error("expiring an empty id was accepted")
	}
	if n := rt.count(http.MethodPost) + rt.count(http.MethodDelete) + rt.count(http.MethodGet); n != 0 {
		t.Errorf("%d requests were sent for invalid input", n)
	}
	if got := rawSilences(t, am.URL); len(got) != 0 {
		t.Errorf("Alertmanager holds %d silences, want 0", len(got))
	}
	// The comment rule is the caller's: Validate(true) refuses, Alertmanager accepts.
	spec := query.SilenceSpec{Matchers: ok, EndsAt: now.Add(time.Hour)}
	if err := spec.Validate(true); err == nil || !strings.HasPrefix(err.Error(), "comment: ") {
		t.Errorf("Validate(true) without comment: %v", err)
	}
}

func TestAlertmanagerErrorsVerbatim(t *testing.T) {
	am := startAlertmanager(t)
	c := newTestAM(t, 5*time.Second, am.URL)
	ctx := testCtx(t, 30*time.Second)
	const unknown = "5a0e6b8c-1b4c-4c8e-9d61-5f0f5b8f0d11"

	check := func(what string, err error, want string, notFound bool) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: no error", what)
			return
		}
		if err.Error() != want {
			t.Errorf("%s:\n got %q\nwant %q", what, err, want)
		}
		if IsTransportError(err) {
			t.Errorf("%s: counted as a transport error", what)
		}
		if IsNotFound(err) != notFound {
			t.Errorf("%s: IsNotFound = %v", what, !notFound)
		}
	}
	_, err := c.Silence(ctx, unknown)
	check("unknown silence", err, "alertmanager "+am.URL+": get silence "+unknown+": Not Found (HTTP 404)", true)

	_, err = c.Silence(ctx, "abc")
	check("malformed id", err, "alertmanager "+am.URL+`: get silence abc: silenceID in path must be of type uuid: "abc" (HTTP 422)`, false)

	err = c.ExpireSilence(ctx, unknown)
	check("expire unknown", err, "alertmanager "+am.URL+": expire silence "+unknown+": silence not found (HTTP 500)", true)

	// Valid for vigil, refused by Alertmanager: editing an id it does not know.
	s := query.Silence{ID: unknown, Matchers: mustMatchers(t, `HighErrorRate`), StartsAt: time.Now(), State: query.SilenceActive, CreatedBy: "t", Comment: "c"}
	_, err = c.ExtendSilence(ctx, s, time.Now().Add(time.Hour))
	check("extend unknown", err, "alertmanager "+am.URL+": extend silence "+unknown+": silence not found (HTTP 404)", true)
	if got := rawSilences(t, am.URL); len(got) != 0 {
		t.Errorf("%d silences after refused requests", len(got))
	}
}

func TestAlertmanagerDuplicateSafety(t *testing.T) {
	am := startAlertmanager(t)
	isPost := func(r *http.Request) bool {
		return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/api/v2/silences")
	}
	spec := func(comment string) query.SilenceSpec {
		return query.SilenceSpec{Matchers: mustMatchers(t, `HighErrorRate path="/checkout"`), EndsAt: time.Now().Add(time.Hour), CreatedBy: "vigil-test", Comment: comment}
	}
	oneSilence := func(t *testing.T, comment, id string) {
		t.Helper()
		ss := rawSilences(t, am.URL)
		n := 0
		for _, s := range ss {
			if s.Comment == comment {
				n++
				if s.ID != id {
					t.Errorf("silence %s exists, CreateSilence returned %s", s.ID, id)
				}
			}
		}
		if n != 1 {
			t.Errorf("Alertmanager holds %d silences with comment %q, want exactly 1", n, comment)
		}
	}

	cases := []struct {
		name     string
		action   faultAction
		forwards int32
	}{
		{"answer dropped after forwarding", faultForwardHang, 1},
		{"connection reset after forwarding", faultForwardReset, 1},
		{"request lost before Alertmanager", faultHang, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			proxy := startFaultProxy(t, am.URL, func(r *http.Request, n int) faultAction {
				if isPost(r) && n == 1 {
					return tc.action
				}
				return faultPass
			})
			c := newTestAM(t, time.Second, proxy.URL)
			ctx := testCtx(t, 30*time.Second)
			start := time.Now()
			id, err := c.CreateSilence(ctx, spec(tc.name))
			if err != nil {
				t.Fatalf("CreateSilence: %v", err)
			}
			t.Logf("CreateSilence took %s", time.Since(start).Round(time.Millisecond))
			oneSilence(t, tc.name, id)
			if got := proxy.forwards.Load(); got != tc.forwards {
				t.Errorf("%d posts reached Alertmanager, want %d", got, tc.forwards)
			}
		})
	}

	t.Run("no answer at all, then a manual retry", func(t *testing.T) {
		var broken atomic.Bool
		broken.Store(true)
		proxy := startFaultProxy(t, am.URL, func(r *http.Request, n int) faultAction {
			if !broken.Load() {
				return faultPass
			}
			if isPost(r) {
				return faultForwardHang
			}
			return faultHang
		})
		c := newTestAM(t, 500*time.Millisecond, proxy.URL)
		ctx := testCtx(t, 30*time.Second)
		sp := spec("manual retry")
		id, err := c.CreateSilence(ctx, sp)
		if err == nil || id != "" {
			t.Fatalf("CreateSilence through a dead proxy: %q, %v", id, err)
		}
		if !IsTransportError(err) || strings.Contains(err.Error(), "\n") {
			t.Errorf("error %q: want a one-line transport error", err)
		}
		t.Logf("error shown: %v", err)
		if got := countSilences(t, am.URL, "manual retry", true); got != 1 {
			t.Fatalf("the lost post created %d silences, want 1", got)
		}
		broken.Store(false)
		dup, found, err := c.FindDuplicate(ctx, sp)
		if err != nil || !found {
			t.Fatalf("FindDuplicate: %q %v %v", dup, found, err)
		}
		oneSilence(t, "manual retry", dup)
		if _, found, _ := c.FindDuplicate(ctx, spec("never posted")); found {
			t.Error("FindDuplicate found a silence that was never posted")
		}
	})
}

func TestAlertmanagerTransportFailures(t *testing.T) {
	am := startAlertmanager(t)
	postAlerts(t, am.URL, []testAlert{
		{Labels: map[string]string{"alertname": "A", "severity": "critical"}},
		{Labels: map[string]string{"alertname": "B", "severity": "warning"}},
	})
	ctx := testCtx(t, 60*time.Second)

	t.Run("malformed answer", func(t *testing.T) {
		proxy := startFaultProxy(t, am.URL, func(r *http.Request, n int) faultAction {
			if strings.HasSuffix(r.URL.Path, "/api/v2/alerts") {
				return faultRefuseToParse
			}
			return faultPass
		})
		c := newTestAM(t, 2*time.Second, proxy.URL)
		_, err := c.Alerts(ctx)
		if err == nil || !IsTransportError(err) || !strings.Contains(err.Error(), proxy.URL) || !strings.Contains(err.Error(), "malformed answer") {
			t.Fatalf("got %v", err)
		}
		t.Logf("error shown: %v", err)
	})

	t.Run("gateway error page, then the next peer", func(t *testing.T) {
		proxy := startFaultProxy(t, am.URL, func(*http.Request, int) faultAction { return faultGatewayPage })
		one := newTestAM(t, 2*time.Second, proxy.URL)
		_, err := one.Alerts(ctx)
		var e *Error
		if err == nil || !errors.As(err, &e) || e.Status != http.StatusBadGateway || !e.Transport {
			t.Fatalf("got %v", err)
		}
		if msg := err.Error(); strings.Contains(msg, "\n") || len([]rune(e.Message)) > 301 || !strings.HasSuffix(msg, "(HTTP 502)") {
			t.Errorf("message %q", msg)
		}
		two := newTestAM(t, 2*time.Second, proxy.URL, am.URL)
		if alerts, err := two.Alerts(ctx); err != nil || len(alerts) != 2 {
			t.Errorf("fallback after a gateway error: %d, %v", len(alerts), err)
		}
	})

	t.Run("oversized answer", func(t *testing.T) {
		c, err := New(Options{URLs: []string{am.URL}, Timeout: 2 * time.Second, MaxBodyBytes: 200})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Alerts(ctx)
		if err == nil || !strings.Contains(err.Error(), "response body larger than 200 bytes") {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("hanging first peer", func(t *testing.T) {
		proxy := startFaultProxy(t, am.URL, func(*http.Request, int) faultAction { return faultHang })
		c := newTestAM(t, 500*time.Millisecond, proxy.URL, am.URL)
		alerts, err := c.Alerts(ctx)
		if err != nil || len(alerts) != 2 {
			t.Fatalf("Alerts: %d, %v", len(alerts), err)
		}
		ps := c.Peers()
		if ps[0].Healthy || ps[0].Err != "no answer within 500ms" || ps[0].Checked.IsZero() || !ps[1].Healthy {
			t.Fatalf("peers: %+v", ps)
		}
		// The healthy peer is asked first from now on.
		start := time.Now()
		if _, err := c.Alerts(ctx); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 400*time.Millisecond {
			t.Errorf("second read took %s: the dead peer was tried first", d)
		}
	})

	t.Run("refused first peer", func(t *testing.T) {
		c := newTestAM(t, 2*time.Second, demotest.ClosedURL(t), am.URL)
		spec := query.SilenceSpec{Matchers: mustMatchers(t, `A`), EndsAt: time.Now().Add(time.Hour), CreatedBy: "t", Comment: "refused first peer"}
		id, err := c.CreateSilence(ctx, spec)
		if err != nil || id == "" {
			t.Fatalf("CreateSilence: %q %v", id, err)
		}
		if n := countSilences(t, am.URL, "refused first peer", false); n != 1 {
			t.Errorf("%d silences, want 1", n)
		}
		if ps := c.Peers(); ps[0].Healthy || !strings.Contains(ps[0].Err, "connection refused") || !ps[1].Healthy {
			t.Errorf("peers: %+v", ps)
		}
		if err := c.ExpireSilence(ctx, id); err != nil {
			t.Errorf("ExpireSilence: %v", err)
		}
	})

	t.Run("every peer down", func(t *testing.T) {
		u1, u2 := demotest.ClosedURL(t), demotest.ClosedURL(t)
		c := newTestAM(t, time.Second, u1, u2)
		_, err := c.Alerts(ctx)
		var pe *PeersError
		if err == nil || !IsTransportError(err) || !errors.As(err, &pe) || len(pe.Errs) != 2 {
			t.Fatalf("got %v", err)
		}
		msg := err.Error()
		if !strings.Contains(msg, u1) || !strings.Contains(msg, u2) || strings.Contains(msg, "\n") {
			t.Errorf("message %q", msg)
		}
		t.Logf("error shown: %v", err)
		_, err = c.CreateSilence(ctx, query.SilenceSpec{Matchers: mustMatchers(t, `A`), EndsAt: time.Now().Add(time.Hour)})
		if err == nil || !IsTransportError(err) {
			t.Errorf("CreateSilence with every peer down: %v", err)
		}
	})

	t.Run("check peers", func(t *testing.T) {
		dead := demotest.ClosedURL(t)
		c := newTestAM(t, time.Second, dead, am.URL)
		ps := c.CheckPeers(ctx)
		if len(ps) != 2 || ps[0].URL != dead || ps[0].Healthy || ps[0].Err == "" || !ps[1].Healthy || ps[1].Checked.IsZero() {
			t.Fatalf("CheckPeers: %+v", ps)
		}
	})

	t.Run("caller cancels", func(t *testing.T) {
		c := newTestAM(t, time.Second, am.URL)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := c.Alerts(cctx); err == nil {
			t.Fatal("no error with a cancelled context")
		}
		if ps := c.Peers(); !ps[0].Healthy {
			t.Errorf("a cancelled call marked the peer unhealthy: %+v", ps[0])
		}
	})
}

func TestNewOptions(t *testing.T) {
	for _, urls := range [][]string{nil, {"ftp://x"}, {"http://"}, {"://bad"}} {
		if _, err := New(Options{URLs: urls}); err == nil {
			t.Errorf("New(%q): no error", urls)
		}
	}
	c, err := New(Options{URLs: []string{"https://user:secret@am.example:9093/alertmanager/", "http://127.0.0.1:9093"}})
	if err != nil {
		t.Fatal(err)
	}
	ps := c.Peers()
	if ps[0].URL != "https://user:xxxxx@am.example:9093/alertmanager" || !ps[0].Healthy || !ps[0].Checked.IsZero() {
		t.Errorf("peer 0: %+v", ps[0])
	}
}

func mustMatchers(t *testing.T, s string) query.Matchers {
	t.Helper()
	ms, err := query.ParseMatchers(s)
	if err != nil {
		t.Fatalf("ParseMatchers(%q): %v", s, err)
	}
	return ms
}
