package overview

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/query"
)

// Since when the targets are down: from their last good scrape, unknown
// when it was not read (never "for over 15m"), and "for over 15m" when it
// was read and none is in the lookback.
func TestTargetsDownText(t *testing.T) {
	now := time.Date(2026, 12, 7, 4, 30, 0, 0, time.Local)
	down := query.Target{Job: "flask", Instance: "a:1"}
	up := query.Target{Job: "flask", Instance: "b:1", Up: true}
	since := down
	since.Since = now.Add(-time.Minute)
	for _, c := range []struct {
		name string
		tg   query.Targets
		want string
	}{
		{"since known", query.Targets{Known: true, List: []query.Target{since, up}}, "1 of 2 targets down since 04:29:00"},
		{"last good scrape not read", query.Targets{Known: true, List: []query.Target{down, up}, LastUpErr: errors.New("timeout")}, "1 of 2 targets down, since when unknown"},
		{"none within the lookback", query.Targets{Known: true, List: []query.Target{down, up}}, "1 of 2 targets down for over 15m"},
	} {
		if got := TargetsDownText(&c.tg, now); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s: %q, want %q…", c.name, got, c.want)
		}
	}
}
