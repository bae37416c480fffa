package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

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

// Reads.

// Subscribe delivers engine events until ctx ends (see Engine.Subscribe); a
// session that may not read gets a closed channel.
func (s *Session) Subscribe(ctx context.Context) <-chan Event {
	if s.allow(OpRead) != nil {
		ch := make(chan Event)
		close(ch)
		return ch
	}
	return s.e.Subscribe(ctx)
}

// ListenStatus returns the webhook listener's address, or why it is off.
func (s *Session) ListenStatus() (addr string, err error) {
	if err := s.allow(OpRead); err != nil {
		return "", err
	}
	return s.e.ListenStatus()
}

// Integrations lists every integration (redacted for the role).
func (s *Session) Integrations() ([]storage.Integration, error) {
	return read(s, func() ([]storage.Integration, error) {
		list, err := s.e.store.Integrations()
		for i := range list {
			list[i] = s.redactIntegration(list[i])
		}
		return list, err
	})
}

// Integration returns one integration (redacted for the role).
func (s *Session) Integration(id string) (storage.Integration, error) {
	return read(s, func() (storage.Integration, error) {
		in, err := s.e.store.Integration(id)
		return s.redactIntegration(in), err
	})
}

// IntegrationStats counts an integration's runs since a time.
func (s *Session) IntegrationStats(id string, since time.Time) (storage.IntegrationStats, error) {
	return read(s, func() (storage.IntegrationStats, error) { return s.e.store.IntegrationStats(id, since) })
}

// TriggerHealth is how an integration's trigger is doing (the zero value
// before its first poll, and for a push trigger).
func (s *Session) TriggerHealth(id string) (storage.TriggerHealth, error) {
	return read(s, func() (storage.TriggerHealth, error) { return s.e.store.TriggerHealth(id) })
}

// TriggerHealths is every integration's trigger health, by integration id.
func (s *Session) TriggerHealths() (map[string]storage.TriggerHealth, error) {
	return read(s, s.e.store.TriggerHealths)
}

// Export returns an integration's portable document (never its secrets).
func (s *Session) Export(id string) (Document, error) {
	return read(s, func() (Document, error) {
		in, err := s.e.store.Integration(id)
		if err != nil {
			return Document{}, err
		}
		return DocumentOf(in), nil
	})
}

// Runs lists runs, newest first; page with RunQuery.Before.
func (s *Session) Runs(q storage.RunQuery) ([]storage.Run, error) {
	return read(s, func() ([]storage.Run, error) { return s.e.store.ListRuns(q) })
}

// Run returns one run.
func (s *Session) Run(id storage.RunID) (storage.Run, error) {
	return read(s, func() (storage.Run, error) { return s.e.store.Run(id) })
}

// RunCounts counts runs by state.
func (s *Session) RunCounts() (map[storage.RunState]int, error) {
	return read(s, s.e.store.RunCounts)
}

// Audit returns up to limit audit entries older than before (0: the
// newest), newest first.
func (s *Session) Audit(before uint64, limit int) ([]storage.AuditEntry, error) {
	return read(s, func() ([]storage.AuditEntry, error) { return s.e.store.Audit(before, limit) })
}

// Accounts lists the accounts, their credentials masked.
func (s *Session) Accounts() ([]storage.Account, error) {
	return read(s, func() ([]storage.Account, error) {
		list, err := s.e.store.Accounts()
		for i := range list {
			list[i] = redactAccount(list[i])
		}
		return list, err
	})
}

// Account returns one account (by id or name), its credentials masked.
func (s *Session) Account(idOrName string) (storage.Account, error) {
	return read(s, func() (storage.Account, error) {
		a, err := s.e.store.Account(idOrName)
		return redactAccount(a), err
	})
}

// AccountUsers names the integrations that use an account.
func (s *Session) AccountUsers(idOrName string) ([]string, error) {
	return read(s, func() ([]string, error) { return s.e.store.AccountUsers(idOrName) })
}

// Schema returns an account's cached user schema (storage.ErrNotFound when
// it was never read).
func (s *Session) Schema(accountID string) (storage.UserSchema, error) {
	return read(s, func() (storage.UserSchema, error) { return s.e.store.Schema(accountID) })
}

