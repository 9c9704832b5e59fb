package alerting

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/prometheus/alertmanager/pkg/labels"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/viewstest"
)

// openForm opens the silence form on the checkout alert.
func openForm(t *testing.T, w, h int) *Alerts {
	t.Helper()
	a := newTestAlerts(t, w, h)
	selectAlert(t, a, byPath("/api/checkout"))
	send(a, "s")
	if a.Form() == nil || !a.Capturing() {
		t.Fatal("s should open the form")
	}
	return a
}

func matcherStrings(ms labels.Matchers) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.String())
	}
	return out
}

func TestSilenceFormOpensInComment(t *testing.T) {
	a := openForm(t, 120, 40)
	f := a.Form()
	if f.focus != fieldComment || f.Confirming() {
		t.Fatalf("focus %d, confirming %v", f.focus, f.Confirming())
	}
	// Pre-filled: one = matcher per label; on, those that name the alert
	// on its service (two HighErrorRate series fire on job="shop": path
	// and instance vary between them); default duration; author.
	if len(f.items) != 5 {
		t.Fatalf("%d matchers", len(f.items))
	}
	on := map[string]bool{"alertname": true, "job": true, "severity": true}
	for _, it := range f.items {
		if it.on != on[it.m.Name] || it.m.Type != labels.MatchEqual {
			t.Fatalf("matcher %s on=%v", it.m, it.on)
		}
	}
	if f.duration.Value() != "1h" || f.author.Value() != "oncall@box" {
		t.Fatalf("duration %q author %q", f.duration.Value(), f.author.Value())
	}
	// Letters go into the comment, not to the screen's keys.
	typeText(a, "qj1?")
	if f.comment.Value() != "qj1?" {
		t.Fatalf("comment %q", f.comment.Value())
	}
}

// The whole flow: s, type a comment, enter to review, enter to send.
func TestSilenceFormFlow(t *testing.T) {
	a := openForm(t, 120, 40)
	typeText(a, "rolling back deploy 4711")
	if msgs := send(a, "enter"); len(msgs) != 0 {
		t.Fatalf("review emitted %#v", msgs)
	}
	f := a.Form()
	if !f.Confirming() {
		t.Fatalf("not confirming: %v", f.Errors())
	}
	v := strings.Join(strings.Fields(ansi.Strip(a.View())), " ") // long matchers wrap
	for _, want := range []string{
		"Create this silence?",
		`{alertname="HighErrorRate", job="shop", severity="critical"}`,
		"starts now (2026-11-24 03:00:00 UTC)", "ends 2026-11-24 04:00:00 UTC", "duration 1h", "created by oncall@box", "comment rolling back deploy 4711",
		"matches 2 current alerts", `also catches 1 other series of HighErrorRate (instance="10.0.0.2:8000", path="/api/search") · ctrl+o: this series only`,
		"enter: send to Alertmanager",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("confirm lacks %q:\n%s", want, v)
		}
	}
	req := viewstest.Only[views.SilenceRequestMsg](t, send(a, "enter"))
	if req.Op != views.OpCreate || req.Retry || req.Ack {
		t.Fatalf("request %#v", req)
	}
	sp := req.Spec
	want := []string{`alertname="HighErrorRate"`, `job="shop"`, `severity="critical"`}
	if got := matcherStrings(sp.Matchers); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("matchers %v", got)
	}
	if d := sp.EndsAt.Sub(viewstest.FixedNow); d < time.Hour-time.Second || d > time.Hour+time.Second {
		t.Fatalf("duration %s", d)
	}
	if sp.CreatedBy != "oncall@box" || sp.Comment != "rolling back deploy 4711" || sp.ID != "" {
		t.Fatalf("spec %#v", sp)
	}
	// While sending: shown, and a second enter sends nothing.
	if !f.Sending() || !strings.Contains(ansi.Strip(a.View()), "sending…") {
		t.Fatal("sending not shown")
	}
	if msgs := send(a, "enter"); len(msgs) != 0 {
		t.Fatalf("second enter sent %#v", msgs)
	}
	// Success: the form closes and the flash names the id.
	_, cmd := a.Update(views.SilenceResultMsg{Request: req, ID: "9f2c", Verified: true})
	fl := viewstest.Only[views.FlashMsg](t, viewstest.Run(cmd))
	if fl.Text != "silenced: 9f2c (verified active)" || fl.Error {
		t.Fatalf("flash %q", fl.Text)
	}
	if a.Form() != nil || a.Capturing() {
		t.Fatal("the form should close")
	}
}

func TestSilenceFormNotVerified(t *testing.T) {
	a := openForm(t, 120, 40)
	typeText(a, "x")
	send(a, "enter")
	req := viewstest.Only[views.SilenceRequestMsg](t, send(a, "enter"))
	_, cmd := a.Update(views.SilenceResultMsg{Request: req, ID: "9f2c"})
	if fl := viewstest.Only[views.FlashMsg](t, viewstest.Run(cmd)); !strings.Contains(fl.Text, "silenced: 9f2c") || !strings.Contains(fl.Text, "not verified") {
		t.Fatalf("flash %q", fl.Text)
	}
}

