package overview

import (
	"strings"
	"testing"

	"github.com/vigilterm/vigil/views"
)

// Thanos's partial response reaches the overview as one warning; every
// snapshot format carries it, markdown included, escaped.
func TestReportEveryFormatCarriesPartialData(t *testing.T) {
	ov := sampleOverview()
	ov.Warnings = []string{"partial data: 1 store unreachable", "rps: some *warning*"}
	r := &Report{Context: "c", Overview: ov}
	for _, f := range []string{views.FormatText, views.FormatJSON, views.FormatMarkdown} {
		var b strings.Builder
		if err := r.Write(&b, f); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if strings.Count(out, "partial data: 1 store unreachable") != 1 {
			t.Errorf("%s: the partial-data warning once:\n%s", f, out)
		}
		if f == views.FormatMarkdown && (!strings.Contains(out, "> warning: partial data: 1 store unreachable") || strings.Contains(out, "some *warning*")) {
			t.Errorf("markdown: warnings as quotes, escaped:\n%s", out)
		}
	}
}
