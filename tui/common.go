package tui

import (
	"context"
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
)

// Backend is everything the screens need from the engine. *engine.Session
// satisfies it: the session checks the user's role for every call, writes
// the audit entry of every change, and redacts what the user may not see,
// so that no screen enforces a rule by hand. Screens ask Can only to hint
// that a key cannot act now, and why.
type Backend interface {
	Who() string
	Role() engine.Role
	Can(op engine.Op) (bool, string)

	Subscribe(ctx context.Context) <-chan engine.Event
	ListenStatus() (addr string, err error)

	Integrations() ([]storage.Integration, error)
	Integration(id string) (storage.Integration, error)
	IntegrationStats(id string, since time.Time) (storage.IntegrationStats, error)
	TriggerHealths() (map[string]storage.TriggerHealth, error)
	Runs(q storage.RunQuery) ([]storage.Run, error)
	Run(id storage.RunID) (storage.Run, error)
	RunCounts() (map[storage.RunState]int, error)
	Audit(before uint64, limit int) ([]storage.AuditEntry, error)
	Accounts() ([]storage.Account, error)
	Account(idOrName string) (storage.Account, error)
	AccountUsers(idOrName string) ([]string, error)
	Schema(accountID string) (storage.UserSchema, error)
	SandboxPeople(accountID string) ([]engine.SandboxPerson, error)
	OAuthScopes(account string) ([]engine.ScopeNeed, error)
	StarterSample(t storage.Trigger) map[string]any
	CSVColumns(path, delimiter, encoding string) ([]string, error)
	FeedsDir() (string, error)
	Groups(ctx context.Context, account, query string) ([]engine.GroupChoice, error)

	Validate(in storage.Integration) error
	Preview(in storage.Integration, event map[string]any) ([]engine.StepOutcome, error)
	Sample(ctx context.Context, in storage.Integration) (map[string]any, error)
	SaveIntegration(ctx context.Context, in storage.Integration) (engine.SaveResult, error)
	DeleteIntegration(ctx context.Context, id string) error
	SetEnabled(ctx context.Context, id string, on bool, from time.Time) (cancelled int, err error)
	RunNow(id string, event map[string]any) (storage.RunID, error)
	RetryRun(id storage.RunID) (storage.Run, error)
	TestIntegration(ctx context.Context, in storage.Integration, event map[string]any) ([]engine.StepOutcome, error)
	RevealSecret(integrationID, key string) (storage.Secret, error)

	AddAccount(ctx context.Context, in engine.AccountInput) (storage.Account, error)
	CreateSandbox(ctx context.Context, name string) (storage.Account, error)
	CreateKissflowSandbox(ctx context.Context, name string) (storage.Account, error)
	KissflowSandboxItems(account string) ([]engine.KissflowSandboxItem, error)
	CompleteKissflowItem(account, itemID string) (engine.KissflowSandboxItem, error)
	VerifyAccount(ctx context.Context, idOrName string) (storage.Account, error)
	RemoveAccount(idOrName string) error
	RefreshSchema(ctx context.Context, idOrName string) (storage.UserSchema, error)
}

var _ Backend = (*engine.Session)(nil)

// Role is the engine's role, under the names tui/console gives an SSH
// key's role.
type Role = engine.Role

// Roles an SSH key can have.
const (
	Admin  = engine.RoleAdmin
	Viewer = engine.RoleViewer
)

// Common is what every screen of one program shares: one per local run,
// one per SSH session. The UI reaches the engine only through Backend, from
// tea.Cmd closures.
type Common struct {
	Ctx     context.Context
	Backend Backend
	Styles  *Styles
	Keys    KeyMap
	// HookBase is the webhook listener's base URL ("" when it is off).
	HookBase string
	// EngineStarting: the engine starts after the app's first frame and
	// the app gets an EngineStartedMsg then (the local app).
	EngineStarting bool
	// Width and Height are the body's size (inside header, status bar and footer).
	Width, Height int

	// listen is where this process's webhook listener is (the app reads it
	// once at start; screens read it, never the engine, while rendering).
	listen listenState
}

// listenState is the webhook listener's address, or why it is off.
type listenState struct {
	addr string
	err  error
}

// can reports whether the user may do op now and, when not, why: for a
// hint beside a key, never as the rule (the Backend enforces it).
func (c *Common) can(op engine.Op) (bool, string) { return c.Backend.Can(op) }

// disabled is a toast with the reason when op is not allowed now, else
// nil: a key that cannot act says why instead of opening a screen whose
// work would be refused at the end.
func (c *Common) disabled(op engine.Op) tea.Cmd {
	if ok, why := c.can(op); !ok {
		return toast(why)
	}
	return nil
}

// outcome splits a change's error: fail is a change that did not happen;
// warn is one that happened but could not be audited (shown, not undone).
func outcome(err error) (fail, warn error) {
	if errors.Is(err, engine.ErrAuditFailed) {
		return nil, err
	}
	return err, nil
}

// warnCmd shows a change's audit failure in the banner (nil: nothing).
func warnCmd(warn error) tea.Cmd {
	if warn == nil {
		return nil
	}
	return func() tea.Msg { return errMsg{warn} }
}
