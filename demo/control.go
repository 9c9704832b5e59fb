package demo

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// maxControlBody bounds the form body of a control request.
const maxControlBody = 64 << 10

// faultView is one fault as GET /-/fault lists it.
type faultView struct {
	Path       string  `json:"path"`
	ErrorRatio float64 `json:"error_ratio"`
	Latency    string  `json:"latency"`
	Scripted   bool    `json:"scripted"`
}

// handleFault serves GET /-/fault (list) and POST /-/fault (set).
func (a *App) handleFault(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		a.listFaults(w)
	case http.MethodPost:
		a.setFault(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed: use POST /-/fault?path=...&error_ratio=...&latency=... or GET /-/fault", http.StatusMethodNotAllowed)
	}
}

func (a *App) listFaults(w http.ResponseWriter) {
	all := a.Faults()
	a.faultMu.Lock()
	manual := make(map[string]bool, len(a.faults))
	for p := range a.faults {
		manual[p] = true
	}
	a.faultMu.Unlock()
	out := make([]faultView, 0, len(all))
	for _, p := range sortedPaths(all) {
		f := all[p]
		out = append(out, faultView{Path: p, ErrorRatio: f.ErrorRatio, Latency: f.Latency.String(), Scripted: !manual[p]})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func (a *App) setFault(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	path := r.Form.Get("path")
	if path == "" {
		http.Error(w, "missing path: POST /-/fault?path=/api/checkout&error_ratio=0.3&latency=3s", http.StatusBadRequest)
		return
	}
	if !a.known[path] {
		http.Error(w, fmt.Sprintf("unknown path %q: GET / lists the paths this app serves", path), http.StatusBadRequest)
		return
	}
	ratioText, latText := r.Form.Get("error_ratio"), r.Form.Get("latency")
	if ratioText == "" && latText == "" {
		http.Error(w, "nothing to set: give error_ratio (0..1) and/or latency (e.g. 3s)", http.StatusBadRequest)
		return
	}
	var f Fault
	if ratioText != "" {
		v, err := strconv.ParseFloat(strings.TrimSpace(ratioText), 64)
		if err != nil || math.IsNaN(v) || v < 0 || v > 1 {
			http.Error(w, fmt.Sprintf("invalid error_ratio %q: want a number from 0 to 1, e.g. 0.3 for 30%%", ratioText), http.StatusBadRequest)
			return
		}
		f.ErrorRatio = v
	}
	if latText != "" {
		d, err := parseLatency(latText)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.Latency = d
	}
	a.SetFault(path, f)
	fmt.Fprintf(w, "fault on %s: %s\n", path, f)
}

func parseLatency(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	d, err := time.ParseDuration(s)
	if err != nil {
		md, merr := model.ParseDuration(s)
		if merr != nil {
			return 0, fmt.Errorf("invalid latency %q: want a duration such as 3s or 250ms", s)
		}
		d = time.Duration(md)
	}
	if d < 0 || d > maxFaultLatency {
		return 0, fmt.Errorf("invalid latency %q: want a duration from 0 to %s", s, maxFaultLatency)
	}
	return d, nil
}

// handleFaultClear serves POST /-/fault/clear[?path=...].
func (a *App) handleFaultClear(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed: use POST /-/fault/clear[?path=...]", http.StatusMethodNotAllowed)
		return
	}
	if !a.parseForm(w, r) {
		return
	}
	if path := r.Form.Get("path"); path != "" {
		if !a.known[path] {
			http.Error(w, fmt.Sprintf("unknown path %q: GET / lists the paths this app serves", path), http.StatusBadRequest)
			return
		}
		a.ClearFault(path)
		fmt.Fprintf(w, "fault on %s cleared\n", path)
		return
	}
	a.ClearFaults()
	fmt.Fprintln(w, "all faults set by hand cleared")
}

func (a *App) parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxControlBody)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "invalid request: "+err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

// handleIndex describes the app at / and answers 404 elsewhere.
func (a *App) handleIndex(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "vigil demo app (prometheus_flask_exporter %s shape)\n\n", ExporterVersion)
	fmt.Fprintln(w, "GET  /metrics")
	fmt.Fprintln(w, "GET  /-/fault                                              faults in force")
	fmt.Fprintln(w, "POST /-/fault?path=/api/checkout&error_ratio=0.3&latency=3s set a fault")
	fmt.Fprintln(w, "POST /-/fault/clear[?path=...]                             clear faults")
	fmt.Fprintln(w, "POST /-/restart                                            restart in place (counters from zero)")
	fmt.Fprintln(w, "POST /-/version?version=1.2.3                              change flask_exporter_info's version")
	fmt.Fprintf(w, "\n%d simulated paths:\n", len(a.paths))
	const show = 100
	for i, p := range a.paths {
		if i == show {
			fmt.Fprintf(w, "... and %d more\n", len(a.paths)-show)
			break
		}
		fmt.Fprintln(w, p)
	}
}
