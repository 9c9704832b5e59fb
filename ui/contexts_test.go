package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/query"
)

// drainRoot runs a command tree through the root as the program would;
// heartbeats (the root's and the consoles') are dropped so it ends.
func drainRoot(r *Contexts, cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0 && n < 200; n++ {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		// A heartbeat's command sleeps a second before it answers: any
		// command that has not answered in 300ms is left behind.
		done := make(chan tea.Msg, 1)
		go func() { done <- c() }()
		var msg tea.Msg
		select {
		case msg = <-done:
		case <-time.After(300 * time.Millisecond):
			continue
		}
		if cm, ok := msg.(ctxMsg); ok {
			if _, tick := cm.msg.(tickMsg); tick {
				continue
			}
		}
		switch msg := msg.(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case ctxTickMsg, tickMsg, nil:
		default:
			_, next := r.Update(msg)
			r.View()
			queue = append(queue, next)
		}
	}
}

func rootScreen(r *Contexts) string { return ansi.Strip(r.View().Content) }

func overviewOf(names ...string) *query.Overview {
	ov := sample()
	ov.Endpoints = nil
	for _, n := range names {
		ov.Endpoints = append(ov.Endpoints, query.Endpoint{Name: n, RPS: 1, P50: 0.01, P99: 0.02})
	}
	return ov
}

// Each context's answers reach its own console, whichever is shown; the
// console not shown asks nothing on its heartbeat; switching back to a
// built console is immediate and finds it as it was.
func TestContextsRouteEachAnswerToItsOwnConsole(t *testing.T) {
	srcA, srcB := &scripted{ov: overviewOf("/a-only")}, &scripted{ov: overviewOf("/b-only")}
	a, clockA := newModel(t, srcA)
	reconfigure(a, func(c *vigil.Config) { c.Context = "eu" })
	b, _ := newModel(t, srcB)
	reconfigure(b, func(c *vigil.Config) { c.Context = "us" })
	built := 0
	specs := []ContextSpec{
		{Name: "eu", Refresh: time.Second, Timeout: time.Second, Count: func(context.Context) (int, error) { return 3, nil }},
		{Name: "us", Refresh: time.Second, Timeout: time.Second, Build: func() (*Model, error) { built++; return b, nil },
			Count: func(context.Context) (int, error) { return 5, nil }},
	}
	r := NewContexts(specs, 0, a)
	r.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	drainRoot(r, r.Init())
	s := rootScreen(r)
	if !strings.Contains(s, "/a-only") || !strings.Contains(s, "vigil · eu") {
		t.Fatalf("eu not shown:\n%s", s)
	}
	// us is not shown yet: its count only, on the root's heartbeat.
	_, cmd := r.Update(ctxTickMsg(time.Now()))
	drainRoot(r, cmd)
	if s := rootScreen(r); !strings.Contains(s, "us ●5") || srcB.calls != 0 {
		t.Errorf("header without us's count (or us queried: %d):\n%s", srcB.calls, s)
	}
	// A filter on eu, to find again later.
	for _, k := range []string{"/", "a", "enter"} {
		_, cmd := r.Update(keyMsg(k))
		drainRoot(r, cmd)
	}

	// C lists the contexts; j, enter switches; us is built once.
	_, cmd = r.Update(keyMsg("C"))
	drainRoot(r, cmd)
	if s := rootScreen(r); !strings.Contains(s, "Contexts") || !strings.Contains(s, "▸ eu") || !strings.Contains(s, "us               firing 5   ● live") {
		t.Fatalf("the list:\n%s", s)
	}
	for _, k := range []string{"j", "enter"} {
		_, cmd := r.Update(keyMsg(k))
		drainRoot(r, cmd)
	}
	s = rootScreen(r)
	if built != 1 || !strings.Contains(s, "/b-only") || strings.Contains(s, "/a-only") || !strings.Contains(s, "vigil · us") {
		t.Fatalf("us not shown (built %d):\n%s", built, s)
	}

	// An answer eu's poller was still waiting for reaches eu, not us.
	callsA := srcA.calls
	srcA.ov = overviewOf("/a-only", "/a-second")
	drainRoot(r, tagCmd(0, a.pollAll(a.now(), true)))
	if srcA.calls != callsA+1 || len(partOf[*overviewPart](a).data().Endpoints) != 2 {
		t.Fatalf("eu did not get its answer: %d calls, %+v", srcA.calls-callsA, partOf[*overviewPart](a).data())
	}
	if s := rootScreen(r); strings.Contains(s, "/a-") || !strings.Contains(s, "/b-only") {
		t.Errorf("eu's answer reached us's screen:\n%s", s)
	}
	// eu, not shown, asks nothing on its heartbeat.
	clockA.Add(10 * time.Second)
	_, cmd = r.Update(ctxMsg{i: 0, msg: tickMsg(clockA.Now())})
	drainRoot(r, cmd)
	if srcA.calls != callsA+1 {
		t.Errorf("eu, not shown, polled %d times on its heartbeat", srcA.calls-callsA-1)
	}

	// Back to eu: at once, with its filter and its newest answer.
	start := time.Now()
	for _, k := range []string{"C", "k", "enter"} {
		_, cmd := r.Update(keyMsg(k))
		if k == "enter" {
			s = rootScreen(r)
			if took := time.Since(start); took > 100*time.Millisecond {
				t.Errorf("switching back took %s", took)
			}
		}
		drainRoot(r, cmd)
	}
	if built != 1 || !strings.Contains(s, "vigil · eu") || !strings.Contains(s, "/a-second") || !strings.Contains(s, "filter /a") {
		t.Errorf("eu is not as it was (built %d):\n%s", built, s)
	}
}

