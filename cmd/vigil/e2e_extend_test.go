package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// amSilenceEnd is a silence, with its end and author, as Alertmanager's API lists it.
type amSilenceEnd struct {
	ID        string    `json:"id"`
	EndsAt    time.Time `json:"endsAt"`
	CreatedBy string    `json:"createdBy"`
	Comment   string    `json:"comment"`
	Status    struct {
		State string `json:"state"`
	} `json:"status"`
}

func amSilencesEnd(t *testing.T, am string) []amSilenceEnd {
	t.Helper()
	var ss []amSilenceEnd
	demotest.GetJSON(t, am+"/api/v2/silences", &ss)
	return ss
}

// s on an alert a silence already covers, at 80x24: the existing silence
// shows (who, until when, comment, matchers) instead of a fresh form; e
// then ↓ picks the +4h preset, the new end shows before enter, and enter
// moves the silence's end in Alertmanager by exactly 4h, with one audit
// entry and no second active silence.
func TestE2ESilencedAlertShowsAndExtendsItsSilence(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 9}, Alertmanagers: 1})
	am := stack.AlertmanagerURLs[0]
	postDiskFull(t, am)
	postSilence(t, am, "DiskFull")
	before := amSilencesEnd(t, am)
	if len(before) != 1 {
		t.Fatalf("Alertmanager holds %d silences before, want 1", len(before))
	}
	orig := before[0]

	state := t.TempDir()
	p := startConsole(t, 80, 24, []string{"XDG_STATE_HOME=" + state, "TZ=UTC"}, stack, "--alertmanager", am)
	p.waitText(40*time.Second, "● live")
	p.keys("2")
	p.waitText(15*time.Second, "DiskFull", "silenced")

	p.keys("s")
	s := p.waitText(15*time.Second, "DiskFull is already silenced", "silence "+orig.ID)
	for _, want := range []string{"test", "made outside vigil", `alertname="DiskFull"`,
		orig.EndsAt.UTC().Format("2006-01-02 15:04"), "e: extend this silence"} {
		if !strings.Contains(s, want) {
			t.Errorf("the existing silence's panel lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "▸ comment") {
		t.Fatalf("s opened a fresh form:\n%s", s)
	}

	p.keys("e")
	p.waitText(15*time.Second, "extend by", "[+1h]")
	p.keys("Down")
	newEnd := orig.EndsAt.Add(4 * time.Hour)
	s = p.waitText(15*time.Second, "[+4h]", "new end "+newEnd.UTC().Format("2006-01-02 15:04"))
	if !strings.Contains(s, "enter: extend silence") {
		t.Errorf("the chooser does not say what enter does:\n%s", s)
	}
	stayed(t, am, 1, 500*time.Millisecond) // nothing sent before enter
	p.keys("Enter")
	p.waitText(20*time.Second, "extended:")

	var after []amSilenceEnd
	var active []amSilenceEnd
	demotest.Eventually(t, 30*time.Second, "one active silence with a new end", func() (bool, string) {
		after = amSilencesEnd(t, am)
		active = active[:0]
		for _, si := range after {
			if si.Status.State == "active" {
				active = append(active, si)
			}
		}
		return len(active) == 1 && !active[0].EndsAt.Equal(orig.EndsAt), fmt.Sprintf("%d active of %+v", len(active), after)
	})
	got := active[0]
	if d := got.EndsAt.Sub(orig.EndsAt); d < 4*time.Hour-time.Second || d > 4*time.Hour+time.Second {
		t.Fatalf("endsAt moved by %s, want 4h (was %s, now %s)", d, orig.EndsAt, got.EndsAt)
	}
	t.Logf("silence %s → %s, endsAt %s → %s", orig.ID, got.ID, orig.EndsAt, got.EndsAt)
	if got.ID != orig.ID {
		// Alertmanager may replace it; then the old one must be expired.
		for _, si := range after {
			if si.ID == orig.ID && si.Status.State != "expired" {
				t.Fatalf("replaced silence %s is %s", si.ID, si.Status.State)
			}
		}
	}
	if got.Comment != orig.Comment || got.CreatedBy != orig.CreatedBy {
		t.Errorf("the extend changed the silence: %+v", got)
	}
	p.waitText(15*time.Second, "DiskFull", "silenced") // back on the list
	stayed(t, am, len(after), time.Second)

	// Exactly one write, audited.
	f, err := os.Open(filepath.Join(state, "vigil", "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var entries []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		entries = append(entries, e)
	}
	if len(entries) != 1 || entries[0]["action"] != "extend" || entries[0]["result"] != "ok" || entries[0]["silence_id"] != got.ID {
		t.Fatalf("audit entries %v, want one ok extend of %s", entries, got.ID)
	}
	p.quit(10 * time.Second)
}
