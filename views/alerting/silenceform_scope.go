package alerting

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// A silence opened from an alert starts on the whole alert on its service,
// not on the one series it was opened from: an alert that fires as several
// series (a 503 on GET and a 500 on POST) pages for each, and silencing one
// of them leaves the others paging. The form's scope key switches between
// that and the one series.

// serviceLabel is the label that names a service (metrics.service_label,
// job by default).
func (f *SilenceForm) serviceLabel() string {
	if l := strings.TrimSpace(f.ctx.Settings.ServiceLabel); l != "" {
		return l
	}
	return query.DefaultServiceLabel
}

// siblings are the firing series of the origin's alert on its service: the
// current alerts with its name and its service label's value (when it has
// one) that Alertmanager or Prometheus holds firing, the origin included.
func (f *SilenceForm) siblings() []query.Alert {
	o := f.origin
	out := []query.Alert{o}
	if o.Name == "" {
		return out
	}
	sl := f.serviceLabel()
	sv, hasService := o.Labels[sl]
	ok := o.Key()
	for _, a := range f.current {
		if a.Name != o.Name || a.State != query.StateFiring || a.Key() == ok {
			continue
		}
		if v, has := a.Labels[sl]; has != hasService || v != sv {
			continue
		}
		out = append(out, a)
	}
	return out
}

// identifying reports, for each label of the origin, whether it names the
// alert rather than one of its series: alertname and the service label
// always; any other label (instance included) when every firing series of
// the alert on that service has it with the same value. The labels that
// vary among them (method, status, path, le, …) do not.
func (f *SilenceForm) identifying(sibs []query.Alert) map[string]bool {
	out := map[string]bool{}
	sl := f.serviceLabel()
	for name, v := range f.origin.Labels {
		same := true
		for _, s := range sibs {
			if sv, ok := s.Labels[name]; !ok || sv != v {
				same = false
				break
			}
		}
		out[name] = same || name == "alertname" || name == sl
	}
	return out
}

// scopeWholeAlert ticks the identifying labels only.
func (f *SilenceForm) scopeWholeAlert() {
	id := f.identifying(f.siblings())
	for i := range f.items {
		f.items[i].on = id[f.items[i].m.Name]
	}
}

// scopeOneSeries ticks every label of the origin.
func (f *SilenceForm) scopeOneSeries() {
	for i := range f.items {
		f.items[i].on = true
	}
}

// wholeAlert reports whether the ticked matchers are the identifying ones.
func (f *SilenceForm) wholeAlert() bool {
	id := f.identifying(f.siblings())
	for _, it := range f.items {
		if it.on != id[it.m.Name] {
			return false
		}
	}
	return true
}

// oneSeries reports whether every label of the origin is ticked.
func (f *SilenceForm) oneSeries() bool {
	for _, it := range f.items {
		if !it.on {
			return false
		}
	}
	return true
}

// scoped reports whether the scope key applies: a form opened from an
// alert, its matchers as the list.
func (f *SilenceForm) scoped() bool { return f.free == "" && !f.textMode && len(f.items) > 0 }

// switchScope is the scope key: the whole alert on its service, or this
// series only. Anything else (labels ticked by hand) goes back to the
// whole alert.
func (f *SilenceForm) switchScope() {
	if !f.scoped() {
		return
	}
	if f.wholeAlert() && !f.oneSeries() {
		f.scopeOneSeries()
	} else {
		f.scopeWholeAlert()
	}
	delete(f.errs, errMatchers)
	f.refresh()
}

// scopeLines say, under the preview, what the matchers catch beyond the
// series the form was opened from and how to narrow or widen it. Nothing
// for a form opened from matchers alone, or an alert of one series.
func (f *SilenceForm) scopeLines() []string {
	if !f.scoped() || f.matchErr != "" || f.refusal != "" {
		return nil
	}
	sibs := f.siblings()
	st, k := f.ctx.Styles, f.ctx.Keys
	var other []query.Alert
	ok := f.origin.Key()
	for _, h := range f.hits {
		if h.Key() != ok {
			other = append(other, h)
		}
	}
	left := 0 // firing series of the alert that the matchers leave out
	for _, s := range sibs[1:] {
		if !slices.ContainsFunc(f.hits, func(h query.Alert) bool { return h.Key() == s.Key() }) {
			left++
		}
	}
	name := text.Sanitize(f.origin.Name)
	var l string
	switch {
	case len(sibs) == 1 && len(other) == 0:
		return nil
	case len(other) > 0 && left == 0:
		what := "series of " + name
		if slices.ContainsFunc(other, func(a query.Alert) bool { return a.Name != f.origin.Name }) {
			what = "alert" + views.Plural(len(other))
		}
		l = fmt.Sprintf("also catches %d other %s (%s)", len(other), what, f.varying(other))
		if !f.oneSeries() {
			l += " · " + widget.Key(k.SilenceScope) + ": this series only"
		}
	case left > 0:
		l = fmt.Sprintf("⚠ %d other firing series of %s not silenced (%s)", left, name, f.varying(sibs[1:]))
		l += " · " + widget.Key(k.SilenceScope) + ": the whole alert"
	default:
		l = fmt.Sprintf("also catches %d other alert%s", len(other), views.Plural(len(other)))
	}
	var out []string
	for _, p := range text.Wrap(l, max(f.width-formLabelW-1, 1)) {
		if left > 0 {
			p = st.Warn.Render(p)
		}
		out = append(out, strings.Repeat(" ", formLabelW+1)+p)
	}
	return out
}

// varying names the labels in which as differ from the origin, with the
// values of the first: method="POST", status="500".
func (f *SilenceForm) varying(as []query.Alert) string {
	if len(as) == 0 {
		return ""
	}
	var names []string
	for _, a := range as {
		for n, v := range a.Labels {
			if f.origin.Labels[n] != v && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		for n := range f.origin.Labels {
			if _, ok := a.Labels[n]; !ok && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	slices.Sort(names)
	var parts []string
	for _, n := range names {
		if v, ok := as[0].Labels[n]; ok {
			parts = append(parts, fmt.Sprintf("%s=%q", n, v))
		}
	}
	s := strings.Join(parts, ", ")
	if len(as) > 1 {
		s += ", …"
	}
	return text.Sanitize(s)
}
