package alertmanager

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"

	"github.com/vigilterm/vigil/query"
)

func TestAuditEntryDescribesEachWrite(t *testing.T) {
	now := time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)
	ms := labels.Matchers{{Type: labels.MatchEqual, Name: "alertname", Value: "HighErrorRate"}}
	sil := query.Silence{ID: "old", Matchers: ms, Comment: "deploy", EndsAt: now.Add(time.Hour)}
	urls := []string{"http://am-0:9093", "http://am-1:9093"}
	cases := []struct {
		name   string
		req    SilenceRequest
		res    SilenceResult
		action string
		check  func(e query.AuditEntry) bool
	}{
		{"create", SilenceRequest{Op: SilenceCreate, Spec: query.SilenceSpec{Matchers: ms, Comment: "c", EndsAt: now.Add(time.Hour)}},
			SilenceResult{ID: "new"}, query.AuditCreate,
			func(e query.AuditEntry) bool {
				return e.SilenceID == "new" && e.Comment == "c" && e.Matchers == `{alertname="HighErrorRate"}` && e.Result == query.AuditOK
			}},
		{"ack", SilenceRequest{Op: SilenceCreate, Ack: true, Spec: query.SilenceSpec{Matchers: ms}},
			SilenceResult{ID: "a"}, query.AuditAck, func(e query.AuditEntry) bool { return e.SilenceID == "a" }},
		{"extend replaced", SilenceRequest{Op: SilenceExtend, Silence: sil, NewEnd: now.Add(2 * time.Hour)},
			SilenceResult{ID: "newer"}, query.AuditExtend,
			func(e query.AuditEntry) bool {
				return e.SilenceID == "newer" && e.ReplacedID == "old" && e.EndsAt.Equal(now.Add(2*time.Hour)) && e.Comment == "deploy"
			}},
		{"expire failed", SilenceRequest{Op: SilenceExpire, Silence: sil},
			SilenceResult{Err: errors.New("alertmanager http://am-0:9093: silence not found (HTTP 500)")}, query.AuditExpire,
			func(e query.AuditEntry) bool {
				return e.SilenceID == "old" && e.Result == query.AuditFailed && strings.Contains(e.Error, "silence not found")
			}},
	}
	for _, c := range cases {
		e := auditEntry(c.req, c.res, "oncall@bastion", urls, now)
		if e.Action != c.action || e.User != "oncall@bastion" || len(e.Alertmanager) != 2 || !e.Time.Equal(now) || !c.check(e) {
			t.Errorf("%s: %+v", c.name, e)
		}
	}
}

