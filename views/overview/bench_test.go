package overview

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/viewstest"
)

func benchOverview(n int) *query.Overview {
	r := rand.New(rand.NewPCG(1, 2))
	ov := &query.Overview{Window: 5 * time.Minute, ExceptionsSource: "x"}
	for i := 0; i < n; i++ {
		trend := make([]float64, query.TrendPoints)
		for j := range trend {
			trend[j] = r.Float64() * 0.1
		}
		ov.Endpoints = append(ov.Endpoints, query.Endpoint{
			Name: fmt.Sprintf("/item/%05d", i), RPS: r.Float64() * 100, ErrorRatio: r.Float64() * 0.1,
			P50: r.Float64() * 0.2, P99: r.Float64() * 3, Exceptions: float64(r.IntN(20)), Trend: trend,
		})
	}
	return ov
}

// BenchmarkOverviewView renders the overview at 200x60: only the visible
// rows are drawn, so 10,000 endpoints cost about what 30 do.
func BenchmarkOverviewView(b *testing.B) {
	for _, n := range []int{30, 10000} {
		b.Run(fmt.Sprintf("endpoints=%d", n), func(b *testing.B) {
			o := New(viewstest.Context(b, "dark"))
			o.SetSize(200, 57)
			o.Update(views.OverviewMsg{Overview: benchOverview(n)})
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				_ = o.View()
			}
		})
	}
}

// BenchmarkOverviewRefresh is the work of one refresh arriving: filtering
// and sorting all rows and restoring the selection.
func BenchmarkOverviewRefresh(b *testing.B) {
	for _, n := range []int{30, 10000} {
		b.Run(fmt.Sprintf("endpoints=%d", n), func(b *testing.B) {
			o := New(viewstest.Context(b, "dark"))
			o.SetSize(200, 57)
			ov := benchOverview(n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				o.Update(views.OverviewMsg{Overview: ov})
			}
		})
	}
}
