package ui

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
)

func TestAuditEntryDescribesEachWrite(t *testing.T) {
	now := time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)
	ms := labels.Matchers{{Type: labels.MatchEqual, Name: "alertname", Value: "HighErrorRate"}}
	sil := query.Silence{ID: "old", Matchers: ms, Comment: "deploy", EndsAt: now.Add(time.Hour)}
	urls := []string{"http://am-0:9093", "http://am-1:9093"}
	cases := []struct {
		name   string
		req    views.SilenceRequestMsg
		res    views.SilenceResultMsg
		action string
		check  func(e query.AuditEntry) bool
	}{
		{"create", views.SilenceRequestMsg{Op: views.OpCreate, Spec: query.SilenceSpec{Matchers: ms, Comment: "c", EndsAt: now.Add(time.Hour)}},
			views.SilenceResultMsg{ID: "new"}, query.AuditCreate,
			func(e query.AuditEntry) bool {
				return e.SilenceID == "new" && e.Comment == "c" && e.Matchers == `{alertname="HighErrorRate"}` && e.Result == query.AuditOK
			}},
		{"ack", views.SilenceRequestMsg{Op: views.OpCreate, Ack: true, Spec: query.SilenceSpec{Matchers: ms}},
			views.SilenceResultMsg{ID: "a"}, query.AuditAck, func(e query.AuditEntry) bool { return e.SilenceID == "a" }},
		{"extend replaced", views.SilenceRequestMsg{Op: views.OpExtend, Silence: sil, NewEnd: now.Add(2 * time.Hour)},
			views.SilenceResultMsg{ID: "newer"}, query.AuditExtend,
			func(e query.AuditEntry) bool {
				return e.SilenceID == "newer" && e.ReplacedID == "old" && e.EndsAt.Equal(now.Add(2*time.Hour)) && e.Comment == "deploy"
			}},
		{"expire failed", views.SilenceRequestMsg{Op: views.OpExpire, Silence: sil},
			views.SilenceResultMsg{Err: errors.New("alertmanager http://am-0:9093: silence not found (HTTP 500)")}, query.AuditExpire,
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

// A write that fails against a real Alertmanager client (nothing listens on
// the port) is in the audit log as failed.
func TestFailedWriteIsAudited(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close()
	am, err := query.NewAlertmanager(query.AlertmanagerOptions{URLs: []string{url}, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := newModel(t, &scripted{ov: sample()})
	m.am = am
	m.ctx.Config.Alertmanager.URLs = []string{url}
	m.audit = query.NewAuditLog(filepath.Join(t.TempDir(), "audit.log"))
	m.auditUser = "oncall@bastion"
	ms := labels.Matchers{{Type: labels.MatchEqual, Name: "alertname", Value: "X"}}
	cmd := m.runSilence(views.SilenceRequestMsg{Op: views.OpCreate, Spec: query.SilenceSpec{
		Matchers: ms, StartsAt: time.Now(), EndsAt: time.Now().Add(time.Hour), CreatedBy: "oncall@bastion", Comment: "c"}})
	res, ok := cmd().(views.SilenceResultMsg)
	if !ok || res.Err == nil {
		t.Fatalf("got %#v", res)
	}
	data, err := os.ReadFile(m.audit.Path())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"result":"failed"`) || !strings.Contains(string(data), url) || !strings.Contains(string(data), "connection refused") {
		t.Fatalf("audit line: %s", data)
	}
}

// Read-only mode writes nothing, not even to the audit log.
func TestReadOnlyWritesNothing(t *testing.T) {
	m, _ := newModel(t, &scripted{ov: sample()})
	m.ctx.Config.UI.ReadOnly = true
	m.audit = query.NewAuditLog(filepath.Join(t.TempDir(), "audit.log"))
	if cmd := m.runSilence(views.SilenceRequestMsg{Op: views.OpExpire}); cmd != nil {
		t.Fatal("read-only mode ran a write")
	}
	if _, err := os.Stat(m.audit.Path()); err == nil {
		t.Fatal("read-only mode wrote an audit line")
	}
}
