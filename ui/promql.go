package ui

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
)

// promqlState is the root's side of the PromQL prompt: an overlay over any
// screen, opened by ':'. Metric names are fetched once and cached; the
// history lives in a file.
type promqlState struct {
	screen      *views.PromQL
	open        bool
	histLoaded  bool
	namesAsked  bool
	historyPath string
	saveMu      *sync.Mutex
	queries     int
}

// HistoryPath is $XDG_STATE_HOME/vigil/history (~/.local/state/vigil/history).
func HistoryPath() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "vigil", "history")
}

// ReadHistory reads the history file: one expression a line, oldest first,
// the last views.HistoryLimit kept. A missing file is an empty history.
func ReadHistory(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		out = views.AddHistory(out, sc.Text())
	}
	return out, nil
}

// WriteHistory writes the history file (mode 0600, its directory 0700),
// bounded to views.HistoryLimit entries, through a temporary file.
func WriteHistory(path string, h []string) error {
	if path == "" {
		return errors.New("no history path")
	}
	if len(h) > views.HistoryLimit {
		h = h[len(h)-views.HistoryLimit:]
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".history-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(strings.Join(h, "\n") + "\n"); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// PromQL returns the PromQL prompt (open or not).
func (m *Model) PromQL() *views.PromQL { return m.promql.screen }

// PromQLOpen reports whether the PromQL prompt is shown.
func (m *Model) PromQLOpen() bool { return m.promql.open }

// SetHistoryPath sets the history file (tests); "" keeps no history.
func (m *Model) SetHistoryPath(p string) { m.promql.historyPath = p }

func (m *Model) initPromQL() {
	m.promql.screen = views.NewPromQL(m.ctx)
	m.promql.historyPath = HistoryPath()
	m.promql.saveMu = &sync.Mutex{}
}

// openPromQL shows the prompt and, the first time, reads the history and
// fetches the metric names.
func (m *Model) openPromQL() tea.Cmd {
	m.promql.open = true
	m.SetSize(m.width, m.height)
	// Reopened on the last query, that text is selected: typing replaces it.
	_, open := m.promql.screen.Update(views.OpenPromQLMsg{})
	cmds := []tea.Cmd{open}
	if !m.promql.histLoaded && m.promql.historyPath != "" {
		m.promql.histLoaded = true
		path := m.promql.historyPath
		cmds = append(cmds, func() tea.Msg {
			h, err := ReadHistory(path)
			if err != nil {
				return views.FlashMsg{Text: "PromQL history not read: " + err.Error(), Error: true}
			}
			return views.PromQLHistoryMsg{History: h}
		})
	}
	if src, ok := m.prom.(interface{ API() v1.API }); ok && !m.promql.namesAsked {
		m.promql.namesAsked = true
		api := src.API()
		deadline := m.ctx.Config.Prometheus.Timeout.D()
		cmds = append(cmds, func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			names, err := query.MetricNames(ctx, api)
			return views.PromQLNamesMsg{Names: names, Err: err}
		})
	}
	return tea.Batch(cmds...)
}

func (m *Model) closePromQL() {
	m.promql.open = false
	m.SetSize(m.width, m.height)
}

// graphRange is the detail screen's range while it is open, else an hour.
func (m *Model) graphRange() time.Duration {
	if m.detail.screen != nil {
		if r := m.detail.screen.Range(); r > 0 {
			return r
		}
	}
	return time.Hour
}

// updatePromQL handles the prompt's and the panels' messages and the keys
// that open them; ok is false for anything else.
func (m *Model) updatePromQL(msg tea.Msg) (cmd tea.Cmd, ok bool) {
	p := m.promql.screen
	switch msg := msg.(type) {
	case panelsResult:
		return m.onPanelsResult(msg), true
	case views.ClosePromQLMsg:
		m.closePromQL()
		return nil, true
	case views.PromQLRunMsg:
		return tea.Batch(m.saveHistory(msg.Expr), m.runPromQL(msg.Expr)), true
	case views.PromQLGraphMsg:
		if !m.promql.open {
			m.promql.open = true
			m.SetSize(m.width, m.height)
		}
		if msg.Range <= 0 {
			msg.Range = m.graphRange()
		}
		if msg.Title != "" {
			// From an alert: the expression is left in the prompt to edit.
			p.Update(msg)
		}
		return tea.Batch(m.saveHistory(msg.Expr), m.graphPromQL(msg)), true
	case views.PromQLResultMsg, views.PromQLGraphResultMsg, views.PromQLNamesMsg, views.PromQLHistoryMsg:
		_, cmd := p.Update(msg)
		return cmd, true
	case tea.KeyPressMsg:
		if msg.String() == "ctrl+c" {
			return nil, false
		}
		if m.promql.open {
			_, cmd := p.Update(msg)
			return cmd, true
		}
		if m.showHelp || m.screens[m.active].Capturing() {
			return nil, false
		}
		k := m.ctx.Keys
		switch {
		case key.Matches(msg, k.PromQL):
			return m.openPromQL(), true
		case key.Matches(msg, k.Panels):
			m.active = ScreenPanels
			return m.startPanelsRefresh(), true
		}
	case views.GraphAlertMsg:
		return m.graphAlert(msg.Alert), true
	}
	return nil, false
}

// saveHistory adds an expression to the history file: read, append,
// write, one save at a time, so that an entry is never lost to a history
// not yet read or to another save.
func (m *Model) saveHistory(expr string) tea.Cmd {
	path := m.promql.historyPath
	if path == "" {
		return nil
	}
	mu := m.promql.saveMu
	return func() tea.Msg {
		mu.Lock()
		defer mu.Unlock()
		h, err := ReadHistory(path)
		if err == nil {
			err = WriteHistory(path, views.AddHistory(h, expr))
		}
		if err != nil {
			return views.FlashMsg{Text: "PromQL history not saved: " + err.Error(), Error: true}
		}
		return nil
	}
}

func (m *Model) runPromQL(expr string) tea.Cmd {
	q, ok := m.prom.(query.Querier)
	if !ok {
		return views.Flash("the PromQL prompt needs a Prometheus source", true)
	}
	m.promql.queries++
	deadline := m.ctx.Config.Prometheus.Timeout.D() + time.Second
	now := m.now()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		v, _, err := q.Query(ctx, expr, now)
		if err != nil {
			return views.PromQLResultMsg{Expr: expr, Err: err}
		}
		return views.PromQLResultMsg{Expr: expr, Result: query.InstantOf(v)}
	}
}

