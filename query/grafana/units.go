package grafana

import (
	"math"
	"strconv"
	"strings"
)

// Format writes v in a Grafana unit with its decimals (nil: as many as
// Grafana picks for the value). An unknown value is "—"; an unknown unit
// is written after the number.
func Format(v float64, unit string, decimals *int) string {
	if math.IsNaN(v) {
		return "—"
	}
	if math.IsInf(v, 1) {
		return "+Inf"
	}
	if math.IsInf(v, -1) {
		return "-Inf"
	}
	dec := -1
	if decimals != nil {
		dec = *decimals
	}
	if s, ok := strings.CutPrefix(unit, "suffix:"); ok {
		return toFixed(v, dec) + s
	}
	if s, ok := strings.CutPrefix(unit, "prefix:"); ok {
		return s + toFixed(v, dec)
	}
	switch unit {
	case "", "none":
		return toFixed(v, dec)
	case "short":
		return scaled(v, dec, 1000, []string{"", " K", " Mil", " Bil", " Tri", " Quadr", " Quint", " Sext", " Sept"})
	case "percent":
		return toFixed(v, dec) + "%"
	case "percentunit":
		return toFixed(v*100, dec) + "%"
	case "s":
		return seconds(v, dec)
	case "ms":
		return milliseconds(v, dec)
	case "µs", "us":
		if math.Abs(v) < 1000 {
			return toFixed(v, dec) + " µs"
		}
		return milliseconds(v/1000, dec)
	case "ns":
		if math.Abs(v) < 1000 {
			return toFixed(v, dec) + " ns"
		}
		if math.Abs(v) < 1e6 {
			return toFixed(v/1000, dec) + " µs"
		}
		return milliseconds(v/1e6, dec)
	case "m":
		return seconds(v*60, dec)
	case "h":
		return seconds(v*3600, dec)
	case "d":
		return seconds(v*86400, dec)
	case "bytes":
		return scaled(v, dec, 1024, []string{" B", " KiB", " MiB", " GiB", " TiB", " PiB", " EiB"})
	case "kbytes":
		return scaled(v*1024, dec, 1024, []string{" B", " KiB", " MiB", " GiB", " TiB", " PiB", " EiB"})
	case "mbytes":
		return scaled(v*1024*1024, dec, 1024, []string{" B", " KiB", " MiB", " GiB", " TiB", " PiB", " EiB"})
	case "decbytes":
		return scaled(v, dec, 1000, []string{" B", " kB", " MB", " GB", " TB", " PB", " EB"})
	case "bits":
		return scaled(v, dec, 1024, []string{" b", " Kib", " Mib", " Gib", " Tib", " Pib"})
	case "decbits":
		return scaled(v, dec, 1000, []string{" b", " kb", " Mb", " Gb", " Tb", " Pb"})
	case "Bps", "binBps":
		return scaled(v, dec, 1024, []string{" B/s", " KiB/s", " MiB/s", " GiB/s", " TiB/s"})
	case "decBps":
		return scaled(v, dec, 1000, []string{" B/s", " kB/s", " MB/s", " GB/s", " TB/s"})
	case "bps", "binbps":
		return scaled(v, dec, 1024, []string{" b/s", " Kib/s", " Mib/s", " Gib/s", " Tib/s"})
	case "reqps":
		return countUnit(v, dec, "req/s")
	case "rps":
		return countUnit(v, dec, "rd/s")
	case "wps":
		return countUnit(v, dec, "wr/s")
	case "iops":
		return countUnit(v, dec, "io/s")
	case "ops":
		return countUnit(v, dec, "ops")
	case "reqpm", "rpm":
		return countUnit(v, dec, "req/m")
	case "opm":
		return countUnit(v, dec, "ops/m")
	case "cps":
		return countUnit(v, dec, "c/s")
	case "hertz":
		return scaled(v, dec, 1000, []string{" Hz", " kHz", " MHz", " GHz", " THz"})
	case "celsius":
		return toFixed(v, dec) + "°C"
	case "bool":
		if v != 0 {
			return "True"
		}
		return "False"
	case "bool_on_off":
		if v != 0 {
			return "On"
		}
		return "Off"
	}
	return toFixed(v, dec) + " " + unit
}

// toFixed writes v with dec decimals; dec < 0 picks them as Grafana does:
// two significant digits past the integer part for small values, none for
// integers.
func toFixed(v float64, dec int) string {
	if dec < 0 {
		dec = decimalsFor(v)
	}
	if v == 0 {
		return strconv.FormatFloat(0, 'f', dec, 64)
	}
	s := strconv.FormatFloat(v, 'f', dec, 64)
	if s == "-0" || strings.HasPrefix(s, "-0.") && strings.Trim(s[1:], "0.") == "" {
		s = s[1:]
	}
	return s
}