// SandboxPeople lists the users of a running sandbox org, to test with.
func (s *Session) SandboxPeople(accountID string) ([]SandboxPerson, error) {
	return read(s, func() ([]SandboxPerson, error) { return s.e.SandboxPeople(accountID), nil })
}

// SandboxFile is where a sandbox account's org is kept.
func (s *Session) SandboxFile(accountID string) (string, error) {
	return read(s, func() (string, error) { return s.e.SandboxFile(accountID), nil })
}

// OAuthScopes lists the Okta API scopes an OAuth account may request, the
// ones the integrations that name the account need marked.
func (s *Session) OAuthScopes(account string) ([]ScopeNeed, error) {
	return read(s, func() ([]ScopeNeed, error) { return s.e.OAuthScopes(account) })
}

// Validate checks an integration as saving would, returning Problems.
func (s *Session) Validate(in storage.Integration) error {
	if err := s.allow(OpRead); err != nil {
		return err
	}
	return s.e.ValidateIntegration(in)
}

// Preview resolves each step's fields against an event without calling
// Okta: each step's Input holds the fields it could resolve, Deferred the
// fields that wait for an earlier step's output (known only in a test run),
// and Error only real problems (a value the event lacks, a template that
// does not compile).
func (s *Session) Preview(in storage.Integration, event map[string]any) ([]StepOutcome, error) {
	return read(s, func() ([]StepOutcome, error) { return s.e.previewTyped(in, event), nil })
}

// Sample fetches a recent event of an integration's trigger without moving
// its cursor. An admin may sample a draft (settings not saved yet); a
// viewer samples only the integration as stored, so that a viewer cannot
// make the server call an address of the viewer's choosing.
func (s *Session) Sample(ctx context.Context, in storage.Integration) (map[string]any, error) {
	if err := s.allow(OpRead); err != nil {
		return nil, err
	}
	if ok, _ := s.Can(OpEditIntegration); !ok {
		if in.ID == "" {
			return nil, &ForbiddenError{Op: "load a sample of an unsaved draft", Role: s.role(), Reason: "a viewer can load samples of saved integrations only"}
		}
		stored, err := s.e.store.Integration(in.ID)
		if err != nil {
			return nil, err
		}
		in = stored
	}
	return s.e.Sample(ctx, in)
}

// Changes.

// SaveResult is what saving an integration did.
type SaveResult struct {
	Integration storage.Integration
	Created     bool // a new integration (it starts OFF)
	// Rebaselined: the trigger's source changed while ON (another file,
	// URL, process or account), so it reads from now on, as after switching
	// ON; what the new source already held does not fire. Front ends say so.
	Rebaselined bool
}

// SaveIntegration validates and stores an integration (a new one when its
// ID is empty).
func (s *Session) SaveIntegration(ctx context.Context, in storage.Integration) (SaveResult, error) {
	return change(s, OpEditIntegration, func() (SaveResult, *entry, error) {
		res, err := s.e.saveIntegration(ctx, in)
		if err != nil {
			return SaveResult{}, nil, err
		}
		ent := &entry{"integration.edit", res.Integration.ID, res.Integration.Name}
		if res.Created {
			ent.action = "integration.create"
		}
		if res.Rebaselined {
			ent.detail += " · its trigger's source changed: it reads from now"
		}
		return res, ent, nil
	})
}

// Import creates an integration, OFF, from a document.
func (s *Session) Import(ctx context.Context, data []byte) (SaveResult, error) {
	return change(s, OpEditIntegration, func() (SaveResult, *entry, error) {
		saved, err := s.e.Import(ctx, data)
		if err != nil {
			return SaveResult{}, nil, err
		}
		return SaveResult{Integration: saved, Created: true}, &entry{"integration.create", saved.ID, saved.Name + " · imported"}, nil
	})
}

// DeleteIntegration removes an integration (its finished runs stay).
func (s *Session) DeleteIntegration(ctx context.Context, id string) error {
	_, err := change(s, OpDeleteIntegration, func() (struct{}, *entry, error) {
		in, err := s.e.store.Integration(id)
		if err != nil {
			return struct{}{}, nil, err
		}
		if err := s.e.DeleteIntegration(ctx, in.ID); err != nil {
			return struct{}{}, nil, err
		}
		return struct{}{}, &entry{"integration.delete", in.ID, in.Name}, nil
	})
	return err
}

