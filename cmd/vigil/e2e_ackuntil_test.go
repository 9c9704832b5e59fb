package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// ackSilenceEnds is the end of the one unexpired silence whose comment
// marks an ack kept until resolved, and how many there are.
func ackSilenceEnds(t *testing.T, am string) (time.Time, int) {
	t.Helper()
	var all []struct {
		Comment string    `json:"comment"`
		EndsAt  time.Time `json:"endsAt"`
		Status  struct {
			State string `json:"state"`
		} `json:"status"`
	}
	demotest.GetJSON(t, am+"/api/v2/silences", &all)
	var end time.Time
	n := 0
	for _, s := range all {
		if s.Status.State != "expired" && strings.Contains(s.Comment, "[until resolved, kept to ") {
			end, n = s.EndsAt, n+1
		}
	}
	return end, n
}

// At 80x24: a on an alert opens the ack's review, ctrl+r turns "until
// resolved" on and the review says so; enter acks; the alert list then
// says "acked until resolved by tester" with the next extension, the
// console extends the silence while the alert fires (in Alertmanager, and
// in a flash), and the silences screen marks it ⟳. A console started
// afresh finds the ack in Alertmanager and goes on extending it.
func TestE2EAckUntilResolved(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 5}, Alertmanagers: 1})
	am := stack.AlertmanagerURLs[0]
	postDiskFull(t, am)
	cfg := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(cfg, []byte("[silence]\nack_duration = \"20s\"\nack_max = \"1h\"\ncreated_by = \"tester\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startConsole(t, 80, 24, []string{"XDG_STATE_HOME=" + t.TempDir()}, stack, "--config", cfg, "--alertmanager", am)
	p.waitText(40*time.Second, "● live")
	p.keys("2")
	p.waitText(15*time.Second, "DiskFull")
	p.filter("DiskFull")
	p.keys("a")
	p.waitText(15*time.Second, "Ack DiskFull with this silence?", "for 20s only", "ctrl+r: change")
	p.keys("C-r")
	p.waitText(15*time.Second, "until resolved: extended while the alert fires", "[until resolved, kept to ")
	p.keys("Enter")
	p.waitText(20*time.Second, "silenced:", "verified active")
	first, n := ackSilenceEnds(t, am)
	if n != 1 {
		t.Fatalf("%d acks kept until resolved in Alertmanager, want 1", n)
	}
	s := p.waitText(10*time.Second, "⟳ acked until resolved by tester, next extension ")
	rowMarked := false
	for _, l := range lines(s) {
		if strings.Contains(l, "acked until resolved") && !strings.Contains(l, ")") {
			t.Errorf("the ack line is cut at 80 columns: %q", l)
		}
		rowMarked = rowMarked || (strings.Contains(l, "DiskFull") && strings.Contains(l, "silenced⟳"))
	}
	if !rowMarked {
		t.Errorf("the DiskFull row's state lacks ⟳:\n%s", s)
	}
	t.Logf("the alerts screen at 80x24:\n%s", s)

	// 20s ack: extended once less than 10s is left, while DiskFull fires.
	p.waitText(20*time.Second, "ack until resolved by tester: alert still firing, extended to")
	demotest.Eventually(t, 10*time.Second, "the extension in Alertmanager", func() (bool, string) {
		end, n := ackSilenceEnds(t, am)
		b, _ := json.Marshal(map[string]any{"end": end, "first": first, "n": n})
		return n == 1 && end.After(first), string(b)
	})

	// At 80 columns the comment is cut; the ENDS IN column carries ⟳.
	p.keys("3")
	p.waitFor("the ack marked ⟳ on the silences screen", 10*time.Second, func(s string) bool {
		for _, l := range lines(s) {
			if strings.Contains(l, `alertname="DiskFull"`) && strings.Contains(l, "ack by tester") && strings.Contains(l, "⟳ ") {
				return true
			}
		}
		return false
	})
	p.quit(10 * time.Second)

	// A console started afresh finds the ack in Alertmanager and keeps it.
	before, _ := ackSilenceEnds(t, am)
	p = startConsole(t, 80, 24, []string{"XDG_STATE_HOME=" + t.TempDir()}, stack, "--config", cfg, "--alertmanager", am)
	p.waitText(40*time.Second, "● live")
	p.keys("2")
	p.waitText(15*time.Second, "silenced⟳", "⟳ acked until resolved by tester")
	p.waitText(25*time.Second, "ack until resolved by tester: alert still firing, extended to")
	if end, n := ackSilenceEnds(t, am); n != 1 || !end.After(before) {
		t.Fatalf("after the restart: %d acks, ending %s (was %s)", n, end, before)
	}
	p.quit(10 * time.Second)
}
