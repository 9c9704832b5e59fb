package timeline

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/timeline"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/alerting"
	"github.com/vigilterm/vigil/views/viewstest"
)

// sampleTimeline has one event of most kinds, oldest first as
// query.Timeline orders them, with hostile text in a note.
func sampleTimeline() *timeline.Timeline {
	at := func(m int) time.Time { return viewstest.FixedNow.Add(-time.Duration(m) * time.Minute) }
	firing := map[string]string{"alertname": "HighErrorRate", "severity": "critical", "path": "/api/checkout", "job": "flask"}
	return &timeline.Timeline{
		Plan: query.TimelinePlan{Since: viewstest.FixedNow.Add(-2 * time.Hour), Until: viewstest.FixedNow},
		Events: []query.Event{
			{Time: at(50), Kind: query.EventDeploy, Summary: "deploy on 10.0.0.1:5000 (job flask): version 1.2 → 1.3", Labels: map[string]string{"instance": "10.0.0.1:5000", "job": "flask"}, Source: query.TimelineChanges},
			{Time: at(40), Kind: query.EventThreshold, Summary: "/api/checkout error ratio 31% above crit 5%", Labels: map[string]string{"path": "/api/checkout", "figure": "error_ratio", "level": "crit"}, Source: query.TimelineErrorRatio},
			{Time: at(39), Kind: query.EventAlertFiring, Summary: "HighErrorRate firing job=flask path=/api/checkout severity=critical", Labels: firing, Source: query.TimelineAlerts},
			{Time: at(35), Kind: query.EventAlertResolved, Summary: "SlowSearch resolved path=/api/search", Labels: map[string]string{"alertname": "SlowSearch", "path": "/api/search", "last_seen_firing": "x"}, Source: query.TimelineAlerts},
			{Time: at(30), Kind: query.EventSilenceCreated, Summary: "silence s-1 created by ann for {alertname=\"HighErrorRate\"}: rolling back", Labels: map[string]string{"silence_id": "s-1", "created_by": "ann"}, Source: query.TimelineSilences},
			{Time: at(20), Kind: query.EventNote, Summary: "ann: rolled back \x1b]52;c;aGk=\x07 to 1.2, watching the error ratio for the next ten minutes before closing", Labels: map[string]string{"author": "ann", "context": "prod"}, Source: query.TimelineNotes},
		},
	}
}

func newTestTimeline(t *testing.T, w, h int) *Screen {
	t.Helper()
	tl := New(viewstest.Context(t, "dark"))
	tl.SetSize(w, h)
	tl.Update(Msg{Timeline: sampleTimeline(), Range: DefaultRange, Sources: []string{query.TimelineAlerts, query.TimelineSilences}})
	return tl
}

func pressTL(tl *Screen, keys ...string) tea.Cmd {
	var cmd tea.Cmd
	for _, k := range keys {
		_, cmd = tl.Update(viewstest.Key(k))
	}
	return cmd
}

// Newest first, each row its local time, its kind in short, its summary;
// hostile text never reaches the screen raw.
func TestTimelineListsEventsNewestFirst(t *testing.T) {
	tl := newTestTimeline(t, 80, 20)
	var kinds []string
	for _, e := range tl.Rows() {
		kinds = append(kinds, KindName(e.Kind))
	}
	if got := strings.Join(kinds, " "); got != "NOTE SILENCE+ RESOLVED FIRING THRESHOLD DEPLOY" {
		t.Fatalf("order %s, want newest first", got)
	}
	raw := tl.View()
	if strings.ContainsAny(raw, "\x07") || strings.Contains(raw, "\x1b]52") {
		t.Fatalf("raw escape on screen: %q", raw)
	}
	out := ansi.Strip(raw)
	ls := strings.Split(out, "\n")
	if len(ls) != 20 {
		t.Fatalf("%d lines, want 20", len(ls))
	}
	if !strings.HasPrefix(ls[1], "02:40:00 NOTE      ann: rolled back") || !strings.HasPrefix(ls[6], "02:10:00 DEPLOY    deploy on 10.0.0.1:5000") {
		t.Fatalf("rows:\n%s", out)
	}
	for i, l := range ls {
		if ansi.StringWidth(l) > 80 {
			t.Errorf("line %d is %d cells wide: %q", i, ansi.StringWidth(l), l)
		}
	}
	// Wide: the labels column, the alert's name alone in the summary.
	tl.SetSize(160, 20)
	wide := ansi.Strip(tl.View())
	if !strings.Contains(wide, "FIRING    HighErrorRate (critical)") || !strings.Contains(wide, "path=/api/checkout job=flask") {
		t.Fatalf("wide:\n%s", wide)
	}
	// The filter keeps the events with every word.
	pressTL(tl, "/")
	for _, r := range "checkout crit" {
		tl.Update(viewstest.Key(string(r)))
	}
	pressTL(tl, "enter")
	if n := len(tl.Rows()); n != 2 {
		t.Fatalf("filter kept %d events, want the threshold and the firing alert", n)
	}
	if !strings.Contains(ansi.Strip(tl.View()), "filter /checkout crit  2 shown") {
		t.Fatalf("no filter line:\n%s", ansi.Strip(tl.View()))
	}
}

