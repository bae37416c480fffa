package storage

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// fakeClock is a settable clock for deterministic timestamps.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func openTest(t *testing.T) (*Store, *fakeClock) {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)}
	s, err := Open(filepath.Join(t.TempDir(), "oktaflow.db"), Options{Now: clock.Now, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, clock
}

func TestOpenTwiceSaysAlreadyRunning(t *testing.T) {
	s, _ := openTest(t)
	_, err := Open(s.Path(), Options{LockTimeout: 50 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: got %v, want ErrLocked", err)
	}
	want := "oktaflow is already running on " + s.Path() + " (serve or TUI); stop it, or use the SSH console"
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not say %q", err, want)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	s, _ := openTest(t)
	path := s.Path()
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, be64(uint64(SchemaVersion()+1)))
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(path, Options{})
	if !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("got %v, want ErrNewerSchema", err)
	}
}

func TestSecretsNeverInClearOnDisk(t *testing.T) {
	s, _ := openTest(t)
	const token = "00abcdefSECRETtokenVALUE1234567890xyzXYZ"
	const hookSecret = "whsec-SUPERSECRET-value-42"
	a, err := s.AddAccount(Account{Name: "acme", OrgURL: "https://acme.okta.com", Token: token})
	if err != nil {
		t.Fatal(err)
	}
	in, err := s.CreateIntegration(Integration{Name: "Onboard", Trigger: Trigger{Type: "webhook", Secrets: map[string]Secret{"secret": hookSecret}}})
	if err != nil {
		t.Fatal(err)
	}
	oauth, err := s.AddAccount(Account{Name: "acme-oauth", OrgURL: "https://acme.okta.com", Auth: AuthOAuth,
		OAuthClientID: "0oa1clientid", OAuthKeyID: "kid-1", OAuthScopes: []string{"okta.users.manage"},
		PrivateKey: testPrivateKey, DPoPKey: testDPoPKey})
	if err != nil {
		t.Fatal(err)
	}
	kf, err := s.AddAccount(Account{Name: "hr", Kind: AccountKissflow, OrgURL: "https://acme.kissflow.eu", Region: "eu",
		KissflowAccountID: "AcK1", KissflowAccessKeyID: "Ak-id-1", Token: kissflowSecret})
	if err != nil {
		t.Fatal(err)
	}
	path := s.Path()
	s.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{token, hookSecret, token[10:30], base64.StdEncoding.EncodeToString([]byte(token)), kissflowSecret}
	for _, key := range []string{string(testPrivateKey), string(testDPoPKey)} {
		for _, line := range strings.Split(key, "\n") {
			if len(line) > 16 && !strings.HasPrefix(line, "-----") {
				secrets = append(secrets, line)
			}
		}
	}
	for _, secret := range secrets {
		if bytes.Contains(raw, []byte(secret)) {
			t.Fatalf("database file holds %q in clear", secret)
		}
	}
	// and they come back intact with the same key
	s2, err := Open(path, Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.Account("acme")
	if err != nil || got.Token.Reveal() != token || got.ID != a.ID {
		t.Fatalf("Account: %+v %v", got, err)
	}
	gotIn, err := s2.Integration(in.ID)
	if err != nil || gotIn.Trigger.Secrets["secret"].Reveal() != hookSecret {
		t.Fatalf("Integration secret: %v %v", gotIn.Trigger.Secrets, err)
	}
	gotOAuth, err := s2.Account(oauth.ID)
	if err != nil || gotOAuth.PrivateKey != testPrivateKey || gotOAuth.DPoPKey != testDPoPKey || !gotOAuth.IsOAuth() ||
		gotOAuth.OAuthClientID != "0oa1clientid" || gotOAuth.OAuthKeyID != "kid-1" || len(gotOAuth.OAuthScopes) != 1 {
		t.Fatalf("OAuth account: %+v %v", gotOAuth, err)
	}
	gotKF, err := s2.Account("hr")
	if err != nil || gotKF.Token.Reveal() != kissflowSecret || gotKF.Kind != AccountKissflow || gotKF.KissflowAccessKeyID != "Ak-id-1" || gotKF.Region != "eu" {
		t.Fatalf("Kissflow account: %+v %v", gotKF, err)
	}
	_ = kf
}

func TestKeyFileIsPrivateAndEnvKeyWins(t *testing.T) {
	s, _ := openTest(t)
	info, err := os.Stat(KeyPath(s.Path()))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", info.Mode().Perm())
	}
	if _, err := s.AddAccount(Account{Name: "a", Token: "tok-1234567890abcdef"}); err != nil {
		t.Fatal(err)
	}
	path := s.Path()
	s.Close()

	other := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	_, err = Open(path, Options{Getenv: func(k string) string { return map[string]string{SecretKeyEnv: other}[k] }})
	if !errors.Is(err, ErrSecretKey) || !strings.Contains(err.Error(), "another secret key") {
		t.Fatalf("opening with the wrong key: got %v, want ErrSecretKey naming the problem", err)
	}

	_, err = Open(filepath.Join(t.TempDir(), "x.db"), Options{Getenv: func(string) string { return "not-base64!" }})
	if !errors.Is(err, ErrSecretKey) || !strings.Contains(err.Error(), SecretKeyEnv) {
		t.Fatalf("bad env key: got %v", err)
	}
}

