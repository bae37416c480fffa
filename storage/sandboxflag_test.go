package storage

import (
	"encoding/json"
	"errors"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// Sandbox says, explicitly, that an account is a simulator run inside
// oktaflow: the Okta sandbox org (kind sandbox) always is one, a Kissflow
// account may be, an Okta org never is; and an update keeps it.
func TestSandboxFlag(t *testing.T) {
	s, _ := openTest(t)
	org, err := s.AddAccount(Account{Name: "sb", Kind: AccountSandbox, OrgURL: "http://127.0.0.1:1", Token: "t"})
	if err != nil || !org.Sandbox {
		t.Fatalf("an Okta sandbox: %+v %v", org, err)
	}
	kf, err := s.AddAccount(Account{Name: "kf-sb", Kind: AccountKissflow, Sandbox: true, OrgURL: "http://127.0.0.1:2", KissflowAccountID: "Ac1", Token: "k"})
	if err != nil || !kf.Sandbox {
		t.Fatalf("a Kissflow sandbox: %+v %v", kf, err)
	}
	if _, err := s.AddAccount(Account{Name: "prod", Kind: AccountOkta, Sandbox: true, OrgURL: "https://acme.okta.com", Token: "t"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("an Okta org marked sandbox: %v", err)
	}
	kf.Sandbox = false
	kf.OrgURL = "http://127.0.0.1:3"
	if err := s.UpdateAccount(kf); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Account(kf.ID); !got.Sandbox || got.OrgURL != "http://127.0.0.1:3" {
		t.Fatalf("an update dropped the flag: %+v", got)
	}
	if raw, _ := json.Marshal(kf); !json.Valid(raw) {
		t.Fatal(string(raw))
	}
}

// Databases written before the flag: the migration marks the Okta sandbox
// accounts, and the Kissflow accounts that the Kissflow sandbox made (plain
// http allowed, an account id starting with AcSandbox), and no other.
func TestMigrationMarksSandboxAccounts(t *testing.T) {
	s, _ := openTest(t)
	org, _ := s.AddAccount(Account{Name: "sb", Kind: AccountSandbox, OrgURL: "http://127.0.0.1:1", Token: "t"})
	kf, _ := s.AddAccount(Account{Name: "kf-sb", Kind: AccountKissflow, AllowHTTP: true, OrgURL: "http://127.0.0.1:2", KissflowAccountID: "AcSandboxQ1w2e3", Token: "k"})
	real, _ := s.AddAccount(Account{Name: "hr", Kind: AccountKissflow, OrgURL: "https://acme.kissflow.com", KissflowAccountID: "AcSandboxLike", Token: "k"})
	prod, _ := s.AddAccount(Account{Name: "prod", OrgURL: "https://acme.okta.com", Token: "t"})
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAccounts)
		for _, id := range []string{org.ID, kf.ID, real.ID, prod.ID} {
			var rec map[string]json.RawMessage
			if err := json.Unmarshal(b.Get([]byte(id)), &rec); err != nil {
				return err
			}
			delete(rec, "sandbox")
			raw, _ := json.Marshal(rec)
			if err := b.Put([]byte(id), raw); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, be64(3))
	})
	if err != nil {
		t.Fatal(err)
	}
	s = crash(t, s)
	for _, tc := range []struct {
		id      string
		sandbox bool
	}{{org.ID, true}, {kf.ID, true}, {real.ID, false}, {prod.ID, false}} {
		a, err := s.Account(tc.id)
		if err != nil || a.Sandbox != tc.sandbox || a.Token.IsZero() {
			t.Errorf("%s: sandbox %v, want %v (token kept: %v) %v", a.Name, a.Sandbox, tc.sandbox, !a.Token.IsZero(), err)
		}
	}
}