func decimalsFor(v float64) int {
	a := math.Abs(v)
	if a == 0 || v == math.Trunc(v) {
		return 0
	}
	dec := -int(math.Floor(math.Log10(a))) + 1
	magn := math.Pow(10, -float64(dec))
	if a/magn > 2.25 {
		dec++
	}
	return max(dec, 0)
}

// scaled divides v by factor until it is below it and names the step.
func scaled(v float64, dec int, factor float64, suffixes []string) string {
	i := 0
	for math.Abs(v) >= factor && i < len(suffixes)-1 {
		v /= factor
		i++
	}
	return toFixed(v, dec) + suffixes[i]
}

// countUnit is Grafana's simpleCountUnit: 1.5K req/s.
func countUnit(v float64, dec int, sym string) string {
	return scaled(v, dec, 1000, []string{"", "K", "M", "B", "T"}) + " " + sym
}

func seconds(v float64, dec int) string {
	a := math.Abs(v)
	switch {
	case a < 1:
		return milliseconds(v*1000, dec)
	case a < 60:
		return toFixed(v, dec) + " s"
	case a < 3600:
		return toFixed(v/60, dec) + " min"
	case a < 86400:
		return toFixed(v/3600, dec) + " hour"
	case a < 604800:
		return toFixed(v/86400, dec) + " day"
	case a < 31536000:
		return toFixed(v/604800, dec) + " week"
	}
	return toFixed(v/31536000, dec) + " year"
}

func milliseconds(v float64, dec int) string {
	a := math.Abs(v)
	switch {
	case a < 1000:
		return toFixed(v, dec) + " ms"
	case a < 60000:
		return toFixed(v/1000, dec) + " s"
	case a < 3600000:
		return toFixed(v/60000, dec) + " min"
	case a < 86400000:
		return toFixed(v/3600000, dec) + " hour"
	case a < 31536000000:
		return toFixed(v/86400000, dec) + " day"
	}
	return toFixed(v/31536000000, dec) + " year"
}

// Level is what a threshold colour means on a terminal.
type Level int

// The levels of a threshold step's colour.
const (
	LevelNone Level = iota // no threshold, or a colour with no judgement (blue, text)
	LevelOK
	LevelWarn
	LevelCrit
)

// StepFor returns the threshold step v falls in: the last whose value is
// at most v (index -1 when there are no steps or v is NaN). With
// percentage thresholds the steps are percents of min..max.
func (f *Field) StepFor(v float64) (Step, int) {
	if math.IsNaN(v) || len(f.Steps) == 0 {
		return Step{}, -1
	}
	x := v
	if f.PercentThresholds {
		lo, hi := 0.0, 100.0
		if f.Min != nil {
			lo = *f.Min
		}
		if f.Max != nil {
			hi = *f.Max
		}
		if hi == lo {
			return f.Steps[0], 0
		}
		x = (v - lo) / (hi - lo) * 100
	}
	idx := 0
	for i, s := range f.Steps {
		if i == 0 || x >= s.Value {
			idx = i
		}
	}
	return f.Steps[idx], idx
}

// LevelFor is the level of v's threshold colour.
func (f *Field) LevelFor(v float64) Level {
	s, i := f.StepFor(v)
	if i < 0 {
		return LevelNone
	}
	return ColorLevel(s.Color, i, len(f.Steps))
}

// ColorLevel reads a Grafana colour (a name such as "green" or
// "dark-red", a hex or an rgba()) as a level; an unknown colour is judged
// by its step: the first OK, the last critical, between a warning.
func ColorLevel(c string, idx, n int) Level {
	c = strings.ToLower(strings.TrimSpace(c))
	for _, k := range []struct {
		words []string
		l     Level
	}{
		{[]string{"red", "#d44a3a", "#f2495c", "#e02f44", "#c4162a", "rgba(245, 54, 54", "rgba(245,54,54"}, LevelCrit},
		{[]string{"orange", "yellow", "#e5ac0e", "#ff9830", "#fade2a", "#ff780a", "rgba(237, 129, 40", "rgba(237,129,40"}, LevelWarn},
		{[]string{"green", "#299c46", "#73bf69", "#56a64b", "#37872d", "rgba(50, 172, 45", "rgba(50,172,45"}, LevelOK},
		{[]string{"blue", "purple", "text", "transparent", "#5794f2"}, LevelNone},
	} {
		for _, w := range k.words {
			if strings.Contains(c, w) {
				return k.l
			}
		}
	}
	switch {
	case idx == 0:
		return LevelOK
	case idx == n-1:
		return LevelCrit
	}
	return LevelWarn
}
