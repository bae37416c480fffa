package engine

import (
	"errors"
	"fmt"
	"slices"

	"github.com/oktaflow/oktaflow/storage"
)

// A Session is one user's way into the engine: the local app or CLI (an
// admin, "local:alice"), or one SSH session (the role and identity of the
// key that authenticated). Every front end talks to the engine through a
// Session, so that the rules live here once:
//
//   - Every method checks the role first, against an allowlist of what
//     each role may do (Can); a refusal is a *ForbiddenError, errors.Is
//     ErrForbidden, and nothing is changed.
//   - Every change writes its audit entry here, once it is made, naming
//     Who. When the entry cannot be written the change stands and the
//     method returns its result together with an *AuditError (errors.Is
//     ErrAuditFailed) for the front end to show.
//   - Reads come back redacted where the role may not see a secret: an
//     account's credentials are masked for everyone (nothing outside the
//     engine needs them); an integration's trigger secrets are masked for
//     viewers, whose one way to a secret (RevealSecret) is refused.
type Session struct {
	e    *Engine
	who  string
	role func() Role
	// addAudit writes an audit entry (the store's; tests make it fail).
	addAudit func(storage.AuditEntry) (storage.AuditEntry, error)
}

// Role is what a session's user may do.
type Role int

// Roles. The zero value may do nothing at all: a session whose role source
// says RoleNone (a key removed from the keys file) is refused even reads.
const (
	RoleNone Role = iota
	// RoleViewer browses integrations, runs, accounts and the audit log, and changes nothing.
	RoleViewer
	// RoleAdmin may do everything.
	RoleAdmin
)

func (r Role) String() string {
	switch r {
	case RoleViewer:
		return "viewer"
	case RoleAdmin:
		return "admin"
	}
	return "none"
}

// Op is something a session may be allowed to do.
type Op string

// Ops. Each Session method needs exactly one of them.
const (
	OpRead              Op = "read integrations, runs, accounts and the audit log"
	OpEditIntegration   Op = "create, edit or import integrations"
	OpDeleteIntegration Op = "delete integrations"
	OpToggle            Op = "switch integrations ON or OFF"
	OpResetTrigger      Op = "reset a trigger's position"
	OpRunNow            Op = "run integrations now"
	OpRetry             Op = "retry runs"
	OpTest              Op = "test integrations against the org"
	OpAccounts          Op = "add, verify, refresh or remove accounts"
	OpRevealSecret      Op = "see secrets"
	OpBackup            Op = "back up the database"
)

// Ops lists every op, for help screens and tests.
func Ops() []Op {
	return []Op{OpRead, OpEditIntegration, OpDeleteIntegration, OpToggle, OpResetTrigger, OpRunNow,
		OpRetry, OpTest, OpAccounts, OpRevealSecret, OpBackup}
}

// grants is the allowlist: a role may do the ops listed for it, nothing else.
var grants = map[Role][]Op{
	RoleViewer: {OpRead},
	RoleAdmin:  Ops(),
}

// ErrForbidden is what every refused call matches (errors.Is).
var ErrForbidden = errors.New("permission denied")

// ForbiddenError is a call the session's role does not allow.
type ForbiddenError struct {
	Op     Op
	Role   Role
	Reason string // for people: "read-only: your SSH key has the viewer role"
}

func (e *ForbiddenError) Error() string {
	if e.Role == RoleViewer {
		return fmt.Sprintf("permission denied: to %s you need the admin role; your SSH key has the viewer role (read-only)", e.Op)
	}
	return "permission denied: " + e.Reason
}

// Is makes errors.Is(err, ErrForbidden) true.
func (e *ForbiddenError) Is(target error) bool { return target == ErrForbidden }

// ErrAuditFailed is what an *AuditError matches (errors.Is).
var ErrAuditFailed = errors.New("the audit log could not record the change")

// AuditError says a change was made but its audit entry could not be
// written. The method that returns it also returns the change's result.
type AuditError struct {
	Entry storage.AuditEntry
	Err   error
}

func (e *AuditError) Error() string {
	return fmt.Sprintf("the change was made, but the audit log could not record it (%s %s): %v; check the disk and the database file",
		e.Entry.Action, e.Entry.Target, e.Err)
}

func (e *AuditError) Unwrap() []error { return []error{ErrAuditFailed, e.Err} }

// Session opens a session for who (how the audit log names them:
// "local:alice", "ssh:SHA256:… alice@laptop") with a fixed role.
func (e *Engine) Session(who string, role Role) *Session {
	return &Session{e: e, who: who, role: func() Role { return role }, addAudit: e.store.AddAudit}
}

// WithRoleSource returns a copy of the session that asks roleNow for its
// role before every call, so that revoking a key (roleNow then says
// RoleNone, or RoleViewer for a demoted admin) takes effect at the next call
// of a session that is already open.
func (s *Session) WithRoleSource(roleNow func() Role) *Session {
	c := *s
	c.role = roleNow
	return &c
}

// Who is how the audit log names the session's user.
func (s *Session) Who() string { return s.who }

// Role is the session's role now.
func (s *Session) Role() Role { return s.role() }

// Can reports whether the session may do op now and, when not, why (for a
// hint beside a key that cannot act).
func (s *Session) Can(op Op) (bool, string) {
	role := s.role()
	if slices.Contains(grants[role], op) {
		return true, ""
	}
	switch role {
	case RoleViewer:
		return false, "read-only: your SSH key has the viewer role; ask an admin"
	case RoleAdmin:
		return false, "not an operation of oktaflow"
	}
	return false, "your access was revoked (the key is no longer in the keys files)"
}

// allow returns a *ForbiddenError when the session may not do op.
func (s *Session) allow(op Op) error {
	if ok, why := s.Can(op); !ok {
		s.e.log.Info("refused", "who", s.who, "role", s.role().String(), "op", string(op))
		return &ForbiddenError{Op: op, Role: s.role(), Reason: why}
	}
	return nil
}

// entry is the audit entry a change writes.
type entry struct{ action, target, detail string }

// change is the one gate every mutating method goes through: the role is
// checked before anything happens, do makes the change, and its audit
// entry is written once the change succeeded. do returns a nil entry for a
// call that turned out to change nothing.
func change[T any](s *Session, op Op, do func() (T, *entry, error)) (T, error) {
	if err := s.allow(op); err != nil {
		var zero T
		return zero, err
	}
	out, ent, err := do()
	if err != nil || ent == nil {
		return out, err
	}
	e := storage.AuditEntry{Who: s.who, Action: ent.action, Target: ent.target, Detail: ent.detail}
	if _, err := s.addAudit(e); err != nil {
		s.e.log.Error("audit log write failed", "who", s.who, "action", e.Action, "target", e.Target, "err", err)
		return out, &AuditError{Entry: e, Err: err}
	}
	return out, nil
}

// read is the gate of every read.
func read[T any](s *Session, get func() (T, error)) (T, error) {
	if err := s.allow(OpRead); err != nil {
		var zero T
		return zero, err
	}
	return get()
}
