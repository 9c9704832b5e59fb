package query

import (
	"regexp"
	"strings"
	"time"
)

// An ack kept until its alert resolves is an ordinary short silence whose
// comment ends with a marker:
//
//	ack by alice [until resolved, kept to 2026-11-29T06:12:00Z]
//
// The marker is the whole of the state: whoever keeps such acks (the
// console, or vigil serve) finds them again among Alertmanager's silences
// after a restart. "kept to" is the end the keeper last wrote; a silence
// whose end no longer equals it was changed by someone else and is left
// alone. A marker without "kept to" ("[until resolved]", typed by hand in
// amtool or Alertmanager's UI) is taken on as it is.
const ackMarkerText = "until resolved"

var ackMarkerRE = regexp.MustCompile(`\s*\[until resolved(?:, kept to ([0-9T:Z\-]+))?\]\s*$`)

// AckMarker is the comment suffix that marks an ack kept until resolved,
// with the end the keeper set.
func AckMarker(keptTo time.Time) string {
	return "[" + ackMarkerText + ", kept to " + keptTo.UTC().Truncate(time.Second).Format(time.RFC3339) + "]"
}

// WithAckMarker is comment with its marker replaced (or added) for keptTo.
func WithAckMarker(comment string, keptTo time.Time) string {
	base := strings.TrimSpace(ackMarkerRE.ReplaceAllString(comment, ""))
	if base == "" {
		return AckMarker(keptTo)
	}
	return base + " " + AckMarker(keptTo)
}

// ParseAckMarker reports whether comment marks an ack kept until resolved,
// the comment without the marker, and the end the keeper last set (zero
// when the marker names none or it cannot be read).
func ParseAckMarker(comment string) (base string, keptTo time.Time, ok bool) {
	m := ackMarkerRE.FindStringSubmatchIndex(comment)
	if m == nil {
		return comment, time.Time{}, false
	}
	base = strings.TrimSpace(comment[:m[0]])
	if m[2] >= 0 {
		if t, err := time.Parse(time.RFC3339, comment[m[2]:m[3]]); err == nil {
			keptTo = t
		}
	}
	return base, keptTo, true
}

// UntilResolved reports whether the silence is an ack kept until resolved.
func (s Silence) UntilResolved() bool {
	_, _, ok := ParseAckMarker(s.Comment)
	return ok
}