func TestSecretIsMaskedEverywhere(t *testing.T) {
	sec := Secret("00abcdefghijklmnopqrstuvwxyz")
	for _, got := range []string{sec.String(), sec.GoString(), sec.Mask()} {
		if strings.Contains(got, "abcdef") {
			t.Fatalf("%q shows the secret", got)
		}
	}
	js, _ := sec.MarshalJSON()
	if strings.Contains(string(js), "abcdef") || !strings.HasSuffix(string(js), `wxyz"`) {
		t.Fatalf("JSON %s", js)
	}
	if Secret("short").Mask() != "••••••••" {
		t.Fatalf("a short secret must not show its tail: %q", Secret("short").Mask())
	}
}

func TestAccounts(t *testing.T) {
	s, _ := openTest(t)
	if _, err := s.AddAccount(Account{Name: "bad name"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad name: %v", err)
	}
	a, err := s.AddAccount(Account{Name: "Acme", OrgURL: "https://acme.okta.com", Token: "t0k3n-abcdefghijklmnop"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddAccount(Account{Name: "acme"}); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate name (case-insensitive): %v", err)
	}
	a.VerifiedAs = "admin@acme.com"
	if err := s.UpdateAccount(a); err != nil {
		t.Fatal(err)
	}
	byID, err := s.Account(a.ID)
	if err != nil || byID.VerifiedAs != "admin@acme.com" || byID.Name != "Acme" {
		t.Fatalf("by id: %+v %v", byID, err)
	}
	if err := s.SaveSchema(a.ID, UserSchema{Fields: []SchemaField{{Name: "login", Type: "string", Required: true}}}); err != nil {
		t.Fatal(err)
	}
	in, err := s.CreateIntegration(Integration{Name: "x", Trigger: Trigger{Type: "manual"}, Steps: []Step{{ID: "create", Action: "okta.add_user", Account: "acme"}}})
	if err != nil {
		t.Fatal(err)
	}
	err = s.RemoveAccount("acme")
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), in.ID) {
		t.Fatalf("remove in use: %v", err)
	}
	if err := s.DeleteIntegration(in.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveAccount("ACME"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Schema(a.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("schema after remove: %v", err)
	}
	if list, _ := s.Accounts(); len(list) != 0 {
		t.Fatalf("accounts left: %v", list)
	}
}

func TestIntegrationValidation(t *testing.T) {
	s, _ := openTest(t)
	cases := map[string]Integration{
		"no name":      {Trigger: Trigger{Type: "manual"}},
		"no trigger":   {Name: "x"},
		"bad step id":  {Name: "x", Trigger: Trigger{Type: "manual"}, Steps: []Step{{ID: "a b"}}},
		"dup step ids": {Name: "x", Trigger: Trigger{Type: "manual"}, Steps: []Step{{ID: "a"}, {ID: "a"}}},
	}
	for name, in := range cases {
		if _, err := s.CreateIntegration(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", name, err)
		}
	}
}

func TestLostKeyFileIsNotReplacedSilently(t *testing.T) {
	s, _ := openTest(t)
	if _, err := s.AddAccount(Account{Name: "a", Token: "tok-1234567890abcdef"}); err != nil {
		t.Fatal(err)
	}
	path := s.Path()
	s.Close()
	if err := os.Remove(KeyPath(path)); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second try must fail the same way: no stray key was left
		_, err := Open(path, Options{Getenv: func(string) string { return "" }})
		if !errors.Is(err, ErrSecretKey) {
			t.Fatalf("open without its key file: %v", err)
		}
	}
	if _, err := os.Stat(KeyPath(path)); err == nil {
		t.Fatal("a new key file was left beside a database written with another key")
	}
}

func TestKeyCheckOnAnOlderFileTriesAnExistingSecret(t *testing.T) {
	s, _ := openTest(t)
	if _, err := s.AddAccount(Account{Name: "a", Token: "tok-1234567890abcdef"}); err != nil {
		t.Fatal(err)
	}
	// A file from before key checks: no check value.
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Delete(keyKeyCheck) }); err != nil {
		t.Fatal(err)
	}
	path := s.Path()
	s.Close()
	other := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))
	_, err := Open(path, Options{Getenv: func(k string) string { return map[string]string{SecretKeyEnv: other}[k] }})
	if !errors.Is(err, ErrSecretKey) {
		t.Fatalf("a wrong key must not be adopted as the file's key: %v", err)
	}
	s2, err := Open(path, Options{Getenv: func(string) string { return "" }}) // the right key file
	if err != nil {
		t.Fatalf("the right key was locked out: %v", err)
	}
	s2.Close()
}
