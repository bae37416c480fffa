package engine

import (
	"context"
	"fmt"

	"github.com/oktaflow/oktaflow/storage"
)

// The Session's changes to accounts (op OpAccounts), each audited.

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
		return sc, &entry{"account.refresh_schema", a.ID, fmt.Sprintf("%s: %d field%s", a.Name, len(sc.Fields), plural(len(sc.Fields)))}, nil
	})
}
