package views

import (
	"math"
	"testing"
	"time"
)

func TestFormatMissingFiguresAreDashes(t *testing.T) {
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		for name, f := range map[string]func(float64) string{
			"rps": FormatRPS, "percent": FormatPercent, "seconds": FormatSeconds, "count": FormatCount,
		} {
			if got := f(v); got != Dash {
				t.Errorf("%s(%v) = %q, want %q", name, v, got, Dash)
			}
		}
	}
}

func TestFormatFigures(t *testing.T) {
	cases := []struct {
		got, want string
	}{
		{FormatRPS(0), "0"},
		{FormatRPS(0.004), "<0.01"},
		{FormatRPS(3.14159), "3.14"},
		{FormatRPS(123.45), "123.5"},
		{FormatRPS(12345), "12345"},
		{FormatRPS(523000), "523k"},
		{FormatPercent(0), "0%"},
		{FormatPercent(0.0123), "1.23%"},
		{FormatPercent(0.3), "30.0%"},
		{FormatPercent(1), "100.0%"},
		{FormatSeconds(0.0004), "400µs"},
		{FormatSeconds(0.0052), "5.2ms"},
		{FormatSeconds(0.25), "250ms"},
		{FormatSeconds(2.5), "2.50s"},
		{FormatSeconds(-1), Dash},
		{FormatCount(2.6), "3"},
		{FormatCount(0.2), "0"},
		{FormatDuration(5 * time.Minute), "5m"},
		{FormatDuration(90 * time.Second), "1m30s"},
		{FormatDuration(90 * time.Minute), "1h30m"},
		{FormatDuration(7 * 24 * time.Hour), "7d"},
		{FormatDuration(250 * time.Millisecond), "250ms"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestSparkline(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name  string
		in    []float64
		width int
		floor float64
		want  string
	}{
		{"empty", nil, 4, 0.01, "    "},
		{"zero width", []float64{1}, 0, 0, ""},
		{"gaps stay blank", []float64{0, nan, 1}, 3, 0, "▁ █"},
		{"newest on the right", []float64{1}, 3, 0, "  █"},
		{"floor keeps small values low", []float64{0.001, 0.001}, 2, 0.1, "▁▁"},
		{"downsampling keeps spikes", []float64{0, 0, 0, 1, 0, 0}, 3, 0, "▁█▁"},
	}
	for _, c := range cases {
		if got := Sparkline(c.in, c.width, c.floor); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}