func TestSilenceFormToggleMatcher(t *testing.T) {
	a := openForm(t, 120, 40)
	f := a.Form()
	send(a, "ctrl+o")                 // this series only: every label on
	send(a, "shift+tab", "shift+tab") // comment → duration → matchers
	if f.focus != fieldMatchers {
		t.Fatalf("focus %d", f.focus)
	}
	// instance is the second matcher: turn it off.
	send(a, "down", "space")
	if f.items[1].m.Name != "instance" || f.items[1].on {
		t.Fatalf("items %v", f.items)
	}
	// Now both HighErrorRate alerts on /api/checkout… only one has that path.
	send(a, "j", "j", "space") // path off too
	if got := len(f.Matches()); got != 2 {
		t.Fatalf("preview: %d matches", got)
	}
	if v := ansi.Strip(a.View()); !strings.Contains(v, "matches 2 current alerts") || !strings.Contains(v, "more than silence.warn_matches") {
		t.Fatalf("preview:\n%s", v)
	}
	send(a, "tab", "tab")
	typeText(a, "both")
	send(a, "enter")
	req := viewstest.Only[views.SilenceRequestMsg](t, send(a, "enter"))
	if got := strings.Join(matcherStrings(req.Spec.Matchers), " "); got != `alertname="HighErrorRate" job="shop" severity="critical"` {
		t.Fatalf("matchers %s", got)
	}
}

func TestSilenceFormWarnsOnOtherAlertnames(t *testing.T) {
	a := openForm(t, 120, 40)
	f := a.Form()
	send(a, "shift+tab", "shift+tab")
	// Only job="shop" stays on: HighLatency alerts are hit too.
	for i, it := range f.items {
		if it.on != (it.m.Name == "job") {
			f.item = i
			send(a, "space")
		}
	}
	if len(f.Warnings()) == 0 || !strings.Contains(f.Warnings()[0], "HighLatency") {
		t.Fatalf("warnings %v", f.Warnings())
	}
	v := ansi.Strip(a.View())
	if !strings.Contains(v, "⚠ also silences alerts with another name: HighLatency") {
		t.Fatalf("no warning:\n%s", v)
	}
	// The warning is repeated on the confirm step, which still lets it go.
	send(a, "tab", "tab")
	typeText(a, "whole shop")
	send(a, "enter")
	if !f.Confirming() || !strings.Contains(ansi.Strip(a.View()), "⚠ also silences") {
		t.Fatalf("confirm:\n%s", ansi.Strip(a.View()))
	}
}

func TestSilenceFormMatchersAsText(t *testing.T) {
	a := openForm(t, 120, 40)
	f := a.Form()
	send(a, "ctrl+t")
	if !f.textMode || f.focus != fieldMatchers {
		t.Fatal("ctrl+t should edit the matchers as text")
	}
	if f.text.Value() != `alertname="HighErrorRate", job="shop", severity="critical"` {
		t.Fatalf("text %q", f.text.Value())
	}
	send(a, "ctrl+u")
	typeText(a, `alertname="HighErrorRate", path=~"/api/.*"`)
	if len(f.Matches()) != 2 {
		t.Fatalf("text matchers hit %d", len(f.Matches()))
	}
	send(a, "tab", "tab")
	typeText(a, "api wide")
	send(a, "enter")
	req := viewstest.Only[views.SilenceRequestMsg](t, send(a, "enter"))
	if got := strings.Join(matcherStrings(req.Spec.Matchers), " "); got != `alertname="HighErrorRate" path=~"/api/.*"` {
		t.Fatalf("matchers %s", got)
	}
}

func TestSilenceFormTextBackToList(t *testing.T) {
	a := openForm(t, 120, 40)
	f := a.Form()
	send(a, "ctrl+t", "ctrl+u")
	typeText(a, `job="shop", path!="/login"`)
	send(a, "ctrl+t")
	if f.textMode || len(f.items) != 2 || f.items[1].m.Type != labels.MatchNotEqual {
		t.Fatalf("items %v", f.items)
	}
}

// replaceAfterComment is a form edit: a comment typed, then the text of
// the field that key moves to replaced with txt.
func replaceAfterComment(key, txt string) func(a *Alerts) {
	return func(a *Alerts) {
		typeText(a, "c")
		send(a, key, "ctrl+u")
		typeText(a, txt)
	}
}