// SetEnabled switches an integration ON (from now, or from `from`) or OFF
// (its queued runs are cancelled: their number is returned).
func (s *Session) SetEnabled(ctx context.Context, id string, on bool, from time.Time) (cancelled int, err error) {
	return change(s, OpToggle, func() (int, *entry, error) {
		in, err := s.e.store.Integration(id)
		if err != nil {
			return 0, nil, err
		}
		n, err := s.e.SetEnabled(ctx, in.ID, on, from)
		if err != nil {
			return 0, nil, err
		}
		ent := &entry{"integration.disable", in.ID, in.Name}
		if on {
			ent.action = "integration.enable"
			if !from.IsZero() {
				ent.detail += " · from " + from.UTC().Format(time.RFC3339)
			}
		}
		if n > 0 {
			ent.detail += fmt.Sprintf(" · cancelled %d queued run%s", n, plural(n))
		}
		return n, ent, nil
	})
}

// ResetTrigger makes an ON integration's trigger start again from `from`
// (now when zero), as switching it ON does; what it saw already does not
// fire again.
func (s *Session) ResetTrigger(ctx context.Context, id string, from time.Time) (storage.Integration, error) {
	return change(s, OpResetTrigger, func() (storage.Integration, *entry, error) {
		in, err := s.e.ResetTrigger(ctx, id, from)
		if err != nil {
			return storage.Integration{}, nil, err
		}
		return in, &entry{"integration.reset_trigger", in.ID, in.Name + " · from " + in.EnabledAt.UTC().Format(time.RFC3339)}, nil
	})
}

// RunNow queues a run of an integration with the given event.
func (s *Session) RunNow(id string, event map[string]any) (storage.RunID, error) {
	return change(s, OpRunNow, func() (storage.RunID, *entry, error) {
		in, err := s.e.store.Integration(id)
		if err != nil {
			return 0, nil, err
		}
		run, err := s.e.RunNow(in.ID, event)
		if err != nil {
			return 0, nil, err
		}
		return run, &entry{"integration.run", in.ID, in.Name + " · run " + run.String()}, nil
	})
}

// RetryRun puts a failed or cancelled run back in the queue.
func (s *Session) RetryRun(id storage.RunID) (storage.Run, error) {
	return change(s, OpRetry, func() (storage.Run, *entry, error) {
		r, err := s.e.RetryRun(id)
		if err != nil {
			return storage.Run{}, nil, err
		}
		detail := r.IntegrationID
		if in, err := s.e.store.Integration(r.IntegrationID); err == nil {
			detail += " " + in.Name
		}
		return r, &entry{"run.retry", r.ID.String(), detail}, nil
	})
}

// TestIntegration runs an integration's steps once on an event, for real
// (see Engine.TestIntegration).
func (s *Session) TestIntegration(ctx context.Context, in storage.Integration, event map[string]any) ([]StepOutcome, error) {
	return change(s, OpTest, func() ([]StepOutcome, *entry, error) {
		outs, err := s.e.TestIntegration(ctx, in, event)
		if err != nil {
			return outs, nil, err
		}
		target := in.ID
		if target == "" {
			target = in.Name
		}
		return outs, &entry{"integration.test", target, TestSummary(outs)}, nil
	})
}

// RevealSecret returns one of an integration's trigger secrets in clear
// (the webhook secret to give a caller, say), audited.
func (s *Session) RevealSecret(integrationID, key string) (storage.Secret, error) {
	return change(s, OpRevealSecret, func() (storage.Secret, *entry, error) {
		in, err := s.e.store.Integration(integrationID)
		if err != nil {
			return "", nil, err
		}
		sec, ok := in.Trigger.Secrets[key]
		if !ok || sec.IsZero() {
			return "", nil, fmt.Errorf("%s has no secret %q: %w", in.Name, key, storage.ErrNotFound)
		}
		return sec, &entry{"integration.show_secret", in.ID, in.Name + " · " + key}, nil
	})
}

// AddAccount verifies and stores an account (see Engine.AddAccount).
func (s *Session) AddAccount(ctx context.Context, in AccountInput) (storage.Account, error) {
	return change(s, OpAccounts, func() (storage.Account, *entry, error) {
		a, err := s.e.AddAccount(ctx, in)
		if err != nil {
			return storage.Account{}, nil, err
		}
		return redactAccount(a), &entry{"account.add", a.ID, a.Name + " " + a.OrgURL + " as " + a.VerifiedAs}, nil
	})
}

