package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// The store's account operations: add, update, read (through the cache),
// remove, and who uses an account.

// AddAccount stores a new account; the name must be unique (case-insensitive).
// It fills ID, CreatedAt and UpdatedAt and returns the stored account.
func (s *Store) AddAccount(a Account) (Account, error) {
	if err := ValidateName(a.Name); err != nil {
		return Account{}, err
	}
	if a.Kind == "" {
		a.Kind = AccountOkta
	}
	a.Sandbox = a.Sandbox || a.Kind == AccountSandbox
	if err := a.validate(); err != nil {
		return Account{}, err
	}
	a.ID = newID("acc_")
	a.CreatedAt = s.now().UTC()
	a.UpdatedAt = a.CreatedAt
	err := s.update(func(tx *bolt.Tx) error {
		names := tx.Bucket(bucketAccountNames)
		if names.Get([]byte(strings.ToLower(a.Name))) != nil {
			return fmt.Errorf("account %q: %w; pick another name or remove it first", a.Name, ErrExists)
		}
		if err := names.Put([]byte(strings.ToLower(a.Name)), []byte(a.ID)); err != nil {
			return err
		}
		return s.putAccount(tx, a)
	})
	return a, err
}

// UpdateAccount replaces an account's fields (not its name or id).
func (s *Store) UpdateAccount(a Account) error {
	return s.update(func(tx *bolt.Tx) error {
		old, err := s.getAccount(tx, a.ID)
		if err != nil {
			return err
		}
		a.Name, a.CreatedAt, a.Sandbox = old.Name, old.CreatedAt, old.Sandbox
		if a.Kind == "" {
			a.Kind = old.Kind
		}
		if err := a.validate(); err != nil {
			return err
		}
		a.UpdatedAt = s.now().UTC()
		return s.putAccount(tx, a)
	})
}

// Account returns the account with that id or name.
// It reads the cache and returns a copy.
func (s *Store) Account(idOrName string) (Account, error) {
	snap, err := s.accountSnapshot()
	if err != nil {
		return Account{}, err
	}
	return snap.one(idOrName)
}

// Accounts lists every account, by name. An account that cannot be read
// is left out (see AccountsChecked and Problems).
func (s *Store) Accounts() ([]Account, error) {
	out, _, err := s.AccountsChecked()
	return out, err
}

// AccountsChecked lists every account, by name, and the records it had to
// leave out because they cannot be read.
func (s *Store) AccountsChecked() ([]Account, []RecordProblem, error) {
	snap, err := s.accountSnapshot()
	if err != nil {
		return nil, nil, err
	}
	out, bad := snap.all(s)
	return out, bad, nil
}

// loadAccounts decodes every account, by name, leaving out (and
// returning) those that cannot be read.
func (s *Store) loadAccounts(tx *bolt.Tx) ([]Account, []RecordProblem, error) {
	var out []Account
	var bad []RecordProblem
	err := tx.Bucket(bucketAccountNames).ForEach(func(_, id []byte) error {
		a, err := s.getAccount(tx, string(id))
		if s.skip(err, &bad) {
			return nil
		}
		if err != nil {
			return err
		}
		out = append(out, a)
		return nil
	})
	return out, bad, err
}

// RemoveAccount deletes an account and its cached schema. It refuses with
// ErrInUse, naming the integrations, while any integration step uses it.
func (s *Store) RemoveAccount(idOrName string) error {
	return s.update(func(tx *bolt.Tx) error {
		id := s.resolveAccount(tx, idOrName)
		a, err := s.getAccount(tx, id)
		if errors.Is(err, ErrCorrupt) {
			return s.removeDamagedAccount(tx, id)
		}
		if err != nil {
			return fmt.Errorf("account %q: %w", idOrName, ErrNotFound)
		}
		users, err := accountUsers(tx, a)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return fmt.Errorf("account %q is used by %s: %w; point their steps at another account first", a.Name, strings.Join(users, ", "), ErrInUse)
		}
		if err := tx.Bucket(bucketAccountNames).Delete([]byte(strings.ToLower(a.Name))); err != nil {
			return err
		}
		if err := tx.Bucket(bucketSchemas).Delete([]byte(a.ID)); err != nil {
			return err
		}
		s.accountsChanged(tx)
		return tx.Bucket(bucketAccounts).Delete([]byte(a.ID))
	})
}