func TestSilenceFormRefusals(t *testing.T) {
	cases := []struct {
		name  string
		field string
		edit  func(a *Alerts)
	}{
		{"empty comment", errComment, func(a *Alerts) {}},
		{"bad duration", errDuration, replaceAfterComment("shift+tab", "soon")},
		{"zero duration", errDuration, replaceAfterComment("shift+tab", "0m")},
		{"negative duration", errDuration, replaceAfterComment("shift+tab", "-5m")},
		{"bad regex", errMatchers, replaceAfterComment("ctrl+t", `path=~"(unclosed"`)},
		{"all empty matchers", errMatchers, replaceAfterComment("ctrl+t", `alertname=~".*", path=~""`)},
		{"no matcher on", errMatchers, func(a *Alerts) {
			typeText(a, "c")
			send(a, "shift+tab", "shift+tab")
			for _, it := range a.Form().items {
				if it.on {
					send(a, "space")
				}
				send(a, "down")
			}
		}},
		{"no author", errCreatedBy, replaceAfterComment("tab", "")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := openForm(t, 120, 40)
			f := a.Form()
			c.edit(a)
			msgs := send(a, "enter")
			noRequest(t, msgs)
			if f.Confirming() {
				t.Fatal("went to the confirm step")
			}
			if f.Errors()[c.field] == "" {
				t.Fatalf("no error on %s: %v", c.field, f.Errors())
			}
			v := ansi.Strip(a.View())
			if !strings.Contains(v, "✕ "+c.field+":") {
				t.Fatalf("the error does not name %s:\n%s", c.field, v)
			}
			// The cursor goes to the field in error.
			want := map[string]formField{errMatchers: fieldMatchers, errDuration: fieldDuration, errComment: fieldComment, errCreatedBy: fieldCreatedBy}[c.field]
			if f.focus != want {
				t.Fatalf("focus %d, want %d", f.focus, want)
			}
			// More enters still send nothing.
			noRequest(t, send(a, "enter"))
			noRequest(t, send(a, "enter"))
		})
	}
}

func TestSilenceFormRefusesMatchAll(t *testing.T) {
	a := openForm(t, 120, 40)
	f := a.Form()
	send(a, "ctrl+t", "ctrl+u")
	typeText(a, `alertname=~".*"`)
	if f.Refusal() == "" {
		t.Fatal("no refusal")
	}
	if v := ansi.Strip(a.View()); !strings.Contains(v, "cannot send") || !strings.Contains(v, "empty string") {
		t.Fatalf("refusal not shown:\n%s", v)
	}
}

func TestSilenceFormCommentOptional(t *testing.T) {
	ctx := viewstest.Context(t, "dark")
	ctx.Settings.Silence.RequireComment = false
	f := NewSilenceForm(ctx, sampleAlerts()[1], sampleAlerts(), "me@here")
	f.update(viewstest.Key("enter"))
	if !f.Confirming() {
		t.Fatalf("errors %v", f.Errors())
	}
}

func TestSilenceFormDurationPresets(t *testing.T) {
	a := openForm(t, 120, 40)
	f := a.Form()
	send(a, "shift+tab")
	if f.focus != fieldDuration {
		t.Fatalf("focus %d", f.focus)
	}
	send(a, "down")
	if f.duration.Value() != "4h" {
		t.Fatalf("down from 1h: %q", f.duration.Value())
	}
	send(a, "down", "down")
	if f.duration.Value() != "1d" {
		t.Fatalf("down at the end: %q", f.duration.Value())
	}
	send(a, "up", "up", "up", "up")
	if f.duration.Value() != "15m" {
		t.Fatalf("up: %q", f.duration.Value())
	}
	// Free entry.
	send(a, "ctrl+u")
	typeText(a, "2h30m")
	if v := ansi.Strip(a.View()); !strings.Contains(v, "ends 2026-11-24 05:30 UTC (in 2h30m)") {
		t.Fatalf("end not shown:\n%s", v)
	}
	send(a, "down")
	if f.duration.Value() != "4h" {
		t.Fatalf("down from 2h30m: %q", f.duration.Value())
	}
	send(a, "ctrl+u")
	typeText(a, "90m")
	send(a, "tab")
	typeText(a, "ninety")
	send(a, "enter")
	req := viewstest.Only[views.SilenceRequestMsg](t, send(a, "enter"))
	if d := req.Spec.EndsAt.Sub(viewstest.FixedNow); d != 90*time.Minute {
		t.Fatalf("duration %s", d)
	}
}

func TestSilenceFormEscKeepsEverything(t *testing.T) {
	a := openForm(t, 120, 40)
	f := a.Form()
	typeText(a, "first try")
	send(a, "enter")
	if !f.Confirming() {
		t.Fatal("not confirming")
	}
	noRequest(t, send(a, "esc"))
	if f.Confirming() || a.Form() == nil || f.comment.Value() != "first try" || f.focus != fieldComment {
		t.Fatal("esc on the confirm step should go back to editing with everything kept")
	}
	// esc while editing asks first (a comment was typed); esc again cancels.
	noRequest(t, send(a, "esc"))
	if a.Form() == nil || !f.Discarding() {
		t.Fatal("esc with typed text should ask before discarding it")
	}
	msgs := send(a, "esc")
	noRequest(t, msgs)
	if a.Form() != nil {
		t.Fatal("esc twice should close the form")
	}
}