// A source that failed is named as unknown; the empty timeline of
// sources that all answered says so and names them.
func TestTimelineNamesFailedSourcesAndTheEmptyRange(t *testing.T) {
	tl := New(viewstest.Context(t, "dark"))
	tl.SetSize(80, 20)
	if out := ansi.Strip(tl.View()); !strings.Contains(out, "building the timeline") {
		t.Fatalf("before the first build:\n%s", out)
	}
	failed := &timeline.Timeline{Errors: []timeline.Error{{Source: query.TimelineSilences, Err: errors.New("dial tcp 127.0.0.1:9093: connection refused")}}}
	tl.Update(Msg{Timeline: failed, Range: DefaultRange, Sources: []string{query.TimelineAlerts, query.TimelineSilences}})
	out := ansi.Strip(tl.View())
	if !strings.Contains(strings.Join(strings.Fields(out), " "), "unknown: alertmanager/silences failed: dial tcp 127.0.0.1:9093: connection refused") || strings.Contains(out, "no events in") {
		t.Fatalf("failed source:\n%s", out)
	}
	tl.Update(Msg{Timeline: &timeline.Timeline{}, Range: DefaultRange, Sources: []string{query.TimelineAlerts, query.TimelineSilences}})
	out = ansi.Strip(tl.View())
	if !strings.Contains(out, "no events in the last 2h (sources: prometheus/alerts, alertmanager/silences)") || strings.Contains(out, "unknown") {
		t.Fatalf("empty timeline:\n%s", out)
	}
	tl.Update(Msg{Err: errors.New("the timeline needs a Prometheus source")})
	if out := ansi.Strip(tl.View()); !strings.Contains(out, "unknown: timeline failed: the timeline needs a Prometheus source") || strings.Contains(out, "no events") {
		t.Fatalf("no source:\n%s", out)
	}
}

// [ and ] change the range and ask for a build; an answer for the old
// range is dropped; t chooses.
func TestTimelineRangeKeys(t *testing.T) {
	tl := newTestTimeline(t, 80, 20)
	cmd := pressTL(tl, "[")
	if tl.Range() != time.Hour || !hasMsg[FetchMsg](cmd) {
		t.Fatalf("range %s after [", tl.Range())
	}
	tl.Update(Msg{Timeline: &timeline.Timeline{}, Range: DefaultRange})
	if len(tl.Rows()) != 6 {
		t.Fatal("an answer for the old range replaced the events")
	}
	pressTL(tl, "t", "right", "right", "enter")
	if tl.Range() != 6*time.Hour {
		t.Fatalf("chose %s, want 6h", tl.Range())
	}
	pressTL(tl, "]", "]", "]")
	if tl.Range() != 24*time.Hour {
		t.Fatalf("range %s, want the longest, 24h", tl.Range())
	}
}

// hasMsg runs cmd (batches too) and reports whether it sends a T.
func hasMsg[T any](cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	switch m := cmd().(type) {
	case T:
		return true
	case tea.BatchMsg:
		for _, c := range m {
			if hasMsg[T](c) {
				return true
			}
		}
	}
	return false
}

