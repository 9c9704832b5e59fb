package alertmanager

import (
	"context"
	"fmt"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/client/silence"

	"github.com/vigilterm/vigil/query"
)

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
func (a *Client) CreateSilence(ctx context.Context, spec query.SilenceSpec) (string, error) {
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
func (a *Client) ExtendSilence(ctx context.Context, s query.Silence, newEnd time.Time) (string, error) {
	if err := validateID("extend", s.ID); err != nil {
		return "", err
	}
	return a.postSilence(ctx, extendSpec(s, newEnd), "extend silence "+s.ID, true)
}

// extendSpec is the post that moves s's end to newEnd.
func extendSpec(s query.Silence, newEnd time.Time) query.SilenceSpec {
	spec := query.SilenceSpec{
		ID:        s.ID,
		Matchers:  s.Matchers,
		StartsAt:  s.StartsAt,
		EndsAt:    newEnd,
		CreatedBy: s.CreatedBy,
		Comment:   s.Comment,
	}
	if s.State == query.SilenceExpired {
		// Alertmanager creates a new silence starting now.
		spec.StartsAt = time.Time{}
	}
	return spec
}

func (a *Client) postSilence(ctx context.Context, spec query.SilenceSpec, op string, matchEnd bool) (string, error) {
	now := time.Now()
	if err := spec.ValidateAt(now, false); err != nil {
		return "", fmt.Errorf("alertmanager: %s: %w", op, err)
	}
	if spec.StartsAt.IsZero() {
		spec.StartsAt = now
	}
	body := postable(spec, now)

	var failures []*Error
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
					return "", &Error{Peer: p.url, Op: op, Status: 200, Message: "Alertmanager answered without a silence id"}
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
func (a *Client) confirm(ctx context.Context, p *amPeer, id, op string) (string, error) {
	var s query.Silence
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
	if s.State != query.SilenceActive && s.State != query.SilencePending {
		return id, &Error{Peer: p.url, Op: op, Message: fmt.Sprintf("silence %s was accepted but its state is %q", id, s.State)}
	}
	return id, nil
}

// FindDuplicate looks for an unexpired silence with the same matchers (in
// any order), creator and comment as spec: the one a post that got no
// answer may have created. The UI uses it before a manual retry.
func (a *Client) FindDuplicate(ctx context.Context, spec query.SilenceSpec) (string, bool, error) {
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

func (a *Client) findDuplicateOn(ctx context.Context, p *amPeer, spec query.SilenceSpec, matchEnd bool) (string, bool, error) {
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
func duplicateIn(ss []query.Silence, spec query.SilenceSpec, matchEnd bool) (string, bool) {
	var best *query.Silence
	for i := range ss {
		s := &ss[i]
		if s.State == query.SilenceExpired || s.CreatedBy != spec.CreatedBy || s.Comment != spec.Comment {
			continue
		}
		if !query.SameMatchers(s.Matchers, spec.Matchers) {
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
func (a *Client) ExpireSilence(ctx context.Context, id string) error {
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
	if s, gerr := a.Silence(ctx, id); gerr == nil && s.State == query.SilenceExpired {
		return nil
	}
	return err
}
