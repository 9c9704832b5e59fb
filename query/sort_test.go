package query

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

var testThresholds = Thresholds{ErrorRatioWarn: 0.01, ErrorRatioCrit: 0.05, P99Warn: time.Second, P99Crit: 2 * time.Second}

func TestLevels(t *testing.T) {
	th := testThresholds
	errTests := []struct {
		v    float64
		want Level
	}{
		{nan, LevelOK}, {math.Inf(1), LevelOK}, {0, LevelOK}, {0.0099, LevelOK},
		{0.01, LevelWarn}, {0.049, LevelWarn}, {0.05, LevelCrit}, {1, LevelCrit},
	}
	for _, tt := range errTests {
		if got := th.ErrorLevel(tt.v); got != tt.want {
			t.Errorf("ErrorLevel(%v) = %v, want %v", tt.v, got, tt.want)
		}
	}
	p99Tests := []struct {
		v    float64
		want Level
	}{
		{nan, LevelOK}, {0, LevelOK}, {0.999, LevelOK}, {1, LevelWarn}, {1.5, LevelWarn}, {2, LevelCrit}, {30, LevelCrit},
	}
	for _, tt := range p99Tests {
		if got := th.P99Level(tt.v); got != tt.want {
			t.Errorf("P99Level(%v) = %v, want %v", tt.v, got, tt.want)
		}
	}
	// Zero thresholds flag any non-zero figure, never a zero one.
	var zero Thresholds
	if zero.ErrorLevel(0) != LevelOK || zero.ErrorLevel(0.0001) != LevelCrit || zero.P99Level(nan) != LevelOK {
		t.Error("zero thresholds")
	}
	if LevelCrit.String() != "critical" || LevelWarn.String() != "warning" || LevelOK.String() != "ok" {
		t.Error("level names")
	}
}

func ep(name string, rps, ratio, p50, p99, exc float64) Endpoint {
	return Endpoint{Name: name, RPS: rps, ErrorRatio: ratio, P50: p50, P99: p99, Exceptions: exc}
}

func TestSortEndpoints(t *testing.T) {
	eps := []Endpoint{
		ep("/ok-busy", 100, 0.001, 0.01, 0.1, 0),
		ep("/idle", 0, nan, nan, nan, 0),
		ep("/slow-crit", 5, 0, 0.5, 3, 0),
		ep("/err-warn", 10, 0.02, 0.02, 0.2, 2),
		ep("/err-crit-b", 1, 0.5, 0.01, 0.1, 5),
		ep("/err-crit-a", 1, 0.5, 0.01, 0.1, 5), // ties /err-crit-b on every figure
		ep("/err-crit-slow", 1, 0.06, 0.3, 1.5, 1),
		ep("/ok-quiet", 1, 0, 0.01, 0.05, nan),
		ep("/slow-warn", 2, 0, 0.2, 1.2, 0),
		ep("/inf", math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1)),
	}
	tests := []struct {
		key     SortKey
		reverse bool
		want    []string
	}{
		{SortWorst, false, []string{
			// critical (by error ratio or p99): the ratio, then p99, then the name
			"/err-crit-a", "/err-crit-b", "/err-crit-slow", "/slow-crit",
			// warning
			"/err-warn", "/slow-warn",
			// all OK: ratio, then p99, then rps; missing ratios last
			"/ok-busy", "/ok-quiet", "/idle", "/inf"}},
		{SortWorst, true, []string{
			"/ok-quiet", "/ok-busy", "/idle", "/inf",
			"/slow-warn", "/err-warn",
			"/slow-crit", "/err-crit-slow", "/err-crit-a", "/err-crit-b"}},
		{SortEndpoint, false, []string{"/err-crit-a", "/err-crit-b", "/err-crit-slow", "/err-warn", "/idle", "/inf", "/ok-busy", "/ok-quiet", "/slow-crit", "/slow-warn"}},
		{SortEndpoint, true, []string{"/slow-warn", "/slow-crit", "/ok-quiet", "/ok-busy", "/inf", "/idle", "/err-warn", "/err-crit-slow", "/err-crit-b", "/err-crit-a"}},
		{SortRPS, false, []string{"/ok-busy", "/err-warn", "/slow-crit", "/slow-warn", "/err-crit-a", "/err-crit-b", "/err-crit-slow", "/ok-quiet", "/idle", "/inf"}},
		{SortRPS, true, []string{"/idle", "/err-crit-a", "/err-crit-b", "/err-crit-slow", "/ok-quiet", "/slow-warn", "/slow-crit", "/err-warn", "/ok-busy", "/inf"}},
		{SortErrorRatio, false, []string{"/err-crit-a", "/err-crit-b", "/err-crit-slow", "/err-warn", "/ok-busy", "/ok-quiet", "/slow-crit", "/slow-warn", "/idle", "/inf"}},
		{SortErrorRatio, true, []string{"/ok-quiet", "/slow-crit", "/slow-warn", "/ok-busy", "/err-warn", "/err-crit-slow", "/err-crit-a", "/err-crit-b", "/idle", "/inf"}},
		{SortP50, false, []string{"/slow-crit", "/err-crit-slow", "/slow-warn", "/err-warn", "/err-crit-a", "/err-crit-b", "/ok-busy", "/ok-quiet", "/idle", "/inf"}},
		{SortP99, false, []string{"/slow-crit", "/err-crit-slow", "/slow-warn", "/err-warn", "/err-crit-a", "/err-crit-b", "/ok-busy", "/ok-quiet", "/idle", "/inf"}},
		{SortP99, true, []string{"/ok-quiet", "/err-crit-a", "/err-crit-b", "/ok-busy", "/err-warn", "/slow-warn", "/err-crit-slow", "/slow-crit", "/idle", "/inf"}},
		{SortExceptions, false, []string{"/err-crit-a", "/err-crit-b", "/err-warn", "/err-crit-slow", "/idle", "/ok-busy", "/slow-crit", "/slow-warn", "/inf", "/ok-quiet"}},
		{SortExceptions, true, []string{"/idle", "/ok-busy", "/slow-crit", "/slow-warn", "/err-crit-slow", "/err-warn", "/err-crit-a", "/err-crit-b", "/inf", "/ok-quiet"}},
	}
	for _, tt := range tests {
		// Whatever order the rows come in, the result is the same.
		for seed := range uint64(5) {
			in := slices.Clone(eps)
			rand.New(rand.NewPCG(seed, 1)).Shuffle(len(in), func(i, j int) { in[i], in[j] = in[j], in[i] })
			SortEndpoints(in, tt.key, tt.reverse, testThresholds)
			if got := names(in); !slices.Equal(got, tt.want) {
				t.Errorf("%s reverse=%v (shuffle %d):\n got  %v\n want %v", tt.key, tt.reverse, seed, got, tt.want)
				break
			}
		}
	}
}

