package alertmanager

import (
	"testing"

	"github.com/vigilterm/vigil/query"
)

// Two peers holding the same alerts give one row each, counted on both; an
// alert one peer lacks is counted on one; a state the peers disagree on is
// flagged, and the one that notifies is kept.
func TestMergeClusterAlerts(t *testing.T) {
	a := func(name, path string, st query.AlertState, silencedBy ...string) query.Alert {
		return query.Alert{Name: name, State: st, SilencedBy: silencedBy,
			Labels: map[string]string{"alertname": name, "path": path}}
	}
	peer0 := []query.Alert{a("HighErrors", "/a", query.StateFiring), a("Slow", "/b", query.StateSilenced, "s1"), a("Only0", "/c", query.StateFiring)}
	peer1 := []query.Alert{a("HighErrors", "/a", query.StateFiring), a("Slow", "/b", query.StateFiring), a("Slow", "/b", query.StateFiring)}
	got := MergeClusterAlerts([][]query.Alert{peer0, peer1})
	if len(got) != 3 {
		t.Fatalf("want 3 rows, got %d: %+v", len(got), got)
	}
	byName := map[string]ClusterAlert{}
	for _, c := range got {
		byName[c.Name] = c
	}
	if c := byName["HighErrors"]; c.On != 2 || c.Of != 2 || c.Disagree {
		t.Errorf("HighErrors: %+v", c)
	}
	if c := byName["Slow"]; c.On != 2 || !c.Disagree || c.State != query.StateFiring {
		t.Errorf("Slow: on %d disagree %v state %s: want on both, disagreeing, firing kept", c.On, c.Disagree, c.State)
	}
	if c := byName["Only0"]; c.On != 1 || c.Of != 2 {
		t.Errorf("Only0: %+v", c)
	}
	if got := MergeClusterAlerts(nil); len(got) != 0 {
		t.Errorf("no peers: %+v", got)
	}
}
