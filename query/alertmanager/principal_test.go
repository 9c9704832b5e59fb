package alertmanager

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/query"
)

// A viewer's write is refused by the service itself, whatever the screens
// let through: Alertmanager holds nothing afterwards. A silencer's create
// carries its name as createdBy, and the audit line names the key and the
// address.
func TestSilenceServiceEnforcesRole(t *testing.T) {
	am := startAlertmanager(t)
	c, err := New(Options{URLs: []string{am.URL}, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	auditPath := filepath.Join(t.TempDir(), "audit.log")
	var observed []error
	svc := func(p query.Principal) *SilenceService {
		return NewSilenceService(SilenceServiceOptions{Alertmanager: c, Audit: query.NewAuditLog(auditPath), Writer: p.Name,
			Peers: []string{am.URL}, Timeout: 2 * time.Second, Principal: &p,
			Observe: func(_ SilenceRequest, r SilenceResult) { observed = append(observed, r.Err) }})
	}
	spec := query.SilenceSpec{Matchers: mustMatchers(t, `HighErrorRate`), EndsAt: time.Now().Add(time.Hour), Comment: "c"}
	ctx := context.Background()

	viewer := query.Principal{Name: "ann", Role: query.RoleViewer, RoleSource: "/etc/vigil/keys:2", Fingerprint: "SHA256:aaa", Remote: "10.0.0.1:5000"}
	for _, op := range []SilenceOp{SilenceCreate, SilenceExpire, SilenceExtend} {
		res := svc(viewer).Write(ctx, SilenceRequest{Op: op, Spec: spec, Silence: query.Silence{ID: "x"}, NewEnd: time.Now().Add(time.Hour)})
		var fe *query.ForbiddenError
		if !errors.As(res.Err, &fe) || res.Err.Error() != "viewer: writes are not allowed (role from /etc/vigil/keys:2)" {
			t.Errorf("viewer %s: %v", op, res.Err)
		}
	}
	sils, err := c.Silences(ctx)
	if err != nil || len(sils) != 0 {
		t.Fatalf("after the viewer's writes Alertmanager holds %d silences (%v)", len(sils), err)
	}

	bob := query.Principal{Name: "bob", Role: query.RoleSilencer, RoleSource: "/etc/vigil/keys:3", Fingerprint: "SHA256:bbb", Remote: "10.0.0.2:6000"}
	// The author typed in the form does not sign for bob: his key does.
	forged := spec
	forged.CreatedBy = "carol"
	res := svc(bob).Write(ctx, SilenceRequest{Op: SilenceCreate, Spec: forged})
	if res.Err != nil || !res.Verified {
		t.Fatalf("silencer: %+v", res)
	}
	got, err := c.Silence(ctx, res.ID)
	if err != nil || got.CreatedBy != "bob" {
		t.Fatalf("silence %s created by %q (%v), want bob", res.ID, got.CreatedBy, err)
	}
	data, err := os.ReadFile(auditPath)
	if err != nil {
		t.Fatal(err)
	}
	entries, bad, err := query.ReadAudit(strings.NewReader(string(data)))
	if err != nil || len(bad) > 0 || len(entries) != 4 {
		t.Fatalf("audit: %d entries, bad %v, %v:\n%s", len(entries), bad, err, data)
	}
	for _, e := range entries[:3] {
		if e.User != "ann" || e.Role != "viewer" || e.Result != query.AuditRefused || e.KeyFingerprint != "SHA256:aaa" || e.Remote != "10.0.0.1:5000" ||
			!strings.Contains(e.Error, "writes are not allowed") {
			t.Errorf("the viewer's refused write is audited as %+v", e)
		}
	}
	if e := entries[3]; e.User != "bob" || e.Role != "silencer" || e.KeyFingerprint != "SHA256:bbb" || e.Remote != "10.0.0.2:6000" {
		t.Errorf("audit entry %+v", e)
	}
	if len(observed) != 4 || observed[3] != nil {
		t.Errorf("observed %v, want 3 refusals and one success", observed)
	}
}

// Rights are read at the write: a silencer demoted while connected (Live
// now answers viewer) is refused, and the audit line has the role of the
// moment; a key removed altogether is refused as such.
func TestSilenceServiceChecksTheCurrentRole(t *testing.T) {
	am := startAlertmanager(t)
	c, err := New(Options{URLs: []string{am.URL}, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	auditPath := filepath.Join(t.TempDir(), "audit.log")
	role := query.RoleSilencer
	bob := query.Principal{Name: "bob", Role: query.RoleSilencer, RoleSource: "keys:3", Fingerprint: "SHA256:bbb", Remote: "10.0.0.2:6000"}
	bob.Live = func() query.Principal {
		p := query.Principal{Name: "bob", Role: role, RoleSource: "keys:3", Fingerprint: "SHA256:bbb", Remote: "10.0.0.2:6000"}
		if role == query.RoleNone {
			p.RoleSource = "this key is no longer authorized"
		}
		return p
	}
	svc := NewSilenceService(SilenceServiceOptions{Alertmanager: c, Audit: query.NewAuditLog(auditPath), Writer: "bob",
		Peers: []string{am.URL}, Timeout: 2 * time.Second, Principal: &bob})
	spec := query.SilenceSpec{Matchers: mustMatchers(t, `HighErrorRate`), EndsAt: time.Now().Add(time.Hour), Comment: "c"}
	ctx := context.Background()
	if res := svc.Write(ctx, SilenceRequest{Op: SilenceCreate, Spec: spec}); res.Err != nil {
		t.Fatalf("silencer: %v", res.Err)
	}
	role = query.RoleViewer
	res := svc.Write(ctx, SilenceRequest{Op: SilenceCreate, Spec: spec, Ack: true})
	var fe *query.ForbiddenError
	if !errors.As(res.Err, &fe) || fe.Principal.Role != query.RoleViewer {
		t.Fatalf("demoted to viewer: %v", res.Err)
	}
	role = query.RoleNone
	if res := svc.Write(ctx, SilenceRequest{Op: SilenceCreate, Spec: spec}); !errors.As(res.Err, &fe) ||
		res.Err.Error() != "nothing is written: this key is no longer authorized" {
		t.Fatalf("key removed: %v", res.Err)
	}
	if sils, err := c.Silences(ctx); err != nil || len(sils) != 1 {
		t.Fatalf("Alertmanager holds %d silences (%v), want the one made before the demotion", len(sils), err)
	}
	data, err := os.ReadFile(auditPath)
	if err != nil {
		t.Fatal(err)
	}
	entries, _, _ := query.ReadAudit(strings.NewReader(string(data)))
	want := []struct{ role, action, result string }{{"silencer", query.AuditCreate, query.AuditOK}, {"viewer", query.AuditAck, query.AuditRefused}, {"none", query.AuditCreate, query.AuditRefused}}
	if len(entries) != len(want) {
		t.Fatalf("%d audit entries, want %d:\n%s", len(entries), len(want), data)
	}
	for i, w := range want {
		if e := entries[i]; e.Role != w.role || e.Action != w.action || e.Result != w.result || e.User != "bob" {
			t.Errorf("audit entry %d: %+v, want %+v", i, e, w)
		}
	}
}
