package overview

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/viewstest"
)

func TestOverviewChangedMark(t *testing.T) {
	for _, w := range []int{80, 120, 200} {
		o := newTestOverview(t, w, 20)
		v := ansi.Strip(o.View())
		marked := 0
		for _, l := range strings.Split(v, "\n") {
			if strings.Contains(l, "⟳") {
				marked++
				if !strings.Contains(l, "/api/checkout") || !strings.Contains(l, "⟳12m") {
					t.Errorf("%d: mark on the wrong row or age: %q", w, l)
				}
			}
			if ansi.StringWidth(l) > w {
				t.Errorf("%d: line too wide: %q", w, l)
			}
		}
		if marked != 1 {
			t.Errorf("%d: %d rows marked, want 1 (/api/checkout):\n%s", w, marked, v)
		}
		// The figures stay in their columns: the mark is inside the name's.
		var hdr, row string
		for _, l := range strings.Split(v, "\n") {
			if strings.Contains(l, "REQ/S") {
				hdr = l
			}
			if strings.Contains(l, "/api/checkout") {
				row = l
			}
		}
		if i, j := strings.Index(hdr, "REQ/S"), strings.Index(row, "3.20"); i < 0 || j < 0 || ansi.StringWidth(row[:j])+4 != ansi.StringWidth(hdr[:i])+5 {
			t.Errorf("%d: REQ/S column moved:\n%s\n%s", w, hdr, row)
		}
	}

	// Unknown when the query failed, not "nothing changed".
	o := newTestOverview(t, 80, 20)
	ov := sampleOverview()
	for i := range ov.Endpoints {
		ov.Endpoints[i].Changed = time.Time{}
	}
	ov.ChangesErr = errors.New("bad_data: parse error")
	o.Update(views.OverviewMsg{Overview: ov})
	if v := ansi.Strip(o.View()); !strings.Contains(v, "⟳ unknown") {
		t.Errorf("a failed changes query must read unknown:\n%s", v)
	}

	// Narrow: the mark gives way to the name, nothing overflows.
	for w := 0; w <= 60; w += 3 {
		o := newTestOverview(t, w, 10)
		viewstest.Fits(t, o.View(), w, 10)
	}
	for _, c := range []struct {
		d    time.Duration
		want string
	}{{-time.Second, "0s"}, {45 * time.Second, "45s"}, {12*time.Minute + 59*time.Second, "12m"}, {3 * time.Hour, "3h"}, {72 * time.Hour, "3d"}} {
		if got := shortAge(c.d); got != c.want {
			t.Errorf("shortAge(%s) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestReportJSONCarriesChanged(t *testing.T) {
	ov := sampleOverview()
	r := &Report{Context: "c", Overview: ov}
	var b strings.Builder
	if err := r.Write(&b, views.FormatJSON); err != nil {
		t.Fatal(err)
	}
	var got struct {
		ChangesKnown bool `json:"changes_known"`
		Endpoints    []struct {
			Endpoint string     `json:"endpoint"`
			Changed  *time.Time `json:"changed"`
		} `json:"endpoints"`
	}
	if err := json.Unmarshal([]byte(b.String()), &got); err != nil {
		t.Fatal(err)
	}
	if !got.ChangesKnown {
		t.Error("changes_known false with no error")
	}
	for _, e := range got.Endpoints {
		want := e.Endpoint == "/api/checkout"
		if (e.Changed != nil) != want || (want && !e.Changed.Equal(ov.Endpoints[1].Changed)) {
			t.Errorf("%s: changed %v", e.Endpoint, e.Changed)
		}
	}
	ov.ChangesErr = errors.New("boom")
	b.Reset()
	if err := r.Write(&b, views.FormatJSON); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.ReplaceAll(b.String(), " ", ""), `"changes_known":false`) {
		t.Errorf("a failed changes query must say changes_known false: %s", b.String())
	}
}

func TestReportMarkdownCarriesChanged(t *testing.T) {
	r := &Report{Context: "c", Overview: sampleOverview()}
	var b strings.Builder
	if err := r.Write(&b, views.FormatMarkdown); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "| `/api/checkout` ⟳12m |") || strings.Count(b.String(), "⟳") != 1 {
		t.Errorf("markdown:\n%s", b.String())
	}
}
