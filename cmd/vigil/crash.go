package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"sync"

	tea "charm.land/bubbletea/v2"
)

// runProgram runs the console until it quits. A panic anywhere in the
// program ends it the way bubbletea ends it (terminal restored: normal
// screen, cursor shown, cooked mode), then becomes one line and exit code 1.
// While the program runs, the terminal is its screen: bubbletea's own report
// of a panic (the value and the Go stack), which it writes to stderr, goes to
// the log file instead, or nowhere when there is none.
func runProgram(m tea.Model, logFile string, logger *slog.Logger, opts ...tea.ProgramOption) error {
	g := &panicGuard{Model: m, log: logger}
	restore := stderrTo(logFile)
	_, err := tea.NewProgram(g, opts...).Run()
	restore()
	switch {
	case errors.Is(err, tea.ErrProgramPanic):
		what := "the console panicked"
		if v := g.value(); v != "" {
			what += ": " + v
		}
		where := "set log_file to keep the stack trace"
		if logFile != "" {
			where = "stack trace in " + logFile
		}
		return fmt.Errorf("internal error: %s (%s)", what, where)
	case err != nil && !errors.Is(err, tea.ErrProgramKilled):
		return fmt.Errorf("terminal: %w", err)
	}
	return nil
}

// stderrTo points os.Stderr at the log file (or the null device) and
// returns what puts it back.
func stderrTo(logFile string) (restore func()) {
	path := os.DevNull
	if logFile != "" {
		path = logFile
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return func() {}
	}
	saved := os.Stderr
	os.Stderr = f
	return func() {
		os.Stderr = saved
		f.Close()
	}
}

// panicGuard notes a panic in Update or View (its value, one line, and its
// stack in the log) and lets it go on to bubbletea, which restores the
// terminal.
type panicGuard struct {
	tea.Model
	log  *slog.Logger
	mu   sync.Mutex
	seen string
}

func (g *panicGuard) note() {
	if r := recover(); r != nil {
		v := strings.Join(strings.Fields(fmt.Sprint(r)), " ")
		g.mu.Lock()
		if g.seen == "" {
			g.seen = v
		}
		g.mu.Unlock()
		g.log.Error("panic", "value", v, "stack", string(debug.Stack()))
		panic(r)
	}
}

func (g *panicGuard) value() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.seen
}

func (g *panicGuard) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	defer g.note()
	m, cmd := g.Model.Update(msg)
	g.Model = m
	return g, cmd
}

func (g *panicGuard) View() tea.View {
	defer g.note()
	return g.Model.View()
}
