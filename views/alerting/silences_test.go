package alerting

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/viewstest"
)

func newTestSilences(t testing.TB, w, h int) *Silences {
	t.Helper()
	s := NewSilences(viewstest.Context(t, "dark"))
	s.SetSize(w, h)
	s.Update(sampleAlertsMsg())
	return s
}

func silenceIDs(s *Silences) []string {
	var out []string
	for _, si := range s.Rows() {
		out = append(out, si.ID)
	}
	return out
}

// selectSilence moves the cursor to a silence by id.
func selectSilence(t *testing.T, s *Silences, id string) {
	t.Helper()
	send(s, "g")
	for range s.Rows() {
		if si, ok := s.Selected(); ok && si.ID == id {
			return
		}
		send(s, "j")
	}
	t.Fatalf("silence %s not shown", id)
}

func TestSilencesListAndExpired(t *testing.T) {
	s := newTestSilences(t, 120, 30)
	// Active first (soonest end first), then pending; expired hidden.
	if got := strings.Join(silenceIDs(s), " "); got != "sil-login sil-evil sil-batch" {
		t.Fatalf("rows %s", got)
	}
	v := ansi.Strip(s.View())
	head := strings.Split(v, "\n")[0]
	for _, col := range []string{"MATCHERS", "CREATED BY", "COMMENT", "ENDS IN", "MATCHES"} {
		if !strings.Contains(head, col) {
			t.Errorf("header lacks %s: %q", col, head)
		}
	}
	if strings.Contains(head, "STATE") {
		t.Error("STATE is shown only with the expired silences")
	}
	login := lineWith(t, v, `path="/login"`)
	for _, want := range []string{`alertname="HighLatency", path="/login"`, "alice@ops", "login deploy, OPS-1234", "45m", " 1"} {
		if !strings.Contains(login, want) {
			t.Errorf("row lacks %q: %q", want, login)
		}
	}
	if batch := lineWith(t, v, "batch"); !strings.Contains(batch, "starts in 10m") || !strings.HasSuffix(strings.TrimRight(batch, " "), "0") {
		t.Errorf("pending row: %q", batch)
	}
	fl := viewstest.Only[views.FlashMsg](t, send(s, "E"))
	if !strings.Contains(fl.Text, "expired") || !s.ShowingExpired() {
		t.Fatal("E should show expired silences")
	}
	v = ansi.Strip(s.View())
	if !strings.Contains(strings.Split(v, "\n")[0], "STATE") {
		t.Fatal("no STATE column with expired silences")
	}
	old := lineWith(t, v, "Old")
	if !strings.Contains(old, "ended 30m ago") || !strings.Contains(old, "expired") {
		t.Fatalf("expired row: %q", old)
	}
	send(s, "E")
	if len(s.Rows()) != 3 {
		t.Fatal("E again should hide them")
	}
}

func TestSilencesFilter(t *testing.T) {
	s := newTestSilences(t, 120, 30)
	for _, c := range []struct{ by, filter, want string }{
		{"creator", "bob", "sil-batch"},
		{"comment", "OPS-1234", "sil-login"},
		{"matcher", `path="/login"`, "sil-login"},
	} {
		filterBy(t, s, c.filter)
		if got := silenceIDs(s); len(got) != 1 || got[0] != c.want {
			t.Fatalf("by %s: %v", c.by, got)
		}
	}
	send(s, "esc")
	if len(s.Rows()) != 3 {
		t.Fatal("esc should clear the filter")
	}
}

func TestSilencesExpire(t *testing.T) {
	s := newTestSilences(t, 120, 30)
	selectSilence(t, s, "sil-batch")
	noRequest(t, send(s, "x"))
	if !s.Capturing() {
		t.Fatal("the question should own the keyboard")
	}
	v := ansi.Strip(s.View())
	if !strings.Contains(strings.Join(strings.Fields(v), " "), `expire silence sil-batch {job=~"batch.*"}? enter confirms, esc cancels`) {
		t.Fatalf("no question:\n%s", v)
	}
	noRequest(t, send(s, "esc"))
	if s.Capturing() {
		t.Fatal("esc should cancel")
	}
	send(s, "x")
	req := viewstest.Only[views.SilenceRequestMsg](t, send(s, "enter"))
	if req.Op != views.OpExpire || req.Silence.ID != "sil-batch" {
		t.Fatalf("request %#v", req)
	}
	if !strings.Contains(ansi.Strip(s.View()), "sending… expire sil-batch") {
		t.Fatal("in-flight request not shown")
	}
	// A second x while it is in flight sends nothing.
	fl := viewstest.Only[views.FlashMsg](t, send(s, "x"))
	if !strings.Contains(fl.Text, "already on its way") {
		t.Fatalf("flash %q", fl.Text)
	}
	_, cmd := s.Update(views.SilenceResultMsg{Request: req, ID: "sil-batch", Verified: true})
	if fl := viewstest.Only[views.FlashMsg](t, viewstest.Run(cmd)); fl.Text != "expired: sil-batch" {
		t.Fatalf("flash %q", fl.Text)
	}
	_, cmd = s.Update(views.SilenceResultMsg{Request: req, Err: errors.New("silence not found")})
	if fl := viewstest.Only[views.FlashMsg](t, viewstest.Run(cmd)); !fl.Error || fl.Text != "expire sil-batch failed: silence not found" {
		t.Fatalf("flash %q", fl.Text)
	}
	// An expired silence cannot be expired again.
	send(s, "E")
	selectSilence(t, s, "sil-old")
	noRequest(t, send(s, "x"))
	if s.Capturing() {
		t.Fatal("no question for an expired silence")
	}
}