// esc on a form with typed text asks before throwing it away: n or any
// other key keeps it (the other key also acts); esc again or y discards.
// Untouched, esc closes at once.
func TestSilenceFormEscAsksBeforeDiscarding(t *testing.T) {
	a := openForm(t, 120, 40)
	f := a.Form()
	if f.Dirty() || a.UnsentWork() != "" {
		t.Fatal("a fresh form is not dirty")
	}
	typeText(a, "rolling back")
	if !f.Dirty() || !strings.Contains(a.UnsentWork(), `"rolling back"`) {
		t.Fatalf("dirty %v, work %q", f.Dirty(), a.UnsentWork())
	}
	send(a, "esc")
	v := ansi.Strip(a.View())
	if a.Form() == nil || !strings.Contains(v, "discard what you typed?") {
		t.Fatalf("esc should ask:\n%s", v)
	}
	send(a, "n")
	if a.Form() == nil || f.Discarding() || f.comment.Value() != "rolling back" {
		t.Fatalf("n should keep editing, comment %q", f.comment.Value())
	}
	send(a, "esc")
	typeText(a, "!") // another key: keeps the work and types
	if a.Form() == nil || f.comment.Value() != "rolling back!" {
		t.Fatalf("comment %q", f.comment.Value())
	}
	send(a, "esc")
	msgs := send(a, "y")
	if a.Form() != nil {
		t.Fatal("y should discard")
	}
	if fl := viewstest.Only[views.FlashMsg](t, msgs); !strings.Contains(fl.Text, "discarded") {
		t.Fatalf("flash %q", fl.Text)
	}
	// Untouched form: esc closes at once.
	a = openForm(t, 120, 40)
	send(a, "esc")
	if a.Form() != nil {
		t.Fatal("esc on an untouched form should close it")
	}
}

func TestSilenceFormErrorKeepsFormAndRetries(t *testing.T) {
	a := openForm(t, 120, 40)
	f := a.Form()
	typeText(a, "retry me")
	send(a, "enter")
	req := viewstest.Only[views.SilenceRequestMsg](t, send(a, "enter"))
	amErr := `bad request: silence invalid: invalid label matcher 0: "path" is not valid`
	a.Update(views.SilenceResultMsg{Request: req, Err: errors.New(amErr)})
	if a.Form() != f || !f.Confirming() || f.Sending() {
		t.Fatal("the form should stay on the confirm step")
	}
	if f.comment.Value() != "retry me" || len(f.items) != 5 {
		t.Fatal("the form changed")
	}
	v := ansi.Strip(a.View())
	if !strings.Contains(strings.ReplaceAll(v, "\n", " "), "bad request: silence invalid: invalid label matcher 0:") || !strings.Contains(v, "try again") {
		t.Fatalf("Alertmanager's message not shown verbatim:\n%s", v)
	}
	again := viewstest.Only[views.SilenceRequestMsg](t, send(a, "enter"))
	if !again.Retry || again.Op != views.OpCreate || again.Spec.Comment != "retry me" {
		t.Fatalf("retry %#v", again)
	}
	if !again.Spec.EndsAt.Equal(req.Spec.EndsAt) {
		t.Fatal("the retry should send the same silence")
	}
	// A result found from the earlier attempt.
	_, cmd := a.Update(views.SilenceResultMsg{Request: again, ID: "abc", Reused: true, Verified: true})
	if fl := viewstest.Only[views.FlashMsg](t, viewstest.Run(cmd)); !strings.HasPrefix(fl.Text, "silenced: abc (") || !strings.Contains(fl.Text, "earlier attempt") {
		t.Fatalf("flash %q", fl.Text)
	}
}

func TestSilenceFormEscWhileSendingStillReports(t *testing.T) {
	a := openForm(t, 120, 40)
	typeText(a, "c")
	send(a, "enter")
	req := viewstest.Only[views.SilenceRequestMsg](t, send(a, "enter"))
	send(a, "esc")
	if a.Form() != nil {
		t.Fatal("esc while sending leaves the form")
	}
	_, cmd := a.Update(views.SilenceResultMsg{Request: req, ID: "late", Verified: true})
	if fl := viewstest.Only[views.FlashMsg](t, viewstest.Run(cmd)); fl.Text != "silenced: late (verified active)" {
		t.Fatalf("flash %q", fl.Text)
	}
	// A late answer to the first form, while a second one is sending,
	// is flashed, not taken by the second form.
	send(a, "s")
	typeText(a, "second")
	send(a, "enter", "enter")
	_, cmd = a.Update(views.SilenceResultMsg{Request: req, ID: "late2", Verified: true})
	if fl := viewstest.Only[views.FlashMsg](t, viewstest.Run(cmd)); fl.Text != "silenced: late2 (verified active)" || a.Form() == nil || !a.Form().Sending() {
		t.Fatalf("flash %q", fl.Text)
	}
	// Results of other screens' requests are not the alerts screen's.
	_, cmd = a.Update(views.SilenceResultMsg{Request: views.SilenceRequestMsg{Op: views.OpExpire}, ID: "x"})
	if cmd != nil {
		t.Fatal("an expire result is for the silences screen")
	}
}

