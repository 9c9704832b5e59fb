package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
	"github.com/vigilterm/vigil/views"
)

// A write that fails against a real Alertmanager client (nothing listens on
// the port) is in the audit log as failed.
func TestFailedWriteIsAudited(t *testing.T) {
	url := demotest.ClosedURL(t)
	am, err := alertmanager.New(alertmanager.Options{URLs: []string{url}, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := newModel(t, &scripted{ov: sample()})
	m.opts.Alertmanager = am
	reconfigure(m, func(c *vigil.Config) { c.Alertmanager.URLs = []string{url} })
	m.opts.Audit = query.NewAuditLog(filepath.Join(t.TempDir(), "audit.log"))
	m.opts.AuditUser = "oncall@bastion"
	ms := labels.Matchers{{Type: labels.MatchEqual, Name: "alertname", Value: "X"}}
	cmd := m.runSilence(views.SilenceRequestMsg{Op: views.OpCreate, Spec: query.SilenceSpec{
		Matchers: ms, StartsAt: time.Now(), EndsAt: time.Now().Add(time.Hour), CreatedBy: "oncall@bastion", Comment: "c"}})
	res, ok := cmd().(views.SilenceResultMsg)
	if !ok || res.Err == nil {
		t.Fatalf("got %#v", res)
	}
	data, err := os.ReadFile(m.opts.Audit.Path())
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
	reconfigure(m, func(c *vigil.Config) { c.UI.ReadOnly = true })
	m.opts.Audit = query.NewAuditLog(filepath.Join(t.TempDir(), "audit.log"))
	if cmd := m.runSilence(views.SilenceRequestMsg{Op: views.OpExpire}); cmd != nil {
		t.Fatal("read-only mode ran a write")
	}
	if _, err := os.Stat(m.opts.Audit.Path()); err == nil {
		t.Fatal("read-only mode wrote an audit line")
	}
}