func TestSilencesExtend(t *testing.T) {
	s := newTestSilences(t, 120, 30)
	selectSilence(t, s, "sil-login")
	send(s, "e")
	if !s.Capturing() || s.Extending().Value() != "+1h" {
		t.Fatalf("prompt %q", s.Extending().Value())
	}
	if v := ansi.Strip(s.View()); !strings.Contains(v, "new end 2026-11-24 04:45 UTC") {
		t.Fatalf("no new end:\n%s", v)
	}
	req := viewstest.Only[views.SilenceRequestMsg](t, send(s, "enter"))
	if req.Op != views.OpExtend || req.Silence.ID != "sil-login" || !req.NewEnd.Equal(viewstest.FixedNow.Add(45*time.Minute+time.Hour)) {
		t.Fatalf("request %#v", req)
	}
	// The presets on ↓/↑, with the new end before enter.
	s.Update(views.SilenceResultMsg{Request: req, ID: "sil-login", Verified: true})
	send(s, "e", "down")
	v := ansi.Strip(s.View())
	if s.Extending().Value() != "+4h" || !strings.Contains(v, "[+4h]") ||
		!strings.Contains(v, "ends 2026-11-24 03:45 UTC (in 45m) → new end 2026-11-24 07:45 UTC (in 4h45m)") {
		t.Fatalf("↓ from +1h: %q\n%s", s.Extending().Value(), v)
	}
	send(s, "down", "down")
	if s.Extending().Value() != "+1d" {
		t.Fatalf("↓ past the last preset: %q", s.Extending().Value())
	}
	send(s, "up", "up", "up", "up")
	if s.Extending().Value() != "+15m" {
		t.Fatalf("↑ to the first preset: %q", s.Extending().Value())
	}
	send(s, "down", "down")
	req = viewstest.Only[views.SilenceRequestMsg](t, send(s, "enter"))
	if !req.NewEnd.Equal(viewstest.FixedNow.Add(45*time.Minute + 4*time.Hour)) {
		t.Fatalf("+4h preset: new end %s", req.NewEnd)
	}
	s.Update(views.SilenceResultMsg{Request: req, ID: "sil-login", Verified: true})
	// A typed duration.
	selectSilence(t, s, "sil-batch")
	send(s, "e", "ctrl+u")
	typeText(s, "30m")
	req = viewstest.Only[views.SilenceRequestMsg](t, send(s, "enter"))
	if !req.NewEnd.Equal(viewstest.FixedNow.Add(2*time.Hour + 30*time.Minute)) {
		t.Fatalf("new end %s", req.NewEnd)
	}
	// A bad one is refused with the text kept.
	selectSilence(t, s, "sil-evil")
	send(s, "e", "ctrl+u")
	typeText(s, "soon")
	noRequest(t, send(s, "enter"))
	if !s.Capturing() || s.Extending().Value() != "soon" || !strings.Contains(ansi.Strip(s.View()), "invalid duration") {
		t.Fatalf("bad duration:\n%s", ansi.Strip(s.View()))
	}
	send(s, "ctrl+u")
	typeText(s, "0s")
	noRequest(t, send(s, "enter"))
	noRequest(t, send(s, "esc"))
	if s.Capturing() {
		t.Fatal("esc should cancel")
	}
	// An ended silence is extended from now.
	send(s, "E")
	selectSilence(t, s, "sil-old")
	send(s, "e", "ctrl+u")
	typeText(s, "2h")
	req = viewstest.Only[views.SilenceRequestMsg](t, send(s, "enter"))
	if !req.NewEnd.Equal(viewstest.FixedNow.Add(2 * time.Hour)) {
		t.Fatalf("ended silence: new end %s", req.NewEnd)
	}
}

