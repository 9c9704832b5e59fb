package alertmanager

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/vigilterm/vigil/query"
)

// AckAction is what the keeper does, or did, with one ack.
type AckAction string

// The keeper's decisions.
const (
	// AckWait: the alert fires and the silence has time left; NextExtend
	// says when it will be extended.
	AckWait AckAction = "keeping"
	// AckExtend: the alert fires and less than half the ack duration is
	// left: the silence is extended to NewEnd.
	AckExtend AckAction = "extend"
	// AckResolved: no alert the silence matches is active any more; it is
	// not extended and expires at its end.
	AckResolved AckAction = "resolved"
	// AckCapped: the ack has been kept for silence.ack_max; it expires at
	// its end whatever the alert does.
	AckCapped AckAction = "capped"
	// AckEdited: the silence's end is not the one the keeper set: someone
	// changed it, and it is left alone.
	AckEdited AckAction = "edited"
	// AckExpired: the silence expired (or was expired); nothing to keep.
	AckExpired AckAction = "expired"
	// AckPending: the silence has not started.
	AckPending AckAction = "pending"
	// AckUnknown: Alertmanager's alerts could not be read, so whether the
	// alert still fires is unknown; nothing is written.
	AckUnknown AckAction = "unknown"
	// AckChanged: read again before its extend, the silence was no longer
	// as polled (expired, or a new end); nothing was sent, and the next
	// round decides on what it reads then.
	AckChanged AckAction = "changed"
)

// AckPolicy is how acks are kept: extended to now+Duration once less than
// half of Duration is left, never beyond the silence's start plus Max.
type AckPolicy struct {
	Duration time.Duration
	Max      time.Duration
}

// AckDecision is the keeper's decision for one marked silence.
type AckDecision struct {
	Silence query.Silence
	// By is who acked: the silence's creator.
	By     string
	Action AckAction
	// NextExtend is when the keeper will extend it if the alert still
	// fires then (AckWait); NewEnd the end an extend sets (AckExtend).
	NextExtend time.Time
	NewEnd     time.Time
	// Cap is the latest end the keeper will ever set.
	Cap time.Time
	// Reason explains AckUnknown and AckEdited.
	Reason string
	// After Tick: the id the extend answered with, and its error.
	NewID string
	Err   error
}

// Text is the decision for a person: "acked until resolved by alice, next
// extension 06:12:00" and the like. Times are in loc.
func (d AckDecision) Text(now time.Time, loc *time.Location) string {
	by := "acked until resolved by " + d.By
	clock := func(t time.Time) string { return t.In(loc).Format("15:04:05") }
	switch d.Action {
	case AckWait:
		return by + ", next extension " + clock(d.NextExtend) + " (in " + query.FormatDuration(max(d.NextExtend.Sub(now), 0).Truncate(time.Second)) + ")"
	case AckExtend:
		if d.Err != nil {
			return by + ", extension failed: " + d.Err.Error()
		}
		return by + ", extending to " + clock(d.NewEnd)
	case AckResolved:
		return by + ": alert resolved, not extended, expires " + clock(d.Silence.EndsAt)
	case AckCapped:
		return by + ": kept the longest allowed (silence.ack_max), expires " + clock(d.Silence.EndsAt)
	case AckEdited:
		return by + ": changed by someone else (" + d.Reason + "), no longer extended"
	case AckExpired:
		return by + ": expired, no longer kept"
	case AckPending:
		return by + ": starts " + clock(d.Silence.StartsAt)
	case AckUnknown:
		return by + ": unknown whether it holds: " + d.Reason
	case AckChanged:
		return by + ": changed since read, decided again on the next round"
	}
	return by
}

// AlertsFiring reports whether any alert that Alertmanager holds is
// matched by s (pending alerts, which only Prometheus has, do not count).
func AlertsFiring(s query.Silence, alerts []query.Alert) bool {
	ms, ok := query.UsableMatchers(s.Matchers)
	if !ok || len(ms) == 0 {
		return false
	}
	for i := range alerts {
		if alerts[i].State == query.StatePending || alerts[i].Source == query.SourcePrometheus {
			continue
		}
		if query.MatchLabelMap(ms, alerts[i].Labels) {
			return true
		}
	}
	return false
}

