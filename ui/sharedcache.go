package ui

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/grafana"
)

// The one-off queries of a console (endpoint detail, custom panels,
// dashboards; in a console of one, the PromQL prompt and an alert's graph
// too: in vigil serve those go through each person's budget) go through a
// query.Cache: the Team's in vigil serve, shared by every person's
// console; Options.Cache in a console of one, shared by its screens and
// its contexts. A question asked twice at the same step, by two screens
// or two contexts on the same Prometheus, is asked of it once.

// sharedQuerier is q through share; scope tells the Prometheus servers
// apart.
func sharedQuerier(q query.Querier, share query.Sharer, now func() time.Time, scope string) query.SharedQuerier {
	return query.SharedQuerier{Q: q, Share: share, Scope: scope, Now: now}
}

// sharedDetail is a DetailSource whose refreshes go through a cache: a
// live detail's range ends at the whole second, so that every screen and
// person on the same endpoint, range and width within that second shares
// one refresh, and none loses the newest samples (a range ending at the
// last whole step would hide up to a column of them: 100 s at an hour's
// range over 36 columns).
type sharedDetail struct {
	src   DetailSource
	share query.Sharer
	now   func() time.Time
	scope string
}

// Detail implements DetailSource.
func (d sharedDetail) Detail(ctx context.Context, s query.Shape, r query.DetailRequest) (*query.Detail, error) {
	if r.End.IsZero() && r.Range > 0 {
		r.End = d.now().Truncate(time.Second)
	}
	end := r.End
	keyed := r
	keyed.End = time.Time{}
	key := fmt.Sprintf("detail\x00%s\x00%#v\x00%#v\x00%d", d.scope, s, keyed, end.UnixNano())
	// Kept a second: a live detail asked later ends later, another key.
	a, err := d.share(ctx, key, time.Second, func(ctx context.Context) (any, error) {
		det, err := d.src.Detail(ctx, s, r)
		if err == nil && det != nil && len(det.Errors) > 0 {
			// A chart's query failed: given to those waiting, not kept.
			return nil, &query.Partial{V: det}
		}
		return det, err
	})
	if v, ok := query.PartialOf(err); ok {
		a, err = v, nil
	}
	det, _ := a.(*query.Detail)
	return det, err
}

// sharedDashboards is a dashboards' source whose queries go through a
// cache; label values are asked as they are.
type sharedDashboards struct {
	query.SharedQuerier
	src grafana.Source
}

// LabelValues implements grafana.Source.
func (d sharedDashboards) LabelValues(ctx context.Context, label string, matches []string, start, end time.Time) ([]string, error) {
	return d.src.LabelValues(ctx, label, matches, start, end)
}

// ScrapeInterval implements grafana.ScrapeSource when the source does:
// without it every dashboard would take Grafana's assumed 15 s, its
// $__rate_interval and rate-window checks with it.
func (d sharedDashboards) ScrapeInterval(ctx context.Context) (time.Duration, error) {
	ss, ok := d.src.(grafana.ScrapeSource)
	if !ok {
		return 0, errors.New("the source does not say its scrape interval")
	}
	return ss.ScrapeInterval(ctx)
}

// shareSources wraps o's one-off Prometheus sources in share.
func shareSources(o *Options, share query.Sharer, now func() time.Time, scope string) {
	if now == nil {
		now = time.Now
	}
	if o.Detail != nil {
		o.Detail = sharedDetail{src: o.Detail, share: share, now: now, scope: scope}
	}
	if o.Querier != nil {
		o.Querier = sharedQuerier(o.Querier, share, now, scope)
	}
	if o.DashboardSource != nil {
		o.DashboardSource = sharedDashboards{SharedQuerier: sharedQuerier(o.DashboardSource, share, now, scope), src: o.DashboardSource}
	}
}

// prometheusScope names the Prometheus that cfg's queries go to, and how:
// its URL and a digest of every setting that can change an answer (the
// connection's auth, TLS, proxy and headers, a tenant's among them, their
// secrets as they are; Thanos's partial response and dedup; the timeout,
// which a query waiting on another's shares). Two contexts
// of one scope get the same answers; a context with another tenant's
// credentials never gets another's.
func prometheusScope(cfg *vigil.Config) string {
	p := cfg.Prometheus
	h := sha256.New()
	put := func(ss ...string) {
		fmt.Fprintf(h, "%d;", len(ss))
		for _, s := range ss {
			fmt.Fprintf(h, "%d:%s", len(s), s)
		}
	}
	put(p.HTTPFile, p.PartialResponse, p.Dedup, p.HTTP.ProxyURL, p.Timeout.D().String())
	b, a, tc := p.HTTP.BasicAuth, p.HTTP.Authorization, p.HTTP.TLSConfig
	put(b.Username, b.Password.Reveal(), b.PasswordFile)
	put(a.Type, a.Credentials.Reveal(), a.CredentialsFile)
	put(tc.CAFile, tc.CertFile, tc.KeyFile, tc.ServerName, strconv.FormatBool(tc.InsecureSkipVerify))
	for _, name := range slices.Sorted(maps.Keys(p.HTTP.HTTPHeaders)) {
		hd := p.HTTP.HTTPHeaders[name]
		put(name)
		put(hd.Values...)
		secrets := make([]string, len(hd.Secrets))
		for i, s := range hd.Secrets {
			secrets[i] = s.Reveal()
		}
		put(secrets...)
		put(hd.Files...)
	}
	return p.URL + "\x00" + hex.EncodeToString(h.Sum(nil)[:12])
}
