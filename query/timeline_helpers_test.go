package query

import "time"

// eventsOf are the events of tl of one kind.
func eventsOf(tl *Timeline, kind EventKind) []Event {
	var out []Event
	for _, e := range tl.Events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