// Enter opens what the event is about; esc comes back to the same event.
func TestTimelineEnterOpensTheRelatedView(t *testing.T) {
	tl := newTestTimeline(t, 100, 24)
	active := query.Alert{Name: "HighErrorRate", State: query.StateFiring, Severity: "critical",
		Labels: map[string]string{"alertname": "HighErrorRate", "severity": "critical", "path": "/api/checkout", "job": "flask", "cluster": "eu"}}
	silence := query.Silence{ID: "s-1", CreatedBy: "ann", Comment: "rolling back", State: "active"}
	tl.Update(views.AlertsMsg{Alerts: []query.Alert{active}, Silences: []query.Silence{silence}})
	selectKind := func(k query.EventKind) {
		t.Helper()
		pressTL(tl, "g")
		for i := 0; i < 10; i++ {
			if e, _ := tl.Selected(); e.Kind == k {
				return
			}
			pressTL(tl, "j")
		}
		t.Fatalf("no %s event", k)
	}
	back := func(k query.EventKind) {
		t.Helper()
		pressTL(tl, "esc")
		if tl.DetailOpen() {
			t.Fatal("esc did not close the detail")
		}
		if e, _ := tl.Selected(); e.Kind != k {
			t.Fatalf("cursor on %s after esc, want %s", e.Kind, k)
		}
		if !strings.Contains(ansi.Strip(tl.View()), "newest first") {
			t.Fatal("not back on the list")
		}
	}

	selectKind(query.EventAlertFiring)
	cmd := pressTL(tl, "enter")
	d, ok := tl.detail.Top().(*alerting.AlertDetail)
	if !ok || d.Alert().Labels["cluster"] != "eu" {
		t.Fatalf("enter on an active alert's event opened %T", tl.detail.Top())
	}
	// The detail asks for its history, and the answer reaches it.
	if cmd == nil {
		t.Fatal("the alert detail opened from the timeline asks for no history")
	}
	if want, ok := cmd().(alerting.AlertHistoryWantMsg); !ok || want.Alert.Name != "HighErrorRate" {
		t.Fatalf("history request %#v", want)
	}
	tl.Update(alerting.AlertHistoryMsg{Key: d.Alert().Key(), Err: errors.New("bad_data: nope")})
	if out := ansi.Strip(tl.View()); !strings.Contains(out, "history unknown: bad_data: nope") {
		t.Fatalf("the history answer did not reach the detail:\n%s", out)
	}
	if out := ansi.Strip(tl.View()); !strings.Contains(out, "HighErrorRate") || !strings.Contains(out, "firing") || strings.Contains(out, "not active now") {
		t.Fatalf("alert detail:\n%s", out)
	}
	if msg, ok := pressTL(tl, "J")().(views.JumpToEndpointMsg); !ok || msg.Endpoint != "/api/checkout" {
		t.Fatalf("J in the alert detail: %#v", msg)
	}
	back(query.EventAlertFiring)

	selectKind(query.EventAlertResolved)
	pressTL(tl, "enter")
	out := ansi.Strip(tl.View())
	if _, ok := tl.detail.Top().(*eventDetail); !ok || !strings.Contains(out, "this alert is not active now") || !strings.Contains(out, "SlowSearch") || !strings.Contains(out, "/api/search") {
		t.Fatalf("resolved alert:\n%s", out)
	}
	back(query.EventAlertResolved)

	selectKind(query.EventSilenceCreated)
	pressTL(tl, "enter")
	if got := fmt.Sprintf("%T", tl.detail.Top()); got != "*alerting.silenceDetail" || !strings.Contains(ansi.Strip(tl.View()), "Silence s-1") {
		t.Fatalf("silence event opened %T:\n%s", tl.detail.Top(), ansi.Strip(tl.View()))
	}
	back(query.EventSilenceCreated)

	selectKind(query.EventNote)
	pressTL(tl, "enter")
	raw := tl.View()
	out = ansi.Strip(raw)
	if !strings.Contains(out, "Note by ann") || !strings.Contains(out, "watching the error ratio") || !strings.Contains(out, "before closing") || strings.Contains(raw, "\x1b]52") {
		t.Fatalf("note in full:\n%s", out)
	}
	back(query.EventNote)

	for _, k := range []query.EventKind{query.EventThreshold, query.EventDeploy} {
		selectKind(k)
		cmd := pressTL(tl, "enter")
		msg, ok := cmd().(OpenEventMsg)
		if !ok || msg.Event.Kind != k {
			t.Fatalf("enter on %s: %#v", k, msg)
		}
		if want := map[query.EventKind]string{query.EventThreshold: "/api/checkout", query.EventDeploy: ""}[k]; msg.Endpoint != want {
			t.Errorf("%s opens endpoint %q, want %q", k, msg.Endpoint, want)
		}
	}
	// Without any alerts read yet, an alert's state is unknown, not "not active".
	tl2 := newTestTimeline(t, 100, 24)
	for i := 0; i < 10; i++ {
		if e, _ := tl2.Selected(); e.Kind == query.EventAlertFiring {
			break
		}
		pressTL(tl2, "j")
	}
	pressTL(tl2, "enter")
	if out := ansi.Strip(tl2.View()); !strings.Contains(out, "unknown whether this alert is active now") {
		t.Fatalf("no alerts read:\n%s", out)
	}
}

