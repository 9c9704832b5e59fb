package alertmanager

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/vigilterm/vigil/query"
)

// SilenceOp names a write to Alertmanager.
type SilenceOp string

// The writes the console makes.
const (
	SilenceCreate SilenceOp = "create"
	SilenceExpire SilenceOp = "expire"
	SilenceExtend SilenceOp = "extend"
)

// SilenceRequest is one write asked for by a person.
type SilenceRequest struct {
	Op SilenceOp
	// Spec is the silence to create (SilenceCreate). An empty CreatedBy is
	// the service's writer. With Retry set, the service first looks for an
	// identical silence that an earlier attempt may have created, so that a
	// retry never doubles it.
	Spec  query.SilenceSpec
	Retry bool
	// Silence is the silence to expire or extend; NewEnd the new end.
	Silence query.Silence
	NewEnd  time.Time
	// Ack marks a create made by the ack key, for the audit.
	Ack bool
	// Confirmed is the context's name as the person typed it before the
	// write: a protected context's writes are sent only when it is exactly
	// the name (see SilenceServiceOptions.Protected).
	Confirmed string
	// Keeper marks an automatic extend of an ack kept until resolved (see
	// AckKeeper): the person confirmed the ack when it was made, so a
	// protected context does not ask again. It is refused for anything but
	// an extend of a silence whose comment carries the marker.
	Keeper bool
	// By is who the audit names for this write; empty: the writer.
	By string
}

// SilenceResult is the outcome of one write. ID is the id that came back (a
// new one when an extend replaced the silence); Reused is true when a retry
// found the silence an earlier attempt had created. Verified is true when
// the silence was read back and is active or pending (create, extend) or
// expired (expire). AuditErr is set when the write's audit line could not be
// written; the write itself happened (or failed) as Err says.
type SilenceResult struct {
	ID       string
	Reused   bool
	Verified bool
	Err      error
	AuditErr error
}

// SilenceWriter is what the service needs from Alertmanager; *Client
// has it.
type SilenceWriter interface {
	Silence(ctx context.Context, id string) (query.Silence, error)
	CreateSilence(ctx context.Context, spec query.SilenceSpec) (string, error)
	FindDuplicate(ctx context.Context, spec query.SilenceSpec) (string, bool, error)
	ExpireSilence(ctx context.Context, id string) error
	ExtendSilence(ctx context.Context, s query.Silence, newEnd time.Time) (string, error)
}

// NotConfirmedError is the result of a write in a protected context whose
// name was not typed: nothing was sent.
type NotConfirmedError struct{ Context string }

func (e *NotConfirmedError) Error() string {
	return "not sent: context " + e.Context + " is protected and its name was not typed"
}

// ErrNoAlertmanager is the result of a write with no Alertmanager configured.
var ErrNoAlertmanager = errors.New("no Alertmanager configured: set --alertmanager or alertmanager.urls")

// SilenceServiceOptions configures a SilenceService.
type SilenceServiceOptions struct {
	// Alertmanager takes the writes; nil: none is configured.
	Alertmanager SilenceWriter
	// Audit records every write; nil: none.
	Audit *query.AuditLog
	// Writer is who writes: the creator of new silences that name none and
	// the user of the audit log (see Writer).
	Writer string
	// Peers are the Alertmanager URLs named in the audit log.
	Peers []string
	// Timeout is one request's deadline; a write, which may check for a
	// duplicate, post and read back, gets three of them and a second.
	Timeout time.Duration
	Logger  *slog.Logger
	// Now is the clock that validates ends and times audit lines (nil:
	// time.Now).
	Now func() time.Time
	// Protected is the name of a protected context: every write must carry
	// it, typed, in SilenceRequest.Confirmed, or it is refused unsent.
	// Empty: the context is not protected.
	Protected string
	// Principal is the person writing in a shared console (vigil serve):
	// a role that does not write is refused here, unsent, whatever the
	// screens allow; the audit line names the key and the address. nil:
	// the local console, whose writer is Writer.
	Principal *query.Principal
	// Observe, when set, is told of every write and its result (refusals
	// included), e.g. for the server's metrics.
	Observe func(SilenceRequest, SilenceResult)
}

