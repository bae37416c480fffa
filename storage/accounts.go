package storage

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Account kinds.
const (
	AccountOkta    = "okta"    // a real Okta org
	AccountSandbox = "sandbox" // the built-in simulator, started on a loopback port at each start
)

// Account is a connected Okta org.
type Account struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Kind       string    `json:"kind"`
	OrgURL     string    `json:"orgUrl"` // normalised https://host (http://127.0.0.1:port for a sandbox)
	Token      Secret    `json:"-"`      // stored sealed, see accountRecord
	AllowHTTP  bool      `json:"allowHttp,omitempty"`
	VerifiedAs string    `json:"verifiedAs,omitempty"` // login from /api/v1/users/me
	VerifiedAt time.Time `json:"verifiedAt,omitzero"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// accountRecord is an Account as stored: the token sealed.
type accountRecord struct {
	Account
	SealedToken string `json:"sealedToken,omitempty"`
}

func accountBinding(id string) string { return "account/" + id + "/token" }

// ValidateName checks a user-chosen name for an account: 1–64 characters of
// letters, digits, '-', '_' and '.', so that it works as a CLI argument.
func ValidateName(name string) error {
	if name == "" {
		return fmt.Errorf("%w: the name is empty", ErrInvalid)
	}
	if len(name) > 64 {
		return fmt.Errorf("%w: the name %q is longer than 64 characters", ErrInvalid, name)
	}
	for _, r := range name {
		ok := r == '-' || r == '_' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok {
			return fmt.Errorf("%w: the name %q may hold only letters, digits, '-', '_' and '.'", ErrInvalid, name)
		}
	}
	return nil
}

// AddAccount stores a new account; the name must be unique (case-insensitive).
// It fills ID, CreatedAt and UpdatedAt and returns the stored account.
func (s *Store) AddAccount(a Account) (Account, error) {
	if err := ValidateName(a.Name); err != nil {
		return Account{}, err
	}
	if a.Kind == "" {
		a.Kind = AccountOkta
	}
	a.ID = newID("acc_")
	a.CreatedAt = s.now().UTC()
	a.UpdatedAt = a.CreatedAt
	err := s.db.Update(func(tx *bolt.Tx) error {
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
	return s.db.Update(func(tx *bolt.Tx) error {
		old, err := s.getAccount(tx, a.ID)
		if err != nil {
			return err
		}
		a.Name, a.CreatedAt = old.Name, old.CreatedAt
		a.UpdatedAt = s.now().UTC()
		return s.putAccount(tx, a)
	})
}

// Account returns the account with that id or name.
func (s *Store) Account(idOrName string) (Account, error) {
	var a Account
	err := s.db.View(func(tx *bolt.Tx) error {
		id := s.resolveAccount(tx, idOrName)
		if id == "" {
			return fmt.Errorf("account %q: %w", idOrName, ErrNotFound)
		}
		var err error
		a, err = s.getAccount(tx, id)
		return err
	})
	return a, err
}

// Accounts lists every account, by name.
func (s *Store) Accounts() ([]Account, error) {
	var out []Account
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAccountNames).ForEach(func(_, id []byte) error {
			a, err := s.getAccount(tx, string(id))
			if err != nil {
				return err
			}
			out = append(out, a)
			return nil
		})
	})
	return out, err
}

// RemoveAccount deletes an account and its cached schema. It refuses with
// ErrInUse, naming the integrations, while any integration step uses it.
func (s *Store) RemoveAccount(idOrName string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		id := s.resolveAccount(tx, idOrName)
		a, err := s.getAccount(tx, id)
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
		return tx.Bucket(bucketAccounts).Delete([]byte(a.ID))
	})
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
		return Account{}, fmt.Errorf("decode account %s: %w", id, err)
	}
	a := rec.Account
	tok, err := s.sealer.open(rec.SealedToken, accountBinding(id))
	if err != nil {
		return Account{}, fmt.Errorf("account %q: %w", a.Name, err)
	}
	a.Token = tok
	return a, nil
}

func (s *Store) putAccount(tx *bolt.Tx, a Account) error {
	sealed, err := s.sealer.seal(a.Token, accountBinding(a.ID))
	if err != nil {
		return err
	}
	rec := accountRecord{Account: a, SealedToken: sealed}
	raw, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketAccounts).Put([]byte(a.ID), raw)
}

// AccountUsers names the integrations that use an account (a step acts on
// it, or a trigger reads from it), as "Name (id)".
func (s *Store) AccountUsers(idOrName string) ([]string, error) {
	var users []string
	err := s.db.View(func(tx *bolt.Tx) error {
		id := s.resolveAccount(tx, idOrName)
		raw := tx.Bucket(bucketAccounts).Get([]byte(id))
		if raw == nil {
			return fmt.Errorf("account %q: %w", idOrName, ErrNotFound)
		}
		var rec accountRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			return err
		}
		var err error
		users, err = accountUsers(tx, rec.Account)
		return err
	})
	return users, err
}

func accountUsers(tx *bolt.Tx, a Account) ([]string, error) {
	var users []string
	err := tx.Bucket(bucketIntegrations).ForEach(func(_, v []byte) error {
		var in Integration
		if err := json.Unmarshal(v, &in); err != nil {
			return err
		}
		if in.usesAccount(a) {
			users = append(users, fmt.Sprintf("%q (%s)", in.Name, in.ID))
		}
		return nil
	})
	return users, err
}
