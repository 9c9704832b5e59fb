package query

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// EngineKind is the kind of query engine behind the Prometheus URL.
type EngineKind string

// The engines vigil knows apart.
const (
	EngineUnknown         EngineKind = ""
	EnginePrometheus      EngineKind = "prometheus"
	EngineVictoriaMetrics EngineKind = "victoriametrics"
	EngineThanos          EngineKind = "thanos"
	EngineMimir           EngineKind = "mimir"
)

// VictoriaMetricsLatency is how much of the newest data VictoriaMetrics
// hides from queries unless told otherwise (its -search.latencyOffset).
const VictoriaMetricsLatency = 30 * time.Second

// NoRulesText says why an engine has no alerts of its own.
const NoRulesText = "this engine does not evaluate rules: alerts come from Alertmanager"

// MimirPendingText says whose pending alerts Grafana Mimir's alerts API
// lists: its ruler's, for the tenant. The rules a Prometheus evaluates
// before remote-writing to it are not there.
const MimirPendingText = "pending alerts are those of Grafana Mimir's ruler only: a Prometheus that remote-writes to it shows its alerts once firing, through Alertmanager"

// Engine is what vigil knows of the engine behind the Prometheus URL, from
// one request to /api/v1/status/buildinfo.
type Engine struct {
	Kind EngineKind
	// Version is the engine's own version; empty when it does not say
	// (Prometheus built with go install, VictoriaMetrics).
	Version string
	// Claims is the Prometheus version VictoriaMetrics reports in place
	// of its own.
	Claims string
	// Err is why the engine is unknown, when the request failed.
	Err error
}

// Name is the engine's name: Prometheus, VictoriaMetrics, Thanos, Grafana
// Mimir, or "unknown engine".
func (e Engine) Name() string {
	switch e.Kind {
	case EnginePrometheus:
		return "Prometheus"
	case EngineVictoriaMetrics:
		return "VictoriaMetrics"
	case EngineThanos:
		return "Thanos"
	case EngineMimir:
		return "Grafana Mimir"
	}
	return "unknown engine"
}

// String names the engine and its version, never a blank version:
// "Prometheus 2.42.0", "Prometheus, version unknown", "VictoriaMetrics,
// version unknown (reports Prometheus 2.24.0)".
func (e Engine) String() string {
	s := e.Name()
	if e.Version != "" {
		s += " " + e.Version
	} else {
		s += ", version unknown"
	}
	if e.Claims != "" {
		s += " (reports Prometheus " + e.Claims + ")"
	}
	if e.Kind == EngineUnknown && e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// EvaluatesRules reports whether the engine's /api/v1/rules and
// /api/v1/alerts mean anything: false for VictoriaMetrics, whose are empty
// placeholders (vmalert evaluates its rules, elsewhere).
func (e Engine) EvaluatesRules() bool { return e.Kind != EngineVictoriaMetrics }

// PendingScope says, for an engine whose alerts API lists only some of the
// pending alerts (Mimir: its ruler's), whose they are; "" for the others.
func (e Engine) PendingScope() string {
	if e.Kind == EngineMimir {
		return MimirPendingText
	}
	return ""
}

// Latency is how old the newest data the engine shows is at least: 30s for
// VictoriaMetrics, 0 for the others.
func (e Engine) Latency() time.Duration {
	if e.Kind == EngineVictoriaMetrics {
		return VictoriaMetricsLatency
	}
	return 0
}

// DetectEngine asks the server what it is (a GET of
// /api/v1/status/buildinfo, and when that reads as Prometheus the query 1,
// whose answer tells Thanos apart) and remembers the answer for Engine. A failed
// request is returned in Engine.Err and as the error, and is asked again on
// the next call.
func (p *Prometheus) DetectEngine(ctx context.Context) (Engine, error) {
	p.mu.Lock()
	known := p.engine
	p.mu.Unlock()
	if known.Kind != EngineUnknown {
		return known, nil
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	u := p.client.URL("/api/v1/status/buildinfo", nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Engine{Err: err}, err
	}
	resp, body, err := p.client.Do(ctx, req)
	if err != nil {
		err = p.wrap(parent, "status/buildinfo", err)
		return Engine{Err: err}, err
	}
	e, err := engineOf(resp, body)
	if err != nil {
		err = &ServerError{URL: p.url, Op: "status/buildinfo", Err: err}
		return Engine{Err: err}, err
	}
	if e.Kind == EnginePrometheus && p.answersLikeThanos(ctx) {
		e.Kind = EngineThanos
	}
	p.mu.Lock()
	p.engine = e
	p.mu.Unlock()
	return e, nil
}

// answersLikeThanos asks the constant query 1 and looks for the field
// only Thanos puts in every query answer ("analysis"): its build
// information is Prometheus's, to the field.
func (p *Prometheus) answersLikeThanos(ctx context.Context) bool {
	u := p.client.URL("/api/v1/query", nil)
	q := u.Query()
	q.Set("query", "1")
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return false
	}
	resp, body, err := p.client.Do(ctx, req)
	if err != nil || resp.StatusCode != http.StatusOK {
		return false
	}
	var env struct {
		Data map[string]json.RawMessage `json:"data"`
	}
	if json.Unmarshal(body, &env) != nil {
		return false
	}
	_, ok := env.Data["analysis"]
	return ok
}

// Engine is the engine DetectEngine found; Kind is EngineUnknown before
// it has answered.
func (p *Prometheus) Engine() Engine {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.engine
}

// noteThanos records that the answers are Thanos's (its partial-response
// warnings say so) when the build information could not tell it from
// Prometheus.
func (p *Prometheus) noteThanos() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.engine.Kind == EnginePrometheus {
		p.engine.Kind = EngineThanos
	}
}

