package ui

import (
	"context"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	promqlview "github.com/vigilterm/vigil/views/promql"
)

// promqlPart is the PromQL prompt: an overlay over any screen, opened by
// its key. Metric names are fetched once and cached; the history lives in
// a file, read and written in commands.
type promqlPart struct {
	overlayBase
	m           *Model
	scr         *promqlview.Screen
	q           query.Querier
	names       NamesSource
	open        bool
	histLoaded  bool
	namesAsked  bool
	historyPath string
	saveMu      *sync.Mutex
	deadline    time.Duration
}

func newPromQL(m *Model, o Options) *promqlPart {
	q := o.Querier
	if o.PromptQuerier != nil {
		q = o.PromptQuerier
	}
	return &promqlPart{m: m, scr: promqlview.New(m.ctx), q: q, names: o.Names,
		historyPath: o.HistoryPath, saveMu: &sync.Mutex{}, deadline: m.cfg.Prometheus.Timeout.D()}
}

// poll: the prompt asks only when asked.
func (p *promqlPart) poll(time.Time, bool) tea.Cmd { return nil }

func (p *promqlPart) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case promqlview.CloseMsg:
		p.setOpen(false)
		return nil, true
	case promqlview.RunMsg:
		return tea.Batch(p.saveHistory(msg.Expr), p.run(msg.Expr)), true
	case promqlview.GraphMsg:
		p.setOpen(true)
		if msg.Range <= 0 {
			msg.Range = p.m.graphRange()
		}
		if msg.Title != "" {
			// From an alert: the expression is left in the prompt to edit.
			p.scr.SetValue(msg.Expr)
			p.scr.RequestGraph(msg)
		}
		return tea.Batch(p.saveHistory(msg.Expr), p.graph(msg)), true
	case promqlview.ResultMsg, promqlview.GraphResultMsg, promqlview.NamesMsg, promqlview.HistoryMsg:
		_, cmd := p.scr.Update(msg)
		return cmd, true
	}
	return nil, false
}

func (p *promqlPart) isOpen() bool { return p.open }

func (p *promqlPart) opens(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	if !key.Matches(msg, p.m.ctx.Keys.PromQL) {
		return nil, false
	}
	return p.openPrompt(), true
}

// screen is the prompt's screen while it is open.
func (p *promqlPart) screen() views.Screen {
	if !p.open {
		return nil
	}
	return p.scr
}

func (p *promqlPart) setSize(w, h int) { p.scr.SetSize(w, h) }

// key handles a key while the prompt is open.
func (p *promqlPart) key(msg tea.KeyPressMsg) tea.Cmd {
	_, cmd := p.scr.Update(msg)
	return cmd
}

func (p *promqlPart) setOpen(open bool) {
	if p.open != open {
		p.open = open
		if open {
			p.opening()
		}
		p.m.SetSize(p.m.width, p.m.height)
	}
}

// openPrompt shows the prompt and, the first time, reads the history and
// fetches the metric names.
func (p *promqlPart) openPrompt() tea.Cmd {
	p.setOpen(true)
	// Reopened on the last query, that text is selected: typing replaces it.
	cmds := []tea.Cmd{p.scr.OpenSelected()}
	if !p.histLoaded && p.historyPath != "" {
		p.histLoaded = true
		path := p.historyPath
		cmds = append(cmds, func() tea.Msg {
			h, err := ReadHistory(path)
			if err != nil {
				return views.FlashMsg{Text: "PromQL history not read: " + err.Error(), Error: true}
			}
			return promqlview.HistoryMsg{History: h}
		})
	}
	if p.names != nil && !p.namesAsked {
		p.namesAsked = true
		names := p.names
		cmds = append(cmds, request(p.deadline, func(ctx context.Context) tea.Msg {
			list, err := names(ctx)
			return promqlview.NamesMsg{Names: list, Err: err}
		}))
	}
	return tea.Batch(cmds...)
}

// saveHistory adds an expression to the history file: read, append,
// write, one save at a time, so that an entry is never lost to a history
// not yet read or to another save.
func (p *promqlPart) saveHistory(expr string) tea.Cmd {
	path := p.historyPath
	if path == "" {
		return nil
	}
	mu := p.saveMu
	return func() tea.Msg {
		mu.Lock()
		defer mu.Unlock()
		h, err := ReadHistory(path)
		if err == nil {
			err = WriteHistory(path, promqlview.AddHistory(h, expr))
		}
		if err != nil {
			return views.FlashMsg{Text: "PromQL history not saved: " + err.Error(), Error: true}
		}
		return nil
	}
}

func (p *promqlPart) run(expr string) tea.Cmd {
	if p.q == nil {
		return views.Flash("the PromQL prompt needs a Prometheus source", true)
	}
	if err := query.CheckPromQL(expr); err != nil {
		// Refused by Prometheus's own parser: not sent, not counted.
		return func() tea.Msg { return promqlview.ResultMsg{Expr: expr, Err: err} }
	}
	q, now := p.q, p.m.now()
	return request(p.deadline+time.Second, func(ctx context.Context) tea.Msg {
		v, _, err := q.Query(ctx, expr, now)
		if err != nil {
			return promqlview.ResultMsg{Expr: expr, Err: err}
		}
		return promqlview.ResultMsg{Expr: expr, Result: query.InstantOf(v)}
	})
}

func (p *promqlPart) graph(req promqlview.GraphMsg) tea.Cmd {
	if p.q == nil {
		return views.Flash("graphs need a Prometheus source", true)
	}
	if err := query.CheckPromQL(req.Expr); err != nil {
		return func() tea.Msg { return promqlview.GraphResultMsg{Request: req, Err: err} }
	}
	q, r := p.q, query.RangeFor(req.Range, p.m.now())
	return request(p.deadline+time.Second, func(ctx context.Context) tea.Msg {
		var (
			firings    []query.Event
			firingsErr error
			wg         sync.WaitGroup
		)
		if req.Alertname != "" {
			wg.Add(1)
			go func() {
				defer wg.Done()
				firings, firingsErr = query.ReadFirings(ctx, q, req.Alertname, r)
			}()
		}
		v, _, err := q.QueryRange(ctx, req.Expr, r)
		wg.Wait()
		if err != nil {
			return promqlview.GraphResultMsg{Request: req, Err: err}
		}
		return promqlview.GraphResultMsg{Request: req, Data: query.RangeOf(v, r), Firings: firings, FiringsErr: firingsErr}
	})
}
