package themes

import (
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

func TestNames(t *testing.T) {
	want := []string{"dark", "light", "high-contrast", "mono"}
	if got := Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	n := Names()
	n[0] = "changed"
	if Names()[0] != "dark" {
		t.Error("Names returns the package's own slice")
	}
}

func TestGet(t *testing.T) {
	for _, name := range Names() {
		th, err := Get(name)
		if err != nil {
			t.Fatalf("Get(%q): %v", name, err)
		}
		if th.Name != name {
			t.Errorf("Get(%q).Name = %q", name, th.Name)
		}
	}
	th, err := Get("")
	if err != nil || th.Name != Default {
		t.Errorf("Get(\"\") = %q, %v; want the default %q", th.Name, err, Default)
	}
	_, err = Get("nope")
	if err == nil {
		t.Fatal("Get(\"nope\") succeeded")
	}
	for _, name := range append(Names(), `"nope"`) {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

func TestSelect(t *testing.T) {
	tests := []struct {
		name    string
		noColor bool
		want    string
		wantErr bool
	}{
		{"dark", false, "dark", false},
		{"light", false, "light", false},
		{"high-contrast", false, "high-contrast", false},
		{"mono", false, "mono", false},
		{"", false, Default, false},
		{"light", true, "mono", false},
		{"x", true, "mono", false},
		{"x", false, "", true},
	}
	for _, tt := range tests {
		th, err := Select(tt.name, tt.noColor)
		if (err != nil) != tt.wantErr {
			t.Errorf("Select(%q, %v) error = %v", tt.name, tt.noColor, err)
			continue
		}
		if th.Name != tt.want {
			t.Errorf("Select(%q, %v) = %q, want %q", tt.name, tt.noColor, th.Name, tt.want)
		}
	}
}

// TestEveryThemeBuilds builds the styles of every shipped theme and renders
// every one of them.
func TestEveryThemeBuilds(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			th, err := Get(name)
			if err != nil {
				t.Fatal(err)
			}
			if err := th.Palette.Validate(); err != nil {
				t.Fatal(err)
			}
			s := th.Styles()
			if s.Name != name {
				t.Errorf("Styles().Name = %q", s.Name)
			}
			if s.Mono != (name == Mono) {
				t.Errorf("Styles().Mono = %v", s.Mono)
			}
			for field, st := range allStyles(s) {
				out := st.Render("sample 日本")
				if !strings.Contains(ansi.Strip(out), "sample 日本") {
					t.Errorf("%s renders %q", field, out)
				}
			}
		})
	}
}

// TestColourThemesSetEverySlot fails when a colour theme leaves a slot out.
func TestColourThemesSetEverySlot(t *testing.T) {
	typ := reflect.TypeFor[Palette]()
	for _, name := range Names() {
		if name == Mono {
			continue
		}
		th, _ := Get(name)
		v := reflect.ValueOf(th.Palette)
		for i := range typ.NumField() {
			f := typ.Field(i)
			if f.Type.Kind() != reflect.String {
				t.Errorf("Palette.%s is not a colour string", f.Name)
				continue
			}
			c := v.Field(i).String()
			if c == "" {
				t.Errorf("%s: slot %s is not set", name, f.Name)
				continue
			}
			if _, ok := lipgloss.Color(c).(lipgloss.NoColor); ok {
				t.Errorf("%s: slot %s = %q is not a colour lipgloss reads", name, f.Name, c)
			}
		}
		if got := len(th.Palette.Slots()); got != typ.NumField() {
			t.Errorf("Slots() lists %d slots, Palette has %d fields", got, typ.NumField())
		}
	}
}