// DecideAck is the keeper's decision for the marked silence s at now:
// firing is whether its alert is active in Alertmanager, and alertsErr why
// that is unknown (non-nil: nothing is written). It makes no request.
func DecideAck(s query.Silence, firing bool, alertsErr error, now time.Time, p AckPolicy) AckDecision {
	d := AckDecision{Silence: s, By: s.CreatedBy, Cap: s.StartsAt.Add(p.Max)}
	_, keptTo, _ := query.ParseAckMarker(s.Comment)
	switch {
	case s.State == query.SilenceExpired || (!s.EndsAt.IsZero() && !s.EndsAt.After(now)):
		d.Action = AckExpired
	case s.State == query.SilencePending || s.StartsAt.After(now):
		d.Action = AckPending
	case !keptTo.IsZero() && absDuration(s.EndsAt.Sub(keptTo)) > time.Second:
		d.Action = AckEdited
		d.Reason = "it ends " + s.EndsAt.UTC().Format(time.RFC3339) + ", not " + keptTo.UTC().Format(time.RFC3339) + " as kept"
	case alertsErr != nil:
		d.Action = AckUnknown
		d.Reason = "Alertmanager's alerts unknown: " + alertsErr.Error()
	case !firing:
		d.Action = AckResolved
	case s.EndsAt.After(d.Cap.Add(-time.Second)):
		d.Action = AckCapped
	default:
		half := p.Duration / 2
		if s.EndsAt.Sub(now) >= half {
			d.Action = AckWait
			d.NextExtend = s.EndsAt.Add(-half)
			break
		}
		end := now.Add(p.Duration).Truncate(time.Second)
		if end.After(d.Cap) {
			end = d.Cap.Truncate(time.Second)
		}
		if !end.After(s.EndsAt) {
			d.Action = AckCapped
			break
		}
		d.Action, d.NewEnd = AckExtend, end
	}
	return d
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// AckSource is what AckKeeper.Run polls: *Client has it.
type AckSource interface {
	Alerts(ctx context.Context) ([]query.Alert, error)
	Silences(ctx context.Context) ([]query.Silence, error)
}

// AckKeeperOptions configures an AckKeeper.
type AckKeeperOptions struct {
	// Service makes the extends (audited); nil: the keeper only decides.
	Service *SilenceService
	Policy  AckPolicy
	// Source and Interval are for Run: each round reads the alerts and the
	// silences once (two requests, however many acks there are).
	Source   AckSource
	Interval time.Duration
	Logger   *slog.Logger
}

// AckKeeper keeps acks marked "until resolved": while an alert the silence
// matches is active in Alertmanager it extends the silence before it
// expires; once none is, it lets it expire. It holds no state of its own:
// every round starts from Alertmanager's silences, so a restart loses
// nothing. It is safe for concurrent use; a round that starts while
// another runs is skipped.
type AckKeeper struct {
	o    AckKeeperOptions
	busy sync.Mutex
	mu   sync.Mutex
	last []AckDecision
	// failed counts the rounds in a row that could not read the silences
	// (Run's only): the first is logged, and the round that reads them
	// again, never the ones between.
	failed int
}

// NewAckKeeper returns a keeper for o.
func NewAckKeeper(o AckKeeperOptions) *AckKeeper {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Interval <= 0 {
		o.Interval = 10 * time.Second
	}
	return &AckKeeper{o: o}
}

// Policy is the keeper's policy.
func (k *AckKeeper) Policy() AckPolicy { return k.o.Policy }

// Decisions are the decisions of the last round.
func (k *AckKeeper) Decisions() []AckDecision {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]AckDecision(nil), k.last...)
}

// ackWriteTimeout bounds one extension, its read-back and its audit line.
const ackWriteTimeout = 30 * time.Second

// ErrAckRoundRunning is Tick's answer when a round is already running.
var ErrAckRoundRunning = errors.New("ack keeper: a round is already running")

