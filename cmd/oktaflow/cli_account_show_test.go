package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// account list keeps an OAuth account's row narrow ("client 0oa… (5
// scopes, DPoP)"); account show and --json give every scope (finding 14).
func TestCLIAccountListIsNarrowForOAuth(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("OKTAFLOW_DB", filepath.Join(dir, "of.db"))
	t.Setenv("OKTAFLOW_SECRET_KEY", "")
	private, public := appKeys(t)
	sim := oktatest.NewServer(oktatest.Options{})
	defer sim.Close()
	scopes := []string{"okta.users.read", "okta.users.manage", "okta.schemas.read", "okta.groups.read", "okta.groups.manage"}
	clientID, err := sim.RegisterOAuthClient(oktatest.OAuthClient{Name: "oktaflow", PublicKey: public, DPoP: true, Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "app.pem")
	os.WriteFile(keyFile, private, 0o600)
	ctx := context.Background()
	if _, errOut, code := cli(t, ctx, "", "account", "add", "acme-app", "--oauth", "--domain", sim.URL, "--allow-http",
		"--client-id", clientID, "--private-key", keyFile, "--scopes", strings.Join(scopes, ",")); code != 0 {
		t.Fatal(errOut)
	}

	out, _, code := cli(t, ctx, "", "account", "list")
	if code != 0 || !strings.Contains(out, "client "+clientID+" (5 scopes, DPoP)") {
		t.Fatalf("account list:\n%s", out)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.Contains(line, "okta.groups.manage") || len([]rune(line)) > 130 {
			t.Errorf("account list row too wide (%d) or listing scopes: %q", len([]rune(line)), line)
		}
	}

	out, errOut, code := cli(t, ctx, "", "account", "show", "acme-app")
	if code != 0 {
		t.Fatalf("account show: %d %s", code, errOut)
	}
	for _, want := range append([]string{"acme-app", clientID, sim.URL, "DPoP", "private key (sealed)"}, scopes...) {
		if !strings.Contains(out, want) {
			t.Errorf("account show does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "PRIVATE KEY") {
		t.Errorf("account show shows the key:\n%s", out)
	}
	out, _, _ = cli(t, ctx, "", "account", "show", "acme-app", "--json")
	var a map[string]any
	if err := json.Unmarshal([]byte(out), &a); err != nil || len(a["oauthScopes"].([]any)) != 5 {
		t.Errorf("account show --json: %v\n%s", err, out)
	}
	if _, errOut, code := cli(t, ctx, "", "account", "show", "nope"); code != 1 || !strings.Contains(errOut, "nope") {
		t.Errorf("account show of no account: %d %q", code, errOut)
	}
}