func TestMonoHasNoColour(t *testing.T) {
	th, _ := Get(Mono)
	if !th.Palette.IsMono() {
		t.Fatal("mono palette sets a colour")
	}
	s := th.Styles()
	for field, st := range allStyles(s) {
		out := st.Render("x")
		if p := colourParam(out); p != "" {
			t.Errorf("mono %s renders colour SGR %q in %q", field, p, out)
		}
		for _, c := range []string{"38;", "48;", "58;"} {
			if strings.Contains(out, c) {
				t.Errorf("mono %s renders %q", field, out)
			}
		}
	}
	for l := LevelNone; l <= LevelUnknown; l++ {
		if p := colourParam(s.LevelSelected(l).Render("x")); p != "" {
			t.Errorf("mono LevelSelected(%v) has colour %q", l, p)
		}
	}
	// A whole frame, the way a screen draws one.
	frame := lipgloss.JoinVertical(lipgloss.Left,
		s.Accent.Render("vigil")+s.Warn.Render("read-only")+s.TabActive.Render("1 Overview"),
		s.TableHeader.Render("ENDPOINT"),
		s.RowSelected.Render("/api")+s.LevelSelected(LevelCrit).Render("9%"),
		s.Row.Render("/b")+s.Crit.Render("7%")+s.Warn.Render("2%")+s.Unknown.Render("-"),
		s.Severity("critical").Render("critical")+s.AlertState("firing").Render("firing"),
	)
	if p := colourParam(frame); p != "" {
		t.Errorf("mono frame has colour %q: %q", p, frame)
	}
}

func TestMonoTellsStatesApart(t *testing.T) {
	th, _ := Get(Mono)
	s := th.Styles()
	distinct(t, "mono levels", map[string]string{
		"ok":   s.Level(LevelOK).Render("x"),
		"warn": s.Level(LevelWarn).Render("x"),
		"crit": s.Level(LevelCrit).Render("x"),
	})
	distinct(t, "mono rows", map[string]string{
		"row":           s.Row.Render("x"),
		"selected":      s.RowSelected.Render("x"),
		"selected crit": s.LevelSelected(LevelCrit).Render("x"),
		"selected warn": s.LevelSelected(LevelWarn).Render("x"),
		"crit":          s.Crit.Render("x"),
		"warn":          s.Warn.Render("x"),
	})
	distinct(t, "mono states", map[string]string{
		"live":  s.StateLive.Render("x"),
		"stale": s.StateStale.Render("x"),
		"down":  s.StateDown.Render("x"),
	})
	distinct(t, "mono alerts", map[string]string{
		"firing":    s.Firing.Render("x"),
		"pending":   s.Pending.Render("x"),
		"silenced":  s.Silenced.Render("x"),
		"inhibited": s.Inhibited.Render("x"),
		"resolved":  s.Resolved.Render("x"),
	})
	distinct(t, "mono flashes", map[string]string{
		"flash": s.Flash.Render("x"),
		"ok":    s.FlashOK.Render("x"),
		"err":   s.FlashErr.Render("x"),
	})
	// Crit is bold and underlined; SGR 1 and 4.
	if sgr := sgrParams(s.Crit.Render("x")); !slices.Contains(sgr, "1") || !slices.Contains(sgr, "4") {
		t.Errorf("mono crit SGR %v, want bold and underline", sgr)
	}
	if sgr := sgrParams(s.RowSelected.Render("x")); !slices.Contains(sgr, "7") {
		t.Errorf("mono selection SGR %v, want reverse", sgr)
	}
}

func TestColourThemesTellStatesApart(t *testing.T) {
	for _, name := range []string{"dark", "light", "high-contrast"} {
		th, _ := Get(name)
		s := th.Styles()
		p := th.Palette
		distinctColours(t, name+" levels", p.OK, p.Warn, p.Crit)
		distinctColours(t, name+" alert states", p.Firing, p.Pending, p.Silenced, p.Inhibited)
		distinctColours(t, name+" connection", p.Live, p.Stale, p.Down)
		distinctColours(t, name+" series", p.Graph1, p.Graph2, p.Graph3, p.Graph4)
		distinctColours(t, name+" thresholds", p.ThresholdWarn, p.ThresholdCrit)
		if !strings.Contains(s.Crit.Render("x"), "38;2;") {
			t.Errorf("%s: crit renders without a colour: %q", name, s.Crit.Render("x"))
		}
		if !strings.Contains(s.RowSelected.Render("x"), "48;2;") {
			t.Errorf("%s: the selection has no background: %q", name, s.RowSelected.Render("x"))
		}
		if !strings.Contains(s.LevelSelected(LevelCrit).Render("x"), "48;2;") {
			t.Errorf("%s: a selected crit cell has no selection background", name)
		}
		// Crit never relies on colour alone.
		if !slices.Contains(sgrParams(s.Crit.Render("x")), "1") {
			t.Errorf("%s: crit is not bold", name)
		}
	}
}

