package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/timeline"
	"github.com/vigilterm/vigil/views"
	timelineview "github.com/vigilterm/vigil/views/timeline"
)

// timelineSource builds a timeline from the notes file of the request, as
// the real one does, plus a threshold event, and counts its builds.
type timelineSource struct {
	mu       sync.Mutex
	builds   int
	requests []timeline.Request
}

func (s *timelineSource) Timeline(_ context.Context, r timeline.Request) *timeline.Timeline {
	s.mu.Lock()
	s.builds++
	s.requests = append(s.requests, r)
	s.mu.Unlock()
	tl := &timeline.Timeline{Plan: query.PlanTimeline(r.Since, r.Until, time.Minute)}
	tl.Events = append(tl.Events, query.Event{Time: r.Until.Add(-20 * time.Minute), Kind: query.EventThreshold, Source: query.TimelineErrorRatio,
		Summary: "/api/checkout error ratio 30% above crit 5%", Labels: map[string]string{"path": "/api/checkout", "figure": "error_ratio"}})
	if r.NotesPath != "" {
		ns, err := query.NewNoteLog(r.NotesPath).Read()
		if err != nil {
			tl.Errors = append(tl.Errors, timeline.Error{Source: query.TimelineNotes, Err: err})
		}
		tl.Events = append(tl.Events, timeline.NoteEvents(ns, r.Context, tl.Plan)...)
	}
	query.SortEvents(tl.Events)
	return tl
}

func (s *timelineSource) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.builds
}

func timelineModel(t *testing.T, auditPath string) (*Model, *timelineSource, *detailSource, *fakeClock) {
	t.Helper()
	tsrc := &timelineSource{}
	dsrc := &detailSource{scripted: scripted{ov: sample()}}
	m, clock := newModel(t, dsrc, func(o *Options) {
		o.Timeline, o.Detail = tsrc, dsrc
		if auditPath != "" {
			o.Audit = query.NewAuditLog(auditPath)
			o.AuditUser = "ann@ops"
		}
	})
	reconfigure(m, func(c *vigil.Config) { c.Context = "prod" })
	run(m, m.Init())
	return m, tsrc, dsrc, clock
}

func timelineOf(m *Model) *timelineview.Screen { return partOf[*timelinePart](m).screen }

// The timeline is built when shown, every 30s while shown, on r, and never
// while another screen is shown.
func TestTimelineBuildsOnlyWhileShown(t *testing.T) {
	m, src, _, clock := timelineModel(t, "")
	tickAfter(m, clock, time.Minute)
	if n := src.count(); n != 0 {
		t.Fatalf("%d builds before the screen was shown", n)
	}
	press(m, "5")
	if m.activeTab() != partOf[*timelinePart](m).tab || src.count() != 1 {
		t.Fatalf("5: active %v, %d builds", m.activeTab() == partOf[*timelinePart](m).tab, src.count())
	}
	if r := src.requests[0]; r.Until.Sub(r.Since) != 2*time.Hour || r.Context != "prod" || r.Silences != nil {
		t.Fatalf("request %+v", r)
	}
	tickAfter(m, clock, 5*time.Second)
	tickAfter(m, clock, 20*time.Second)
	if n := src.count(); n != 1 {
		t.Fatalf("%d builds within 30s, want 1 (not every heartbeat)", n)
	}
	tickAfter(m, clock, 5*time.Second)
	if n := src.count(); n != 2 {
		t.Fatalf("%d builds after 30s, want 2", n)
	}
	press(m, "r")
	if n := src.count(); n != 3 {
		t.Fatalf("%d builds after r, want 3", n)
	}
	press(m, "[")
	if n := src.count(); n != 4 || timelineOf(m).Range() != time.Hour {
		t.Fatalf("[: %d builds, range %s", n, timelineOf(m).Range())
	}
	press(m, "1")
	tickAfter(m, clock, 2*time.Minute)
	if n := src.count(); n != 4 {
		t.Fatalf("%d builds while the overview was shown", n)
	}
	if !strings.Contains(screen(m), "5 Timeline") && !strings.Contains(screen(m), " 5") {
		t.Fatalf("no tab 5:\n%s", screen(m))
	}
}

