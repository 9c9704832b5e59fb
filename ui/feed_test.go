package ui

import (
	"context"
	"testing"
	"time"

	"github.com/vigilterm/vigil/query/poll"
)

// One poller shared by two consoles: a poll either of them starts, or one
// run elsewhere, reaches both as a message; an older answer never
// replaces a newer one.
func TestFeedsOfASharedPollerEachGetEveryResult(t *testing.T) {
	n := 0
	p := poll.New(func(context.Context) (int, error) { n++; return n, nil }, poll.Options{Interval: time.Second})
	a, b := newFeed(p), newFeed(p)

	msg := a.start(nil, false)
	if msg != nil {
		t.Fatal("a poll of no fetch started")
	}
	got := a.start(func(context.Context) (int, error) { return 10, nil }, false)()
	if r, ok := got.(polled[int]); !ok || r.Value != 10 {
		t.Fatalf("the console that polled got %#v", got)
	}
	// The other console hears it without asking.
	done := make(chan any, 1)
	go func() { done <- b.next()() }()
	select {
	case m := <-done:
		if r, ok := m.(polled[int]); !ok || r.Value != 10 {
			t.Fatalf("the other console got %#v", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the other console heard nothing")
	}
	// A poll run by neither (the shared loop) reaches both.
	job, _ := p.Start(false)
	job.Run(context.Background())
	for name, f := range map[string]*feed[int]{"a": a, "b": b} {
		if r, ok := f.take().(polled[int]); !ok || r.Value != 1 {
			t.Fatalf("%s: %#v", name, r)
		}
		if f.take() != nil {
			t.Fatalf("%s: one result delivered twice", name)
		}
	}
	// Out of order: a stale result published late is dropped.
	a.deliver(poll.Result[int]{Seq: 1, Value: 99})
	if m := a.take(); m != nil {
		t.Fatalf("an older result was delivered after a newer one: %#v", m)
	}
}
