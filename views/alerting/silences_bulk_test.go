package alerting

import (
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/viewstest"
)

// space marks silences; x then asks once, naming the count, and enter
// sends one expire per marked silence; one flash sums the answers up.
func TestSilencesBulkExpire(t *testing.T) {
	s := newTestSilences(t, 120, 30)
	selectSilence(t, s, "sil-login")
	send(s, "space")
	selectSilence(t, s, "sil-evil")
	send(s, "space")
	if got := strings.Join(s.Marked(), " "); got != "sil-evil sil-login" {
		t.Fatalf("marked %q", got)
	}
	if n := strings.Count(ansi.Strip(s.View()), "▪ "); n != 2 {
		t.Errorf("%d marks drawn, want 2:\n%s", n, ansi.Strip(s.View()))
	}
	if msgs := send(s, "x"); len(msgs) != 0 {
		t.Fatalf("x sent %v before the confirmation", msgs)
	}
	if v := ansi.Strip(s.View()); !strings.Contains(v, "expire 2 marked silences? enter confirms, esc cancels") {
		t.Fatalf("no question naming the count:\n%s", v)
	}
	msgs := send(s, "enter")
	var ids []string
	for _, m := range msgs {
		req, ok := m.(views.SilenceRequestMsg)
		if !ok || req.Op != views.OpExpire {
			t.Fatalf("unexpected %#v", m)
		}
		ids = append(ids, req.Silence.ID)
	}
	sort.Strings(ids)
	if strings.Join(ids, " ") != "sil-evil sil-login" {
		t.Fatalf("expire requests for %v", ids)
	}
	if len(s.Marked()) != 0 {
		t.Errorf("marks kept after sending: %v", s.Marked())
	}
	_, cmd := s.Update(views.SilenceResultMsg{Request: views.SilenceRequestMsg{Op: views.OpExpire, Silence: query.Silence{ID: "sil-login"}}, Verified: true})
	if msgs := viewstest.Run(cmd); len(msgs) != 0 {
		t.Fatalf("a flash before every answer came: %v", msgs)
	}
	_, cmd = s.Update(views.SilenceResultMsg{Request: views.SilenceRequestMsg{Op: views.OpExpire, Silence: query.Silence{ID: "sil-evil"}}, Err: errors.New("boom")})
	fl := viewstest.Only[views.FlashMsg](t, viewstest.Run(cmd))
	if !fl.Error || !strings.Contains(fl.Text, "expired 1 of 2 silences; failed: sil-evil: boom") {
		t.Errorf("flash %+v", fl)
	}

	// Without marks, x is the single expire as before; esc cancels a
	// bulk question without sending.
	selectSilence(t, s, "sil-login")
	send(s, "x")
	if v := ansi.Strip(s.View()); !strings.Contains(v, "expire silence sil-login") {
		t.Errorf("single expire question:\n%s", v)
	}
	send(s, "esc")
	send(s, "space")
	send(s, "x")
	if msgs := send(s, "esc"); len(msgs) != 0 {
		t.Errorf("esc sent %v", msgs)
	}
}

// The filter's by: and expiring: terms, alone and with words; a bad
// duration keeps the prompt open with the error.
func TestSilencesFilterByCreatorAndExpiring(t *testing.T) {
	s := newTestSilences(t, 120, 30)
	for _, c := range []struct{ filter, want string }{
		{"by:alice", "sil-login"},
		{"by:OPS", "sil-login sil-batch"},
		{"expiring:1h", "sil-login"},
		{"expiring:4h", "sil-login sil-evil"},
		{"by:alice expiring:30m", ""},
		{"expiring:4h blog", "sil-evil"},
	} {
		filterBy(t, s, c.filter)
		if got := strings.Join(silenceIDs(s), " "); got != c.want {
			t.Errorf("filter %q: %q, want %q", c.filter, got, c.want)
		}
	}
	filterBy(t, s, "by:alice")
	filterBy(t, s, "expiring:soon")
	if !s.Capturing() {
		t.Fatal("a bad expiring: closed the prompt")
	}
	if v := ansi.Strip(s.View()); !strings.Contains(v, `"expiring:soon": expiring: takes a duration, e.g. expiring:1h`) {
		t.Errorf("no error shown:\n%s", v)
	}
	// esc clears it all.
	send(s, "esc")
	if got := strings.Join(silenceIDs(s), " "); got != "sil-login sil-evil sil-batch" || s.Capturing() {
		t.Errorf("after esc: %q", got)
	}
}

// + opens the form with no alert: matchers typed as text, the preview
// saying plainly that nothing matches now, and a create request.
func TestSilencesNewSilenceFromMatchersAlone(t *testing.T) {
	s := newTestSilences(t, 100, 30)
	send(s, "+")
	f := s.FormOpen()
	if f == nil || !s.Capturing() {
		t.Fatal("+ should open the silence form")
	}
	typeText(s, `alertname="NothingFiring"`)
	v := ansi.Strip(s.View())
	for _, want := range []string{"Silence from matchers", "matches no current alert"} {
		if !strings.Contains(v, want) {
			t.Errorf("missing %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "another name") || f.Refusal() != "" {
		t.Errorf("no warning or refusal for a matcher-only silence: %q\n%s", f.Refusal(), v)
	}
	send(s, "tab", "tab")
	typeText(s, "maintenance of nothing")
	send(s, "enter")
	if !f.Confirming() {
		t.Fatalf("not on the review: %v\n%s", f.Errors(), ansi.Strip(s.View()))
	}
	req := viewstest.Only[views.SilenceRequestMsg](t, send(s, "enter"))
	if req.Op != views.OpCreate || query.FormatMatchers(req.Spec.Matchers) != `{alertname="NothingFiring"}` || req.Spec.Comment != "maintenance of nothing" {
		t.Errorf("request %+v", req)
	}
}
