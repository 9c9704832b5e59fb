package demo

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// maxFaultLatency bounds Fault.Latency.
const maxFaultLatency = time.Minute

// Fault is an incident on one path.
type Fault struct {
	// ErrorRatio is the extra share of the path's requests that end in an
	// unhandled exception (status 500), from 0 to 1, on top of its base rate.
	ErrorRatio float64
	// Latency, when above 0, slows every request of the path by an extra
	// amount drawn so that the path's 99th percentile comes to about Latency
	// (the median extra is about half of it).
	Latency time.Duration
}

func (f Fault) String() string {
	return fmt.Sprintf("error_ratio=%g latency=%s", f.ErrorRatio, f.Latency)
}

// normalize clamps a fault to what the simulation accepts.
func (f Fault) normalize() Fault {
	if math.IsNaN(f.ErrorRatio) || f.ErrorRatio < 0 {
		f.ErrorRatio = 0
	}
	if f.ErrorRatio > 1 {
		f.ErrorRatio = 1
	}
	if f.Latency < 0 {
		f.Latency = 0
	}
	if f.Latency > maxFaultLatency {
		f.Latency = maxFaultLatency
	}
	return f
}

func (f Fault) zero() bool { return f.ErrorRatio == 0 && f.Latency == 0 }

// SetFault sets the fault of a path, for every method; it replaces an
// earlier one and takes precedence over the script for that path. Values out
// of range are clamped (ErrorRatio to 0..1, Latency to 0..1m). A path the app
// does not serve has no effect.
func (a *App) SetFault(path string, f Fault) {
	f = f.normalize()
	a.faultMu.Lock()
	defer a.faultMu.Unlock()
	if f.zero() {
		delete(a.faults, path)
		return
	}
	a.faults[path] = f
}

// ClearFault removes the fault set on a path by hand.
func (a *App) ClearFault(path string) {
	a.faultMu.Lock()
	defer a.faultMu.Unlock()
	delete(a.faults, path)
}

// ClearFaults removes every fault set by hand. The script, if any, goes on.
func (a *App) ClearFaults() {
	a.faultMu.Lock()
	defer a.faultMu.Unlock()
	a.faults = map[string]Fault{}
}

// Faults returns the faults in force now, set by hand or by the script.
func (a *App) Faults() map[string]Fault {
	return a.faultsAt(time.Since(a.start))
}

func (a *App) faultsAt(elapsed time.Duration) map[string]Fault {
	out := map[string]Fault{}
	if a.opts.Script {
		for p, f := range ScriptFaults(elapsed) {
			if a.known[p] {
				out[p] = f
			}
		}
	}
	a.faultMu.Lock()
	for p, f := range a.faults {
		out[p] = f
	}
	a.faultMu.Unlock()
	return out
}

// Script timeline, relative to the start of each cycle.
const (
	ScriptCheckoutStart = 10 * time.Second
	ScriptCheckoutFor   = 4 * time.Minute
	ScriptSearchStart   = 20 * time.Second
	ScriptSearchFor     = 5 * time.Minute
	ScriptCalmFor       = 2 * time.Minute
	// ScriptCycle is the length of one loop of the timeline.
	ScriptCycle = ScriptSearchStart + ScriptSearchFor + ScriptCalmFor
)

// ScriptFaults returns the scripted faults in force at the given time since
// the app started: from 10s, 4 minutes of 30% errors on /api/checkout; from
// 20s, 5 minutes of a p99 of about 3s on /api/search; then 2 minutes of calm;
// then it loops.
func ScriptFaults(elapsed time.Duration) map[string]Fault {
	out := map[string]Fault{}
	if elapsed < 0 {
		return out
	}
	t := elapsed % ScriptCycle
	if t >= ScriptCheckoutStart && t < ScriptCheckoutStart+ScriptCheckoutFor {
		out["/api/checkout"] = Fault{ErrorRatio: 0.3}
	}
	if t >= ScriptSearchStart && t < ScriptSearchStart+ScriptSearchFor {
		out["/api/search"] = Fault{Latency: 3 * time.Second}
	}
	return out
}

// sortedPaths returns the keys of a fault map in order.
func sortedPaths(m map[string]Fault) []string {
	out := make([]string, 0, len(m))
	for p := range m {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