func TestAckPath(t *testing.T) {
	a := newTestAlerts(t, 120, 40)
	al := selectAlert(t, a, byPath("/api/search"))
	send(a, "a")
	f := a.Form()
	if f == nil || !f.Ack() || !f.Confirming() {
		t.Fatal("a should open the form on the confirm step")
	}
	v := ansi.Strip(a.View())
	if !strings.Contains(v, "Ack HighErrorRate with this silence?") || !strings.Contains(v, "ack by oncall@box") || !strings.Contains(v, "15m") {
		t.Fatalf("ack confirm:\n%s", v)
	}
	req := viewstest.Only[views.SilenceRequestMsg](t, send(a, "enter"))
	if !req.Ack || req.Op != views.OpCreate || req.Spec.Comment != "ack by oncall@box" {
		t.Fatalf("request %#v", req)
	}
	if d := req.Spec.EndsAt.Sub(viewstest.FixedNow); d != 15*time.Minute {
		t.Fatalf("ack duration %s", d)
	}
	// Exactly this alert's labels.
	if !strings.EqualFold(query.FormatMatchers(req.Spec.Matchers), query.FormatMatchers(query.MatchersFromLabels(al.Labels))) {
		t.Fatalf("matchers %s", query.FormatMatchers(req.Spec.Matchers))
	}
	if got := query.AlertsMatching(req.Spec.Matchers, sampleAlerts()); len(got) != 1 || got[0].Key() != al.Key() {
		t.Fatalf("the ack hits %d alerts", len(got))
	}
	_, cmd := a.Update(views.SilenceResultMsg{Request: req, ID: "ack1", Verified: true})
	if fl := viewstest.Only[views.FlashMsg](t, viewstest.Run(cmd)); !strings.HasPrefix(fl.Text, "silenced: ack1 (verified active)") {
		t.Fatalf("flash %q", fl.Text)
	}
}

func TestAckFromDetailAndEscEdits(t *testing.T) {
	a := newTestAlerts(t, 120, 40)
	send(a, "enter", "a")
	f := a.Form()
	if f == nil || !f.Confirming() {
		t.Fatal("a from the detail")
	}
	send(a, "esc")
	if f.Confirming() || f.comment.Value() != "ack by oncall@box" || f.duration.Value() != "15m" {
		t.Fatal("esc should edit the ack with everything kept")
	}
	send(a, "esc")
	if a.Form() != nil || a.Detail() == nil {
		t.Fatal("closing the form returns to the detail")
	}
}

func TestSilenceFormCreatedBy(t *testing.T) {
	ctx := viewstest.Context(t, "dark")
	ctx.Settings.Silence.CreatedBy = "team-shop-oncall"
	a := NewAlerts(ctx, views.WithAuthor(func() string { return "nobody@nowhere" }))
	a.SetSize(120, 40)
	a.Update(sampleAlertsMsg())
	send(a, "s")
	if got := a.Form().author.Value(); got != "team-shop-oncall" {
		t.Fatalf("created by %q", got)
	}
	if u := SystemUser(); u == "" {
		t.Fatal("no system user")
	}
}

// The form itself refuses to send in read-only mode, even when it was
// opened (the screens refuse s first): the review is drawn whole, so that
// enter reaches send, and only its read-only guard stops the request.
func TestSilenceFormReadOnlyNeverSends(t *testing.T) {
	ctx := readOnlyContext(t)
	f := NewSilenceForm(ctx, sampleAlerts()[1], sampleAlerts(), "me@here")
	f.SetSize(120, 40)
	f.update(viewstest.Key("c"))
	f.update(viewstest.Key("enter"))
	if !f.Confirming() {
		t.Fatalf("not on the review: %v", f.Errors())
	}
	f.View()
	if !f.ReviewSeen() {
		t.Fatal("the review was drawn but does not count as seen")
	}
	msgs := viewstest.Run(f.update(viewstest.Key("enter")))
	noRequest(t, msgs)
	fl := viewstest.Only[views.FlashMsg](t, msgs)
	if !strings.HasPrefix(fl.Text, "read-only: ") || !fl.Error || f.Sending() {
		t.Fatalf("flash %q, sending %v", fl.Text, f.Sending())
	}
}

