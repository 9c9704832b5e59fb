package vigil

import (
	"strings"
	"time"
)

// WindowAuto is the value of ui.window that picks the rate window from the
// scrape interval of the selected targets.
const WindowAuto = "auto"

// Window is ui.window: "auto", or a fixed duration.
type Window struct {
	Auto  bool
	Fixed Duration // when not Auto
}

// ParseWindow accepts "auto" or a duration (see ParseDuration).
func ParseWindow(s string) (Window, error) {
	if strings.EqualFold(strings.TrimSpace(s), WindowAuto) {
		return Window{Auto: true}, nil
	}
	d, err := ParseDuration(s)
	if err != nil {
		return Window{}, err
	}
	return Window{Fixed: Duration(d)}, nil
}

// UnmarshalText parses "auto" or a duration.
func (w *Window) UnmarshalText(b []byte) error {
	v, err := ParseWindow(string(b))
	if err != nil {
		return err
	}
	*w = v
	return nil
}

// MarshalText writes "auto" or the duration.
func (w Window) MarshalText() ([]byte, error) {
	if w.Auto {
		return []byte(WindowAuto), nil
	}
	return w.Fixed.MarshalText()
}

// D is the fixed window; 0 when auto.
func (w Window) D() time.Duration {
	if w.Auto {
		return 0
	}
	return w.Fixed.D()
}

// String is "auto" or the duration.
func (w Window) String() string {
	b, _ := w.MarshalText()
	return string(b)
}