// TestSilenceService drives every write through the service against a real
// Alertmanager: what it answers, what Alertmanager then holds, how many
// requests it took, and what the audit log says.
func TestSilenceService(t *testing.T) {
	am := startAlertmanager(t)
	const writer = "oncall@bastion"
	spec := func(comment string) query.SilenceSpec {
		// No CreatedBy: the service's writer fills it in.
		return query.SilenceSpec{Matchers: mustMatchers(t, `HighErrorRate path="/checkout"`), EndsAt: time.Now().Add(time.Hour), Comment: comment}
	}
	// env is one case's Alertmanager client, its request counter and audit log.
	type env struct {
		client *Client
		rt     *countingRT
		audit  *query.AuditLog
		svc    *SilenceService
	}
	newEnv := func(t *testing.T, url, auditPath string) *env {
		rt := &countingRT{}
		c, err := New(Options{URLs: []string{url}, Timeout: time.Second, RoundTripper: rt})
		if err != nil {
			t.Fatal(err)
		}
		e := &env{client: c, rt: rt, audit: query.NewAuditLog(auditPath)}
		e.svc = NewSilenceService(SilenceServiceOptions{Alertmanager: c, Audit: e.audit, Writer: writer,
			Peers: []string{url}, Timeout: time.Second})
		return e
	}
	auditLines := func(t *testing.T, l *query.AuditLog) []query.AuditEntry {
		t.Helper()
		f, err := os.Open(l.Path())
		if err != nil {
			t.Fatalf("audit log: %v", err)
		}
		defer f.Close()
		es, bad, err := query.ReadAudit(f)
		if err != nil || len(bad) > 0 {
			t.Fatalf("audit log: %v %v", err, bad)
		}
		return es
	}
	// create makes a silence to extend or expire, outside the service.
	create := func(t *testing.T, comment string) query.Silence {
		t.Helper()
		c := newTestAM(t, 5*time.Second, am.URL)
		sp := spec(comment)
		sp.CreatedBy = writer
		id, err := c.CreateSilence(testCtx(t, 20*time.Second), sp)
		if err != nil {
			t.Fatal(err)
		}
		s, err := c.Silence(testCtx(t, 20*time.Second), id)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	state := func(t *testing.T, id string) string {
		t.Helper()
		s, err := newTestAM(t, 5*time.Second, am.URL).Silence(testCtx(t, 20*time.Second), id)
		if err != nil {
			t.Fatalf("reading silence %s: %v", id, err)
		}
		return s.State
	}

	cases := []struct {
		name string
		run  func(t *testing.T, dir string)
	}{
		{"create", func(t *testing.T, dir string) {
			e := newEnv(t, am.URL, filepath.Join(dir, "audit.log"))
			res := e.svc.Write(t.Context(), SilenceRequest{Op: SilenceCreate, Spec: spec("create")})
			if res.Err != nil || res.AuditErr != nil || !res.Verified || res.Reused || res.ID == "" {
				t.Fatalf("result %+v", res)
			}
			if n := countSilences(t, am.URL, "create", true); n != 1 {
				t.Errorf("Alertmanager holds %d silences, want 1", n)
			}
			if got := rawSilenceByID(t, am.URL, res.ID); got.CreatedBy != writer || got.Status.State != query.SilenceActive {
				t.Errorf("silence %s: created by %q, state %q; want %q, active", res.ID, got.CreatedBy, got.Status.State, writer)
			}
			if n := e.rt.count("POST"); n != 1 {
				t.Errorf("%d posts, want 1", n)
			}
			es := auditLines(t, e.audit)
			if len(es) != 1 || es[0].Action != query.AuditCreate || es[0].User != writer || es[0].SilenceID != res.ID || es[0].Result != query.AuditOK {
				t.Errorf("audit %+v", es)
			}
		}},
		{"retry after a lost answer", func(t *testing.T, dir string) {
			var broken atomic.Bool
			broken.Store(true)
			proxy := startFaultProxy(t, am.URL, func(r *http.Request, n int) faultAction {
				switch {
				case !broken.Load():
					return faultPass
				case r.Method == http.MethodPost:
					return faultForwardHang // Alertmanager takes it, the answer is lost
				}
				return faultHang
			})
			e := newEnv(t, proxy.URL, filepath.Join(dir, "audit.log"))
			req := SilenceRequest{Op: SilenceCreate, Spec: spec("lost answer")}
			first := e.svc.Write(t.Context(), req)
			if first.Err == nil || !IsTransportError(first.Err) || first.Verified {
				t.Fatalf("first attempt through a dead link: %+v", first)
			}
			if n := countSilences(t, am.URL, "lost answer", true); n != 1 {
				t.Fatalf("the lost post created %d silences, want 1", n)
			}
			broken.Store(false)
			posts := e.rt.count("POST")
			req.Retry = true
			second := e.svc.Write(t.Context(), req)
			if second.Err != nil || !second.Reused || !second.Verified || second.ID == "" {
				t.Fatalf("retry: %+v", second)
			}
			if n := e.rt.count("POST"); n != posts {
				t.Errorf("the retry posted %d times, want 0", n-posts)
			}
			if n := countSilences(t, am.URL, "lost answer", true); n != 1 {
				t.Errorf("after the retry Alertmanager holds %d silences, want exactly 1", n)
			}
			es := auditLines(t, e.audit)
			if len(es) != 2 || es[0].Result != query.AuditFailed || es[1].Result != query.AuditOK || !es[1].Reused || es[1].SilenceID != second.ID {
				t.Errorf("audit %+v", es)
			}
		}},
		{"extend", func(t *testing.T, dir string) {
			s := create(t, "extend")
			e := newEnv(t, am.URL, filepath.Join(dir, "audit.log"))
			newEnd := time.Now().Add(3 * time.Hour).Truncate(time.Second)
			res := e.svc.Write(t.Context(), SilenceRequest{Op: SilenceExtend, Silence: s, NewEnd: newEnd})
			if res.Err != nil || !res.Verified || res.ID == "" {
				t.Fatalf("result %+v", res)
			}
			// Verified once: a single read-back of the silence, not two.
			if n := e.rt.count("GET /api/v2/silence/" + res.ID); n != 1 {
				t.Errorf("the extended silence was read back %d times, want 1", n)
			}
			got := rawSilenceByID(t, am.URL, res.ID)
			if end, err := time.Parse(time.RFC3339, got.EndsAt); err != nil || end.Sub(newEnd).Abs() > time.Second {
				t.Errorf("silence %s ends at %s, want %s", res.ID, got.EndsAt, newEnd)
			}
			es := auditLines(t, e.audit)
			if len(es) != 1 || es[0].Action != query.AuditExtend || !es[0].EndsAt.Equal(newEnd.UTC()) || es[0].Result != query.AuditOK {
				t.Errorf("audit %+v", es)
			}
		}},
		{"expire", func(t *testing.T, dir string) {
			s := create(t, "expire")
			e := newEnv(t, am.URL, filepath.Join(dir, "audit.log"))
			res := e.svc.Write(t.Context(), SilenceRequest{Op: SilenceExpire, Silence: s})
			if res.Err != nil || !res.Verified || res.ID != s.ID {
				t.Fatalf("result %+v", res)
			}
			if st := state(t, s.ID); st != query.SilenceExpired {
				t.Errorf("silence %s is %s after the expire, want expired", s.ID, st)
			}
			es := auditLines(t, e.audit)
			if len(es) != 1 || es[0].Action != query.AuditExpire || es[0].SilenceID != s.ID || es[0].Result != query.AuditOK {
				t.Errorf("audit %+v", es)
			}
		}},
		{"validation failure", func(t *testing.T, dir string) {
			e := newEnv(t, am.URL, filepath.Join(dir, "audit.log"))
			bad := spec("invalid")
			bad.EndsAt = time.Now().Add(-time.Minute)
			res := e.svc.Write(t.Context(), SilenceRequest{Op: SilenceCreate, Spec: bad})
			var ve query.ValidationErrors
			if !errors.As(res.Err, &ve) || ve.Field("endsAt") == "" || res.Verified || res.ID != "" {
				t.Fatalf("result %+v", res)
			}
			if n := e.rt.count("POST") + e.rt.count("GET"); n != 0 {
				t.Errorf("an invalid silence made %d requests, want 0", n)
			}
			es := auditLines(t, e.audit)
			if len(es) != 1 || es[0].Result != query.AuditFailed || !strings.Contains(es[0].Error, "endsAt") {
				t.Errorf("audit %+v", es)
			}
		}},
		{"audit write failure", func(t *testing.T, dir string) {
			// The log's directory is a file: the line cannot be written.
			blocker := filepath.Join(dir, "not-a-dir")
			if err := os.WriteFile(blocker, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			e := newEnv(t, am.URL, filepath.Join(blocker, "audit.log"))
			res := e.svc.Write(t.Context(), SilenceRequest{Op: SilenceCreate, Spec: spec("unaudited")})
			if res.Err != nil || !res.Verified || res.ID == "" {
				t.Fatalf("the write itself: %+v", res)
			}
			if res.AuditErr == nil || !strings.Contains(res.AuditErr.Error(), blocker) {
				t.Errorf("audit error %v, want one naming %s", res.AuditErr, blocker)
			}
			if n := countSilences(t, am.URL, "unaudited", true); n != 1 {
				t.Errorf("Alertmanager holds %d silences, want 1", n)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, t.TempDir()) })
	}
}

// A service with no Alertmanager says so and writes nothing, not even an
// audit line.
func TestSilenceServiceWithoutAlertmanager(t *testing.T) {
	l := query.NewAuditLog(filepath.Join(t.TempDir(), "audit.log"))
	res := NewSilenceService(SilenceServiceOptions{Audit: l, Writer: "w"}).Write(t.Context(),
		SilenceRequest{Op: SilenceExpire, Silence: query.Silence{ID: "x"}})
	if !errors.Is(res.Err, ErrNoAlertmanager) {
		t.Fatalf("result %+v", res)
	}
	if _, err := os.Stat(l.Path()); err == nil {
		t.Error("an audit line was written for a write never attempted")
	}
}

// rawSilenceByID reads one silence from /api/v2/silences, without vigil's
// client.
func rawSilenceByID(t testing.TB, baseURL, id string) rawSilence {
	t.Helper()
	for _, s := range rawSilences(t, baseURL) {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("no silence %s in Alertmanager", id)
	return rawSilence{}
}

// In a protected context nothing is sent until the request carries the
// context's name exactly; then the write goes through.
func TestSilenceServiceProtectedContext(t *testing.T) {
	am := startAlertmanager(t)
	rt := &countingRT{}
	c, err := New(Options{URLs: []string{am.URL}, Timeout: 5 * time.Second, RoundTripper: rt})
	if err != nil {
		t.Fatal(err)
	}
	l := query.NewAuditLog(filepath.Join(t.TempDir(), "audit.log"))
	svc := NewSilenceService(SilenceServiceOptions{Alertmanager: c, Audit: l, Writer: "w", Peers: []string{am.URL},
		Timeout: 5 * time.Second, Protected: "prod-us"})
	spec := query.SilenceSpec{Matchers: mustMatchers(t, `HighErrorRate path="/checkout"`), EndsAt: time.Now().Add(time.Hour), Comment: "deploy"}
	for _, typed := range []string{"", "prod", "prod-us ", "PROD-US"} {
		res := svc.Write(t.Context(), SilenceRequest{Op: SilenceCreate, Spec: spec, Confirmed: typed})
		var nc *NotConfirmedError
		if !errors.As(res.Err, &nc) || res.ID != "" || !strings.Contains(res.Err.Error(), "context prod-us is protected") {
			t.Errorf("typed %q: %+v", typed, res)
		}
	}
	rt.mu.Lock()
	sent := len(rt.n)
	rt.mu.Unlock()
	if sent != 0 {
		t.Fatalf("requests sent before the name was typed: %v", rt.n)
	}
	if _, err := os.Stat(l.Path()); err == nil {
		t.Error("an audit line was written for a write never sent")
	}
	res := svc.Write(t.Context(), SilenceRequest{Op: SilenceCreate, Spec: spec, Confirmed: "prod-us"})
	if res.Err != nil || res.ID == "" || !res.Verified {
		t.Fatalf("typed prod-us: %+v", res)
	}
	if s := rawSilenceByID(t, am.URL, res.ID); s.Status.State != "active" {
		t.Errorf("silence %+v", s)
	}
}
