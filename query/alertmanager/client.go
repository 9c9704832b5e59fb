// Package alertmanager is vigil's side of Alertmanager: the API v2 client
// of one cluster (its peers, failover and errors), the cluster's merged
// view, its routing and inhibition, silences written safely
// (SilenceService), the acks kept until resolved (AckKeeper), and the
// notifications' delivery. It returns query's plain values (query.Alert,
// query.Silence); nothing in query imports it.
package alertmanager

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/client"
	"github.com/prometheus/alertmanager/api/v2/client/alert"
	"github.com/prometheus/alertmanager/api/v2/client/general"
	"github.com/prometheus/alertmanager/api/v2/client/silence"
	"github.com/prometheus/alertmanager/api/v2/models"

	"github.com/vigilterm/vigil/query"
)

// Defaults for Options.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultMaxBodyBytes = 32 << 20
	// amErrorBodyMax bounds how much of an error answer is kept.
	amErrorBodyMax = 64 << 10
)

// Options configures the Alertmanager client.
type Options struct {
	// URLs are the peers of one Alertmanager cluster, e.g.
	// http://am-0:9093, https://user:pass@am.example.com/alertmanager.
	URLs []string
	// Timeout bounds every request (default DefaultTimeout).
	Timeout time.Duration
	// RoundTripper carries the requests (nil: http.DefaultTransport); TLS
	// and authentication live here.
	RoundTripper http.RoundTripper
	// MaxBodyBytes caps a response body (default DefaultMaxBodyBytes).
	MaxBodyBytes int64
}

// PeerStatus is what vigil last saw of one peer. Checked is zero until the
// peer has been contacted; until then it counts as healthy.
type PeerStatus struct {
	URL     string
	Healthy bool
	Err     string
	Checked time.Time
}

// Client talks to one Alertmanager cluster through its API v2. It is
// safe for concurrent use.
type Client struct {
	peers   []*amPeer
	timeout time.Duration

	mu sync.Mutex // guards the health fields of peers

	routing routingCache // the running configuration's routing (routing.go)
}

type amPeer struct {
	url string // as shown: credentials removed
	api *client.AlertmanagerAPI
	raw *url.URL     // as configured, for the non-API reads (/metrics)
	hc  *http.Client // the API client's HTTP client

	healthy bool
	err     string
	checked time.Time
}

// New builds a client for the peers in o.URLs, each with its own
// generated API v2 client over o.RoundTripper.
func New(o Options) (*Client, error) {
	if len(o.URLs) == 0 {
		return nil, errors.New("alertmanager: no URL configured")
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	rt := o.RoundTripper
	if rt == nil {
		rt = http.DefaultTransport
	}
	a := &Client{timeout: o.Timeout}
	for i, raw := range o.URLs {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil {
			return nil, fmt.Errorf("alertmanager: URL %d: %v", i+1, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			return nil, fmt.Errorf("alertmanager: URL %d %q: the scheme must be http or https", i+1, u.Redacted())
		}
		if u.Host == "" {
			return nil, fmt.Errorf("alertmanager: URL %d %q: no host", i+1, u.Redacted())
		}
		hc := &http.Client{Transport: &amTransport{next: rt, max: o.MaxBodyBytes}}
		cr := httptransport.NewWithClient(u.Host, path.Join("/", u.Path, "/api/v2"), []string{u.Scheme}, hc)
		cr.Debug = false // never write request dumps to the terminal
		if u.User != nil {
			pw, _ := u.User.Password()
			cr.DefaultAuthentication = httptransport.BasicAuth(u.User.Username(), pw)
		}
		shown := *u
		shown.Path = strings.TrimRight(shown.Path, "/")
		a.peers = append(a.peers, &amPeer{
			url:     shown.Redacted(),
			api:     client.New(cr, strfmt.Default),
			raw:     u,
			hc:      hc,
			healthy: true,
		})
	}
	return a, nil
}

// Peers reports the last known health of every peer, in configuration order.
func (a *Client) Peers() []PeerStatus {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]PeerStatus, len(a.peers))
	for i, p := range a.peers {
		out[i] = PeerStatus{URL: p.url, Healthy: p.healthy, Err: p.err, Checked: p.checked}
	}
	return out
}

