package timeline

import (
	"testing"
	"time"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/querytest"
)

var tlBase = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// A note is an event of its own context only, with its author and text as
// they were typed (the screens sanitise them, not the store).
func TestNoteEvents(t *testing.T) {
	at := tlBase.Add(30 * time.Second)
	ns := []query.Note{
		{Time: at, Author: "ana", Context: "prod", Text: "rolled back \x1b[31m"},
		{Time: at, Author: "bo", Context: "staging", Text: "other context"},
		{Time: tlBase.Add(2 * time.Minute), Author: "cy", Context: "prod", Text: "after the range"},
	}
	ev := NoteEvents(ns, "prod", query.PlanTimeline(tlBase, tlBase.Add(time.Minute), time.Minute))
	if len(ev) != 1 || ev[0].Summary != "ana: rolled back \x1b[31m" || ev[0].Labels["author"] != "ana" || ev[0].Kind != query.EventNote {
		t.Errorf("events %+v", ev)
	}
}

// Threshold events of grouped rows name the row by the endpoint label, as
// the screens look it up.
func TestThresholdEventsOfGroupedRowsKeyedByTheEndpointLabel(t *testing.T) {
	s := querytest.FlaskShape(5 * time.Minute).WithGroups([]query.PathRule{{Name: "/blog/<slug>", Pattern: "/blog/[^/]+"}})
	ev := endpointKeyed(s, []query.Event{{Labels: map[string]string{query.GroupLabel: "/blog/<slug>", "figure": query.FigureErrorRatio}}})
	if ev[0].Labels["path"] != "/blog/<slug>" || ev[0].Labels[query.GroupLabel] != "" {
		t.Errorf("labels %v", ev[0].Labels)
	}
	plain := endpointKeyed(querytest.FlaskShape(5*time.Minute), []query.Event{{Labels: map[string]string{"path": "/login"}}})
	if plain[0].Labels["path"] != "/login" {
		t.Errorf("ungrouped: %v", plain[0].Labels)
	}
}