// An alert of one firing series: every label is on, as before. Of two
// series on a service, the labels that vary are off, and the preview says
// what else the silence catches; ctrl+o narrows to the one series and says
// what keeps paging, ctrl+o again widens.
func TestSilenceFormScope(t *testing.T) {
	ctx := viewstest.Context(t, "dark")
	all := sampleAlerts()
	one := NewSilenceForm(ctx, all[4], all, "me") // TargetDown, alone on payments
	for _, it := range one.items {
		if !it.on {
			t.Fatalf("one series: %s off", it.text)
		}
	}
	if ls := one.scopeLines(); ls != nil {
		t.Fatalf("scope lines for one series: %q", ls)
	}

	// A third HighErrorRate series on another job is not the same alert.
	other := all[2]
	other.Labels = amLabels("alertname", "HighErrorRate", "severity", "critical", "job", "blog", "path", "/feed", "instance", "10.0.0.1:8000")
	other.Fingerprint = "c3"
	all = append(all, other)
	f := NewSilenceForm(ctx, all[1], all, "me")
	f.SetSize(80, 40)
	if got := strings.Join(matcherStrings(f.matchers), " "); got != `alertname="HighErrorRate" job="shop" severity="critical"` {
		t.Fatalf("default matchers %s", got)
	}
	if len(f.Matches()) != 2 || f.Dirty() {
		t.Fatalf("matches %d, dirty %v", len(f.Matches()), f.Dirty())
	}
	v := strings.Join(strings.Fields(ansi.Strip(f.View())), " ")
	if !strings.Contains(v, `also catches 1 other series of HighErrorRate (instance="10.0.0.2:8000", path="/api/search") · ctrl+o: this series only`) {
		t.Fatalf("preview:\n%s", v)
	}
	f.update(viewstest.Key("ctrl+o"))
	if len(f.Matches()) != 1 || !f.oneSeries() {
		t.Fatalf("narrowed: %d matches", len(f.Matches()))
	}
	v = strings.Join(strings.Fields(ansi.Strip(f.View())), " ")
	if !strings.Contains(v, `⚠ 1 other firing series of HighErrorRate not silenced (instance="10.0.0.2:8000", path="/api/search") · ctrl+o: the whole alert`) {
		t.Fatalf("narrowed preview:\n%s", v)
	}
	// Narrowed on the review: the new silence must be seen before enter.
	f.update(viewstest.Key("ctrl+o"))
	f.update(viewstest.Key("w"))
	f.update(viewstest.Key("enter"))
	f.View()
	f.update(viewstest.Key("ctrl+o"))
	if !f.Confirming() || f.ReviewSeen() || len(f.Spec().Matchers) != 5 {
		t.Fatalf("ctrl+o on the review: confirming %v, seen %v, %s", f.Confirming(), f.ReviewSeen(), query.FormatMatchers(f.Spec().Matchers))
	}
	noRequest(t, viewstest.Run(f.update(viewstest.Key("enter"))))
	f.View()
	req := viewstest.Only[views.SilenceRequestMsg](t, viewstest.Run(f.update(viewstest.Key("enter"))))
	if len(req.Spec.Matchers) != 5 {
		t.Fatalf("sent %s", query.FormatMatchers(req.Spec.Matchers))
	}
}

// The instance is on when every firing series of the alert has the same
// one; an ack is exactly the alert's labels, and ctrl+o does not widen it.
func TestSilenceFormScopeInstanceAndAck(t *testing.T) {
	ctx := viewstest.Context(t, "dark")
	all := sampleAlerts()
	all[2].Labels["instance"] = all[1].Labels["instance"]
	f := NewSilenceForm(ctx, all[1], all, "me")
	if got := strings.Join(matcherStrings(f.matchers), " "); got != `alertname="HighErrorRate" instance="10.0.0.1:8000" job="shop" severity="critical"` {
		t.Fatalf("default matchers %s", got)
	}
	ack := NewAckForm(ctx, all[1], all, "me")
	ack.update(viewstest.Key("esc"))
	ack.update(viewstest.Key("ctrl+o"))
	if len(ack.matchers) != 5 || len(ack.Matches()) != 1 {
		t.Fatalf("ack matchers %s", query.FormatMatchers(ack.matchers))
	}
}

func TestSilenceFormPreviewFollowsRefresh(t *testing.T) {
	a := openForm(t, 120, 40)
	f := a.Form()
	if len(f.Matches()) != 2 {
		t.Fatal("two matches")
	}
	m := sampleAlertsMsg()
	m.Alerts = []query.Alert{}
	a.Update(m)
	if len(f.Matches()) != 0 || !strings.Contains(ansi.Strip(a.View()), "matches no current alert") {
		t.Fatal("the preview should follow the refresh")
	}
}

func TestSilenceFormManyMatchesPreview(t *testing.T) {
	ctx := viewstest.Context(t, "dark")
	all := manyAlerts(300)
	f := NewSilenceForm(ctx, all[0], all, "me@here")
	f.SetSize(80, 21)
	f.update(viewstest.Key("ctrl+t"))
	f.update(viewstest.Key("ctrl+u"))
	for _, r := range `job="shop"` {
		f.update(viewstest.Key(string(r)))
	}
	v := ansi.Strip(f.View())
	if !strings.Contains(v, "matches 300 current alerts") || !strings.Contains(v, "… and 296 more") || !strings.Contains(v, "more than silence.warn_matches (1)") {
		t.Fatalf("preview:\n%s", v)
	}
	assertFits(t, "many", f.View(), 80, 21)
}

