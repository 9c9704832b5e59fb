package demo

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
)

// The app's lifecycle, for the timeline's deploy and restart events: a
// restart in place and a change of the version label of flask_exporter_info.

// maxVersionLen bounds a version label set through /-/version.
const maxVersionLen = 128

// Restart restarts the app in place, as a new process of the same app would
// start: every metric starts again from zero (the counters reset) and
// process_start_time_seconds becomes now. The listener, the faults and the
// version stay. It returns the new start time.
func (a *App) Restart() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	// A start time always moves forward, by at least a millisecond, even
	// when two restarts come within the clock's resolution.
	now := time.Now()
	if !now.After(a.procStart) {
		now = a.procStart.Add(time.Millisecond)
	}
	a.procStart = now
	a.register()
	return now
}

// StartTime is the value of process_start_time_seconds.
func (a *App) StartTime() time.Time {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.procStart
}

// Version is the version label of flask_exporter_info.
func (a *App) Version() string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.version
}

// SetVersion changes the version label of flask_exporter_info, as a deploy
// of a new version would: the series of the old version disappears and one
// of the new appears.
func (a *App) SetVersion(v string) error {
	if err := checkVersion(v); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if v == a.version {
		return nil
	}
	for _, f := range a.workers {
		f.info.DeleteLabelValues(a.version)
		f.info.WithLabelValues(v).Set(1)
	}
	a.version = v
	return nil
}

func checkVersion(v string) error {
	if v == "" {
		return fmt.Errorf("missing version: POST /-/version?version=1.2.3")
	}
	if len(v) > maxVersionLen {
		return fmt.Errorf("version is %d bytes long, at most %d", len(v), maxVersionLen)
	}
	if strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) || r == unicode.ReplacementChar }) >= 0 {
		return fmt.Errorf("version %q holds a control character or invalid UTF-8", v)
	}
	return nil
}

func (a *App) lifecycleRoutes(mux *http.ServeMux) {
	mux.HandleFunc("/-/restart", a.handleRestart)
	mux.HandleFunc("/-/version", a.handleVersion)
}

// handleRestart serves POST /-/restart.
func (a *App) handleRestart(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed: use POST /-/restart", http.StatusMethodNotAllowed)
		return
	}
	at := a.Restart()
	fmt.Fprintf(w, "restarted: process_start_time_seconds %.3f\n", float64(at.UnixNano())/1e9)
}

// handleVersion serves GET /-/version and POST /-/version?version=….
func (a *App) handleVersion(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		fmt.Fprintln(w, a.Version())
	case http.MethodPost:
		if !a.parseForm(w, r) {
			return
		}
		v := r.Form.Get("version")
		if err := a.SetVersion(v); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "version %s\n", v)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed: use POST /-/version?version=1.2.3 or GET /-/version", http.StatusMethodNotAllowed)
	}
}