// CheckPeers asks every peer for its status, all at once, and returns the
// health found.
func (a *Client) CheckPeers(ctx context.Context) []PeerStatus {
	a.eachPeer(func(_ int, p *amPeer) {
		_ = a.do(ctx, p, "status", func(ctx context.Context) error {
			_, err := p.api.General.GetStatus(general.NewGetStatusParamsWithContext(ctx).WithTimeout(a.timeout))
			return err
		})
	})
	return a.Peers()
}

// eachPeer runs fn for every peer, all at once, and returns when every
// call has: the fan-out behind the cluster-wide reads.
func (a *Client) eachPeer(fn func(i int, p *amPeer)) {
	var wg sync.WaitGroup
	for i, p := range a.peers {
		wg.Go(func() { fn(i, p) })
	}
	wg.Wait()
}

// Alerts lists the alerts Alertmanager holds: active, silenced, inhibited
// and not yet processed. State: active (or unprocessed) → firing;
// suppressed with silencedBy → silenced; with only inhibitedBy → inhibited;
// suppressed otherwise (a mute time interval) → silenced.
func (a *Client) Alerts(ctx context.Context) ([]query.Alert, error) {
	var out []query.Alert
	err := a.read(ctx, "list alerts", func(ctx context.Context, p *amPeer) (err error) {
		out, err = a.alertsOn(ctx, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// alertsOn asks one peer for every alert it holds, in any state.
func (a *Client) alertsOn(ctx context.Context, p *amPeer) ([]query.Alert, error) {
	t := true
	params := alert.NewGetAlertsParamsWithContext(ctx).WithTimeout(a.timeout).
		WithActive(&t).WithSilenced(&t).WithInhibited(&t).WithUnprocessed(&t)
	res, err := p.api.Alert.GetAlerts(params)
	if err != nil {
		return nil, err
	}
	out := make([]query.Alert, 0, len(res.Payload))
	for _, g := range res.Payload {
		if g != nil {
			out = append(out, alertFromAPI(g))
		}
	}
	return out, nil
}

func alertFromAPI(g *models.GettableAlert) query.Alert {
	a := query.Alert{
		Fingerprint:  deref(g.Fingerprint),
		Labels:       map[string]string(g.Labels),
		Annotations:  map[string]string(g.Annotations),
		ActiveAt:     dateTime(g.StartsAt),
		EndsAt:       dateTime(g.EndsAt),
		GeneratorURL: string(g.GeneratorURL),
		Source:       query.SourceAlertmanager,
		State:        query.StateFiring,
	}
	if a.Labels == nil {
		a.Labels = map[string]string{}
	}
	a.Name = a.Labels["alertname"]
	a.Severity = a.Labels["severity"]
	for _, r := range g.Receivers {
		if r != nil && r.Name != nil {
			a.Receivers = append(a.Receivers, *r.Name)
		}
	}
	if st := g.Status; st != nil {
		a.SilencedBy = st.SilencedBy
		a.InhibitedBy = st.InhibitedBy
		if deref(st.State) == models.AlertStatusStateSuppressed {
			switch {
			case len(st.SilencedBy) > 0:
				a.State = query.StateSilenced
			case len(st.InhibitedBy) > 0:
				a.State = query.StateInhibited
			default:
				a.State = query.StateSilenced
			}
		}
	}
	return a
}

// Silences lists every silence, expired ones included, ordered active,
// pending, expired (soonest to end first; most recently expired first).
func (a *Client) Silences(ctx context.Context) ([]query.Silence, error) {
	var out []query.Silence
	err := a.read(ctx, "list silences", func(ctx context.Context, p *amPeer) error {
		var err error
		out, err = a.silencesOn(ctx, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (a *Client) silencesOn(ctx context.Context, p *amPeer) ([]query.Silence, error) {
	res, err := p.api.Silence.GetSilences(silence.NewGetSilencesParamsWithContext(ctx).WithTimeout(a.timeout))
	if err != nil {
		return nil, err
	}
	out := make([]query.Silence, 0, len(res.Payload))
	for _, g := range res.Payload {
		if g != nil {
			out = append(out, silenceFromAPI(g))
		}
	}
	query.SortSilences(out)
	return out, nil
}

// Silence reads one silence.
func (a *Client) Silence(ctx context.Context, id string) (query.Silence, error) {
	if strings.TrimSpace(id) == "" {
		return query.Silence{}, errors.New("alertmanager: get silence: the silence id is empty")
	}
	var out query.Silence
	err := a.read(ctx, "get silence "+id, func(ctx context.Context, p *amPeer) error {
		var err error
		out, err = a.silenceOn(ctx, p, id)
		return err
	})
	return out, err
}

func (a *Client) silenceOn(ctx context.Context, p *amPeer, id string) (query.Silence, error) {
	res, err := p.api.Silence.GetSilence(silence.NewGetSilenceParamsWithContext(ctx).WithTimeout(a.timeout).WithSilenceID(strfmt.UUID(id)))
	if err != nil {
		return query.Silence{}, err
	}
	return silenceFromAPI(res.Payload), nil
}

// order returns the peers to try: healthy ones first, each group in
// configuration order.
func (a *Client) order() []*amPeer {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]*amPeer, 0, len(a.peers))
	for _, p := range a.peers {
		if p.healthy {
			out = append(out, p)
		}
	}
	for _, p := range a.peers {
		if !p.healthy {
			out = append(out, p)
		}
	}
	return out
}

// read runs fn on the first healthy peer and falls back to the next on a
// transport error. An answer from Alertmanager, even an error, is final.
func (a *Client) read(ctx context.Context, op string, fn func(context.Context, *amPeer) error) error {
	var failures []*Error
	for _, p := range a.order() {
		if ctx.Err() != nil {
			break
		}
		err := a.do(ctx, p, op, func(ctx context.Context) error { return fn(ctx, p) })
		if err == nil {
			return nil
		}
		e := asAMError(err)
		if !e.Transport {
			return e
		}
		failures = append(failures, e)
	}
	return a.combine(ctx, op, failures)
}

func (a *Client) combine(ctx context.Context, op string, failures []*Error) error {
	switch len(failures) {
	case 0:
		msg := "canceled"
		if ctx.Err() != nil {
			msg = ctx.Err().Error()
		}
		peer := ""
		if len(a.peers) > 0 {
			peer = a.peers[0].url
		}
		return &Error{Peer: peer, Op: op, Message: msg, Transport: true, Err: ctx.Err()}
	case 1:
		return failures[0]
	}
	return &PeersError{Op: op, Errs: failures}
}

// do runs one request against one peer with its own deadline, turns the
// outcome into an *Error and records the peer's health.
func (a *Client) do(ctx context.Context, p *amPeer, op string, fn func(context.Context) error) (err error) {
	rctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	capt := &amCapture{}
	rctx = context.WithValue(rctx, amCaptureKey{}, capt)
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("unexpected answer: %v", r)
			}
		}()
		err = fn(rctx)
	}()
	if err == nil {
		a.mark(p, nil)
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		if already.Peer == p.url {
			a.mark(p, already)
		}
		return already
	}
	e := classify(p.url, op, err, capt, ctx, a.timeout)
	a.mark(p, e)
	return e
}

func (a *Client) mark(p *amPeer, e *Error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case e == nil:
		p.healthy, p.err = true, ""
	case e.aborted:
		return // the caller gave up: says nothing about the peer
	case e.Transport:
		p.healthy, p.err = false, e.Message
	default:
		p.healthy, p.err = true, e.Message // it answered, if only to refuse
	}
	p.checked = time.Now()
}
