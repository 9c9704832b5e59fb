package ui

import (
	"context"
	"log/slog"
	"time"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
	"github.com/vigilterm/vigil/query/doctor"
	"github.com/vigilterm/vigil/query/grafana"
	"github.com/vigilterm/vigil/query/timeline"
	"github.com/vigilterm/vigil/ui/team"
	"github.com/vigilterm/vigil/views"
)

// The sources each screen needs, as small interfaces: the program wires
// the Prometheus and Alertmanager clients into the ones they implement, a
// test its fakes; a nil source is a capability the console does without
// (the screen that needs it says so).

// OverviewSource is what the overview needs from Prometheus.
type OverviewSource interface {
	Overview(ctx context.Context, s query.Shape) (*query.Overview, error)
	URL() string
}

// BaselineSource computes the overview in the past, for the ΔERR column.
type BaselineSource interface {
	OverviewAt(ctx context.Context, s query.Shape, at time.Time) (*query.Overview, error)
	BaselineAt(ctx context.Context, s query.Shape, off time.Duration, at time.Time) (*query.Baseline, error)
}

// DetailSource is what the endpoint detail screen needs from Prometheus.
type DetailSource interface {
	Detail(ctx context.Context, s query.Shape, r query.DetailRequest) (*query.Detail, error)
}

// TimelineSource builds the incident's timeline; TimelineFunc makes one of
// a function, such as timeline.Build on a Prometheus client.
type TimelineSource interface {
	Timeline(ctx context.Context, r timeline.Request) *timeline.Timeline
}

// TimelineFunc is a TimelineSource made of a function.
type TimelineFunc func(ctx context.Context, r timeline.Request) *timeline.Timeline

// Timeline implements TimelineSource.
func (f TimelineFunc) Timeline(ctx context.Context, r timeline.Request) *timeline.Timeline {
	return f(ctx, r)
}

// AlertSource is what the console needs from Alertmanager (one peer or an
// HA cluster).
type AlertSource interface {
	Alerts(ctx context.Context) ([]query.Alert, error)
	Silences(ctx context.Context) ([]query.Silence, error)
	alertmanager.SilenceWriter // written through alertmanager.SilenceService only
	Peers() []alertmanager.PeerStatus
	CheckPeers(ctx context.Context) []alertmanager.PeerStatus
}

// RoutingSource reads the running Alertmanager's routing tree and inhibit
// rules (alertmanager.Client does, from its status, at most every
// alertmanager.RoutingMaxAge unless forced).
type RoutingSource interface {
	Routing(ctx context.Context, force bool) (*alertmanager.Routing, error)
}

// PendingSource lists Prometheus's own alerts: the pending ones that
// Alertmanager never sees, and the firing ones.
type PendingSource func(ctx context.Context) ([]query.Alert, error)

// RulesSource lists Prometheus's alerting and recording rules, for
// graphing an alert's rule.
type RulesSource func(ctx context.Context) ([]query.Rule, error)

// NamesSource lists the metric names Prometheus knows, for completion in
// the PromQL prompt.
type NamesSource func(ctx context.Context) ([]string, error)

// Options configure the console: its context and, typed, each source.
type Options struct {
	Context *views.Context
	// Config is the configuration of the console's context; nil: the
	// defaults. The screens get its values as Context.Settings.
	Config *vigil.Config

	// Prometheus, one source per capability; nil when not available.
	Overview OverviewSource
	Baseline BaselineSource
	Detail   DetailSource
	// Querier answers the PromQL prompt and the custom panels.
	Querier query.Querier
	// PromptQuerier, when set, answers the PromQL prompt instead of
	// Querier (vigil serve: a budget per person).
	PromptQuerier query.Querier
	// DoctorOptions say what the config left to detection.
	DoctorOptions doctor.Options
	// Discover finds the app's own metric families for ready panels.
	Discover func(ctx context.Context, s query.Shape) (*query.Discovery, error)
	Rules    RulesSource
	Names    NamesSource
	// RulesCheck checks the rules Prometheus has loaded, Backtest an
	// alerting rule and its fix (ui/rulecheck.go).
	RulesCheck RulesCheckSource
	Backtest   BacktestSource
	// Timeline builds the timeline screen's events.
	Timeline TimelineSource
	// Screens are the sources of the screens that declare their own
	// (Spec.Source), by the spec's name.
	Screens map[string]any

	// Dashboards are Grafana dashboards, opened over the Panels screen;
	// DashboardVars the values of their variables given by --var;
	// DashboardSource the Prometheus they query.
	Dashboards      []*grafana.Dashboard
	DashboardVars   map[string][]string
	DashboardSource grafana.Source

	// Alertmanager is nil when none is configured.
	Alertmanager AlertSource
	// Pending lists Prometheus's alerts; nil to skip.
	Pending PendingSource

	// Audit records every write to Alertmanager, by AuditUser; nil: none.
	Audit     *query.AuditLog
	AuditUser string
	// Identity is who writes (user@host), resolved once at start; it is
	// the default author of a silence. Empty: resolved once by New.
	Identity string
	// Principal is the person of a shared console's session (vigil
	// serve): the silence service refuses their writes when their role
	// does not write, and audits their key and address. nil: the local
	// console.
	Principal *query.Principal
	// ObserveWrite, when set, is told of every write and its result.
	ObserveWrite func(alertmanager.SilenceRequest, alertmanager.SilenceResult)
	// HistoryPath is the PromQL history file; "" keeps no history.
	HistoryPath string
	// InTmux tells the clipboard copy to wrap for tmux's passthrough.
	InTmux bool

	Logger *slog.Logger

	// Team, when set, is the console's company in a process that serves
	// several people (vigil serve): its periodic polls are shared with the
	// other consoles, it shows who is watching and who is on which alert.
	// Member is this console's person in it (Team.Join); when nil, New
	// joins the Team as Identity. nil Team: the console of one.
	Team   *team.Team
	Member *team.Member
	// Cache, with no Team, shares the one-off queries (detail, panels,
	// dashboards, the PromQL prompt, an alert's graph) of the console's
	// screens; given to every context's console, those of its contexts
	// on the same Prometheus too. nil: each screen asks on its own.
	Cache *query.Cache
}

// PrometheusSources fills every Prometheus source of o from one client.
func (o *Options) PrometheusSources(p *query.Prometheus) {
	o.Overview, o.Baseline, o.Detail, o.Querier = p, p, p, p
	o.Timeline = TimelineFunc(func(ctx context.Context, r timeline.Request) *timeline.Timeline {
		return timeline.Build(ctx, p, r)
	})
	o.Discover = p.DiscoverFamilies
	o.Rules = p.Rules
	o.Names = func(ctx context.Context) ([]string, error) { return query.MetricNames(ctx, p.API()) }
	o.Pending = p.Alerts
	rulesSources(o, p)  // ui/rulecheck.go
	screenSources(o, p) // ui/spec.go
	o.DashboardSource = grafana.FromPrometheus(p)
}
