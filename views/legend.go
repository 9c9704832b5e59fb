package views

import ()

// Symbol is one line of the help screen's legend: a mark the screen can
// show, what it means and what to do about it.
type Symbol struct {
	Mark    string
	Meaning string
}

// Legender is a screen that can show symbols: it lists every one it can
// draw, for the legend under the keys in the help screen. The header's
// symbols are the console's (ui) own.
type Legender interface {
	Legend() []Symbol
}

// LegendOf is c's legend, or none when it draws no symbols.
func LegendOf(c Component) []Symbol {
	if l, ok := c.(Legender); ok {
		return l.Legend()
	}
	return nil
}
