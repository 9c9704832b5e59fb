package alerting

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
)

// routingInfo is the running Alertmanager's routing as the alert screens
// know it: the routing, or why it is unknown.
type routingInfo struct {
	r   *alertmanager.Routing
	err error
}

// routingFrom reads the routing out of a refresh.
func routingFrom(msg views.AlertsMsg) routingInfo {
	switch {
	case msg.NoAlertmanager:
		return routingInfo{err: errors.New("Alertmanager not configured")}
	case msg.Routing != nil:
		return routingInfo{r: msg.Routing}
	case msg.RoutingErr != nil:
		return routingInfo{err: msg.RoutingErr}
	}
	return routingInfo{err: errors.New("Alertmanager's configuration not read yet")}
}

// unknown is "receivers unknown: <reason>", or "" when the routing is known.
func (ri routingInfo) unknown() string {
	if ri.r != nil {
		return ""
	}
	reason := "Alertmanager's configuration not read yet"
	if ri.err != nil {
		reason = ri.err.Error()
	}
	return "receivers unknown: " + text.Sanitize(reason)
}

// pagesText says who an alert notifies: its receivers and the route that
// leads to each (alertmanager.FormatRoute), what keeps it from notifying now
// (silenced, inhibited, pending), or why that is unknown. It is never
// empty. It comes in pieces, to break lines between routes (packLines).
func pagesText(ri routingInfo, a query.Alert) []string {
	if ri.r == nil {
		s := ri.unknown()
		if len(a.Receivers) > 0 {
			s += " (Alertmanager lists " + text.Sanitize(strings.Join(a.Receivers, ", ")) + ")"
		}
		return []string{s}
	}
	paths := ri.r.Route(a.Labels)
	parts := alertmanager.FormatRouteParts(paths)
	for i := range parts {
		parts[i] = text.Sanitize(parts[i])
	}
	prefix := ""
	switch a.State {
	case query.StateSilenced:
		prefix = "nobody while silenced; it routes to "
	case query.StateInhibited:
		prefix = "nobody while inhibited; it routes to "
	case query.StatePending:
		prefix = "nobody yet (pending: Alertmanager has not got it); when it fires: "
	default:
		if a.Source == query.SourcePrometheus {
			prefix = "nobody yet (Alertmanager has not got it); when it does: "
		}
	}
	if len(parts) > 0 {
		parts[0] = prefix + parts[0]
	}
	if len(a.Receivers) > 0 {
		got, want := alertmanager.Receivers(paths), slices.Clone(a.Receivers)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, slices.Compact(want)) {
			parts = append(parts, " — Alertmanager lists "+text.Sanitize(strings.Join(a.Receivers, ", "))+
				" (its configuration changed since the alert was routed?)")
		}
	}
	return parts
}

// packLines puts pieces of text on lines of at most w cells, breaking
// between pieces where it can ("a, " ends a line, not starts one) and
// inside a piece only when it is longer than a line.
func packLines(parts []string, w int) []string {
	w = max(w, 1)
	var out []string
	cur := ""
	for _, p := range parts {
		if text.Width(cur+p) <= w {
			cur += p
			continue
		}
		if cur != "" {
			if rest, ok := strings.CutPrefix(p, ", "); ok && text.Width(strings.TrimRight(cur, " "))+1 <= w {
				cur = strings.TrimRight(cur, " ") + ","
				p = rest
			}
			out = append(out, strings.TrimRight(cur, " "))
			p = strings.TrimLeft(p, " ")
		}
		ls := text.Wrap(p, w)
		out = append(out, ls[:len(ls)-1]...)
		cur = ls[len(ls)-1]
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

// receiverCounts says which receivers the alerts route to, each with how
// many of them: "pager (2 alerts), audit (2), chat (1)"; "" with no alerts.
func receiverCounts(r *alertmanager.Routing, alerts []query.Alert) string {
	var order []string
	n := map[string]int{}
	for i := range alerts {
		for _, rc := range alertmanager.Receivers(r.Route(alerts[i].Labels)) {
			if n[rc] == 0 {
				order = append(order, rc)
			}
			n[rc]++
		}
	}
	parts := make([]string, 0, len(order))
	for _, rc := range order {
		parts = append(parts, fmt.Sprintf("%s (%d)", text.Sanitize(rc), n[rc]))
	}
	if len(parts) > 0 {
		// The first says what the number counts.
		parts[0] = strings.TrimSuffix(parts[0], ")") + " alert" + views.Plural(n[order[0]]) + ")"
	}
	return strings.Join(parts, ", ")
}

// alertRef names an alert in one line: its name and its labels but the
// name, {k="v", …}.
func alertRef(a query.Alert) string {
	name := a.Name
	if name == "" {
		name = "(no alertname)"
	}
	ls := make(map[string]string, len(a.Labels))
	for k, v := range a.Labels {
		if k != "alertname" {
			ls[k] = v
		}
	}
	return text.Sanitize(name + " " + labelsText(ls))
}

// labelsText is {a="1", b="2"}, sorted by name.
func labelsText(ls map[string]string) string {
	names := make([]string, 0, len(ls))
	for k := range ls {
		names = append(names, k)
	}
	slices.Sort(names)
	parts := make([]string, 0, len(names))
	for _, k := range names {
		parts = append(parts, fmt.Sprintf("%s=%q", k, ls[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// inhibitionLines are the INHIBITED BY and INHIBITS parts of the alert
// detail: the alerts that inhibit this one (Alertmanager's inhibitedBy,
// resolved in all) with the rule, and the alerts this one inhibits by the
// configuration's inhibit rules. Each entry is an alert and, when known,
// the rule; sanitised, unstyled, unwrapped.
func inhibitionLines(ri routingInfo, a query.Alert, all []query.Alert) (by, inhibits []inhibitEntry, inhibitsNote string) {
	if len(a.InhibitedBy) > 0 {
		found, missing := alertmanager.Inhibitors(a, all)
		for _, src := range found {
			e := inhibitEntry{alert: alertRef(src)}
			if ri.r != nil {
				for _, in := range ri.r.Inhibits(src, all) {
					if in.Target.Key() == a.Key() {
						e.rule = text.Sanitize(in.Rule.String())
						break
					}
				}
			}
			by = append(by, e)
		}
		for _, fp := range missing {
			by = append(by, inhibitEntry{alert: "fingerprint " + text.Sanitize(fp) + " (not among the current alerts)"})
		}
	}
	if ri.r == nil {
		return by, nil, "unknown (see pages)"
	}
	for _, in := range ri.r.Inhibits(a, all) {
		inhibits = append(inhibits, inhibitEntry{alert: alertRef(in.Target), rule: text.Sanitize(in.Rule.String())})
	}
	if len(inhibits) == 0 {
		switch n := len(ri.r.Rules()); {
		case n == 0:
			inhibitsNote = "nothing: the configuration has no inhibit rules"
		case a.State == query.StatePending || a.Source == query.SourcePrometheus:
			inhibitsNote = "nothing yet: Alertmanager has not got it"
		default:
			inhibitsNote = fmt.Sprintf("no current alert (%d inhibit rule%s)", n, views.Plural(n))
		}
	}
	return by, inhibits, inhibitsNote
}

// inhibitEntry is one alert of an inhibition and the rule by which.
type inhibitEntry struct {
	alert string
	rule  string // "" when unknown
}