func (m *Model) graphPromQL(req views.PromQLGraphMsg) tea.Cmd {
	q, ok := m.prom.(query.Querier)
	if !ok {
		return views.Flash("graphs need a Prometheus source", true)
	}
	m.promql.queries++
	deadline := m.ctx.Config.Prometheus.Timeout.D() + time.Second
	r := query.RangeFor(req.Range, m.now())
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		v, _, err := q.QueryRange(ctx, req.Expr, r)
		if err != nil {
			return views.PromQLGraphResultMsg{Request: req, Err: err}
		}
		return views.PromQLGraphResultMsg{Request: req, Data: query.RangeOf(v, r)}
	}
}

// activeView is what the content area shows: the PromQL prompt while it
// is open, else the active screen.
func (m *Model) activeView() views.Screen {
	if m.promql.open {
		return m.promql.screen
	}
	return m.screens[m.active]
}

// graphAlert finds the alert's rule in Prometheus's /api/v1/rules and
// graphs its expression: the left side of a trailing comparison with a
// number, with that number as the threshold, or else the whole expression;
// a marker shows when the alert became active.
func (m *Model) graphAlert(al query.Alert) tea.Cmd {
	src, ok := m.prom.(interface{ API() v1.API })
	if !ok {
		return views.Flash("graphing an alert needs a Prometheus source", true)
	}
	api := src.API()
	deadline := m.ctx.Config.Prometheus.Timeout.D()
	rng := m.graphRange()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		rules, err := query.PrometheusRules(ctx, api)
		if err != nil {
			return views.FlashMsg{Text: "alert rules not read: " + err.Error(), Error: true}
		}
		rule, ok := query.RuleFor(al, rules)
		if !ok || strings.TrimSpace(rule.Query) == "" {
			return views.FlashMsg{Text: "no rule in Prometheus for alert " + al.Name + " (it may come from another Prometheus)", Error: true}
		}
		req := views.PromQLGraphMsg{Expr: rule.Query, Range: rng, Marker: al.ActiveAt, Title: al.Name + ": " + rule.Query}
		if lhs, th, ok := query.RuleThreshold(rule.Query); ok {
			req.Expr, req.Threshold = lhs, &th
		}
		return req
	}
}