func TestDurationText(t *testing.T) {
	for d, want := range map[time.Duration]string{15 * time.Minute: "15m", time.Hour: "1h", 24 * time.Hour: "1d", 90 * time.Minute: "1h30m"} {
		got := query.FormatDuration(d)
		if got != want {
			t.Errorf("%s: %q", d, got)
		}
		if back, err := query.ParseDuration(got); err != nil || back != d {
			t.Errorf("%q does not read back: %v %v", got, back, err)
		}
	}
}

func TestSilenceFormGolden(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 45}} {
		w, h := sz[0], sz[1]-3
		a := openForm(t, w, h)
		typeText(a, "rolling back deploy 4711")
		viewstest.Golden(t, fmt.Sprintf("silenceform-%dx%d", sz[0], sz[1]), ansi.Strip(a.View())+"\n")
		send(a, "enter")
		viewstest.Golden(t, fmt.Sprintf("silenceform-confirm-%dx%d", sz[0], sz[1]), ansi.Strip(a.View())+"\n")
		req := viewstest.Only[views.SilenceRequestMsg](t, send(a, "enter"))
		a.Update(views.SilenceResultMsg{Request: req, Err: errors.New(`[POST /silences][400] postSilencesBadRequest "silence invalid: start time must be before end time"`)})
		viewstest.Golden(t, fmt.Sprintf("silenceform-error-%dx%d", sz[0], sz[1]), ansi.Strip(a.View())+"\n")
	}
	// The matcher list, one matcher turned off, and a warning.
	a := openForm(t, 80, 21)
	send(a, "shift+tab", "shift+tab", "down", "space", "down", "down", "space")
	viewstest.Golden(t, "silenceform-matchers-80x24", ansi.Strip(a.View())+"\n")
}

// A long comment scrolls inside its field: the end being typed stays in
// view and the line never grows past the width, wide characters included.
func TestSilenceFormLongInputScrolls(t *testing.T) {
	a := openForm(t, 60, 20)
	typeText(a, strings.Repeat("日本語 ", 20)+"END")
	v := a.View()
	assertFits(t, "long comment", v, 60, 20)
	line := lineWith(t, ansi.Strip(v), "comment")
	if !strings.Contains(line, "END") {
		t.Fatalf("the end of the text is not in view: %q", line)
	}
	// Moving to the start shows the start.
	a.Update(viewstest.Key("ctrl+a"))
	if line := lineWith(t, ansi.Strip(a.View()), "comment"); !strings.Contains(line, "日本語 日本語") || strings.Contains(line, "END") {
		t.Fatalf("start: %q", line)
	}
}

func TestSilenceFormPaste(t *testing.T) {
	a := openForm(t, 120, 40)
	a.Update(tea.PasteMsg{Content: "INC-42 \x1b]0;x\x07pasted"})
	got := a.Form().comment.Value()
	if !strings.HasPrefix(got, "INC-42") || strings.ContainsAny(got, "\x1b\x07") {
		t.Fatalf("comment %q", got)
	}
	assertNoRawEscapes(t, a.View())
}

func TestScreensContract(t *testing.T) {
	ctx := viewstest.Context(t, "dark")
	for _, s := range []views.Screen{NewAlerts(ctx), NewSilences(ctx)} {
		if s.Title() == "" || len(s.Notes()) == 0 || len(s.ShortHelp()) == 0 || len(s.FullHelp()) == 0 || s.Capturing() {
			t.Fatalf("%T: incomplete", s)
		}
		s.SetSize(0, 0)
		if s.View() != "" {
			t.Fatalf("%T: a 0x0 view", s)
		}
	}
	if NewSilences(ctx).Title() != "Silences" || NewAlerts(ctx).Title() != "Alerts" {
		t.Fatal("titles")
	}
	f := NewSilenceForm(ctx, sampleAlerts()[1], nil, "me")
	if len(f.FullHelp()) == 0 {
		t.Fatal("form help")
	}
}

