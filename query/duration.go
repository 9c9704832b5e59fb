package query

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// ParseDuration accepts Prometheus durations (1d, 90m, 2h30m) and Go's own
// (1.5h, 500ms) and rejects negative ones with a message that says what a
// valid one looks like.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty duration: write e.g. 30s, 5m, 1h30m or 1d")
	}
	if bareNumber(s) {
		return 0, DurationNeedsUnit(s)
	}
	if v, err := model.ParseDuration(s); err == nil {
		return time.Duration(v), nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: write e.g. 30s, 5m, 1h30m or 1d", s)
	}
	if v < 0 {
		return 0, fmt.Errorf("invalid duration %q: must not be negative", s)
	}
	return v, nil
}

// bareNumber reports whether s is a number without a unit ("5", "2.5"),
// which Prometheus would read as 0 or refuse and Go as nanoseconds.
func bareNumber(s string) bool {
	_, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
	return err == nil
}

// DurationNeedsUnit is the error for a number written without a unit.
func DurationNeedsUnit(s string) error {
	return fmt.Errorf("%s needs a unit, e.g. %ss", s, s)
}

// FormatDuration writes d the way Prometheus does and ParseDuration reads
// it back (15m, 1h30m, 1d).
func FormatDuration(d time.Duration) string { return model.Duration(d).String() }
