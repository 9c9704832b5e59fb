package query

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Thresholds say when an endpoint's error ratio or p99 is a warning or
// critical. A figure reaches a level when it is above 0 and at or above the
// threshold, so a threshold of 0 flags any non-zero figure and a zero
// figure is never flagged.
type Thresholds struct {
	ErrorRatioWarn, ErrorRatioCrit float64
	P99Warn, P99Crit               time.Duration
}

// Level is how bad a figure is. A missing figure (NaN) is LevelOK: there is
// nothing to flag.
type Level int

const (
	LevelOK Level = iota
	LevelWarn
	LevelCrit
)

var levelNames = [...]string{LevelOK: "ok", LevelWarn: "warning", LevelCrit: "critical"}

func (l Level) String() string { return enumName(levelNames[:], int(l), "Level") }

// enumName is names[i], or type(i) for a value without a name.
func enumName(names []string, i int, typ string) string {
	if i >= 0 && i < len(names) && names[i] != "" {
		return names[i]
	}
	return typ + "(" + strconv.Itoa(i) + ")"
}

func level(v, warn, crit float64) Level {
	if Missing(v) || v <= 0 {
		return LevelOK
	}
	switch {
	case v >= crit:
		return LevelCrit
	case v >= warn:
		return LevelWarn
	}
	return LevelOK
}

// ErrorLevel is the level of an error ratio (0..1).
func (t Thresholds) ErrorLevel(v float64) Level {
	return level(v, t.ErrorRatioWarn, t.ErrorRatioCrit)
}

// P99Level is the level of a p99 in seconds.
func (t Thresholds) P99Level(v float64) Level {
	return level(v, t.P99Warn.Seconds(), t.P99Crit.Seconds())
}

// SortKey is the column the endpoint table is sorted by.
type SortKey int

const (
	// SortWorst puts the endpoints that need a look first: by the worst
	// level of any figure (a stale endpoint counts as critical), then by
	// firing alerts, then error ratio, p99 and requests/s, highest first.
	SortWorst SortKey = iota
	SortEndpoint
	SortRPS
	SortErrorRatio
	SortP50
	SortP99
	SortExceptions
	// SortChange ranks endpoints by how much their error ratio rose against
	// a baseline in the past (Baseline.Apply): the regression view.
	SortChange
	numSortKeys
)

// SortKeys lists every sort key in column order.
var SortKeys = []SortKey{SortWorst, SortEndpoint, SortRPS, SortErrorRatio, SortP50, SortP99, SortExceptions, SortChange}

// String is the label of the column the key sorts by.
func (k SortKey) String() string { return enumName(sortKeyNames[:], int(k), "SortKey") }

var sortKeyNames = [numSortKeys]string{
	SortWorst:      "WORST",
	SortEndpoint:   "ENDPOINT",
	SortRPS:        "RPS",
	SortErrorRatio: "ERR%",
	SortP50:        "P50",
	SortP99:        "P99",
	SortExceptions: "EXC",
	SortChange:     "ΔERR",
}

// Next is the following key in column order, wrapping around.
func (k SortKey) Next() SortKey {
	if k < 0 || k >= numSortKeys-1 {
		return SortWorst
	}
	return k + 1
}

// sortFigures is the figure each figure column sorts by.
var sortFigures = map[SortKey]func(*Endpoint) float64{
	SortRPS:        func(e *Endpoint) float64 { return e.RPS },
	SortErrorRatio: func(e *Endpoint) float64 { return e.ErrorRatio },
	SortP50:        func(e *Endpoint) float64 { return e.P50 },
	SortP99:        func(e *Endpoint) float64 { return e.P99 },
	SortExceptions: func(e *Endpoint) float64 { return e.Exceptions },
	SortChange:     func(e *Endpoint) float64 { return e.ErrorRatioChange },
}

// SortEndpoints sorts eps in place. Figures sort highest first and names
// A to Z; reverse flips that. A missing figure (NaN or infinite) always
// sorts last whatever the direction. Ties fall back to the name (A to Z),
// so the order is deterministic. The sort is stable.
func SortEndpoints(eps []Endpoint, key SortKey, reverse bool, t Thresholds) {
	if len(eps) < 2 {
		return
	}
	// Sort indices rather than the rows themselves: a row is large, and the
	// original index as the last tiebreak makes the sort stable.
	var c func(a, b *Endpoint) int
	if key == SortEndpoint {
		c = func(a, b *Endpoint) int { return flip(strings.Compare(a.Name, b.Name), reverse) }
	} else if f := sortFigures[key]; f != nil {
		c = func(a, b *Endpoint) int { return byFigure(f(a), f(b), reverse) }
	}
	var levels []Level // the worst level of row i
	if c == nil {
		levels = make([]Level, len(eps))
		for i := range eps {
			levels[i] = t.WorstLevel(&eps[i])
		}
	}
	idx := make([]int32, len(eps))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(x, y int32) int {
		a, b := &eps[x], &eps[y]
		if c != nil {
			if r := c(a, b); r != 0 {
				return r
			}
		} else if r := worst(a, b, levels[x], levels[y], reverse); r != 0 {
			return r
		}
		if r := strings.Compare(a.Name, b.Name); r != 0 {
			return r
		}
		return cmp.Compare(x, y)
	})
	sorted := make([]Endpoint, len(eps))
	for k, i := range idx {
		sorted[k] = eps[i]
	}
	copy(eps, sorted)
}

// WorstLevel is the worst level of any of an endpoint's figures that has
// thresholds (error ratio, p99); a stale endpoint, whose figures are not
// current, is critical; one whose figures are known wrong (Unknown) is a
// warning: it needs a look, and nothing says how bad it is.
func (t Thresholds) WorstLevel(e *Endpoint) Level {
	if e.Stale {
		return LevelCrit
	}
	if e.Unknown != "" {
		return LevelWarn
	}
	return max(t.ErrorLevel(e.ErrorRatio), t.P99Level(e.P99))
}

// worst orders by worst level, firing alerts, error ratio, p99 and
// requests/s, worst first (best first when reverse).
func worst(a, b *Endpoint, la, lb Level, reverse bool) int {
	if r := flip(cmp.Compare(lb, la), reverse); r != 0 {
		return r
	}
	if r := flip(cmp.Compare(b.FiringAlerts, a.FiringAlerts), reverse); r != 0 {
		return r
	}
	if r := byFigure(a.ErrorRatio, b.ErrorRatio, reverse); r != 0 {
		return r
	}
	if r := byFigure(a.P99, b.P99, reverse); r != 0 {
		return r
	}
	return byFigure(a.RPS, b.RPS, reverse)
}

// byFigure orders highest first (lowest first when reverse), missing last.
func byFigure(a, b float64, reverse bool) int {
	am, bm := Missing(a), Missing(b)
	switch {
	case am && bm:
		return 0
	case am:
		return 1
	case bm:
		return -1
	}
	return flip(cmp.Compare(b, a), reverse)
}

func flip(c int, reverse bool) int {
	if reverse {
		return -c
	}
	return c
}
