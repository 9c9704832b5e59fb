package alerting

import (
	"errors"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
)

// ackPolicy is how the console keeps acks until resolved.
func ackPolicy(ctx *views.Context) alertmanager.AckPolicy {
	sc := ctx.Settings.Silence
	return alertmanager.AckPolicy{Duration: sc.AckDuration, Max: sc.AckMax}
}

// ackErr is why the ack keeper cannot tell whether an ack holds after the
// refresh src: Alertmanager's alerts or silences did not come.
func ackErr(src views.AlertsMsg) error {
	switch {
	case src.AlertmanagerErr != nil:
		return src.AlertmanagerErr
	case src.SilencesErr != nil:
		return errors.New("silences unknown: " + src.SilencesErr.Error())
	}
	return nil
}

// ackUntilResolved is the keeper's decision for the ack kept until
// resolved that covers al, if an unexpired one does: the same decision the
// keeper makes, so the screen says what it will do.
func ackUntilResolved(ctx *views.Context, al query.Alert, all []query.Alert, silences []query.Silence, amErr error) (alertmanager.AckDecision, bool) {
	for _, s := range query.SilencesFor(al, unexpired(silences)) {
		if !s.UntilResolved() {
			continue
		}
		return alertmanager.DecideAck(s, amErr == nil && alertmanager.AlertsFiring(s, all), amErr, ctx.Now(), ackPolicy(ctx)), true
	}
	return alertmanager.AckDecision{}, false
}

// ackText is the decision for a person, sanitised, in at most w cells,
// styled as a warning when the ack is unknown or no longer kept.
func ackText(ctx *views.Context, d alertmanager.AckDecision, w int) string {
	now := ctx.Now()
	s := text.Sanitize(d.Text(now, now.Location()))
	if ctx.Settings.ReadOnly && !ctx.AcksKeptByServer && (d.Action == alertmanager.AckWait || d.Action == alertmanager.AckExtend) {
		s += " (read-only: not extended by this console)"
	}
	return styleAck(ctx, d.Action, text.Fit("⟳ "+s, max(w, 1)))
}

// styleAck styles an ack's text: a warning when it is unknown or no
// longer kept because someone changed it.
func styleAck(ctx *views.Context, a alertmanager.AckAction, s string) string {
	switch a {
	case alertmanager.AckUnknown, alertmanager.AckEdited:
		return ctx.Styles.Warn.Render(s)
	}
	return ctx.Styles.Accent.Render(s)
}

// ackLineFor is the ack line of al, or "".
func ackLineFor(ctx *views.Context, al query.Alert, all []query.Alert, silences []query.Silence, amErr error, w int) string {
	d, ok := ackUntilResolved(ctx, al, all, silences, amErr)
	if !ok {
		return ""
	}
	return ackText(ctx, d, w)
}

// ackedAlerts are the keys of the alerts that an unexpired ack kept until
// resolved covers. Only the marked silences are matched, and there are few.
func ackedAlerts(all []query.Alert, silences []query.Silence) map[string]bool {
	var marked []query.Silence
	for _, s := range silences {
		if !s.Expired() && s.UntilResolved() {
			marked = append(marked, s)
		}
	}
	if len(marked) == 0 {
		return nil
	}
	out := map[string]bool{}
	for i := range all {
		if len(query.SilencesFor(all[i], marked)) > 0 {
			out[all[i].Key()] = true
		}
	}
	return out
}
