package ui

import "testing"

// BenchmarkRootView draws the whole console at 120x45 on the Overview: the
// header (which asks the parts through their roles), the screen and the
// footer.
func BenchmarkRootView(b *testing.B) {
	m, _ := newModel(b, &scripted{ov: sample()})
	run(m, m.Init())
	m.SetSize(120, 45)
	b.ReportAllocs()
	for b.Loop() {
		_ = m.render()
	}
}

// BenchmarkRoleLookup is the cost of one lookup of the part playing a
// role, which the header makes a few dozen times a frame.
func BenchmarkRoleLookup(b *testing.B) {
	m, _ := newModel(b, &scripted{ov: sample()})
	for b.Loop() {
		_ = m.figures()
		_ = m.alertsOf()
	}
}