// SilenceService is the one way the console writes silences: validate,
// find an existing one, post, read back, audit, in that order, with one
// result. It is safe for concurrent use.
type SilenceService struct {
	o SilenceServiceOptions
}

// NewSilenceService returns the service for o.
func NewSilenceService(o SilenceServiceOptions) *SilenceService {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	return &SilenceService{o: o}
}

// Writer is who the service writes as.
func (s *SilenceService) Writer() string { return s.o.Writer }

// Write carries out one request and audits it. Nothing invalid is sent: a
// request that fails validation comes back with a ValidationErrors (or a
// plain error naming what is missing) and is audited as failed. With no
// Alertmanager configured the result is ErrNoAlertmanager and nothing is
// audited, since nothing was attempted.
func (s *SilenceService) Write(ctx context.Context, req SilenceRequest) SilenceResult {
	var cur *query.Principal
	if p := s.o.Principal; p != nil {
		// The rights as they are now, not as the session opened with.
		c := p.Current()
		cur = &c
	}
	if cur != nil && !cur.Role.CanWrite() {
		// Refused before anything is sent, even when a screen let the
		// key through; the refusal is audited.
		res := SilenceResult{Err: &query.ForbiddenError{Principal: *cur}}
		s.o.Logger.Warn("silence write refused", "op", req.Op, "user", cur.Name, "role", cur.Role, "key", cur.Fingerprint, "remote", cur.Remote)
		if s.o.Audit != nil {
			e := auditEntry(req, res, cur.Name, s.o.Peers, s.o.Now())
			e.As(*cur)
			e.Result = query.AuditRefused
			if err := s.o.Audit.Append(e); err != nil {
				s.o.Logger.Error("audit log", "err", err)
				res.AuditErr = err
			}
		}
		s.observe(req, res)
		return res
	}
	if s.o.Alertmanager == nil {
		return SilenceResult{Err: ErrNoAlertmanager}
	}
	if req.Keeper && (req.Op != SilenceExtend || !req.Silence.UntilResolved()) {
		return SilenceResult{Err: fmt.Errorf("an automatic %s of silence %s refused: only acks kept until resolved are extended automatically", req.Op, req.Silence.ID)}
	}
	if s.o.Protected != "" && req.Confirmed != s.o.Protected && !req.Keeper {
		// Refused before anything is sent: nothing to audit.
		return SilenceResult{Err: &NotConfirmedError{Context: s.o.Protected}}
	}
	if req.Op == SilenceCreate && req.Spec.CreatedBy == "" {
		req.Spec.CreatedBy = s.o.Writer
	}
	if cur != nil && req.Op == SilenceCreate && !req.Keeper {
		// A person known by their key signs as that key's name, whatever
		// was typed in the author field.
		req.Spec.CreatedBy = cur.Name
	}
	ctx, cancel := context.WithTimeout(ctx, 3*s.o.Timeout+time.Second)
	defer cancel()
	if req.Keeper {
		// The keeper decided on what a poll read, perhaps a while ago:
		// read the silence again and send nothing if a person expired or
		// changed it since (nothing sent: nothing to audit).
		if err := s.stillAsRead(ctx, req.Silence); err != nil {
			return SilenceResult{ID: req.Silence.ID, Err: err}
		}
	}
	res := s.write(ctx, req)
	s.o.Logger.Info("silence write", "op", req.Op, "id", res.ID, "reused", res.Reused, "verified", res.Verified, "err", res.Err)
	if s.o.Audit != nil {
		user := s.o.Writer
		if req.By != "" {
			user = req.By
		}
		e := auditEntry(req, res, user, s.o.Peers, s.o.Now())
		if cur != nil {
			e.Role, e.KeyFingerprint, e.Remote = string(cur.Role), cur.Fingerprint, cur.Remote
		}
		if err := s.o.Audit.Append(e); err != nil {
			s.o.Logger.Error("audit log", "err", err)
			res.AuditErr = err
		}
	}
	s.observe(req, res)
	return res
}

func (s *SilenceService) observe(req SilenceRequest, res SilenceResult) {
	if s.o.Observe != nil {
		s.o.Observe(req, res)
	}
}