// A protected context's name is drawn in the critical style; an accent
// colours the name of another.
func TestContextNameStyles(t *testing.T) {
	m, _ := newModel(t, &scripted{ov: sample()})
	reconfigure(m, func(c *vigil.Config) { c.Context = "prod-us" })
	plain := m.contextName()
	reconfigure(m, func(c *vigil.Config) { c.Protected = true })
	crit := m.contextName()
	if ansi.Strip(crit) != "prod-us" || crit != m.ctx.Styles.Crit.Bold(true).Render("prod-us") || crit == plain {
		t.Errorf("protected name %q, plain %q", crit, plain)
	}
	reconfigure(m, func(c *vigil.Config) { c.Protected, c.Accent = false, "#ff5f00" })
	if acc := m.contextName(); acc == plain || ansi.Strip(acc) != "prod-us" {
		t.Errorf("accent name %q, plain %q", acc, plain)
	}
}

// Work typed in a context not shown is not lost silently: the quit asks,
// naming it and its context, and the exit names it.
func TestQuitAsksAboutUnsentWorkInAnotherContext(t *testing.T) {
	a, _ := newModel(t, &scripted{ov: overviewOf("/a-only")})
	b, _ := newModel(t, &scripted{ov: overviewOf("/b-only")})
	specs := []ContextSpec{{Name: "eu", Refresh: time.Second}, {Name: "us", Refresh: time.Second, Build: func() (*Model, error) { return b, nil }}}
	r := NewContexts(specs, 0, a)
	drainRoot(r, r.Init())
	for _, k := range []string{"C", "j", "enter"} {
		_, cmd := r.Update(keyMsg(k))
		drainRoot(r, cmd)
	}
	partOf[*notePart](b).prompt.In.SetValue("half a note") // typed in us, then left
	for _, k := range []string{"C", "k", "enter"} {
		_, cmd := r.Update(keyMsg(k))
		drainRoot(r, cmd)
	}
	if s := rootScreen(r); !strings.Contains(s, "/a-only") {
		t.Fatalf("eu not shown:\n%s", s)
	}
	_, cmd := r.Update(keyMsg("ctrl+c"))
	if cmd != nil {
		if _, quit := cmd().(tea.QuitMsg); quit {
			t.Fatal("quit at once with unsent work in us")
		}
	}
	if s := rootScreen(r); !strings.Contains(s, "discards the note being typed in us") {
		t.Errorf("the question does not name us's note:\n%s", s)
	}
	_, cmd = r.Update(keyMsg("ctrl+c"))
	if cmd == nil {
		t.Fatal("the second ctrl+c did not quit")
	}
	if _, quit := cmd().(tea.QuitMsg); !quit {
		t.Fatal("the second ctrl+c did not quit")
	}
	if d := r.Discarded(); d != "the note being typed in us" {
		t.Errorf("discarded %q", d)
	}
}

// The list of contexts at 20x5 and at 0x0: drawn within the size, no panic;
// a context that cannot start says why and the list still opens.
func TestContextListTinyAndFailedStart(t *testing.T) {
	a, _ := newModel(t, &scripted{ov: overviewOf("/a-only")})
	specs := []ContextSpec{{Name: "eu", Refresh: time.Second},
		{Name: "us\x1b[31m", Refresh: time.Second, Build: func() (*Model, error) { return nil, errors.New("prometheus.url: no host") }}}
	r := NewContexts(specs, 0, a)
	for _, k := range []string{"C", "j", "enter"} {
		_, cmd := r.Update(keyMsg(k))
		drainRoot(r, cmd)
	}
	s := rootScreen(r)
	if !strings.Contains(s, "cannot start: prometheus.url: no host") || strings.Contains(r.View().Content, "\x1b[31m") {
		t.Errorf("failed start:\n%q", r.View().Content)
	}
	_, cmd := r.Update(keyMsg("C"))
	drainRoot(r, cmd)
	for _, size := range [][2]int{{20, 5}, {0, 0}} {
		r.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		ls := strings.Split(rootScreen(r), "\n")
		if len(ls) > max(size[1], 1) {
			t.Errorf("%dx%d: %d lines", size[0], size[1], len(ls))
		}
		for _, l := range ls {
			if ansi.StringWidth(l) > max(size[0], 1) {
				t.Errorf("%dx%d: line %q too wide", size[0], size[1], l)
			}
		}
	}
}
