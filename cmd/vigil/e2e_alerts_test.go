package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// startAlertingStack starts the demo stack with its alert rules and
// routing, and an error burst on /api/checkout so HighErrorRate fires.
func startAlertingStack(t *testing.T) *demo.Stack {
	t.Helper()
	stack := demotest.Start(t, demo.StackOptions{
		App:                demo.AppOptions{Seed: 11},
		RuleFiles:          demo.DemoRules(),
		Alertmanagers:      1,
		AlertmanagerConfig: demo.AlertmanagerConfig,
	})
	stack.App.SetFault("/api/checkout", demo.Fault{ErrorRatio: 0.6})
	return stack
}

// amAlert is the part of Alertmanager's /api/v2/alerts the tests read.
type amAlert struct {
	Labels map[string]string `json:"labels"`
	Status struct {
		State      string   `json:"state"`
		SilencedBy []string `json:"silencedBy"`
	} `json:"status"`
}

var silenceID = regexp.MustCompile(`silenced: ([0-9a-f-]{36})`)

// The on-call flow of the alerts issue: 2, select HighErrorRate, enter, s,
// a comment, review, send; see it silenced in the console and in
// Alertmanager's own API. Then 3, x, confirm, and see it expired.
func TestE2ESilenceAnAlertThenExpireIt(t *testing.T) {
	t.Parallel()
	stack := startAlertingStack(t)
	am := stack.AlertmanagerURLs[0]
	bin := vigilBinary(t)
	state := t.TempDir()
	p := startConsole(t, 100, 30, []string{"XDG_STATE_HOME=" + state}, stack, "--alertmanager", am)
	p.waitText(40*time.Second, "● live")

	p.keys("2")
	p.waitText(15*time.Second, "SEV")
	// Only the reference HighErrorRate: filter with a matcher.
	p.filter(`alertname="HighErrorRate", ruleset="reference"`)
	p.waitFor("HighErrorRate firing", 120*time.Second, func(s string) bool {
		for _, l := range lines(s) {
			if strings.Contains(l, "HighErrorRate") && strings.Contains(l, "firing") {
				return true
			}
		}
		return false
	})
	p.keys("Enter")
	p.waitText(15*time.Second, "runbook", "https://wiki.mirahlabs.com/runbooks/high-error-rate", "SILENCED BY")

	p.keys("s")
	// The whole alert on its service: with both rulesets' HighErrorRate
	// firing, ruleset is off and both are caught.
	s := p.waitText(15*time.Second, "alertname=\"HighErrorRate\"", "preview", "matches ")
	if !strings.Contains(s, "▸ comment") {
		t.Errorf("the cursor should start in the comment field:\n%s", s)
	}
	p.typeText("checkout errors: rolling back deploy 4711")
	p.keys("Enter")
	s = p.waitText(15*time.Second, "Create this silence?", "rolling back deploy 4711", "1h")
	p.keys("Enter")
	s = p.waitText(20*time.Second, "silenced:", "verified active")
	m := silenceID.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no silence id on screen:\n%s", s)
	}
	id := m[1]

	// Alertmanager's own view: the alert is suppressed by that silence.
	filter := url.QueryEscape(`alertname="HighErrorRate"`)
	demotest.Eventually(t, 30*time.Second, "Alertmanager to show the alert suppressed by "+id, func() (bool, string) {
		var alerts []amAlert
		demotest.GetJSON(t, am+"/api/v2/alerts?filter="+filter, &alerts)
		for _, a := range alerts {
			for _, sid := range a.Status.SilencedBy {
				if sid == id && a.Status.State == "suppressed" {
					return true, ""
				}
			}
		}
		return false, fmt.Sprintf("%+v", alerts)
	})
	// And the console shows it silenced after the next refresh.
	p.waitText(10*time.Second, "silenced ·")

	// The JSON snapshot lists the alert with its runbook and the silence.
	out, err := exec.Command(bin, append([]string{"snapshot", "--format", "json", "--alertmanager", am}, consoleArgs(stack)...)...).Output()
	if err != nil {
		t.Fatalf("snapshot: %v\n%s", err, out)
	}
	var snap struct {
		Alerts []struct {
			Name       string            `json:"name"`
			State      string            `json:"state"`
			Severity   string            `json:"severity"`
			Labels     map[string]string `json:"labels"`
			Summary    string            `json:"summary"`
			RunbookURL string            `json:"runbook_url"`
			SilencedBy []string          `json:"silencedBy"`
		} `json:"alerts"`
	}
	if err := json.Unmarshal(out, &snap); err != nil {
		t.Fatalf("snapshot JSON: %v\n%s", err, out)
	}
	listed := false
	for _, a := range snap.Alerts {
		if a.Name == "HighErrorRate" && a.Labels["ruleset"] == "reference" && len(a.SilencedBy) == 1 && a.SilencedBy[0] == id {
			listed = a.State == "silenced" && a.Severity == "critical" && a.RunbookURL == "https://wiki.mirahlabs.com/runbooks/high-error-rate" && a.Summary != ""
		}
	}
	if !listed {
		t.Errorf("snapshot does not list the silenced alert with its runbook:\n%s", out)
	}

	p.keys("3")
	p.waitText(10*time.Second, "checkout errors", "root@", "MATCHES")
	p.keys("x")
	p.waitText(15*time.Second, "expire silence "+id)
	p.keys("Enter")
	p.waitText(15*time.Second, "expired: "+id)

	var sil struct {
		ID     string `json:"id"`
		Status struct {
			State string `json:"state"`
		} `json:"status"`
		Comment string `json:"comment"`
	}
	demotest.GetJSON(t, am+"/api/v2/silence/"+id, &sil)
	if sil.Status.State != "expired" || sil.Comment != "checkout errors: rolling back deploy 4711" {
		t.Fatalf("silence in Alertmanager: %+v", sil)
	}
	p.quit(10 * time.Second)

	// Both writes are in the audit log, a private file.
	logPath := filepath.Join(state, "vigil", "audit.log")
	if fi, err := os.Stat(logPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("audit log %s: %v %v", logPath, fi, err)
	}
	cmd := exec.Command(bin, "audit", "--json")
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+state)
	out, err = cmd.Output()
	if err != nil {
		t.Fatalf("vigil audit: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"action":"create"`) || !strings.Contains(lines[1], `"action":"expire"`) ||
		strings.Count(string(out), `"silence_id":"`+id+`"`) != 2 || strings.Count(string(out), `"result":"ok"`) != 2 ||
		!strings.Contains(lines[0], am) || !strings.Contains(lines[0], "rolling back deploy 4711") {
		t.Fatalf("audit log:\n%s", out)
	}
	cmd = exec.Command(bin, "audit")
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+state)
	if out, err = cmd.Output(); err != nil || !strings.Contains(string(out), "ACTION") || !strings.Contains(string(out), "expire") {
		t.Fatalf("vigil audit table: %v\n%s", err, out)
	}
}

