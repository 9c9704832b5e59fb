package query

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"syscall"
	"time"

	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/client"
	"github.com/prometheus/alertmanager/api/v2/client/alert"
	"github.com/prometheus/alertmanager/api/v2/client/general"
	"github.com/prometheus/alertmanager/api/v2/client/silence"
	"github.com/prometheus/alertmanager/api/v2/models"
)

// Defaults for AlertmanagerOptions.
const (
	DefaultAlertmanagerTimeout      = 10 * time.Second
	DefaultAlertmanagerMaxBodyBytes = 32 << 20
	// amErrorBodyMax bounds how much of an error answer is kept.
	amErrorBodyMax = 64 << 10
)

// AlertmanagerOptions configures the Alertmanager client.
type AlertmanagerOptions struct {
	// URLs are the peers of one Alertmanager cluster, e.g.
	// http://am-0:9093, https://user:pass@am.example.com/alertmanager.
	URLs []string
	// Timeout bounds every request (default DefaultAlertmanagerTimeout).
	Timeout time.Duration
	// RoundTripper carries the requests (nil: http.DefaultTransport); TLS
	// and authentication live here.
	RoundTripper http.RoundTripper
	// MaxBodyBytes caps a response body (default DefaultAlertmanagerMaxBodyBytes).
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

// Alertmanager talks to one Alertmanager cluster through its API v2. It is
// safe for concurrent use.
type Alertmanager struct {
	peers   []*amPeer
	timeout time.Duration

	mu sync.Mutex // guards the health fields of peers
}

type amPeer struct {
	url string // as shown: credentials removed
	api *client.AlertmanagerAPI

	healthy bool
	err     string
	checked time.Time
}

// NewAlertmanager builds a client for the peers in o.URLs, each with its own
// generated API v2 client over o.RoundTripper.
func NewAlertmanager(o AlertmanagerOptions) (*Alertmanager, error) {
	if len(o.URLs) == 0 {
		return nil, errors.New("alertmanager: no URL configured")
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultAlertmanagerTimeout
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultAlertmanagerMaxBodyBytes
	}
	rt := o.RoundTripper
	if rt == nil {
		rt = http.DefaultTransport
	}
	a := &Alertmanager{timeout: o.Timeout}
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
			healthy: true,
		})
	}
	return a, nil
}

// Peers reports the last known health of every peer, in configuration order.
func (a *Alertmanager) Peers() []PeerStatus {
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
func (a *Alertmanager) CheckPeers(ctx context.Context) []PeerStatus {
	var wg sync.WaitGroup
	for _, p := range a.peers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = a.do(ctx, p, "status", func(ctx context.Context) error {
				_, err := p.api.General.GetStatus(general.NewGetStatusParamsWithContext(ctx).WithTimeout(a.timeout))
				return err
			})
		}()
	}
	wg.Wait()
	return a.Peers()
}

