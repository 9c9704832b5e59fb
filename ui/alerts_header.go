package ui

import (
	"fmt"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/ui/team"
	"github.com/vigilterm/vigil/views"
	alertingview "github.com/vigilterm/vigil/views/alerting"
	"github.com/vigilterm/vigil/views/keys"
)

// What the alerts' part gives the header, the legend, the other contexts
// and the Team (alertsRole, watcher, claimer in ui/roles.go).

// badge counts the alerts after the Alerts tab's title: ● firing, ◐
// pending, ◌ silenced or inhibited; ●? before any source answered; ✕ when
// the last alerts refresh failed.
func (a *alertsPart) badge(t *tab) string {
	if t != a.tab || (a.am == nil && a.pending == nil) {
		return ""
	}
	st := a.m.ctx.Styles
	if a.alerts == nil {
		// No source has answered yet: the count is unknown, not 0.
		badge := " " + st.Muted.Render("●?")
		if a.err != nil {
			badge += " " + st.StateDown.Render("✕")
		}
		return badge
	}
	f, p, s := a.counts()
	badge := " " + st.Firing.Render(fmt.Sprintf("●%d", f))
	if p > 0 {
		badge += " " + st.Pending.Render(fmt.Sprintf("◐%d", p))
	}
	if s > 0 {
		badge += " " + st.Silenced.Render(fmt.Sprintf("◌%d", s))
	}
	if a.err != nil {
		badge += " " + st.StateDown.Render("✕")
	}
	return badge
}

// peersText shows each Alertmanager peer's health: ● healthy, ✕ down.
func (a *alertsPart) peersText() string {
	if len(a.peers) == 0 {
		return ""
	}
	st := a.m.ctx.Styles
	out := st.Muted.Render("am ")
	for _, p := range a.peers {
		if p.Healthy {
			out += st.StateLive.Render("●")
		} else {
			out += st.StateDown.Render("✕")
		}
	}
	return out + st.Muted.Render(" · ")
}

// firing is the number of firing alerts the console shows, -1 while no
// source has answered.
func (a *alertsPart) firing() int {
	if a.alerts == nil || (a.am == nil && a.pending == nil) {
		return -1
	}
	return query.CountFiring(a.alerts) // as the contexts not shown count
}

// symbols are the header's marks of alerts, with this configuration's
// sources: the counts only with a source of alerts, the peers only with
// Alertmanager.
func (a *alertsPart) symbols() []views.Symbol {
	k := a.m.ctx.Keys
	var out []views.Symbol
	if a.am != nil || a.pending != nil {
		out = append(out,
			views.Symbol{Mark: keys.Name(k.Screen("alerts")) + " Alerts ●3", Meaning: "3 alerts firing, on tab " + keys.Name(k.Screen("alerts")) + ", which shows them."},
			views.Symbol{Mark: "◐2", Meaning: "2 alerts pending: their rule's `for` has not elapsed yet."},
			views.Symbol{Mark: "◌1", Meaning: "1 alert silenced or inhibited: it sends no notification."},
			views.Symbol{Mark: "●?", Meaning: "no source of alerts has answered yet: the count is unknown, not 0."},
			views.Symbol{Mark: "●3 ✕", Meaning: "the last refresh of the alerts failed: the counts are from before; the Alerts screen says why."},
		)
	}
	if a.am != nil {
		out = append(out,
			views.Symbol{Mark: "am ●✕", Meaning: "each Alertmanager peer: ● healthy, ✕ not answering; " + keys.Name(k.Screen("status")) + " shows them."},
			views.Symbol{Mark: "notify ✕", Meaning: "notifications failed: each integration and how many failed over the time after /; " + keys.Name(k.Screen("status")) + " shows the deliveries."},
			views.Symbol{Mark: "✕ watchdog", Meaning: "the watchdog alert is not firing: the alerting pipeline is broken; no page will come."},
		)
	}
	return out
}

// watching is the alert the person is on, with the labels that tell it
// from the others of its name.
func (a *alertsPart) watching(t *tab, w *team.Where) {
	if al, _, ok := a.claimable(t); ok {
		w.Alert = alertingview.AlertWhich(al, a.screen.All())
	}
}

// claimable is the alert open or selected on the Alerts tab.
func (a *alertsPart) claimable(t *tab) (query.Alert, bool, bool) {
	if t != a.tab {
		return query.Alert{}, false, false
	}
	if d := a.screen.Detail(); d != nil {
		return d.Alert(), true, true
	}
	al, ok := a.screen.SelectedAlert()
	return al, true, ok
}