func (s *SilenceService) write(ctx context.Context, req SilenceRequest) (res SilenceResult) {
	am, now := s.o.Alertmanager, s.o.Now()
	switch req.Op {
	case SilenceCreate:
		if err := req.Spec.ValidateAt(now, false); err != nil {
			return SilenceResult{Err: fmt.Errorf("alertmanager: create silence: %w", err)}
		}
		if req.Retry {
			if id, found, err := am.FindDuplicate(ctx, req.Spec); err == nil && found {
				return SilenceResult{ID: id, Reused: true, Verified: true}
			}
		}
		// CreateSilence reads the new silence back before it answers.
		res.ID, res.Err = am.CreateSilence(ctx, req.Spec)
		res.Verified = res.Err == nil
	case SilenceExtend:
		if err := validateID("extend", req.Silence.ID); err != nil {
			return SilenceResult{Err: err}
		}
		if err := extendSpec(req.Silence, req.NewEnd).ValidateAt(now, false); err != nil {
			return SilenceResult{Err: fmt.Errorf("alertmanager: extend silence %s: %w", req.Silence.ID, err)}
		}
		// So does an extend: one read-back, in ExtendSilence.
		res.ID, res.Err = am.ExtendSilence(ctx, req.Silence, req.NewEnd)
		res.Verified = res.Err == nil
	case SilenceExpire:
		res.ID = req.Silence.ID
		if res.Err = validateID("expire", req.Silence.ID); res.Err != nil {
			return res
		}
		if res.Err = am.ExpireSilence(ctx, req.Silence.ID); res.Err == nil {
			got, err := am.Silence(ctx, req.Silence.ID)
			res.Verified = err == nil && got.State == query.SilenceExpired
		}
	default:
		res.Err = fmt.Errorf("unknown silence operation %q", req.Op)
	}
	return res
}

// ErrAckChanged is the answer to an automatic extend of an ack that is no
// longer as the keeper read it: nothing was sent.
var ErrAckChanged = errors.New("the ack changed since it was read")

// stillAsRead checks that the silence in Alertmanager is still unexpired,
// marked and ending when it was read to.
func (s *SilenceService) stillAsRead(ctx context.Context, read query.Silence) error {
	cur, err := s.o.Alertmanager.Silence(ctx, read.ID)
	if err != nil {
		return fmt.Errorf("ack %s: read again before extending: %w", read.ID, err)
	}
	if cur.Expired() || !cur.UntilResolved() || cur.EndsAt.Sub(read.EndsAt).Abs() > time.Second {
		return fmt.Errorf("ack %s not extended: %w (now %s, ends %s)", read.ID, ErrAckChanged, cur.State, cur.EndsAt.UTC().Format(time.RFC3339))
	}
	return nil
}

// validateID refuses a write to no silence at all.
func validateID(op, id string) error {
	if strings.TrimSpace(id) == "" {
		return fmt.Errorf("alertmanager: %s silence: the silence id is empty", op)
	}
	return nil
}

// auditEntry describes a write and its result for the audit log.
func auditEntry(req SilenceRequest, res SilenceResult, user string, urls []string, now time.Time) query.AuditEntry {
	e := query.AuditEntry{Time: now.UTC(), User: user, Alertmanager: urls, SilenceID: res.ID, Reused: res.Reused, Result: query.AuditOK}
	switch req.Op {
	case SilenceCreate:
		e.Action = query.AuditCreate
		if req.Ack {
			e.Action = query.AuditAck
		}
		e.Matchers, e.Comment, e.EndsAt = query.FormatMatchers(req.Spec.Matchers), req.Spec.Comment, req.Spec.EndsAt.UTC()
	case SilenceExtend, SilenceExpire:
		e.Action = query.AuditExpire
		e.EndsAt = now.UTC()
		if req.Op == SilenceExtend {
			e.Action, e.EndsAt = query.AuditExtend, req.NewEnd.UTC()
			if res.ID != "" && res.ID != req.Silence.ID {
				e.ReplacedID = req.Silence.ID
			}
		}
		if e.SilenceID == "" {
			e.SilenceID = req.Silence.ID
		}
		e.Matchers, e.Comment = query.FormatMatchers(req.Silence.Matchers), req.Silence.Comment
	default:
		e.Action = string(req.Op)
	}
	if res.Err != nil {
		e.Result, e.Error = query.AuditFailed, res.Err.Error()
	}
	return e
}