// Only the rows in view are drawn, and tiny sizes never panic.
func TestTimelineManyEventsAndTinySizes(t *testing.T) {
	tl := New(viewstest.Context(t, "dark"))
	tl.SetSize(80, 20)
	var ev []query.Event
	for i := range 20000 {
		ev = append(ev, query.Event{Time: viewstest.FixedNow.Add(-time.Duration(20000-i) * 300 * time.Millisecond), Kind: query.EventRestart,
			Summary: fmt.Sprintf("restart %d", i), Labels: map[string]string{"instance": "i"}})
	}
	tl.Update(Msg{Timeline: &timeline.Timeline{Events: ev}, Range: DefaultRange})
	drawn := 0
	tl.list.Render(func(*tlRow, bool) string { drawn++; return "" })
	if drawn != tl.listHeight() || drawn != 19 {
		t.Fatalf("%d rows drawn for a 20-line screen (header and 19 rows)", drawn)
	}
	pressTL(tl, "G")
	if out := ansi.Strip(tl.View()); !strings.Contains(out, "restart 0") {
		t.Fatalf("G does not reach the oldest:\n%s", out)
	}
	for _, sz := range [][2]int{{20, 5}, {1, 1}, {0, 0}, {5, 2}} {
		tl.SetSize(sz[0], sz[1])
		_ = tl.View()
		pressTL(tl, "enter")
		_ = tl.View()
		pressTL(tl, "esc")
	}
}

// The cursor stays on its event across builds, though each build's grid
// moves the events' times by a step and a crossing's value changes; until
// it is moved, it stays on the newest.
func TestTimelineCursorFollowsTheEventAcrossBuilds(t *testing.T) {
	tl := newTestTimeline(t, 80, 20)
	if e, _ := tl.Selected(); e.Kind != query.EventNote {
		t.Fatalf("cursor on %s, want the newest", e.Kind)
	}
	pressTL(tl, "j", "j", "j")
	if e, _ := tl.Selected(); e.Kind != query.EventAlertFiring {
		t.Fatalf("cursor on %s", e.Kind)
	}
	next := sampleTimeline()
	for i := range next.Events {
		next.Events[i].Time = next.Events[i].Time.Add(12 * time.Second)
		if next.Events[i].Kind == query.EventThreshold {
			next.Events[i].Labels["value"] = "33%"
		}
	}
	next.Events = append(next.Events, query.Event{Time: viewstest.FixedNow, Kind: query.EventRestart, Summary: "restart of a", Labels: map[string]string{"instance": "a"}})
	tl.Update(Msg{Timeline: next, Range: DefaultRange})
	if e, _ := tl.Selected(); e.Kind != query.EventAlertFiring || tl.list.Cursor() != 4 {
		t.Fatalf("cursor on %s at %d after a build, want the firing alert at 4", e.Kind, tl.list.Cursor())
	}
}

// At 200 columns an event's labels are not cut while the summaries leave
// half the line blank: the summary column keeps the longest summary's
// width, the labels the rest.
func TestTimelineWideLabelsNotCut(t *testing.T) {
	tl := New(viewstest.Context(t, "dark"))
	tl.SetSize(200, 20)
	labels := map[string]string{"alertname": "SlowAPIResponses", "path": "/api/search", "job": "flask",
		"instance": "127.0.0.1:43031", "method": "GET", "ruleset": "corrected", "severity": "warning"}
	tl.Update(Msg{Range: DefaultRange, Timeline: &timeline.Timeline{
		Plan:   query.TimelinePlan{Since: viewstest.FixedNow.Add(-2 * time.Hour), Until: viewstest.FixedNow},
		Events: []query.Event{{Time: viewstest.FixedNow.Add(-time.Minute), Kind: query.EventAlertFiring, Labels: labels, Source: query.TimelineAlerts}},
	}})
	row := rowWithText(ansi.Strip(tl.View()), "FIRING")
	for _, want := range []string{"instance=127.0.0.1:43031", "ruleset=corrected", "method=GET"} {
		if !strings.Contains(row, want) {
			t.Errorf("labels cut at 200 columns: no %s in\n%s", want, row)
		}
	}
}

func rowWithText(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}