// Enter on the confirm step sends only a review that was drawn whole at the
// current size: not one never drawn, not one last drawn before a resize.
func TestSilenceConfirmNeedsASeenReview(t *testing.T) {
	a := openForm(t, 100, 30)
	typeText(a, "deploy 4711")
	sendUnseen(a, "enter") // to the review, not drawn yet
	f := a.Form()
	if !f.Confirming() || f.ReviewSeen() {
		t.Fatalf("confirming %v, seen %v", f.Confirming(), f.ReviewSeen())
	}
	noRequest(t, sendUnseen(a, "enter"))
	if f.Sending() {
		t.Fatal("sent a review that was never drawn")
	}
	a.View()
	if !f.ReviewSeen() {
		t.Fatal("drawn at 100x30, the review should count as seen")
	}
	// Shrunk: too small for the silence itself.
	a.SetSize(30, 4)
	v := ansi.Strip(a.View())
	if f.ReviewSeen() || !strings.Contains(strings.Join(strings.Fields(v), " "), "enlarge") {
		t.Fatalf("seen %v at 30x4:\n%s", f.ReviewSeen(), v)
	}
	noRequest(t, send(a, "enter"))
	// Back to a usable size, but not drawn yet: still no.
	a.SetSize(100, 30)
	noRequest(t, sendUnseen(a, "enter"))
	a.View()
	req := viewstest.Only[views.SilenceRequestMsg](t, sendUnseen(a, "enter"))
	if req.Op != views.OpCreate || req.Spec.Comment != "deploy 4711" {
		t.Fatalf("request %+v", req)
	}
}

// A send to a peer that does not answer shows the time elapsed.
func TestSilenceFormSendingShowsElapsed(t *testing.T) {
	now := viewstest.FixedNow
	a := openForm(t, 120, 40)
	a.ctx.Now = func() time.Time { return now }
	typeText(a, "hung peer")
	send(a, "enter")
	viewstest.Only[views.SilenceRequestMsg](t, send(a, "enter"))
	if v := ansi.Strip(a.View()); !strings.Contains(v, "sending… 0s") {
		t.Fatalf("no elapsed time:\n%s", v)
	}
	now = now.Add(7 * time.Second)
	if v := ansi.Strip(a.View()); !strings.Contains(v, "sending… 7s") {
		t.Fatalf("no elapsed time after 7s:\n%s", v)
	}
}

// What a quit would discard is named whole, matchers and comment, hostile
// text neutralised: after the quit it is the only copy of what was typed.
func TestSilenceFormUnsentWorkIsWhole(t *testing.T) {
	a := openForm(t, 120, 40)
	long := "rolling back the checkout deploy of 14:02, see incident channel for the plan \x1b[31mnow"
	typeText(a, long)
	w := a.UnsentWork()
	if !strings.Contains(w, "see incident channel for the plan") || strings.Contains(w, "\x1b") {
		t.Fatalf("the comment is not whole and safe: %q", w)
	}
	if !strings.Contains(w, "alertname=") {
		t.Fatalf("the matchers are missing: %q", w)
	}
}

// A write held for a protected context's name says it is not sent yet,
// never "sending…"; once let go, the seconds count from the release.
func TestSilenceFormHeldForProtectedName(t *testing.T) {
	now := viewstest.FixedNow
	a := openForm(t, 120, 40)
	a.ctx.Now = func() time.Time { return now }
	a.ctx.Settings.Context = "prod-eu"
	held, released := false, time.Time{}
	a.ctx.HeldWrite = func() (bool, time.Time) { return held, released }
	typeText(a, "maintenance")
	send(a, "enter")
	viewstest.Only[views.SilenceRequestMsg](t, send(a, "enter"))
	held = true
	now = now.Add(20 * time.Second)
	v := ansi.Strip(a.View())
	if strings.Contains(v, "sending…") || !strings.Contains(v, "not sent yet: type prod-eu's name below") {
		t.Fatalf("a held write reads as sent:\n%s", v)
	}
	held, released = false, now
	now = now.Add(3 * time.Second)
	if v := ansi.Strip(a.View()); !strings.Contains(v, "sending… 3s") {
		t.Fatalf("the wait does not count from the release:\n%s", v)
	}
}

// In a served console the author is the key's name, read-only: tab skips
// it, nothing typed changes it, the form and the review show it and the
// request carries it.
func TestSilenceFormSignedByKey(t *testing.T) {
	ctx := viewstest.Context(t, "dark")
	ctx.SignedBy = func() string { return "Bob Builder" }
	all := sampleAlerts()
	f := NewSilenceForm(ctx, all[1], all, "bob@box")
	f.SetSize(80, 22)
	f.update(viewstest.Key("c"))
	f.update(viewstest.Key("tab"))
	if f.focus == fieldCreatedBy {
		t.Fatal("tab went to the author")
	}
	v := ansi.Strip(f.View())
	if !strings.Contains(v, "created by Bob Builder  (your key's name: the server signs with it)") || strings.Contains(v, "bob@box") {
		t.Fatalf("form:\n%s", v)
	}
	f.setFocus(fieldComment)
	f.update(viewstest.Key("enter"))
	v = ansi.Strip(f.View())
	if !strings.Contains(v, "created by Bob Builder  (your key's name)") {
		t.Fatalf("review:\n%s", v)
	}
	req := viewstest.Only[views.SilenceRequestMsg](t, viewstest.Run(f.update(viewstest.Key("enter"))))
	if req.Spec.CreatedBy != "Bob Builder" {
		t.Fatalf("createdBy %q", req.Spec.CreatedBy)
	}
}