// Tick decides for every marked silence among silences and makes the
// extends, one write each through the silence service. alertsErr and
// silencesErr are why the alerts or the silences are unknown: with
// unknown silences nothing is decided; with unknown alerts every ack is
// AckUnknown and nothing is written.
func (k *AckKeeper) Tick(ctx context.Context, now time.Time, alerts []query.Alert, alertsErr error, silences []query.Silence, silencesErr error) ([]AckDecision, error) {
	if !k.busy.TryLock() {
		return nil, ErrAckRoundRunning
	}
	defer k.busy.Unlock()
	if silencesErr != nil {
		return nil, fmt.Errorf("ack keeper: silences unknown: %w", silencesErr)
	}
	var out []AckDecision
	for _, s := range silences {
		if !s.UntilResolved() || s.State == query.SilenceExpired {
			continue
		}
		d := DecideAck(s, alertsErr == nil && AlertsFiring(s, alerts), alertsErr, now, k.o.Policy)
		switch {
		case d.Action == AckExtend && ctx.Err() != nil:
			// Stopped, or out of time: no new write begins.
			d.Err = fmt.Errorf("not extended: %w", context.Cause(ctx))
			k.o.Logger.Warn("ack not extended: the keeper is stopping or its round ran out of time", "id", s.ID, "err", d.Err)
		case d.Action == AckExtend:
			d.NewID, d.Err = k.extend(ctx, d)
			if errors.Is(d.Err, ErrAckChanged) {
				d.Action, d.Reason, d.Err = AckChanged, d.Err.Error(), nil
			}
		}
		out = append(out, d)
	}
	k.mu.Lock()
	k.last = out
	k.mu.Unlock()
	return out, nil
}

// extend writes one extension: the new end, and the marker that records it.
func (k *AckKeeper) extend(ctx context.Context, d AckDecision) (string, error) {
	if k.o.Service == nil {
		return "", errors.New("ack keeper: no silence service")
	}
	s := d.Silence
	s.Comment = query.WithAckMarker(s.Comment, d.NewEnd)
	// A write once begun is seen through, read back and audited, even when
	// the keeper is stopped meanwhile: a stop must not leave an extension
	// posted but unconfirmed. It keeps its own bound.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ackWriteTimeout)
	defer cancel()
	r := k.o.Service.Write(ctx, SilenceRequest{Op: SilenceExtend, Silence: s, NewEnd: d.NewEnd, Keeper: true,
		By: "vigil (ack until resolved for " + s.CreatedBy + ")"})
	k.o.Logger.Info("ack kept until resolved", "id", s.ID, "new_end", d.NewEnd, "new_id", r.ID, "err", r.Err)
	if r.Err == nil && r.AuditErr != nil {
		return r.ID, fmt.Errorf("extended, but the audit log was not written: %w", r.AuditErr)
	}
	return r.ID, r.Err
}

// Run polls Alertmanager every Interval and keeps the acks until ctx ends.
// Each round's reads and decisions are bounded (four intervals, at least
// 30s), and an extension begun in it by ackWriteTimeout more; a round that
// runs long delays the next, never piles up on it.
func (k *AckKeeper) Run(ctx context.Context) error {
	if k.o.Source == nil {
		return errors.New("ack keeper: no Alertmanager to poll")
	}
	t := time.NewTicker(k.o.Interval)
	defer t.Stop()
	for {
		k.round(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (k *AckKeeper) round(ctx context.Context) {
	rctx, cancel := context.WithTimeout(ctx, max(4*k.o.Interval, 30*time.Second))
	defer cancel()
	alerts, aErr := k.o.Source.Alerts(rctx)
	silences, sErr := k.o.Source.Silences(rctx)
	_, err := k.Tick(rctx, time.Now(), alerts, aErr, silences, sErr)
	switch {
	case errors.Is(err, ErrAckRoundRunning):
		// Another round is at it: no news either way.
	case err != nil:
		if k.failed++; k.failed == 1 {
			k.o.Logger.Warn("ack keeper stopped: no ack is extended until Alertmanager answers (logged once, and when it answers again)",
				"err", err)
		}
	case k.failed > 0:
		k.o.Logger.Info("ack keeper resumed: Alertmanager answers again", "failed_rounds", k.failed)
		k.failed = 0
	}
}