// removeDamagedAccount deletes an account record that cannot be read, with
// its cached schema and every name that points to it: the one way out short
// of restoring a backup. Steps that named it then fail with "no account".
func (s *Store) removeDamagedAccount(tx *bolt.Tx, id string) error {
	names := tx.Bucket(bucketAccountNames)
	var stale [][]byte
	if err := names.ForEach(func(k, v []byte) error {
		if string(v) == id {
			stale = append(stale, bytes.Clone(k))
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range stale {
		if err := names.Delete(k); err != nil {
			return err
		}
	}
	if err := tx.Bucket(bucketSchemas).Delete([]byte(id)); err != nil {
		return err
	}
	s.accountsChanged(tx)
	return tx.Bucket(bucketAccounts).Delete([]byte(id))
}

func (s *Store) resolveAccount(tx *bolt.Tx, idOrName string) string {
	if tx.Bucket(bucketAccounts).Get([]byte(idOrName)) != nil {
		return idOrName
	}
	return string(tx.Bucket(bucketAccountNames).Get([]byte(strings.ToLower(idOrName))))
}

func (s *Store) getAccount(tx *bolt.Tx, id string) (Account, error) {
	raw := tx.Bucket(bucketAccounts).Get([]byte(id))
	if raw == nil {
		return Account{}, fmt.Errorf("account %q: %w", id, ErrNotFound)
	}
	var rec accountRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return Account{}, recordErr(bucketAccounts, id, err)
	}
	a := Account(rec.accountFields)
	a.ID = id
	for _, f := range rec.sealedFields(id, &a) {
		v, err := s.sealer.open(*f.sealed, f.binding)
		if err != nil {
			return Account{}, recordErr(bucketAccounts, id, fmt.Errorf("account %q: %w", a.Name, err))
		}
		*f.plain = v
	}
	return a, nil
}

func (s *Store) putAccount(tx *bolt.Tx, a Account) error {
	rec := accountRecord{accountFields: accountFields(a)}
	for _, f := range rec.sealedFields(a.ID, &a) {
		sealed, err := s.sealer.seal(*f.plain, f.binding)
		if err != nil {
			return err
		}
		*f.sealed = sealed
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	s.accountsChanged(tx)
	return tx.Bucket(bucketAccounts).Put([]byte(a.ID), raw)
}

// AccountUsers names the integrations that use an account (a step acts on
// it, or a trigger reads from it), as "Name (id)".
func (s *Store) AccountUsers(idOrName string) ([]string, error) {
	var users []string
	err := s.view(func(tx *bolt.Tx) error {
		id := s.resolveAccount(tx, idOrName)
		raw := tx.Bucket(bucketAccounts).Get([]byte(id))
		if raw == nil {
			return fmt.Errorf("account %q: %w", idOrName, ErrNotFound)
		}
		var rec accountRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			return recordErr(bucketAccounts, id, err)
		}
		rec.ID = id
		var err error
		users, err = accountUsers(tx, Account(rec.accountFields))
		return err
	})
	return users, err
}

func accountUsers(tx *bolt.Tx, a Account) ([]string, error) {
	var users []string
	err := tx.Bucket(bucketIntegrations).ForEach(func(k, v []byte) error {
		var in Integration
		if err := json.Unmarshal(v, &in); err != nil {
			// Cannot tell: say so rather than let the account go while
			// an unreadable integration may still use it.
			users = append(users, fmt.Sprintf("an unreadable integration (%s)", k))
			return nil
		}
		if in.usesAccount(a) {
			users = append(users, fmt.Sprintf("%q (%s)", in.Name, in.ID))
		}
		return nil
	})
	return users, err
}