// CreateSandbox creates a sandbox account and its simulated org.
func (s *Session) CreateSandbox(ctx context.Context, name string) (storage.Account, error) {
	return change(s, OpAccounts, func() (storage.Account, *entry, error) {
		a, err := s.e.CreateSandbox(ctx, name)
		if err != nil {
			return storage.Account{}, nil, err
		}
		return redactAccount(a), &entry{"account.add", a.ID, a.Name + " sandbox org " + a.OrgURL}, nil
	})
}

// CreateSandboxWith creates a sandbox account that signs in with an API
// token or as an OAuth service app (see Engine.CreateSandboxWith).
func (s *Session) CreateSandboxWith(ctx context.Context, in SandboxInput) (storage.Account, error) {
	return change(s, OpAccounts, func() (storage.Account, *entry, error) {
		a, err := s.e.CreateSandboxWith(ctx, in)
		if err != nil {
			return storage.Account{}, nil, err
		}
		detail := a.Name + " sandbox org " + a.OrgURL
		if a.IsOAuth() {
			detail += " as OAuth service app " + a.OAuthClientID
		}
		return redactAccount(a), &entry{"account.add", a.ID, detail}, nil
	})
}

// VerifyAccount checks an account's credentials again.
func (s *Session) VerifyAccount(ctx context.Context, idOrName string) (storage.Account, error) {
	return change(s, OpAccounts, func() (storage.Account, *entry, error) {
		a, err := s.e.VerifyAccount(ctx, idOrName)
		if err != nil {
			return redactAccount(a), nil, err
		}
		return redactAccount(a), &entry{"account.verify", a.ID, a.Name + " as " + a.VerifiedAs}, nil
	})
}

// RemoveAccount deletes an account no integration uses.
func (s *Session) RemoveAccount(idOrName string) error {
	_, err := change(s, OpAccounts, func() (struct{}, *entry, error) {
		a, err := s.e.store.Account(idOrName)
		if err != nil {
			return struct{}{}, nil, err
		}
		if err := s.e.RemoveAccount(a.ID); err != nil {
			return struct{}{}, nil, err
		}
		return struct{}{}, &entry{"account.remove", a.ID, a.Name}, nil
	})
	return err
}

// RefreshSchema re-reads an account's user schema.
func (s *Session) RefreshSchema(ctx context.Context, idOrName string) (storage.UserSchema, error) {
	return change(s, OpAccounts, func() (storage.UserSchema, *entry, error) {
		a, err := s.e.store.Account(idOrName)
		if err != nil {
			return storage.UserSchema{}, nil, err
		}
		sc, err := s.e.RefreshSchema(ctx, a.ID)
		if err != nil {
			return storage.UserSchema{}, nil, err
		}
		return sc, &entry{"account.refresh_schema", a.ID, fmt.Sprintf("%s: %d fields", a.Name, len(sc.Fields))}, nil
	})
}

// Backup writes a consistent copy of the database to w while the engine
// runs (secrets stay sealed in it) and returns its size.
func (s *Session) Backup(w io.Writer) (int64, error) {
	return change(s, OpBackup, func() (int64, *entry, error) {
		n, err := s.e.store.Backup(w)
		if err != nil {
			return n, nil, err
		}
		return n, &entry{"database.backup", s.e.store.Path(), fmt.Sprintf("%d bytes", n)}, nil
	})
}

// TestSummary is a test's result in one line, each step's: "create ✓
// created; find ✗ E0000007" (the audit detail of integration.test).
func TestSummary(outs []StepOutcome) string {
	parts := make([]string, 0, len(outs))
	for _, o := range outs {
		switch {
		case o.Error != nil && o.Error.Code != "":
			parts = append(parts, o.StepID+" ✗ "+o.Error.Code)
		case o.Error != nil:
			parts = append(parts, o.StepID+" ✗")
		default:
			parts = append(parts, o.StepID+" ✓ "+fmt.Sprint(o.Output["outcome"]))
		}
	}
	return strings.Join(parts, "; ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
