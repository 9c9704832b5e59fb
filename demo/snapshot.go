package demo

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/expfmt"
)

// The high-cardinality app serves /metrics from a rendered copy: rendering
// 10000 histograms takes about 0.3s (several seconds under the race
// detector), long enough for scrapes to time out on a busy machine. A copy
// younger than snapshotMaxAge is served at once and, when older than
// snapshotRefresh, rendered again in the background for the next scrape: the
// figures lag by about one scrape interval. An older copy, or none, is
// rendered before answering.
const (
	snapshotRefresh = 500 * time.Millisecond
	snapshotMaxAge  = 30 * time.Second
)

type snapshot struct {
	app *App

	renderMu sync.Mutex // one render at a time

	mu         sync.Mutex
	text, gz   []byte
	at         time.Time
	err        error
	refreshing bool
	wg         sync.WaitGroup
	closed     bool
}

// render gathers and encodes the app's metrics and keeps the result.
func (s *snapshot) render() {
	s.renderMu.Lock()
	defer s.renderMu.Unlock()
	start := time.Now()
	var text, gz bytes.Buffer
	err := func() error {
		fams, err := s.app.Gather()
		if err != nil {
			return err
		}
		enc := expfmt.NewEncoder(&text, expfmt.NewFormat(expfmt.TypeTextPlain))
		for _, f := range fams {
			if err := enc.Encode(f); err != nil {
				return err
			}
		}
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
		if _, err := zw.Write(text.Bytes()); err != nil {
			return err
		}
		return zw.Close()
	}()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refreshing = false
	if err != nil {
		s.err = err
		return
	}
	// The copy is as old as the start of the gather.
	s.text, s.gz, s.at, s.err = text.Bytes(), gz.Bytes(), start, nil
}

func (s *snapshot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	age := time.Since(s.at)
	fresh := s.text != nil && age <= snapshotMaxAge
	if fresh && age > snapshotRefresh && !s.refreshing && !s.closed {
		s.refreshing = true
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.render()
		}()
	}
	s.mu.Unlock()
	if !fresh {
		s.render()
	}

	s.mu.Lock()
	text, gz, err := s.text, s.gz, s.err
	s.mu.Unlock()
	if text == nil {
		http.Error(w, fmt.Sprintf("metrics not available: %v", err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", string(expfmt.NewFormat(expfmt.TypeTextPlain)))
	body := text
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Header().Set("Content-Encoding", "gzip")
		body = gz
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

// close waits for a background render to end and starts no other.
func (s *snapshot) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.wg.Wait()
}