func TestSilencesExtendResults(t *testing.T) {
	s := newTestSilences(t, 120, 30)
	selectSilence(t, s, "sil-login")
	send(s, "e")
	req := viewstest.Only[views.SilenceRequestMsg](t, send(s, "enter"))
	_, cmd := s.Update(views.SilenceResultMsg{Request: req, ID: "sil-new", Verified: true})
	if fl := viewstest.Only[views.FlashMsg](t, viewstest.Run(cmd)); fl.Text != "extended: new id sil-new replaces sil-login" {
		t.Fatalf("flash %q", fl.Text)
	}
	_, cmd = s.Update(views.SilenceResultMsg{Request: req, ID: "sil-login", Verified: false})
	if fl := viewstest.Only[views.FlashMsg](t, viewstest.Run(cmd)); !strings.HasPrefix(fl.Text, "extended: sil-login until 2026-11-24 04:45 UTC") || !strings.Contains(fl.Text, "not verified") {
		t.Fatalf("flash %q", fl.Text)
	}
	_, cmd = s.Update(views.SilenceResultMsg{Request: req, Err: errors.New("bad request: " + hostile)})
	fl := viewstest.Only[views.FlashMsg](t, viewstest.Run(cmd))
	if !fl.Error || strings.Contains(fl.Text, "\x1b") {
		t.Fatalf("flash %q", fl.Text)
	}
	// The replacement keeps the cursor after the next refresh.
	m := sampleAlertsMsg()
	m.Silences[0].ID = "sil-new"
	s.Update(m)
	if si, _ := s.Selected(); si.ID != "sil-new" {
		t.Fatalf("selected %s", si.ID)
	}
	// Create results belong to the alerts screen.
	if _, cmd := s.Update(views.SilenceResultMsg{Request: views.SilenceRequestMsg{Op: views.OpCreate}, ID: "x"}); cmd != nil {
		t.Fatal("a create result is not the silences screen's")
	}
}

func TestSilencesReadOnly(t *testing.T) {
	s := NewSilences(readOnlyContext(t))
	s.SetSize(120, 30)
	s.Update(sampleAlertsMsg())
	for _, k := range []string{"x", "e"} {
		fl := viewstest.Only[views.FlashMsg](t, send(s, k))
		if !strings.HasPrefix(fl.Text, "read-only: ") || !fl.Error || s.Capturing() {
			t.Fatalf("%s: %q", k, fl.Text)
		}
	}
	send(s, "enter")
	if fl := viewstest.Only[views.FlashMsg](t, send(s, "x")); !strings.HasPrefix(fl.Text, "read-only: ") {
		t.Fatalf("detail: %q", fl.Text)
	}
	for _, b := range append(s.ShortHelp(), flatten(s.FullHelp())...) {
		if b.Enabled() && (b.Help().Key == "x" || b.Help().Key == "e") {
			t.Fatalf("help lists %s in read-only mode", b.Help().Key)
		}
	}
}

func TestSilencesDetail(t *testing.T) {
	s := newTestSilences(t, 120, 30)
	selectSilence(t, s, "sil-evil")
	send(s, "enter")
	v := s.View()
	assertNoRawEscapes(t, v)
	plain := ansi.Strip(v)
	for _, want := range []string{"Silence sil-evil", "active", "ends in 3h", `job="blog"`, "second line", "MATCHES 1 CURRENT ALERT"} {
		if !strings.Contains(plain, want) {
			t.Errorf("detail lacks %q:\n%s", want, plain)
		}
	}
	viewstest.Only[views.CopyMsg](t, send(s, "y"))
	send(s, "esc")
	if s.DetailOpen() {
		t.Fatal("esc should close the detail")
	}
}

func TestSilencesErrors(t *testing.T) {
	s := NewSilences(viewstest.Context(t, "dark"))
	sizedAndWaiting(t, s)
	s.Update(views.AlertsMsg{SilencesErr: errors.New("503 " + hostile)})
	assertNoRawEscapes(t, s.View())
	if !strings.Contains(ansi.Strip(s.View()), "Alertmanager unreachable: cannot list silences") {
		t.Fatal("error not shown")
	}
	s.Update(sampleAlertsMsg())
	s.Update(views.AlertsMsg{SilencesErr: errors.New("timeout")})
	if len(s.Rows()) != 3 || strings.Count(ansi.Strip(s.View()), "timeout") != 1 {
		t.Fatal("old data with one error line")
	}
	s.Update(views.AlertsMsg{At: viewstest.FixedNow, Silences: []query.Silence{}})
	if !strings.Contains(ansi.Strip(s.View()), "no active or pending silences") {
		t.Fatal("no empty note")
	}
	for _, k := range []string{"x", "e", "enter", "y", "G", "E", "/", "esc"} {
		send(s, k)
	}
}

func TestSilencesHostileNeverRaw(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {200, 60}} {
		s := newTestSilences(t, sz[0], sz[1])
		assertNoRawEscapes(t, s.View())
		selectSilence(t, s, "sil-evil")
		send(s, "x")
		assertNoRawEscapes(t, s.View())
		send(s, "esc", "e")
		assertNoRawEscapes(t, s.View())
	}
}