// engineOf reads the engine from a buildinfo answer.
func engineOf(resp *http.Response, body []byte) (Engine, error) {
	if resp.StatusCode != http.StatusOK {
		return Engine{}, httpError(resp, body)
	}
	var env struct {
		Status string                     `json:"status"`
		Data   map[string]json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Status != "success" || env.Data == nil {
		return Engine{}, errors.New("malformed build information: not a Prometheus API answer")
	}
	str := func(k string) string {
		var s string
		_ = json.Unmarshal(env.Data[k], &s)
		return strings.TrimSpace(s)
	}
	_, hasGo := env.Data["goVersion"]
	_, hasRev := env.Data["revision"]
	switch {
	case strings.Contains(strings.ToLower(str("application")), "mimir"):
		return Engine{Kind: EngineMimir, Version: str("version")}, nil
	case strings.Contains(strings.ToLower(str("application")), "thanos"),
		resp.Header.Get("X-Thanos-Version") != "":
		return Engine{Kind: EngineThanos, Version: str("version")}, nil
	case !hasGo && !hasRev:
		// VictoriaMetrics answers with a made-up Prometheus version and
		// nothing else.
		return Engine{Kind: EngineVictoriaMetrics, Claims: str("version")}, nil
	}
	return Engine{Kind: EnginePrometheus, Version: str("version")}, nil
}

// httpError is an HTTP error answer as the API client would word it, with
// the body kept for the message.
func httpError(resp *http.Response, body []byte) error {
	if resp.StatusCode >= 500 {
		return &v1.Error{Type: v1.ErrServer, Msg: "server error: " + strconv.Itoa(resp.StatusCode), Detail: string(body)}
	}
	return &v1.Error{Type: v1.ErrClient, Msg: "client error: " + strconv.Itoa(resp.StatusCode), Detail: string(body)}
}

// ThanosParams are the query parameters of the prometheus.partial_response
// and prometheus.dedup settings ("true", "false", or "" for none).
func ThanosParams(partialResponse, dedup string) url.Values {
	v := url.Values{}
	if partialResponse != "" {
		v.Set("partial_response", partialResponse)
	}
	if dedup != "" {
		v.Set("dedup", dedup)
	}
	return v
}

// paramTransport adds params to every instant and range query.
type paramTransport struct {
	next   http.RoundTripper
	params url.Values
}

func (t *paramTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(r.URL.Path, "/api/v1/query") && !strings.HasSuffix(r.URL.Path, "/api/v1/query_range") {
		return t.next.RoundTrip(r)
	}
	r = r.Clone(r.Context())
	q := r.URL.Query()
	for k, vs := range t.params {
		q[k] = vs
	}
	r.URL.RawQuery = q.Encode()
	return t.next.RoundTrip(r)
}

// partialStores reads Thanos's partial-response warnings ("fetch series
// for {replica="1"} Addr: 127.0.0.1:10901 MinTime: …: rpc error: …",
// "receive series from Addr: …") among warnings: whether there is any, and
// the stores they name (none when the text names no address).
func partialStores(warnings []string) (partial bool, stores map[string]bool) {
	stores = map[string]bool{}
	for _, w := range warnings {
		if !isPartialWarning(w) {
			continue
		}
		partial = true
		if i := strings.Index(w, "Addr: "); i >= 0 {
			addr, _, _ := strings.Cut(w[i+len("Addr: "):], " ")
			stores[strings.TrimRight(addr, ":,")] = true
		}
	}
	return partial, stores
}

func isPartialWarning(w string) bool {
	return strings.Contains(w, "Addr: ") &&
		(strings.Contains(w, "fetch series for") || strings.Contains(w, "receive series from") ||
			strings.Contains(w, "failed to receive any data"))
}

// PartialText is the one line that stands for every partial-response
// warning of a refresh: "partial data: 1 store unreachable".
func PartialText(stores int) string {
	switch stores {
	case 0:
		return "partial data: stores unreachable (how many unknown)"
	case 1:
		return "partial data: 1 store unreachable"
	}
	return "partial data: " + strconv.Itoa(stores) + " stores unreachable"
}

// IsPartialText reports whether a warning is a PartialText line.
func IsPartialText(w string) bool { return strings.HasPrefix(w, "partial data: ") }

// NoRulesError is the answer of Alerts and Rules for an engine that
// evaluates no rules (VictoriaMetrics): its lists would be empty whatever
// fires.
type NoRulesError struct{ Engine Engine }

func (e *NoRulesError) Error() string { return e.Engine.Name() + ": " + NoRulesText }

// Alerts is PrometheusAlerts, after DetectEngine: an engine that evaluates
// no rules gives a *NoRulesError instead of its empty placeholder list.
// When the engine is unknown (the detection failed) the alerts are asked
// for all the same.
func (p *Prometheus) Alerts(ctx context.Context) ([]Alert, error) {
	if e, err := p.DetectEngine(ctx); err == nil && !e.EvaluatesRules() {
		return nil, &NoRulesError{Engine: e}
	}
	return PrometheusAlerts(ctx, p.API())
}

// Rules is PrometheusRules, after DetectEngine, as Alerts.
func (p *Prometheus) Rules(ctx context.Context) ([]Rule, error) {
	if e, err := p.DetectEngine(ctx); err == nil && !e.EvaluatesRules() {
		return nil, &NoRulesError{Engine: e}
	}
	return PrometheusRules(ctx, p.API())
}
