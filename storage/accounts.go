package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Account kinds.
const (
	AccountOkta     = "okta"     // a real Okta org
	AccountSandbox  = "sandbox"  // the built-in simulator, started on a loopback port at each start
	AccountKissflow = "kissflow" // a Kissflow account (Process API v2, access key id + secret)
)

// How an Okta account authenticates (Account.Auth).
const (
	AuthToken = "token" // SSWS API token in Token; "" means the same
	AuthOAuth = "oauth" // OAuth 2.0 service app: OAuthClientID, OAuthKeyID, OAuthScopes, PrivateKey, DPoPKey
)

// Account is a connected Okta org or Kissflow account.
//
// Secrets (Token, PrivateKey, DPoPKey) are sealed at rest, each under its own
// binding (account id and field), so a sealed value copied into another
// record or field does not open. In JSON they are masked.
//
// A Kissflow account keeps its base host in OrgURL (https://acme.kissflow.com
// or .eu), its region in Region, and its access key secret in Token.
type Account struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	OrgURL    string `json:"orgUrl"` // normalised https://host (http://127.0.0.1:port for a sandbox)
	Token     Secret `json:"-"`      // SSWS API token, or the Kissflow access key secret
	AllowHTTP bool   `json:"allowHttp,omitempty"`
	// Sandbox: a simulator run inside oktaflow (the Okta sandbox org, kind
	// AccountSandbox, always; a Kissflow sandbox, kind AccountKissflow),
	// started on loopback by the engine, its state in a file beside the
	// database. Set when the account is added, never changed after.
	Sandbox bool `json:"sandbox,omitempty"`

	Auth          string   `json:"auth,omitempty"` // "" or AuthToken: SSWS; AuthOAuth: service app
	OAuthClientID string   `json:"oauthClientId,omitempty"`
	OAuthKeyID    string   `json:"oauthKeyId,omitempty"` // kid of PrivateKey
	OAuthScopes   []string `json:"oauthScopes,omitempty"`
	PrivateKey    Secret   `json:"-"` // PEM or JWK of the service app's signing key
	DPoPKey       Secret   `json:"-"` // PEM of the per-account DPoP key; empty: none

	Region              string `json:"region,omitempty"` // Kissflow: "com" or "eu" style region name
	KissflowAccountID   string `json:"kissflowAccountId,omitempty"`
	KissflowAccessKeyID string `json:"kissflowAccessKeyId,omitempty"`

	VerifiedAs string    `json:"verifiedAs,omitempty"` // login from /api/v1/users/me, or the OAuth client
	VerifiedAt time.Time `json:"verifiedAt,omitzero"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// IsOAuth reports whether an Okta account signs in as an OAuth 2.0 service app.
func (a Account) IsOAuth() bool { return a.Auth == AuthOAuth }

// accountFields is Account without its methods: the plain fields that both
// the masked JSON form and the stored record embed.
type accountFields Account

// MarshalJSON shows which secrets are set without showing them: the token as
// Secret.Mask does, the keys fully masked (a PEM's tail says nothing useful).
func (a Account) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		accountFields
		Token      string `json:"token,omitempty"`
		PrivateKey string `json:"privateKey,omitempty"`
		DPoPKey    string `json:"dpopKey,omitempty"`
	}{accountFields(a), a.Token.Mask(), maskFully(a.PrivateKey), maskFully(a.DPoPKey)})
}

func maskFully(s Secret) string {
	if s.IsZero() {
		return ""
	}
	return maskDots
}

// accountRecord is an Account as stored: every secret sealed, none in clear.
// Records written before OAuth and Kissflow accounts have only SealedToken
// and no Auth, which reads as an SSWS token account: no migration needed.
type accountRecord struct {
	accountFields
	SealedToken      string `json:"sealedToken,omitempty"`
	SealedPrivateKey string `json:"sealedPrivateKey,omitempty"`
	SealedDPoPKey    string `json:"sealedDpopKey,omitempty"`
}

// sealedFields pairs each sealed field of a record with the binding it is
// sealed under and the Account field it opens into.
func (rec *accountRecord) sealedFields(id string, a *Account) []sealedField {
	return []sealedField{
		{&rec.SealedToken, &a.Token, accountBinding(id, "token")},
		{&rec.SealedPrivateKey, &a.PrivateKey, accountBinding(id, "privateKey")},
		{&rec.SealedDPoPKey, &a.DPoPKey, accountBinding(id, "dpopKey")},
	}
}

type sealedField struct {
	sealed  *string
	plain   *Secret
	binding string
}

// accountBinding is the additional data a secret of an account is sealed
// under: the account and the field, so that no sealed value opens elsewhere.
func accountBinding(id, field string) string { return "account/" + id + "/" + field }

// validate checks the kind and auth names the store and the engine switch on.
func (a Account) validate() error {
	if a.Sandbox && a.Kind == AccountOkta {
		return fmt.Errorf("%w: account %q is an Okta org, which cannot be a sandbox (the sandbox org has kind %q)", ErrInvalid, a.Name, AccountSandbox)
	}
	switch a.Kind {
	case AccountOkta, AccountSandbox:
		if a.Auth != "" && a.Auth != AuthToken && a.Auth != AuthOAuth {
			return fmt.Errorf("%w: account %q has an unknown auth kind %q (want %q or %q)", ErrInvalid, a.Name, a.Auth, AuthToken, AuthOAuth)
		}
		if a.IsOAuth() && (a.OAuthClientID == "" || a.PrivateKey.IsZero()) {
			return fmt.Errorf("%w: OAuth account %q needs a client id and a private key", ErrInvalid, a.Name)
		}
	case AccountKissflow:
		if a.Auth != "" && a.Auth != AuthToken {
			return fmt.Errorf("%w: Kissflow account %q authenticates with an access key, not %q", ErrInvalid, a.Name, a.Auth)
		}
		if !a.PrivateKey.IsZero() || !a.DPoPKey.IsZero() {
			return fmt.Errorf("%w: Kissflow account %q cannot hold an OAuth key", ErrInvalid, a.Name)
		}
	default:
		return fmt.Errorf("%w: account %q has an unknown kind %q (want %q, %q or %q)", ErrInvalid, a.Name, a.Kind, AccountOkta, AccountSandbox, AccountKissflow)
	}
	return nil
}

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