// n on any screen opens the note prompt; enter stores the note with its
// author, time and context, 0600, beside the audit log; the flash says so
// and the timeline shows it at once.
func TestNoteKeySavesANoteAndTheTimelineShowsIt(t *testing.T) {
	dir := t.TempDir()
	m, src, _, clock := timelineModel(t, filepath.Join(dir, "vigil", "audit.log"))
	press(m, "5")
	press(m, "1")
	press(m, "n")
	if !strings.Contains(screen(m), "note: ") {
		t.Fatalf("n opened no prompt:\n%s", screen(m))
	}
	typeText(m, "rolled back to 1.2 q5")
	if !partOf[*notePart](m).open || m.activeTab() != partOf[*overviewPart](m).tab {
		t.Fatal("keys typed in the note acted on the console")
	}
	if w := m.unsentWork(); w == "" {
		t.Fatal("a note being typed is not unsent work")
	}
	press(m, "enter")
	if out := screen(m); !strings.Contains(out, "note saved") {
		t.Fatalf("no confirmation:\n%s", out)
	}
	path := filepath.Join(dir, "vigil", "notes.log")
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("notes file %v %v, want mode 0600", fi, err)
	}
	ns, err := query.NewNoteLog(path).Read()
	if err != nil || len(ns) != 1 {
		t.Fatalf("notes %v %v", ns, err)
	}
	if n := ns[0]; n.Text != "rolled back to 1.2 q5" || n.Author != "ann@ops" || n.Context != "prod" || !n.Time.Equal(clock.Now()) {
		t.Fatalf("note %+v", n)
	}
	// Saved on another screen: the timeline is rebuilt when shown, at once.
	before := src.count()
	press(m, "5")
	if src.count() != before+1 {
		t.Fatalf("%d builds, want one more when shown after a note", src.count()-before)
	}
	if out := screen(m); !strings.Contains(out, "NOTE") || !strings.Contains(out, "ann@ops: rolled back to 1.2 q5") {
		t.Fatalf("the note is not on the timeline:\n%s", out)
	}
	// Saved on the timeline: rebuilt at once.
	press(m, "n")
	typeText(m, "second")
	press(m, "enter")
	if out := screen(m); src.count() != before+2 || !strings.Contains(out, "ann@ops: second") {
		t.Fatalf("not rebuilt after a note on the timeline (%d):\n%s", src.count()-before, out)
	}
	// esc discards; an empty note is refused with the prompt kept.
	press(m, "n")
	press(m, "enter")
	if out := screen(m); !partOf[*notePart](m).open || !strings.Contains(out, "note not saved: the note is empty") {
		t.Fatalf("empty note:\n%s", out)
	}
	press(m, "esc")
	if partOf[*notePart](m).open {
		t.Fatal("esc did not close the prompt")
	}
}

// A note that cannot be written says where and why, and keeps the text.
func TestNoteWriteFailureKeepsTheText(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	m, _, _, _ := timelineModel(t, filepath.Join(blocker, "audit.log"))
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 30})
	press(m, "n")
	typeText(m, "db failover started")
	press(m, "enter")
	out := screen(m)
	if !partOf[*notePart](m).open || !strings.Contains(out, "db failover started") {
		t.Fatalf("the text was not kept:\n%s", out)
	}
	if flat := strings.Join(strings.Fields(out), " "); !strings.Contains(flat, "note not saved: notes "+filepath.Join(blocker, "notes.log")) || !strings.Contains(flat, "not a directory") {
		t.Fatalf("the failure does not name the path and the error:\n%s", out)
	}
	if strings.Contains(out, "note saved") {
		t.Fatalf("a failed note was confirmed:\n%s", out)
	}
	// With no notes path at all, it says so.
	m2, _, _, _ := timelineModel(t, "")
	press(m2, "n")
	typeText(m2, "x")
	press(m2, "enter")
	if out := screen(m2); !partOf[*notePart](m2).open || !strings.Contains(out, "note not saved: no notes file") {
		t.Fatalf("no path:\n%s", out)
	}
}

