package alertmanager

import (
	"context"
	"slices"

	"github.com/vigilterm/vigil/query"
)

// ClusterAlert is one alert of an Alertmanager cluster, once however many
// of its peers hold it.
type ClusterAlert struct {
	query.Alert
	// On is how many of the peers that answered hold the alert; Of is how
	// many answered.
	On, Of int
	// Disagree is set when the peers that hold it do not agree on its
	// state (a silence not yet gossiped to every peer): the state shown
	// is the one that notifies (firing first).
	Disagree bool
}

// ClusterAlerts is what every peer of a cluster said, merged: one row per
// alert (its label set), as karma shows a cluster.
type ClusterAlerts struct {
	Alerts []ClusterAlert
	// Peers is the number of peers asked; Failed names the ones that did
	// not answer, with why (an *Error each).
	Peers  int
	Failed []error
}

// Answered is the number of peers that answered.
func (c ClusterAlerts) Answered() int { return c.Peers - len(c.Failed) }

// ClusterAlerts asks every peer of the cluster for its alerts, all at
// once (one GET /api/v2/alerts each), and merges them by label set. It
// fails only when no peer answered; a peer that did not is named in
// Failed, and the alerts are those of the peers that did.
func (a *Client) ClusterAlerts(ctx context.Context) (ClusterAlerts, error) {
	type answer struct {
		alerts []query.Alert
		err    error
	}
	answers := make([]answer, len(a.peers))
	a.eachPeer(func(i int, p *amPeer) {
		answers[i].err = a.do(ctx, p, "list alerts", func(ctx context.Context) (err error) {
			answers[i].alerts, err = a.alertsOn(ctx, p)
			return err
		})
	})
	out := ClusterAlerts{Peers: len(a.peers)}
	var failures []*Error
	var lists [][]query.Alert
	for _, an := range answers {
		if an.err != nil {
			e := asAMError(an.err)
			failures = append(failures, e)
			out.Failed = append(out.Failed, e)
			continue
		}
		lists = append(lists, an.alerts)
	}
	if len(lists) == 0 {
		return out, a.combine(ctx, "list alerts", failures)
	}
	out.Alerts = MergeClusterAlerts(lists)
	return out, nil
}

// MergeClusterAlerts merges the alert lists of the peers that answered:
// one row per label set, in the order first seen, counting the peers that
// hold each. Where they disagree on its state, the one that notifies is
// kept (see PreferAlert) and the row says so.
func MergeClusterAlerts(peers [][]query.Alert) []ClusterAlert {
	var out []ClusterAlert
	at := map[string]int{}
	for _, list := range peers {
		seen := map[string]bool{}
		for _, al := range query.DedupeAlerts(list) {
			k := al.Key()
			if seen[k] {
				continue
			}
			seen[k] = true
			i, ok := at[k]
			if !ok {
				at[k] = len(out)
				out = append(out, ClusterAlert{Alert: al, On: 1})
				continue
			}
			c := &out[i]
			c.On++
			if c.State != al.State || !slices.Equal(c.SilencedBy, al.SilencedBy) {
				c.Disagree = true
			}
			if query.PreferAlert(al, c.Alert) {
				c.Alert = al
			}
		}
	}
	for i := range out {
		out[i].Of = len(peers)
	}
	return out
}
