package vigil

import (
	"strings"
	"testing"
	"time"
)

// ui.window is "auto" by default; a fixed duration still works, and a bad
// value names the file, line and key.
func TestWindowAutoOrDuration(t *testing.T) {
	if d := Defaults(); !d.UI.Window.Auto || d.Shape().AutoWindow != true || d.Shape().Window <= 0 {
		t.Fatalf("default window %+v, shape %+v", d.UI.Window, d.Shape())
	}
	cfg, err := Parse([]byte("[ui]\nwindow = \"5m\"\n"), "f.toml")
	if err != nil || cfg.UI.Window.Auto || cfg.UI.Window.D() != 5*time.Minute || cfg.Shape().AutoWindow || cfg.Shape().Window != 5*time.Minute {
		t.Fatalf("window 5m: %+v %v", cfg.UI.Window, err)
	}
	for _, s := range []string{"auto", "AUTO", " auto "} {
		if w, err := ParseWindow(s); err != nil || !w.Auto || w.String() != "auto" {
			t.Errorf("ParseWindow(%q) = %+v, %v", s, w, err)
		}
	}
	_, err = Parse([]byte("[ui]\nwindow = \"automatic\"\n"), "f.toml")
	if err == nil || !strings.Contains(err.Error(), "f.toml:2") || !strings.Contains(err.Error(), "window") {
		t.Errorf("bad window: %v", err)
	}
	cfg, err = Parse([]byte("[ui]\nwindow = \"500ms\"\n"), "f.toml")
	if err == nil {
		err = cfg.Validate()
	}
	if err == nil || !strings.Contains(err.Error(), "ui.window") {
		t.Errorf("500ms window: %v", err)
	}
}