// Alerts lists the alerts Alertmanager holds: active, silenced, inhibited
// and not yet processed. State: active (or unprocessed) → firing;
// suppressed with silencedBy → silenced; with only inhibitedBy → inhibited;
// suppressed otherwise (a mute time interval) → silenced.
func (a *Alertmanager) Alerts(ctx context.Context) ([]Alert, error) {
	var out []Alert
	err := a.read(ctx, "list alerts", func(ctx context.Context, p *amPeer) error {
		t := true
		params := alert.NewGetAlertsParamsWithContext(ctx).WithTimeout(a.timeout).
			WithActive(&t).WithSilenced(&t).WithInhibited(&t).WithUnprocessed(&t)
		res, err := p.api.Alert.GetAlerts(params)
		if err != nil {
			return err
		}
		out = make([]Alert, 0, len(res.Payload))
		for _, g := range res.Payload {
			if g != nil {
				out = append(out, alertFromAPI(g))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func alertFromAPI(g *models.GettableAlert) Alert {
	a := Alert{
		Fingerprint:  deref(g.Fingerprint),
		Labels:       map[string]string(g.Labels),
		Annotations:  map[string]string(g.Annotations),
		ActiveAt:     dateTime(g.StartsAt),
		EndsAt:       dateTime(g.EndsAt),
		GeneratorURL: string(g.GeneratorURL),
		Source:       SourceAlertmanager,
		State:        StateFiring,
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
				a.State = StateSilenced
			case len(st.InhibitedBy) > 0:
				a.State = StateInhibited
			default:
				a.State = StateSilenced
			}
		}
	}
	return a
}

// Silences lists every silence, expired ones included, ordered active,
// pending, expired (soonest to end first; most recently expired first).
func (a *Alertmanager) Silences(ctx context.Context) ([]Silence, error) {
	var out []Silence
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

func (a *Alertmanager) silencesOn(ctx context.Context, p *amPeer) ([]Silence, error) {
	res, err := p.api.Silence.GetSilences(silence.NewGetSilencesParamsWithContext(ctx).WithTimeout(a.timeout))
	if err != nil {
		return nil, err
	}
	out := make([]Silence, 0, len(res.Payload))
	for _, g := range res.Payload {
		if g != nil {
			out = append(out, silenceFromAPI(g))
		}
	}
	SortSilences(out)
	return out, nil
}

// Silence reads one silence.
func (a *Alertmanager) Silence(ctx context.Context, id string) (Silence, error) {
	if strings.TrimSpace(id) == "" {
		return Silence{}, errors.New("alertmanager: get silence: the silence id is empty")
	}
	var out Silence
	err := a.read(ctx, "get silence "+id, func(ctx context.Context, p *amPeer) error {
		var err error
		out, err = a.silenceOn(ctx, p, id)
		return err
	})
	return out, err
}

func (a *Alertmanager) silenceOn(ctx context.Context, p *amPeer, id string) (Silence, error) {
	res, err := p.api.Silence.GetSilence(silence.NewGetSilenceParamsWithContext(ctx).WithTimeout(a.timeout).WithSilenceID(strfmt.UUID(id)))
	if err != nil {
		return Silence{}, err
	}
	return silenceFromAPI(res.Payload), nil
}

// CreateSilence validates the spec (nothing invalid is sent; requiring a
// comment is the caller's choice, through spec.Validate), posts it to a
// healthy peer, then reads it back from that peer and confirms it is active
// or pending. It returns the id Alertmanager gave.
//
// When a post gets no answer (timeout, reset, refused, malformed reply), it
// may still have created the silence: before any further post, on the same
// peer or the next one, vigil lists the silences and returns an unexpired
// one with the same matchers, creator and comment if there is one, so a
// retry never doubles it. A peer that refused the connection (nothing was
// sent) is left for the next one; an answer from Alertmanager itself (400,
// 404…) ends the attempt with its message.
//
// If the silence was created but cannot be confirmed, the id comes back
// together with the error. With spec.ID set the post edits that silence
// (see ExtendSilence for the id Alertmanager answers with).
func (a *Alertmanager) CreateSilence(ctx context.Context, spec SilenceSpec) (string, error) {
	if spec.ID != "" {
		// An edit: the unedited silence must not pass for the edited one.
		return a.postSilence(ctx, spec, "edit silence "+spec.ID, true)
	}
	return a.postSilence(ctx, spec, "create silence", false)
}

// ExtendSilence moves a silence's end to newEnd by posting it again with its
// id. Alertmanager keeps the id when the silence is active (or pending) and
// its matchers and start are unchanged; otherwise it expires the old one and
// answers with a new id. The id that came back is returned.
func (a *Alertmanager) ExtendSilence(ctx context.Context, s Silence, newEnd time.Time) (string, error) {
	if err := validateID("extend", s.ID); err != nil {
		return "", err
	}
	return a.postSilence(ctx, extendSpec(s, newEnd), "extend silence "+s.ID, true)
}

// extendSpec is the post that moves s's end to newEnd.
func extendSpec(s Silence, newEnd time.Time) SilenceSpec {
	spec := SilenceSpec{
		ID:        s.ID,
		Matchers:  s.Matchers,
		StartsAt:  s.StartsAt,
		EndsAt:    newEnd,
		CreatedBy: s.CreatedBy,
		Comment:   s.Comment,
	}
	if s.State == SilenceExpired {
		// Alertmanager creates a new silence starting now.
		spec.StartsAt = time.Time{}
	}
	return spec
}

func (a *Alertmanager) postSilence(ctx context.Context, spec SilenceSpec, op string, matchEnd bool) (string, error) {
	now := time.Now()
	if err := spec.validateAt(now, false); err != nil {
		return "", fmt.Errorf("alertmanager: %s: %w", op, err)
	}
	if spec.StartsAt.IsZero() {
		spec.StartsAt = now
	}
	body := spec.postable(now)

	var failures []*AlertmanagerError
	for _, p := range a.order() {
		for attempt := 0; attempt < 2; attempt++ {
			if ctx.Err() != nil {
				return "", a.combine(ctx, op, failures)
			}
			if len(failures) > 0 {
				// An earlier post may have landed: look before posting again.
				id, found, err := a.findDuplicateOn(ctx, p, spec, matchEnd)
				if err != nil {
					failures = append(failures, asAMError(err))
					break // this peer cannot be checked: next peer
				}
				if found {
					return a.confirm(ctx, p, id, op)
				}
			}
			var id string
			err := a.do(ctx, p, op, func(ctx context.Context) error {
				res, err := p.api.Silence.PostSilences(silence.NewPostSilencesParamsWithContext(ctx).WithTimeout(a.timeout).WithSilence(body))
				if err != nil {
					return err
				}
				if res.Payload != nil {
					id = res.Payload.SilenceID
				}
				return nil
			})
			if err == nil {
				if id == "" {
					return "", &AlertmanagerError{Peer: p.url, Op: op, Status: 200, Message: "Alertmanager answered without a silence id"}
				}
				return a.confirm(ctx, p, id, op)
			}
			e := asAMError(err)
			if !e.Transport {
				return "", e // Alertmanager itself said no
			}
			failures = append(failures, e)
			if e.notSent {
				break // nothing reached this peer
			}
		}
	}
	return "", a.combine(ctx, op, failures)
}

// confirm reads a just-posted silence back, from the peer that took it
// first, and checks it is in force.
func (a *Alertmanager) confirm(ctx context.Context, p *amPeer, id, op string) (string, error) {
	var s Silence
	err := a.do(ctx, p, "read back silence "+id, func(ctx context.Context) error {
		var err error
		s, err = a.silenceOn(ctx, p, id)
		return err
	})
	if err != nil && IsTransportError(err) {
		err = a.read(ctx, "read back silence "+id, func(ctx context.Context, q *amPeer) error {
			var err error
			s, err = a.silenceOn(ctx, q, id)
			return err
		})
	}
	if err != nil {
		return id, fmt.Errorf("alertmanager: %s: silence %s was accepted but could not be read back: %w", op, id, err)
	}
	if s.State != SilenceActive && s.State != SilencePending {
		return id, &AlertmanagerError{Peer: p.url, Op: op, Message: fmt.Sprintf("silence %s was accepted but its state is %q", id, s.State)}
	}
	return id, nil
}

// FindDuplicate looks for an unexpired silence with the same matchers (in
// any order), creator and comment as spec: the one a post that got no
// answer may have created. The UI uses it before a manual retry.
func (a *Alertmanager) FindDuplicate(ctx context.Context, spec SilenceSpec) (string, bool, error) {
	var id string
	var found bool
	err := a.read(ctx, "find duplicate silence", func(ctx context.Context, p *amPeer) error {
		ss, err := a.silencesOn(ctx, p)
		if err != nil {
			return err
		}
		id, found = duplicateIn(ss, spec, false)
		return nil
	})
	if err != nil {
		return "", false, err
	}
	return id, found, nil
}

func (a *Alertmanager) findDuplicateOn(ctx context.Context, p *amPeer, spec SilenceSpec, matchEnd bool) (string, bool, error) {
	var id string
	var found bool
	err := a.do(ctx, p, "find duplicate silence", func(ctx context.Context) error {
		ss, err := a.silencesOn(ctx, p)
		if err != nil {
			return err
		}
		id, found = duplicateIn(ss, spec, matchEnd)
		return nil
	})
	return id, found, err
}

// duplicateIn picks, among unexpired silences equal to spec, the most
// recently updated one. With matchEnd the end must match too (within a
// second): an extension is only a duplicate once it has the new end.
func duplicateIn(ss []Silence, spec SilenceSpec, matchEnd bool) (string, bool) {
	var best *Silence
	for i := range ss {
		s := &ss[i]
		if s.State == SilenceExpired || s.CreatedBy != spec.CreatedBy || s.Comment != spec.Comment {
			continue
		}
		if !sameMatchers(s.Matchers, spec.Matchers) {
			continue
		}
		if matchEnd {
			d := s.EndsAt.Sub(spec.EndsAt)
			if d < -time.Second || d > time.Second {
				continue
			}
		}
		if best == nil || s.UpdatedAt.After(best.UpdatedAt) || (s.UpdatedAt.Equal(best.UpdatedAt) && s.ID < best.ID) {
			best = s
		}
	}
	if best == nil {
		return "", false
	}
	return best.ID, true
}

// ExpireSilence ends a silence now. Expiring an expired silence is not an
// error; an unknown id is ("silence not found"). Expiring is idempotent, so
// a peer that does not answer is simply replaced by the next one.
func (a *Alertmanager) ExpireSilence(ctx context.Context, id string) error {
	if err := validateID("expire", id); err != nil {
		return err
	}
	op := "expire silence " + id
	err := a.read(ctx, op, func(ctx context.Context, p *amPeer) error {
		_, err := p.api.Silence.DeleteSilence(silence.NewDeleteSilenceParamsWithContext(ctx).WithTimeout(a.timeout).WithSilenceID(strfmt.UUID(id)))
		return err
	})
	if err == nil || IsTransportError(err) {
		return err
	}
	// Alertmanager refused: if the silence is there and already over, the
	// wish is fulfilled.
	if s, gerr := a.Silence(ctx, id); gerr == nil && s.State == SilenceExpired {
		return nil
	}
	return err
}

// order returns the peers to try: healthy ones first, each group in
// configuration order.
func (a *Alertmanager) order() []*amPeer {
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
func (a *Alertmanager) read(ctx context.Context, op string, fn func(context.Context, *amPeer) error) error {
	var failures []*AlertmanagerError
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

func (a *Alertmanager) combine(ctx context.Context, op string, failures []*AlertmanagerError) error {
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
		return &AlertmanagerError{Peer: peer, Op: op, Message: msg, Transport: true, Err: ctx.Err()}
	case 1:
		return failures[0]
	}
	return &PeersError{Op: op, Errs: failures}
}

// do runs one request against one peer with its own deadline, turns the
// outcome into an *AlertmanagerError and records the peer's health.
func (a *Alertmanager) do(ctx context.Context, p *amPeer, op string, fn func(context.Context) error) (err error) {
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
	var already *AlertmanagerError
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

func (a *Alertmanager) mark(p *amPeer, e *AlertmanagerError) {
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

// AlertmanagerError is a failed request to one peer. Message is
// Alertmanager's own text, verbatim, when it answered (Status set), or what
// went wrong on the way.
type AlertmanagerError struct {
	Peer    string // the peer's URL, without credentials
	Op      string // what vigil was doing, e.g. "create silence"
	Status  int    // HTTP status of Alertmanager's answer; 0 without one
	Message string
	// Transport is true when no usable answer came back: refused, reset,
	// timed out, truncated, oversized, malformed, or a gateway error
	// (502, 503, 504) from a proxy in front of Alertmanager.
	Transport bool
	Err       error

	notSent bool // the connection was refused: the request never left
	aborted bool // the caller's context ended first
}

func (e *AlertmanagerError) Error() string {
	if e.Status >= 300 {
		return fmt.Sprintf("alertmanager %s: %s: %s (HTTP %d)", e.Peer, e.Op, e.Message, e.Status)
	}
	return fmt.Sprintf("alertmanager %s: %s: %s", e.Peer, e.Op, e.Message)
}

func (e *AlertmanagerError) Unwrap() error { return e.Err }

// PeersError is a request that failed on every peer tried.
type PeersError struct {
	Op   string
	Errs []*AlertmanagerError
}

func (e *PeersError) Error() string {
	parts := make([]string, len(e.Errs))
	for i, x := range e.Errs {
		parts[i] = x.Peer + ": " + x.Message
		if x.Op != e.Op && x.Op != "" {
			parts[i] = x.Peer + ": " + x.Op + ": " + x.Message
		}
	}
	return fmt.Sprintf("alertmanager: %s: all %d attempts failed: %s", e.Op, len(e.Errs), strings.Join(parts, "; "))
}

func (e *PeersError) Unwrap() []error {
	out := make([]error, len(e.Errs))
	for i, x := range e.Errs {
		out[i] = x
	}
	return out
}

// IsTransportError reports whether err means no usable answer came back
// from Alertmanager (unreachable, timed out, reset, malformed), as opposed
// to Alertmanager refusing the request.
func IsTransportError(err error) bool {
	if err == nil {
		return false
	}
	var e *AlertmanagerError
	if errors.As(err, &e) {
		return e.Transport
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF)
}

// IsNotFound reports whether Alertmanager said the silence does not exist.
func IsNotFound(err error) bool {
	var e *AlertmanagerError
	if !errors.As(err, &e) || e.Transport {
		return false
	}
	return e.Status == http.StatusNotFound || strings.Contains(e.Message, "silence not found")
}

func asAMError(err error) *AlertmanagerError {
	var e *AlertmanagerError
	if errors.As(err, &e) {
		return e
	}
	return &AlertmanagerError{Message: err.Error(), Err: err}
}

// classify turns a client error into an *AlertmanagerError, digging
// Alertmanager's message out of the typed error or the raw answer.
func classify(peer, op string, err error, capt *amCapture, parent context.Context, timeout time.Duration) *AlertmanagerError {
	e := &AlertmanagerError{Peer: peer, Op: op, Err: err}
	switch {
	case capt.status >= 300:
		e.Status = capt.status
		e.Message = apiMessage(err, capt.body, capt.status)
		// A gateway error comes from a proxy in front of Alertmanager:
		// Alertmanager itself did not answer.
		switch capt.status {
		case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			e.Transport = true
		}
	case capt.status >= 200:
		e.Status = capt.status
		e.Transport = true
		e.Message = "malformed answer: " + amOneLine(unwrapURLError(err).Error())
	default:
		e.Transport = true
		switch {
		case parent.Err() != nil:
			e.Message = parent.Err().Error()
			e.Err = parent.Err()
			e.aborted = true
		case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
			e.Message = fmt.Sprintf("no answer within %s", timeout)
		case errors.Is(err, syscall.ECONNREFUSED):
			e.Message = "connection refused"
		default:
			e.Message = amOneLine(unwrapURLError(err).Error())
		}
		e.notSent = isConnectFailure(err)
	}
	return e
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isConnectFailure(err error) bool {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

// apiMessage is Alertmanager's message for a non-2xx answer: the payload of
// the generated error type when it has one, else the body (a JSON string,
// a {"code","message"} object from the API layer, or plain text), else the
// status text.
func apiMessage(err error, body []byte, status int) string {
	var pl interface{ GetPayload() string }
	if errors.As(err, &pl) {
		if s := strings.TrimSpace(pl.GetPayload()); s != "" {
			return amOneLine(s)
		}
	}
	b := bytes.TrimSpace(body)
	if len(b) > 0 {
		var s string
		if b[0] == '"' && json.Unmarshal(b, &s) == nil && s != "" {
			return amOneLine(s)
		}
		var obj struct {
			Message string `json:"message"`
			Error   string `json:"error"`
		}
		if b[0] == '{' && json.Unmarshal(b, &obj) == nil {
			if obj.Message != "" {
				return amOneLine(obj.Message)
			}
			if obj.Error != "" {
				return amOneLine(obj.Error)
			}
		}
		return amShorten(amOneLine(string(b)), 300)
	}
	if t := http.StatusText(status); t != "" {
		return t
	}
	return fmt.Sprintf("HTTP %d", status)
}

func amOneLine(s string) string {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, "\r\n") {
		s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }), " ")
	}
	return s
}

// amShorten cuts a text that is not Alertmanager's own message (an HTML
// page from a proxy, say) to n runes.
func amShorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// amCapture records, per request, the status and (for errors) the body of
// the answer, so that Alertmanager's message survives whatever the
// generated reader makes of it.
type amCapture struct {
	status int
	body   []byte
}

type amCaptureKey struct{}

// amTransport caps response bodies and keeps error answers for amCapture.
type amTransport struct {
	next http.RoundTripper
	max  int64
}

func (t *amTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	capt, _ := req.Context().Value(amCaptureKey{}).(*amCapture)
	if capt != nil {
		capt.status = resp.StatusCode
	}
	if resp.StatusCode >= 300 && capt != nil {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, amErrorBodyMax))
		resp.Body.Close()
		capt.body = b
		resp.Body = io.NopCloser(bytes.NewReader(b))
		return resp, nil
	}
	// The same cap as Prometheus's answers: a read past it fails with
	// *BodyTooLargeError instead of truncating quietly.
	resp.Body = &cappedBody{rc: resp.Body, left: t.max, limit: t.max}
	return resp, nil
}