// TestContrast holds the colour themes readable: WCAG contrast of text and
// states against the background the theme is meant for, and inside the bars
// and the selection.
func TestContrast(t *testing.T) {
	for _, name := range []string{"dark", "light", "high-contrast"} {
		th, _ := Get(name)
		p := th.Palette
		bg := "#f5f5f5" // a light terminal, slightly off white
		if th.Dark {
			bg = "#262626" // a dark terminal, slightly above black
		}
		textMin := 4.5
		if name == "high-contrast" {
			textMin = 7
		}
		check := func(what, fg, bg string, min float64) {
			t.Helper()
			if r := contrast(fg, bg); r < min {
				t.Errorf("%s: %s %s on %s has contrast %.2f, want at least %.1f", name, what, fg, bg, r, min)
			}
		}
		check("Text", p.Text, bg, textMin)
		for _, s := range p.Slots() {
			switch s.Name {
			case "Text", "SelectionFg", "SelectionBg":
			case "Axis", "Inhibited", "Muted":
				check(s.Name, s.Colour, bg, 3)
			default:
				check(s.Name, s.Colour, bg, 4.5)
			}
		}
		check("SelectionFg", p.SelectionFg, p.SelectionBg, textMin)
		for _, c := range []struct{ name, colour string }{{"OK", p.OK}, {"Warn", p.Warn}, {"Crit", p.Crit}, {"Muted", p.Muted}} {
			check(c.name+" on the selection", c.colour, p.SelectionBg, 3)
		}
	}
}

func TestLevelAndSeverity(t *testing.T) {
	th, _ := Get("dark")
	s := th.Styles()
	levels := map[Level]lipgloss.Style{LevelNone: s.Row, LevelOK: s.OK, LevelWarn: s.Warn, LevelCrit: s.Crit, LevelUnknown: s.Unknown, Level(42): s.Row, Level(-1): s.Row}
	for l, want := range levels {
		if got := s.Level(l).Render("x"); got != want.Render("x") {
			t.Errorf("Level(%v) = %q, want %q", l, got, want.Render("x"))
		}
	}
	if s.LevelSelected(Level(99)).Render("x") != s.LevelSelected(LevelNone).Render("x") {
		t.Error("LevelSelected of an unknown level is not the plain selection")
	}
	for sev, want := range map[string]Level{
		"critical": LevelCrit, " CRITICAL ": LevelCrit, "page": LevelCrit, "error": LevelCrit,
		"warning": LevelWarn, "Warn": LevelWarn, "p3": LevelWarn,
		"info": LevelOK, "none": LevelOK, "low": LevelOK,
		"": LevelNone, "whatever": LevelNone,
	} {
		if got := SeverityLevel(sev); got != want {
			t.Errorf("SeverityLevel(%q) = %v, want %v", sev, got, want)
		}
	}
	if s.Severity("critical").Render("x") != s.Crit.Render("x") ||
		s.Severity("warning").Render("x") != s.Warn.Render("x") ||
		s.Severity("info").Render("x") != s.Info.Render("x") ||
		s.Severity("odd").Render("x") != s.Text.Render("x") {
		t.Error("Severity maps to the wrong styles")
	}
	for state, want := range map[string]lipgloss.Style{
		"firing": s.Firing, "active": s.Firing, "pending": s.Pending, "unprocessed": s.Pending,
		"suppressed": s.Silenced, "inhibited": s.Inhibited, "resolved": s.Resolved, "?": s.Text,
	} {
		if s.AlertState(state).Render("x") != want.Render("x") {
			t.Errorf("AlertState(%q) is the wrong style", state)
		}
	}
	for state, want := range map[string]lipgloss.Style{"active": s.Silenced, "pending": s.Pending, "expired": s.Expired, "": s.Text} {
		if s.SilenceState(state).Render("x") != want.Render("x") {
			t.Errorf("SilenceState(%q) is the wrong style", state)
		}
	}
	for i := -5; i < 9; i++ {
		if s.Series(i).Render("x") != s.GraphSeries[(i+8)%4].Render("x") {
			t.Errorf("Series(%d) is the wrong style", i)
		}
	}
	_ = s.Series(math.MinInt).Render("x") // must not panic
	_ = s.Series(math.MaxInt).Render("x")
	if LevelCrit.String() != "crit" || Level(9).String() != "level(9)" {
		t.Errorf("Level.String: %q %q", LevelCrit, Level(9))
	}
}

