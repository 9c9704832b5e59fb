package ui

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil/demo/demotest"
)

// driven runs a Model as a program does: one goroutine takes the messages
// and calls Update then View; every command runs in a goroutine of its own
// and its message goes back to the model. Commands that wait (the Team's
// wake-up, the heartbeat) simply wait.
type driven struct {
	m     *Model
	mu    sync.Mutex
	msgs  chan tea.Msg
	stop  chan struct{}
	once  sync.Once
	ticks bool // deliver the heartbeat (else dropped: the test ticks by hand)
	wg    sync.WaitGroup
	// beats counts the heartbeats delivered: the console's own clock.
	beats atomic.Int64
}

func drive(t testing.TB, m *Model, ticks bool) *driven {
	d := &driven{m: m, msgs: make(chan tea.Msg, 64), stop: make(chan struct{}), ticks: ticks}
	d.wg.Add(1)
	go d.loop()
	t.Cleanup(d.close)
	return d
}

func (d *driven) close() {
	d.once.Do(func() { close(d.stop) })
	d.wg.Wait()
}

func (d *driven) loop() {
	defer d.wg.Done()
	for {
		select {
		case msg := <-d.msgs:
			d.mu.Lock()
			_, cmd := d.m.Update(msg)
			d.m.View()
			d.mu.Unlock()
			d.exec(cmd)
		case <-d.stop:
			return
		}
	}
}

func (d *driven) exec(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() { d.dispatch(cmd()) }()
}

func (d *driven) dispatch(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil, tea.QuitMsg:
		return
	case tea.BatchMsg:
		for _, c := range msg {
			d.exec(c)
		}
		return
	case tickMsg:
		if !d.ticks {
			return
		}
		d.beats.Add(1)
	}
	d.send(msg)
}

// send gives msg to the model, as the program does with a key or a size.
func (d *driven) send(msg tea.Msg) {
	select {
	case d.msgs <- msg:
	case <-d.stop:
	}
}

// start runs the model's Init.
func (d *driven) start() { d.exec(d.m.Init()) }

// with runs f on the model between two messages.
func (d *driven) with(f func(m *Model)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f(d.m)
}

func (d *driven) screen() string {
	var s string
	d.with(func(m *Model) { s = ansi.Strip(m.View().Content) })
	return s
}

// waitScreen waits, up to within, until the screen satisfies ok.
func (d *driven) waitScreen(t testing.TB, within time.Duration, what string, ok func(string) bool) string {
	t.Helper()
	var s string
	demotest.EventuallyEvery(t, within, 20*time.Millisecond, what, func() (bool, string) {
		s = d.screen()
		return ok(s), "screen:\n" + s
	})
	return s
}
