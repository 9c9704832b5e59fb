package alerting

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views/viewstest"
)

func TestHistoryCells(t *testing.T) {
	id := func(s ...string) string { return strings.Join(s, "") }
	counts := make([]int, 24)
	counts[3], counts[10], counts[23] = 1, 5, 3
	got := HistoryCells(id, id, counts)
	if want := "···▁······█············▄"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := HistoryCells(id, id, []int{0, 1, 0}); got != "·▁·" {
		t.Errorf("one firing: %q", got)
	}
	if got := HistoryCells(id, id, nil); got != "" {
		t.Errorf("no counts: %q", got)
	}
}

func TestAlertDetailHistory(t *testing.T) {
	ctx := viewstest.Context(t, "dark")
	now := viewstest.FixedNow
	ctx.Now = func() time.Time { return now }
	al := query.Alert{Name: "HighErrorRate", State: query.StateFiring, Labels: map[string]string{"alertname": "HighErrorRate", "path": "/x"}}
	d := NewAlertDetail(ctx, al, nil)
	d.SetSize(80, 30)

	// Opening asks once; a refresh within the minute does not ask again.
	cmd := d.WantHistory()
	if cmd == nil {
		t.Fatal("no history asked for on open")
	}
	if msg, ok := cmd().(AlertHistoryWantMsg); !ok || msg.Alert.Name != "HighErrorRate" {
		t.Fatalf("asked with %#v", cmd())
	}
	if v := ansi.Strip(d.View()); !strings.Contains(v, "reading the last 24h of firings") {
		t.Errorf("while reading:\n%s", v)
	}
	_, cmd = d.Update(alertsData{all: []query.Alert{al}})
	if cmd != nil {
		t.Error("asked again while the answer is on its way")
	}
	h := &query.AlertHistory{Start: now.Truncate(time.Hour).Add(-23 * time.Hour), Total: 5}
	h.Counts[20], h.Counts[23] = 4, 1
	d.Update(AlertHistoryMsg{Key: "another alert", Err: errors.New("not mine")})
	d.Update(AlertHistoryMsg{Key: al.Key(), History: h})
	v := ansi.Strip(d.View())
	if !strings.Contains(v, "····················█··▁ fired 5× in 24h") || !strings.Contains(v, "-24h") || !strings.Contains(v, "now") {
		t.Errorf("history not shown:\n%s", v)
	}
	now = now.Add(30 * time.Second)
	if _, cmd = d.Update(alertsData{all: []query.Alert{al}}); cmd != nil {
		t.Error("asked again within a minute")
	}
	now = now.Add(31 * time.Second)
	if _, cmd = d.Update(alertsData{all: []query.Alert{al}}); cmd == nil {
		t.Error("not asked again after a minute")
	}

	// A failed read says so with the reason, never "0 times".
	d.Update(AlertHistoryMsg{Key: al.Key(), Err: errors.New("bad_data: \x1b[31mnope")})
	raw := d.View()
	v = ansi.Strip(raw)
	if !strings.Contains(v, "history unknown: bad_data: �[31mnope") || strings.Contains(v, "fired 0") || strings.Contains(raw, "\x1b[31mnope") {
		t.Errorf("failed history:\n%s", v)
	}
	for _, sz := range [][2]int{{20, 5}, {1, 1}, {40, 10}} {
		d.SetSize(sz[0], sz[1])
		viewstest.Fits(t, d.View(), sz[0], sz[1])
	}
}

// An alert's value reads as a number a person reads; a value that is no
// number is shown as it came, sanitised.
func TestAlertValueReadable(t *testing.T) {
	for in, want := range map[string]string{"1e+00": "1", "2.3092333333333337e-01": "0.2309", "4.2e+09": "4.2e+09", "NaN": "NaN"} {
		if got := alertValue(in); got != want {
			t.Errorf("alertValue(%q) = %q, want %q", in, got, want)
		}
	}
	if got := alertValue("x\x1b[2Jy"); strings.Contains(got, "\x1b") {
		t.Errorf("an escape reached the screen: %q", got)
	}
}