// n is typed into a prompt that owns the keyboard, not taken as the key.
func TestNoteKeyLeavesCapturingPromptsAlone(t *testing.T) {
	m, _, _, _ := timelineModel(t, "")
	// The filter's cursor blinks: its commands are not run here.
	m.Update(keyMsg("/"))
	m.Update(keyMsg("n"))
	if partOf[*notePart](m).open {
		t.Fatal("n opened the note prompt over the filter prompt")
	}
	if out := screen(m); !strings.Contains(out, "/n") {
		t.Fatalf("n did not reach the filter:\n%s", out)
	}
}

// Enter on a threshold event opens the endpoint's detail over the timeline,
// its range ending shortly after the event; esc comes back to the timeline
// with the cursor where it was.
func TestTimelineEnterOnThresholdOpensTheEndpointAtThatTime(t *testing.T) {
	m, _, dsrc, clock := timelineModel(t, "")
	press(m, "5")
	sel, ok := timelineOf(m).Selected()
	if !ok || sel.Kind != query.EventThreshold {
		t.Fatalf("selected %+v", sel)
	}
	press(m, "enter")
	d := detailOf(m)
	if d == nil || d.Endpoint() != "/api/checkout" || m.activeTab() != partOf[*timelinePart](m).tab || partOf[*timelinePart](m).tab.top() != views.Screen(d) {
		t.Fatalf("enter opened %v over the timeline? %v", d, m.activeTab() == partOf[*timelinePart](m).tab)
	}
	r := dsrc.requests[len(dsrc.requests)-1]
	if !r.End.After(sel.Time) || r.End.Sub(sel.Time) > 15*time.Minute || r.End.After(clock.Now()) {
		t.Fatalf("range ends at %s for an event at %s", r.End, sel.Time)
	}
	if out := screen(m); !strings.Contains(out, "/api/checkout") || !strings.Contains(out, "until "+r.End.Format("15:04:05")) {
		t.Fatalf("detail:\n%s", out)
	}
	press(m, "esc")
	if detailOf(m) != nil || partOf[*timelinePart](m).tab.top() != views.Screen(timelineOf(m)) || m.activeTab() != partOf[*timelinePart](m).tab {
		t.Fatal("esc did not return to the timeline")
	}
	if now, _ := timelineOf(m).Selected(); now.Summary != sel.Summary {
		t.Fatalf("cursor moved to %q", now.Summary)
	}
	// The overview's own detail still opens over the overview.
	press(m, "1")
	press(m, "enter")
	if detailOf(m) == nil || partOf[*overviewPart](m).tab.top() != views.Screen(detailOf(m)) || !detailOf(m).Request().End.IsZero() {
		t.Fatal("the overview's detail no longer opens over the overview, at now")
	}
}

// In the silence form's discard question, n means "keep editing": the
// form captures it and no note prompt opens; in the form, n is a letter.
func TestNoteKeyInsideTheSilenceFormIsTheForms(t *testing.T) {
	m, _ := alertsModel(t)
	amPress(m, "s")
	amPress(m, "n")
	if partOf[*notePart](m).open || !strings.Contains(partOf[*alertsPart](m).screen.UnsentWork(), "n") {
		t.Fatalf("n in the form's comment opened the note prompt (%v) or was lost (%q)", partOf[*notePart](m).open, partOf[*alertsPart](m).screen.UnsentWork())
	}
	amPress(m, "esc")
	f := partOf[*alertsPart](m).screen.Form()
	if f == nil || !f.Discarding() {
		t.Fatal("esc with typed text did not ask to discard")
	}
	amPress(m, "n")
	if partOf[*notePart](m).open || partOf[*alertsPart](m).screen.Form() == nil || partOf[*alertsPart](m).screen.Form().Discarding() {
		t.Fatalf("n did not answer keep editing (note prompt %v)", partOf[*notePart](m).open)
	}
	// On the list, n is the note key.
	m2, _ := alertsModel(t)
	amPress(m2, "n")
	if !partOf[*notePart](m2).open {
		t.Fatal("n on the alerts list opened no note prompt")
	}
}
