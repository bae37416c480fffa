package engine

import (
	"context"
	"time"

	"github.com/oktaflow/oktaflow/storage"
)

// The Session's reads: each passes the read gate (read) and comes back
// redacted for the role.

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

// IntegrationsChecked is Integrations and the records it left out because
// they cannot be read, so that a listing can name them.
func (s *Session) IntegrationsChecked() ([]storage.Integration, []storage.RecordProblem, error) {
	if err := s.allow(OpRead); err != nil {
		return nil, nil, err
	}
	list, bad, err := s.e.store.IntegrationsChecked()
	for i := range list {
		list[i] = s.redactIntegration(list[i])
	}
	return list, bad, err
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

// RunsChecked is Runs and the runs of the page it left out because they
// cannot be read, so that a listing can name them.
func (s *Session) RunsChecked(q storage.RunQuery) ([]storage.Run, []storage.RecordProblem, error) {
	if err := s.allow(OpRead); err != nil {
		return nil, nil, err
	}
	return s.e.store.ListRunsChecked(q)
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
			list[i] = s.redactAccountForRole(list[i])
		}
		return list, err
	})
}

// Account returns one account (by id or name), its credentials masked.
func (s *Session) Account(idOrName string) (storage.Account, error) {
	return read(s, func() (storage.Account, error) {
		a, err := s.e.store.Account(idOrName)
		return s.redactAccountForRole(a), err
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

// FeedsDir is the folder CSV triggers may read (a path, no secret: every
// role may know where to put a feed).
func (s *Session) FeedsDir() (string, error) {
	return read(s, func() (string, error) { return s.e.FeedsDir(), nil })
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