func TestSilencesNeverWrap(t *testing.T) {
	for _, sz := range testSizes {
		w, h := sz[0], sz[1]
		s := newTestSilences(t, w, h)
		fitsAfterEach(t, s, w, h, []fitStep{
			{"silences", nil, ""},
			{"expired", []string{"E"}, ""},
			{"expire", []string{"x"}, ""},
			{"extend", []string{"esc", "e"}, ""},
			{"filter", []string{"esc", "/"}, ""},
			{"detail", []string{"esc", "enter"}, ""},
		})
		s.SetSize(20, 5)
		assertFits(t, "resized", s.View(), 20, 5)
	}
}

func TestSilencesManyRendersOnlyVisible(t *testing.T) {
	s := NewSilences(viewstest.Context(t, "dark"))
	s.SetSize(120, 10)
	s.Update(views.AlertsMsg{Alerts: manyAlerts(1000), Silences: manySilences(500), At: viewstest.FixedNow})
	if n := strings.Count(s.View(), "bot@ci"); n != 9 {
		t.Fatalf("%d rows in a 10-line area", n)
	}
	// sil-0001: path="/api/item/1" (alerts 1, 201, … 801, all named
	// AlertNo1) and alertname=~"AlertNo1.*".
	if c := s.counts["sil-0001"]; c != 5 {
		t.Fatalf("match count %d", c)
	}
}

func TestSilencesGolden(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 45}} {
		w, h := sz[0], sz[1]-3
		s := newTestSilences(t, w, h)
		viewstest.Golden(t, fmt.Sprintf("silences-%dx%d", sz[0], sz[1]), ansi.Strip(s.View())+"\n")
		send(s, "E")
		selectSilence(t, s, "sil-login")
		send(s, "x")
		viewstest.Golden(t, fmt.Sprintf("silences-expire-%dx%d", sz[0], sz[1]), ansi.Strip(s.View())+"\n")
	}
}

// A request the root never answered does not lock the silence for ever.
func TestSilencesForgetsUnansweredRequest(t *testing.T) {
	ctx := viewstest.Context(t, "dark")
	now := viewstest.FixedNow
	ctx.Now = func() time.Time { return now }
	s := NewSilences(ctx)
	s.SetSize(120, 30)
	s.Update(sampleAlertsMsg())
	send(s, "x")
	viewstest.Only[views.SilenceRequestMsg](t, send(s, "enter"))
	viewstest.Only[views.FlashMsg](t, send(s, "x")) // still on its way
	now = now.Add(time.Minute)
	s.Update(sampleAlertsMsg())
	if strings.Contains(ansi.Strip(s.View()), "sending…") {
		t.Fatal("the stale request is still shown")
	}
	send(s, "x")
	if !s.Capturing() {
		t.Fatal("x should ask again")
	}
}

func BenchmarkSilencesRefresh(b *testing.B) {
	s := NewSilences(viewstest.Context(b, "dark"))
	s.SetSize(200, 60)
	msg := views.AlertsMsg{Alerts: manyAlerts(1000), Silences: manySilences(500), At: viewstest.FixedNow}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Update(msg)
	}
}

func BenchmarkSilencesView(b *testing.B) {
	benchAlertsView(b, NewSilences(viewstest.Context(b, "dark")))
}

// The silences screen shows the silences call's failure, never the alerts
// call's; and without an Alertmanager it says so instead of "no silences".
func TestSilencesUnknownIsNotNone(t *testing.T) {
	s := NewSilences(viewstest.Context(t, "dark"))
	s.SetSize(80, 20)
	s.Update(views.SourcesMsg{Alertmanager: false})
	s.Update(views.AlertsMsg{At: viewstest.FixedNow, NoAlertmanager: true, Alerts: sampleAlerts()})
	v := strings.Join(strings.Fields(ansi.Strip(s.View())), " ")
	if !strings.Contains(v, "Alertmanager not configured") || strings.Contains(v, "no active or pending") {
		t.Fatalf("no Alertmanager:\n%s", v)
	}
	s = NewSilences(viewstest.Context(t, "dark"))
	s.SetSize(80, 20)
	// The alerts call works, the silences call fails: its own error shows.
	s.Update(views.AlertsMsg{At: viewstest.FixedNow, Alerts: sampleAlerts(),
		SilencesErr: errors.New(`alertmanager http://am:9093: list silences: Service Unavailable (HTTP 503)`)})
	v = strings.Join(strings.Fields(ansi.Strip(s.View())), " ")
	if !strings.Contains(v, "list silences") || strings.Contains(v, "list alerts") || strings.Contains(v, "no active or pending") {
		t.Fatalf("silences call failed:\n%s", v)
	}
}
