package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// amSilenceM is the part of Alertmanager's /api/v2/silences the tests read.
type amSilenceM struct {
	ID       string `json:"id"`
	Matchers []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"matchers"`
	CreatedBy string `json:"createdBy"`
	Comment   string `json:"comment"`
	Status    struct {
		State string `json:"state"`
	} `json:"status"`
}

func listSilences(t *testing.T, am string) []amSilenceM {
	t.Helper()
	var out []amSilenceM
	demotest.GetJSON(t, am+"/api/v2/silences", &out)
	return out
}

// silencesOf returns the silences whose first matcher has the value, by state.
func silencesOf(t *testing.T, am, value string) map[string][]amSilenceM {
	t.Helper()
	out := map[string][]amSilenceM{}
	for _, s := range listSilences(t, am) {
		if len(s.Matchers) > 0 && s.Matchers[0].Value == value {
			out[s.Status.State] = append(out[s.Status.State], s)
		}
	}
	return out
}

// On a real Alertmanager at 80x24: two silences marked with space and
// expired with one x and one confirmation; a silence made from matchers
// alone with nothing firing; an alert whose silence was just expired says
// so, and R makes the silence again from its matchers and comment.
func TestE2ESilencesBulkExpireMatcherOnlyAndRecreate(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{Alertmanagers: 1})
	am := stack.AlertmanagerURLs[0]
	demotest.PostSilence(t, am, "VigilBulkA", "alice", "first of two")
	demotest.PostSilence(t, am, "VigilBulkB", "alice", "second of two")
	demotest.PostSilence(t, am, "VigilKeep", "bob", "stays")
	demotest.PostAlert(t, am, map[string]string{"alertname": "VigilAgain", "severity": "warning"}, nil)
	demotest.PostSilence(t, am, "VigilAgain", "carol", "db failover")

	p := startConsole(t, 80, 24, []string{"XDG_STATE_HOME=" + t.TempDir()}, stack, "--alertmanager", am)
	p.waitText(40*time.Second, "● live")

	// Bulk expire.
	p.keys("3")
	p.waitText(10*time.Second, "VigilBulkA", "VigilBulkB", "VigilKeep")
	p.filter("by:alice")
	p.waitText(15*time.Second, "by:alice", "2 shown")
	p.keys("g", "Space", "Space")
	s := p.waitText(15*time.Second, "▪ alertname=\"VigilBulkA\"", "▪ alertname=\"VigilBulkB\"")
	p.keys("x")
	p.waitText(15*time.Second, "expire 2 marked silences? enter confirms, esc cancels")
	p.keys("Enter")
	p.waitText(20*time.Second, "expired 2 of 2 silences")
	demotest.Eventually(t, 10*time.Second, "both expired in Alertmanager, the third active", func() (bool, string) {
		a, b, k := silencesOf(t, am, "VigilBulkA"), silencesOf(t, am, "VigilBulkB"), silencesOf(t, am, "VigilKeep")
		ok := len(a["expired"]) == 1 && len(b["expired"]) == 1 && len(a["active"]) == 0 && len(b["active"]) == 0 && len(k["active"]) == 1
		return ok, "not yet"
	})
	p.keys("Escape")
	p.waitFor("the filter cleared", 15*time.Second, func(s string) bool { return !strings.Contains(s, "by:alice") })

	// A silence from matchers alone: nothing fires with that name.
	p.keys("+")
	p.waitText(15*time.Second, "Silence from matchers")
	p.typeText(`alertname="VigilNothing"`)
	p.waitText(15*time.Second, "matches no current alert")
	p.keys("Tab", "Tab")
	p.typeText("planned maintenance, nothing firing yet")
	p.keys("Enter")
	p.waitText(15*time.Second, "Create this silence?")
	p.keys("Enter")
	p.waitText(20*time.Second, "silenced:", "verified active")
	if got := silencesOf(t, am, "VigilNothing")["active"]; len(got) != 1 || got[0].Comment != "planned maintenance, nothing firing yet" {
		t.Fatalf("matcher-only silence in Alertmanager: %+v", got)
	}

	// Expire carol's silence behind the console's back: the alert fires
	// again and says whose silence ended.
	carol := silencesOf(t, am, "VigilAgain")["active"]
	if len(carol) != 1 {
		t.Fatalf("carol's silence: %+v", carol)
	}
	req, _ := http.NewRequest(http.MethodDelete, am+"/api/v2/silence/"+carol[0].ID, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	p.keys("2")
	p.filter("VigilAgain")
	s = p.waitText(20*time.Second, "VigilAgain: silence expired", "by carol: db failover", "· R recreates it")
	p.keys("R")
	p.waitText(15*time.Second, "Recreate expired silence", `alertname="VigilAgain"`, "db failover")
	p.keys("Enter")
	p.waitText(15*time.Second, "Create this silence?")
	p.keys("Enter")
	// The matcher-only silence's confirmation may still be on screen: the
	// id shown must be the recreated silence's.
	s = p.waitFor("the recreated silence confirmed", 20*time.Second, func(scr string) bool {
		m := silenceID.FindStringSubmatch(scr)
		if m == nil || !strings.Contains(scr, "verified active") {
			return false
		}
		act := silencesOf(t, am, "VigilAgain")["active"]
		return len(act) == 1 && act[0].ID == m[1]
	})
	again := silencesOf(t, am, "VigilAgain")
	if len(again["active"]) != 1 || again["active"][0].Comment != "db failover" || again["active"][0].ID == carol[0].ID {
		t.Fatalf("recreated silence: %+v\n%s", again, s)
	}
	for _, l := range lines(p.screen()) {
		if len([]rune(l)) > 80 {
			t.Errorf("line wider than 80: %q", l)
		}
	}
	p.quit(10 * time.Second)
}
