package alertmanager

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/alertmanager/api/v2/client/general"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// AMPeerStatus is what one Alertmanager peer says of itself
// (GET /api/v2/status), or why it could not be read.
type AMPeerStatus struct {
	URL string
	Err error

	Version  string
	Revision string
	// Started is when the peer started (its "uptime" field).
	Started time.Time
	// ClusterStatus is ready, settling or disabled.
	ClusterStatus string
	ClusterName   string
	Members       []ClusterMember
	// ConfigHash is the first 12 hex digits of the sha256 of the
	// configuration the peer runs (config.original), so that peers running
	// different configurations show it.
	ConfigHash string
}

// ClusterMember is one member of the cluster as a peer sees it.
type ClusterMember struct {
	Name    string
	Address string
}

// ConfigHash is the short hash vigil shows of an Alertmanager configuration.
func ConfigHash(original string) string {
	sum := sha256.Sum256([]byte(original))
	return hex.EncodeToString(sum[:])[:12]
}

// Statuses asks every peer for its status, all at once, in configuration
// order. A peer that does not answer carries the reason in Err.
func (a *Client) Statuses(ctx context.Context) []AMPeerStatus {
	out := make([]AMPeerStatus, len(a.peers))
	a.eachPeer(func(i int, p *amPeer) {
		st := AMPeerStatus{URL: p.url}
		st.Err = a.do(ctx, p, "status", func(ctx context.Context) error {
			res, err := p.api.General.GetStatus(general.NewGetStatusParamsWithContext(ctx).WithTimeout(a.timeout))
			if err != nil {
				return err
			}
			pl := res.Payload
			if pl == nil {
				return errors.New("empty status answer")
			}
			if v := pl.VersionInfo; v != nil {
				st.Version, st.Revision = deref(v.Version), deref(v.Revision)
			}
			if pl.Uptime != nil {
				st.Started = time.Time(*pl.Uptime)
			}
			if c := pl.Cluster; c != nil {
				st.ClusterStatus, st.ClusterName = deref(c.Status), c.Name
				for _, m := range c.Peers {
					if m != nil {
						st.Members = append(st.Members, ClusterMember{Name: deref(m.Name), Address: deref(m.Address)})
					}
				}
				sort.Slice(st.Members, func(i, j int) bool { return st.Members[i].Address < st.Members[j].Address })
			}
			if pl.Config != nil && pl.Config.Original != nil {
				st.ConfigHash = ConfigHash(*pl.Config.Original)
			}
			return nil
		})
		out[i] = st
	})
	return out
}

// NotifyCount is one integration's notification counters of one peer:
// alertmanager_notifications_total and alertmanager_notifications_failed_total.
type NotifyCount struct {
	Sent, Failed float64
}

// PeerNotify is one reading of a peer's notification counters, by
// integration (webhook, email, slack, …), or why it could not be read.
type PeerNotify struct {
	URL    string
	At     time.Time
	Counts map[string]NotifyCount
	Err    error
}

// The metrics read from each peer's /metrics.
const (
	metricNotifications       = "alertmanager_notifications_total"
	metricNotificationsFailed = "alertmanager_notifications_failed_total"
)

// NotifyMetrics reads every peer's notification counters from its own
// /metrics, all at once. Each peer counts only what it sent, so a cluster's
// figures are the sum over its peers. Reading /metrics says nothing of a
// peer's health: a proxy may well hide it while the API works.
func (a *Client) NotifyMetrics(ctx context.Context) []PeerNotify {
	out := make([]PeerNotify, len(a.peers))
	var wg sync.WaitGroup
	for i, p := range a.peers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts, err := a.notifyOn(ctx, p)
			out[i] = PeerNotify{URL: p.url, At: time.Now(), Counts: counts, Err: err}
		}()
	}
	wg.Wait()
	return out
}

func (a *Client) notifyOn(ctx context.Context, p *amPeer) (map[string]NotifyCount, error) {
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	u := *p.raw
	u.User = nil
	u.Path = path.Join("/", u.Path, "metrics")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%s: read /metrics: %v", p.url, err)
	}
	if p.raw.User != nil {
		pw, _ := p.raw.User.Password()
		req.SetBasicAuth(p.raw.User.Username(), pw)
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := p.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: read /metrics: %v", p.url, cleanTransportErr(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return nil, fmt.Errorf("%s: read /metrics: %s %s", p.url, resp.Status, strings.TrimSpace(string(body)))
	}
	return parseNotifyMetrics(resp.Body, p.url)
}

// cleanTransportErr drops the method and URL net/http puts in front of a
// transport error: the peer is named already.
func cleanTransportErr(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && strings.HasPrefix(err.Error(), "Get ") {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

// parseNotifyMetrics reads the notification counters out of a /metrics
// page in the text format. Counters with more labels than integration
// (newer Alertmanagers add receiver and reason) are summed per integration.
func parseNotifyMetrics(r io.Reader, peer string) (map[string]NotifyCount, error) {
	parser := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := parser.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("%s: /metrics is not in the Prometheus text format: %v", peer, err)
	}
	if _, ok := fams[metricNotifications]; !ok {
		return nil, fmt.Errorf("%s: /metrics has no %s: not an Alertmanager?", peer, metricNotifications)
	}
	out := map[string]NotifyCount{}
	add := func(name string, f func(c *NotifyCount, v float64)) {
		fam := fams[name]
		if fam == nil {
			return
		}
		for _, m := range fam.GetMetric() {
			integration := ""
			for _, l := range m.GetLabel() {
				if l.GetName() == "integration" {
					integration = l.GetValue()
				}
			}
			if integration == "" {
				continue
			}
			v := m.GetCounter().GetValue()
			if m.GetCounter() == nil {
				v = m.GetUntyped().GetValue()
			}
			c := out[integration]
			f(&c, v)
			out[integration] = c
		}
	}
	add(metricNotifications, func(c *NotifyCount, v float64) { c.Sent += v })
	add(metricNotificationsFailed, func(c *NotifyCount, v float64) { c.Failed += v })
	return out, nil
}
