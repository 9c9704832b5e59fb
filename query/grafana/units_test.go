package grafana

import (
	"math"
	"testing"
)

func TestFormat(t *testing.T) {
	two, zero := 2, 0
	for _, c := range []struct {
		v    float64
		unit string
		dec  *int
		want string
	}{
		{1.5, "", nil, "1.50"},
		{123.456, "none", nil, "123"},
		{42.7, "", nil, "42.7"},
		{0.0123, "", nil, "0.0123"},
		{5, "", nil, "5"},
		{0, "", nil, "0"},
		{1500, "short", nil, "1.50 K"},
		{2.5e6, "short", nil, "2.50 Mil"},
		{12.3, "percent", nil, "12.3%"},
		{0.05, "percentunit", nil, "5%"},
		{0.0523, "percentunit", &two, "5.23%"},
		{0.25, "s", nil, "250 ms"},
		{1.5, "s", nil, "1.50 s"},
		{90, "s", nil, "1.50 min"},
		{7200, "s", nil, "2 hour"},
		{250, "ms", nil, "250 ms"},
		{1500, "ms", nil, "1.50 s"},
		{1536, "bytes", nil, "1.50 KiB"},
		{1500, "decbytes", nil, "1.50 kB"},
		{12.34, "reqps", nil, "12.3 req/s"},
		{1500, "reqps", &zero, "2K req/s"},
		{3, "ops", nil, "3 ops"},
		{21.5, "celsius", nil, "21.5°C"},
		{3, "suffix: widgets", nil, "3 widgets"},
		{3, "prefix:$", nil, "$3"},
		{3, "furlongs", nil, "3 furlongs"},
		{math.NaN(), "s", nil, "—"},
		{math.Inf(1), "s", nil, "+Inf"},
		{-0.5, "percentunit", nil, "-50%"},
	} {
		if got := Format(c.v, c.unit, c.dec); got != c.want {
			t.Errorf("Format(%v, %q): %q, want %q", c.v, c.unit, got, c.want)
		}
	}
}

func TestThresholdLevels(t *testing.T) {
	f := Field{Steps: []Step{{Value: math.Inf(-1), Color: "green"}, {Value: 50, Color: "orange"}, {Value: 100, Color: "red"}}}
	for v, want := range map[float64]Level{0: LevelOK, 49.9: LevelOK, 50: LevelWarn, 100: LevelCrit, -5: LevelOK} {
		if got := f.LevelFor(v); got != want {
			t.Errorf("%v: %v, want %v", v, got, want)
		}
	}
	if f.LevelFor(math.NaN()) != LevelNone {
		t.Error("NaN judged")
	}
	lo, hi := 0.0, 200.0
	p := Field{Min: &lo, Max: &hi, PercentThresholds: true, Steps: []Step{{Value: math.Inf(-1), Color: "#73BF69"}, {Value: 80, Color: "#F2495C"}}}
	if p.LevelFor(150) != LevelOK || p.LevelFor(170) != LevelCrit {
		t.Error("percentage thresholds")
	}
	if ColorLevel("#123456", 1, 3) != LevelWarn || ColorLevel("#123456", 2, 3) != LevelCrit || ColorLevel("dark-blue", 2, 3) != LevelNone {
		t.Error("colour levels")
	}
}