// An endpoint with a critical p99 and a firing alert ranks above endpoints
// at a warning error ratio; among equal levels, firing alerts come first;
// a stale endpoint counts as critical.
func TestSortWorstLevelOfAnyFigureThenAlerts(t *testing.T) {
	slowAlerting := ep("/search", 5, 0, 0.5, 3, 0)
	slowAlerting.FiringAlerts = 1
	warnA := ep("/cart", 10, 0.03, 0.02, 0.2, 2)
	warnB := ep("/login", 10, 0.04, 0.02, 0.2, 2)
	warnAlerting := ep("/orders", 10, 0.015, 0.02, 0.2, 2)
	warnAlerting.FiringAlerts = 2
	stale := ep("/gone", 1, 0, 0.01, 0.01, 0)
	stale.Stale = true
	eps := []Endpoint{warnA, warnB, ep("/", 50, 0, 0.01, 0.05, 0), warnAlerting, slowAlerting, stale}
	SortEndpoints(eps, SortWorst, false, testThresholds)
	want := []string{"/search", "/gone", "/orders", "/login", "/cart", "/"}
	if got := names(eps); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestSortStableOnEqualRows(t *testing.T) {
	// Rows equal in every figure and in name keep their order.
	eps := []Endpoint{ep("/x", 1, 0, 0, 0, 0), ep("/x", 1, 0, 0, 0, 0), ep("/x", 1, 0, 0, 0, 0)}
	eps[0].Trend, eps[1].Trend, eps[2].Trend = []float64{0}, []float64{1}, []float64{2}
	SortEndpoints(eps, SortWorst, false, testThresholds)
	for i, e := range eps {
		if e.Trend[0] != float64(i) {
			t.Fatalf("equal rows reordered: %v", eps)
		}
	}
	SortEndpoints(nil, SortRPS, true, testThresholds)
}

func TestSortKeyNames(t *testing.T) {
	want := map[SortKey]string{SortWorst: "WORST", SortEndpoint: "ENDPOINT", SortRPS: "RPS", SortErrorRatio: "ERR%", SortP50: "P50", SortP99: "P99", SortExceptions: "EXC", SortChange: "ΔERR"}
	if len(SortKeys) != len(want) {
		t.Fatalf("SortKeys has %d keys, want %d", len(SortKeys), len(want))
	}
	k := SortWorst
	for i, key := range SortKeys {
		if key.String() != want[key] {
			t.Errorf("%d: %q, want %q", key, key.String(), want[key])
		}
		if k != key {
			t.Errorf("Next() cycle: step %d gave %v, want %v", i, k, key)
		}
		k = k.Next()
	}
	if k != SortWorst || SortKey(99).Next() != SortWorst {
		t.Error("Next does not wrap around")
	}
	var zero SortKey
	if zero != SortWorst {
		t.Error("the zero SortKey must be SortWorst")
	}
}
