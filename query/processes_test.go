package query

import (
	"math"
	"testing"
)

func TestClassifyStarts(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		name               string
		in                 []float64
		seen, back, starts int
		inTurn             bool
	}{
		{"one process", []float64{100, 100, 100}, 1, 0, 0, false},
		{"crash loop: only forward", []float64{100, 100, 130, 130, 160, 190}, 4, 0, 3, false},
		{"workers in turn", []float64{100, 101, 100, 104, 103, 101}, 4, 3, 0, true},
		{"float round trip is one start", []float64{100.0004, 100.0001, 100.0003}, 1, 0, 0, false},
		{"gaps are skipped", []float64{nan, 100, nan, 100}, 1, 0, 0, false},
		{"empty", nil, 0, 0, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := ClassifyStarts(c.in)
			if p.Seen != c.seen || p.Back != c.back || p.Restarts != c.starts || p.InTurn() != c.inTurn || len(p.Starts) != c.seen {
				t.Fatalf("ClassifyStarts(%v) = %+v (in turn %v), want seen %d back %d restarts %d in turn %v",
					c.in, p, p.InTurn(), c.seen, c.back, c.starts, c.inTurn)
			}
		})
	}
}