// In read-only mode the keys that write are absent from help and refuse.
func TestE2EReadOnlyRefusesToWrite(t *testing.T) {
	t.Parallel()
	stack := startAlertingStack(t)
	am := stack.AlertmanagerURLs[0]
	p := startConsole(t, 100, 30, nil, stack, "--read-only", "--alertmanager", am)
	p.waitText(40*time.Second, "● live")
	p.keys("2")
	p.waitFor("a firing alert", 120*time.Second, func(s string) bool {
		return regexp.MustCompile(`(?m)^crit(ical)?\s+HighErrorRate\s+firing`).MatchString(s)
	})
	p.keys("?")
	s := p.waitText(15*time.Second, "Keys — Alerts", "read-only")
	if regexp.MustCompile(`(?m)^\s+(s|a|x|e)\s{2,}`).MatchString(s) {
		t.Errorf("help lists a writing key in read-only mode:\n%s", s)
	}
	p.keys("Escape")
	p.waitFor("help closed", 15*time.Second, func(s string) bool { return !strings.Contains(s, "Keys — Alerts") })
	p.keys("s")
	p.waitText(15*time.Second, "read-only", "dropped,")
	if n := silenceCount(t, am); n != 0 {
		t.Fatalf("read-only mode created %d silences", n)
	}
	// What is typed after the refusal is dropped (q does not quit) until
	// esc.
	p.typeText("q")
	p.keys("Escape")
	p.waitText(15*time.Second, "keys act again")
	p.quit(10 * time.Second)
}

// postAlert sends an alert straight to an Alertmanager, as Prometheus would.
func postAlert(t *testing.T, am string, labels map[string]string, summary string) {
	t.Helper()
	demotest.PostAlert(t, am, labels, map[string]string{"summary": summary})
}

// With an HA pair, the header shows each peer's health; with one peer
// killed, the console still lists alerts and silences through the other.
func TestE2EHAPairOnePeerDown(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 3}, Alertmanagers: 2})
	am0, am1 := stack.AlertmanagerURLs[0], stack.AlertmanagerURLs[1]
	postDiskFull(t, am1)
	p := startConsole(t, 100, 30, nil, stack, "--alertmanager", am0, "--alertmanager", am1)
	p.waitText(40*time.Second, "am ●●", "● live")
	if err := stack.StopAlertmanager(0); err != nil {
		t.Fatal(err)
	}
	p.waitText(20*time.Second, "am ✕●")
	silenceDiskFull(p)
	p.keys("Enter")
	s := p.waitText(30*time.Second, "silenced:", "verified active")
	id := silenceID.FindStringSubmatch(s)
	if id == nil {
		t.Fatalf("no id:\n%s", s)
	}
	var sil struct {
		Status struct {
			State string `json:"state"`
		} `json:"status"`
	}
	demotest.GetJSON(t, am1+"/api/v2/silence/"+id[1], &sil)
	if sil.Status.State != "active" {
		t.Fatalf("silence on the surviving peer: %+v", sil)
	}
	if n := silenceCount(t, am1); n != 1 {
		t.Fatalf("%d silences on the surviving peer, want exactly 1", n)
	}
	p.quit(10 * time.Second)
}
