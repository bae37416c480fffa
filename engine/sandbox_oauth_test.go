package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/storage"
)

// The sandbox offers both ways to sign in: as an OAuth service app, the
// simulated org has the app registered (DPoP required, as new Okta apps
// have), the account holds its private key and a DPoP key, and steps run
// as the app, across restarts and a lost state file.
func TestSandboxAsAnOAuthServiceApp(t *testing.T) {
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "oktaflow.db")
	env := openSandboxEnv(t, dbPath)
	a, err := env.e.Session("local:alice", RoleAdmin).CreateSandboxWith(ctx, SandboxInput{Name: "play", Auth: storage.AuthOAuth})
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := env.st.Account("play")
	if !stored.IsOAuth() || stored.Kind != storage.AccountSandbox || stored.OAuthClientID == "" || stored.PrivateKey.IsZero() || stored.DPoPKey.IsZero() {
		t.Fatalf("sandbox account: %+v", stored)
	}
	if !strings.HasPrefix(a.VerifiedAs, "client "+stored.OAuthClientID+" with scopes") || !strings.Contains(a.VerifiedAs, "DPoP") {
		t.Errorf("verified as %q", a.VerifiedAs)
	}
	if last, _ := env.st.Audit(0, 1); last[0].Action != "account.add" || !strings.Contains(last[0].Detail, "OAuth") {
		t.Errorf("audit: %+v", last)
	}
	run := func(env *sandboxEnv, email string) {
		t.Helper()
		in := addUserIntegration(t)
		out, err := env.e.TestIntegration(ctx, in, map[string]any{"first": "Ada", "last": "L", "email": email, "id": "E9"})
		if err != nil || out[0].Error != nil {
			t.Fatalf("a step as the app: %+v %v", out, err)
		}
	}
	run(env, "ada@example.com")
	env.close()

	env2 := openSandboxEnv(t, dbPath)
	if err := env2.e.StartSandboxes(ctx); err != nil {
		t.Fatal(err)
	}
	run(env2, "bob@example.com")
	env2.close()

	// The state file is lost: the fresh org gets the account's app again.
	if err := os.Remove(env2.e.SandboxFile(stored.ID)); err != nil {
		t.Fatal(err)
	}
	env3 := openSandboxEnv(t, dbPath)
	if err := env3.e.StartSandboxes(ctx); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("a lost state file is said: %v", err)
	}
	if _, err := env3.e.VerifyAccount(ctx, "play"); err != nil {
		t.Fatalf("the re-seeded org does not know the app: %v", err)
	}
	run(env3, "cy@example.com")
}
