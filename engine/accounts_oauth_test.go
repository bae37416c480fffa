package engine

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// serviceApp is a key pair for an OAuth service app: the private key as the
// account form takes it, the public key as the org registers it.
func serviceApp(t *testing.T) (private, public []byte) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})
}

func oauthInput(name, url, clientID string, key []byte, scopes ...string) AccountInput {
	return AccountInput{Name: name, Domain: url, AllowHTTP: true, Auth: storage.AuthOAuth,
		ClientID: clientID, PrivateKey: storage.Secret(key), Scopes: scopes}
}

// An OAuth service app account is verified on entry ("client 0oa… with
// scopes …"), its private key and a DPoP key of its own sealed, and it
// runs steps: the engine's client for it signs in as the app, with DPoP.
func TestAddOAuthAccountAndRunAStep(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	private, public := serviceApp(t)
	clientID, err := h.sim.RegisterOAuthClient(oktatest.OAuthClient{Name: "oktaflow", PublicKey: public, DPoP: true,
		Scopes: []string{"okta.users.read", "okta.users.manage", "okta.schemas.read"}})
	if err != nil {
		t.Fatal(err)
	}
	s := h.e.Session("local:alice", RoleAdmin)
	ctx := context.Background()
	a, err := s.AddAccount(ctx, oauthInput("acme-app", h.sim.URL, clientID, private, "okta.users.read", "okta.users.manage", "okta.schemas.read"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "client " + clientID + " with scopes okta.users.read okta.users.manage okta.schemas.read"; !strings.HasPrefix(a.VerifiedAs, want) {
		t.Errorf("verified as %q, want %q…", a.VerifiedAs, want)
	}
	stored, _ := h.store.Account("acme-app")
	if !stored.IsOAuth() || stored.OAuthClientID != clientID || stored.PrivateKey.Reveal() != string(private) ||
		!strings.Contains(stored.DPoPKey.Reveal(), "PRIVATE KEY") || len(stored.OAuthScopes) != 3 {
		t.Errorf("stored: auth %q client %q scopes %v key set %v dpop set %v", stored.Auth, stored.OAuthClientID, stored.OAuthScopes,
			!stored.PrivateKey.IsZero(), !stored.DPoPKey.IsZero())
	}
	if raw, _ := os.ReadFile(h.store.Path()); strings.Contains(string(raw), "PRIVATE KEY") {
		t.Error("a key is in the database file in clear")
	}
	if !strings.HasPrefix(a.PrivateKey.Reveal(), "••") {
		t.Error("the session gave the private key back")
	}
	if _, err := s.RefreshSchema(ctx, "acme-app"); err != nil {
		t.Fatalf("refresh schema as the app: %v", err)
	}
	in, err := h.e.Import(ctx, []byte(strings.Replace(onboarding, `"account": "sandbox"`, `"account": "acme-app"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.TestIntegration(ctx, in, person(4))
	if err != nil || out[0].Error != nil {
		t.Fatalf("a step as the app: %+v %v", out, err)
	}
	if _, ok := h.sim.UserByLogin("user4@acme.com"); !ok {
		t.Fatal("the step did not create the user")
	}
	if v, err := s.VerifyAccount(ctx, "acme-app"); err != nil || !strings.Contains(v.VerifiedAs, clientID) {
		t.Errorf("verify: %+v %v", v, err)
	}
}

func TestAddOAuthAccountErrorsNameTheirField(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	private, public := serviceApp(t)
	other, _ := serviceApp(t)
	clientID, err := h.sim.RegisterOAuthClient(oktatest.OAuthClient{PublicKey: public, Scopes: []string{"okta.users.read"}})
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		name  string
		in    AccountInput
		field string
		is    error
		says  string
	}{
		{"missing scope", oauthInput("a", h.sim.URL, clientID, private, "okta.users.read", "okta.groups.manage"), FieldScopes, ErrMissingScope, "okta.groups.manage"},
		{"no scopes", oauthInput("a", h.sim.URL, clientID, private), FieldScopes, nil, "scope"},
		{"not a key", oauthInput("a", h.sim.URL, clientID, []byte("hello"), "okta.users.read"), FieldPrivateKey, nil, "key"},
		{"another key", oauthInput("a", h.sim.URL, clientID, other, "okta.users.read"), FieldPrivateKey, ErrInvalidToken, "invalid_client"},
		{"unknown client", oauthInput("a", h.sim.URL, "0oanosuchclient", private, "okta.users.read"), FieldClientID, ErrInvalidToken, "invalid_client"},
		{"no client id", oauthInput("a", h.sim.URL, "", private, "okta.users.read"), FieldClientID, nil, "client id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Name = fmt.Sprintf("app%d", i)
			err := wantRefused(t, h, tc.in, tc.field, tc.is, tc.says)
			if lines := strings.Split(tc.in.PrivateKey.Reveal(), "\n"); strings.Contains(err.Error(), lines[min(1, len(lines)-1)]) {
				t.Errorf("the error shows the key: %v", err)
			}
		})
	}
}