// TestStylesAddNoWidth holds the promise that styling never changes the
// width of laid-out text.
func TestStylesAddNoWidth(t *testing.T) {
	for _, name := range Names() {
		th, _ := Get(name)
		for field, st := range allStyles(th.Styles()) {
			if w := lipgloss.Width(st.Render("abc 日本")); w != 8 {
				t.Errorf("%s: %s renders 8 cells as %d", name, field, w)
			}
		}
	}
}

func TestValidate(t *testing.T) {
	good := []string{"", "#fff", "#A0b0C0", "0", "15", "255"}
	bad := []string{"#ffff", "#ggg", "256", "-1", "red", "07", "#"}
	for _, c := range good {
		if err := (Palette{Crit: c}).Validate(); err != nil {
			t.Errorf("%q: %v", c, err)
		}
	}
	for _, c := range bad {
		err := (Palette{Warn: c}).Validate()
		if err == nil || !strings.Contains(err.Error(), "Warn") {
			t.Errorf("%q: error %v, want one naming Warn", c, err)
		}
	}
	if (Palette{}).IsMono() != true || (Palette{Axis: "1"}).IsMono() {
		t.Error("IsMono")
	}
}

// allStyles returns every lipgloss.Style field of s by name, the graph
// series included.
func allStyles(s *Styles) map[string]lipgloss.Style {
	out := map[string]lipgloss.Style{}
	v := reflect.ValueOf(s).Elem()
	styleType := reflect.TypeFor[lipgloss.Style]()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		switch {
		case f.Type == styleType:
			out[f.Name] = v.Field(i).Interface().(lipgloss.Style)
		case f.Type.Kind() == reflect.Array && f.Type.Elem() == styleType:
			for j := range f.Type.Len() {
				out[f.Name+"["+strconv.Itoa(j)+"]"] = v.Field(i).Index(j).Interface().(lipgloss.Style)
			}
		}
	}
	if len(out) < 40 {
		panic("allStyles found too few styles")
	}
	return out
}

var sgrRe = regexp.MustCompile(`\x1b\[([0-9;:]*)m`)

// sgrParams returns every SGR parameter in s.
func sgrParams(s string) []string {
	var out []string
	for _, m := range sgrRe.FindAllStringSubmatch(s, -1) {
		out = append(out, strings.FieldsFunc(m[1], func(r rune) bool { return r == ';' || r == ':' })...)
	}
	return out
}

// colourParam returns the first SGR parameter in s that sets a colour, or "".
func colourParam(s string) string {
	for _, p := range sgrParams(s) {
		n, err := strconv.Atoi(p)
		if err != nil {
			continue
		}
		switch {
		case n >= 30 && n <= 38, n >= 40 && n <= 48, n == 58, n >= 90 && n <= 97, n >= 100 && n <= 107:
			return p
		}
	}
	return ""
}

func distinct(t *testing.T, what string, renders map[string]string) {
	t.Helper()
	seen := map[string]string{}
	for name, r := range renders {
		if other, ok := seen[r]; ok {
			t.Errorf("%s: %s and %s look the same (%q)", what, name, other, r)
		}
		seen[r] = name
	}
}

func distinctColours(t *testing.T, what string, colours ...string) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range colours {
		c = strings.ToLower(c)
		if seen[c] {
			t.Errorf("%s: %s is used twice", what, c)
		}
		seen[c] = true
	}
}

// contrast is the WCAG 2 contrast ratio of two #rrggbb colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(hex string) float64 {
	c, err := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	if err != nil || len(hex) != 7 {
		panic("not #rrggbb: " + hex)
	}
	ch := func(v uint64) float64 {
		x := float64(v) / 255
		if x <= 0.04045 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(c>>16&0xff) + 0.7152*ch(c>>8&0xff) + 0.0722*ch(c&0xff)
}
