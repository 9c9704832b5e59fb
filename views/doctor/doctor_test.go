package doctor

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil/query/doctor"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/viewstest"
)

// The Doctor screen's Rules section lists each finding with its fix, and
// no escape sequence of a rule's name reaches the terminal.
func TestDoctorRulesSection(t *testing.T) {
	d := New(viewstest.Context(t, "dark"))
	d.SetSize(80, 200)
	d.Update(Msg{Report: &doctor.Report{}})
	d.Update(views.RulesCheckMsg{Check: viewstest.RulesCheck(t)})
	out := ansi.Strip(d.View())
	for _, want := range []string{"RULES", "HighErrorRate (flask-reference): errors per second, not a ratio",
		"fix: sum by (job) (rate(flask_http_request_total{status=~\"5..\"}[5m])) /"} {
		if !strings.Contains(out, want) {
			t.Errorf("the Rules section lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "Evil") {
		t.Errorf("the hostile rule is not listed:\n%s", out)
	}
	if strings.Contains(d.View(), "\x1b[31mRule") {
		t.Error("a rule's name reached the terminal raw")
	}
}
