package storage

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// Test keys: shaped like the real thing (the store never parses them).
const (
	testPrivateKey Secret = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7PRIVATEkeyLINEone\nQ2hlY2sgdGhhdCB0aGlzIGxpbmUgbmV2ZXIgcmVhY2hlcyB0aGUgZGlza0luQ2xlYXI\n-----END PRIVATE KEY-----\n"
	testDPoPKey    Secret = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIDPOPkeyLINEoneSHOULDneverBEinCLEARonDISKabcdefghijklmnopq\n-----END EC PRIVATE KEY-----\n"
	kissflowSecret        = "kf-ACCESS-KEY-SECRET-9f8e7d6c5b4a"
)

func TestAccountJSONMasksEverySecret(t *testing.T) {
	a := Account{ID: "acc_1", Name: "acme", Kind: AccountOkta, Auth: AuthOAuth, OAuthClientID: "0oa1",
		Token: "00tokenVALUEabcdefghij1234", PrivateKey: testPrivateKey, DPoPKey: testDPoPKey}
	js, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"tokenVALUE", "PRIVATEkey", "DPOPkey", "BEGIN"} {
		if strings.Contains(string(js), leak) {
			t.Fatalf("JSON shows a secret (%s): %s", leak, js)
		}
	}
	var back map[string]any
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if back["privateKey"] != "••••••••" || back["dpopKey"] != "••••••••" || back["token"] != "••••••••1234" || back["oauthClientId"] != "0oa1" {
		t.Fatalf("JSON must say which secrets are set, masked: %s", js)
	}
	plain, _ := json.Marshal(Account{Name: "x"})
	if strings.Contains(string(plain), "privateKey") || strings.Contains(string(plain), "token") {
		t.Fatalf("unset secrets are left out: %s", plain)
	}
}

func TestAccountSecretsAreBoundToTheirField(t *testing.T) {
	s, _ := openTest(t)
	a, err := s.AddAccount(Account{Name: "acme", Auth: AuthOAuth, OAuthClientID: "0oa1", PrivateKey: testPrivateKey, Token: "tok-1234567890abcdef"})
	if err != nil {
		t.Fatal(err)
	}
	// Swap the sealed private key into the token field: it must not open there.
	err = rawUpdate(s, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAccounts)
		var rec accountRecord
		if err := json.Unmarshal(b.Get([]byte(a.ID)), &rec); err != nil {
			return err
		}
		rec.SealedToken = rec.SealedPrivateKey
		raw, _ := json.Marshal(rec)
		return b.Put([]byte(a.ID), raw)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Account(a.ID); !errors.Is(err, ErrSecretKey) {
		t.Fatalf("a sealed key moved to another field opened: %v", err)
	}
}

func TestAccountRecordFromBeforeOAuthReadsAsToken(t *testing.T) {
	s, _ := openTest(t)
	sealed, err := s.sealer.seal("00legacyTOKEN1234567890", accountBinding("acc_old", "token"))
	if err != nil {
		t.Fatal(err)
	}
	// The shape an older oktaflow wrote: flat fields and sealedToken, no auth.
	old := `{"id":"acc_old","name":"legacy","kind":"okta","orgUrl":"https://old.okta.com","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z","sealedToken":"` + sealed + `"}`
	if err := rawUpdate(s, func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketAccountNames).Put([]byte("legacy"), []byte("acc_old")); err != nil {
			return err
		}
		return tx.Bucket(bucketAccounts).Put([]byte("acc_old"), []byte(old))
	}); err != nil {
		t.Fatal(err)
	}
	a, err := s.Account("legacy")
	if err != nil || a.Token.Reveal() != "00legacyTOKEN1234567890" || a.IsOAuth() || a.OrgURL != "https://old.okta.com" {
		t.Fatalf("old record: %+v %v", a, err)
	}
}

func TestAccountKindsAndAuthAreChecked(t *testing.T) {
	s, _ := openTest(t)
	bad := map[string]Account{
		"unknown kind":        {Name: "a", Kind: "salesforce"},
		"unknown auth":        {Name: "b", Auth: "basic"},
		"oauth without key":   {Name: "c", Auth: AuthOAuth, OAuthClientID: "0oa1"},
		"oauth without id":    {Name: "d", Auth: AuthOAuth, PrivateKey: testPrivateKey},
		"kissflow with oauth": {Name: "e", Kind: AccountKissflow, Auth: AuthOAuth},
		"kissflow with key":   {Name: "f", Kind: AccountKissflow, PrivateKey: testPrivateKey},
	}
	for name, a := range bad {
		if _, err := s.AddAccount(a); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", name, err)
		}
	}
	a, err := s.AddAccount(Account{Name: "ok", Token: "tok-1234567890abcdef"})
	if err != nil || a.Kind != AccountOkta {
		t.Fatalf("default kind: %+v %v", a, err)
	}
	a.Kind = ""
	a.Auth = AuthOAuth
	a.OAuthClientID, a.PrivateKey = "0oa2", testPrivateKey
	if err := s.UpdateAccount(a); err != nil {
		t.Fatalf("switch to OAuth: %v", err)
	}
	got, _ := s.Account("ok")
	if got.Kind != AccountOkta || !got.IsOAuth() || got.PrivateKey != testPrivateKey {
		t.Fatalf("after update: %+v", got)
	}
}
