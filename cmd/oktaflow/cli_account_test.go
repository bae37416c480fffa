package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/engine/kissflow/kissflowtest"
	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// appKeys is a service app's key pair: the private key PEM for the CLI, the
// public key PEM for the org.
func appKeys(t *testing.T) (private, public []byte) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	pub, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})
}

// TestCLIAccountAddOAuth: account add --oauth verifies the service app on
// entry (with DPoP), names a scope Okta did not grant, seals the key, and
// reads the key from a file or standard input.
func TestCLIAccountAddOAuth(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("OKTAFLOW_DB", filepath.Join(dir, "of.db"))
	t.Setenv("OKTAFLOW_SECRET_KEY", "")
	private, public := appKeys(t)
	sim := oktatest.NewServer(oktatest.Options{})
	defer sim.Close()
	clientID, err := sim.RegisterOAuthClient(oktatest.OAuthClient{Name: "oktaflow", PublicKey: public, DPoP: true,
		Scopes: []string{"okta.users.read", "okta.users.manage", "okta.schemas.read"}})
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "app.pem")
	os.WriteFile(keyFile, private, 0o600)
	ctx := context.Background()

	// default scopes: what oktaflow needs (users.read, schemas.read)
	out, errOut, code := cli(t, ctx, "", "account", "add", "acme-app", "--oauth", "--domain", sim.URL, "--allow-http",
		"--client-id", clientID, "--private-key", keyFile)
	if code != 0 || !strings.Contains(out, "client "+clientID) || !strings.Contains(errOut, "okta.users.read") {
		t.Fatalf("account add --oauth: %d %q %q", code, out, errOut)
	}
	// the key from standard input, explicit scopes, one not granted: named
	_, errOut, code = cli(t, ctx, string(private), "account", "add", "acme-groups", "--oauth", "--domain", sim.URL, "--allow-http",
		"--client-id", clientID, "--private-key", "-", "--scopes", "okta.users.read,okta.groups.manage")
	if code != 1 || !strings.Contains(errOut, "okta.groups.manage") {
		t.Fatalf("a scope not granted: %d %q", code, errOut)
	}
	out, errOut, code = cli(t, ctx, string(private), "account", "add", "acme-manage", "--oauth", "--domain", sim.URL, "--allow-http",
		"--client-id", clientID, "--private-key", "-", "--scopes", "okta.users.read,okta.users.manage")
	if code != 0 || !strings.Contains(out, "okta.users.manage") {
		t.Fatalf("account add --oauth --private-key -: %d %q %q", code, out, errOut)
	}
	out, _, _ = cli(t, ctx, "", "account", "list", "--json")
	if strings.Contains(out, "PRIVATE KEY") || strings.Contains(out, string(private[40:80])) {
		t.Fatalf("account list shows the private key:\n%s", out)
	}
	var list []map[string]any
	if json.Unmarshal([]byte(out), &list) != nil || len(list) != 2 {
		t.Fatalf("account list --json: %s", out)
	}

	// usage mistakes are usage errors that say what to do
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"account", "add", "x", "--oauth", "--domain", sim.URL}, "--client-id, --private-key"},
		{[]string{"account", "add", "x", "--oauth", "--kissflow"}, "give one"},
		{[]string{"account", "add", "x", "--domain", sim.URL, "--client-id", "0oa1"}, "add --oauth"},
		{[]string{"account", "add", "x", "--oauth", "--token-stdin", "--domain", sim.URL}, "not an API token"},
		{[]string{"account", "add"}, "run it at a terminal"},
	} {
		if _, errOut, code := cli(t, ctx, "", c.args...); code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: %d %q, want usage saying %q", c.args, code, errOut, c.want)
		}
	}
}

// TestCLIAccountAddKissflow: account add --kissflow verifies the key and
// the Process Admin role, and a wrong secret is refused, nothing stored.
func TestCLIAccountAddKissflow(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("OKTAFLOW_DB", filepath.Join(dir, "of.db"))
	t.Setenv("OKTAFLOW_SECRET_KEY", "")
	t.Setenv("OKTAFLOW_ALLOW_PRIVATE_ADDRESSES", "true") // the simulated account is on loopback
	kf := kissflowtest.NewServer(kissflowtest.Options{AccountID: "AcAcme01", AccessKeyID: "Ak1", AccessKeySecret: "s3cret-0123456789",
		NotAdminOf: []string{"Payroll_A01"}})
	defer kf.Close()
	kf.Account.AddProcess("Onboarding_A00", "Onboarding", nil)
	kf.Account.AddProcess("Payroll_A01", "Payroll", nil)
	ctx := context.Background()
	args := func(name string, extra ...string) []string {
		return append([]string{"account", "add", name, "--kissflow", "--subdomain", kf.URL, "--allow-http", "--region", "com",
			"--account-id", "AcAcme01", "--access-key-id", "Ak1", "--access-key-secret-stdin"}, extra...)
	}
	if _, errOut, code := cli(t, ctx, "wrong\n", args("kf")...); code != 1 || !strings.Contains(errOut, "access key") {
		t.Fatalf("a wrong secret: %d %q", code, errOut)
	}
	if _, errOut, code := cli(t, ctx, "s3cret-0123456789\n", args("kf", "--process", "Payroll_A01")...); code != 1 || !strings.Contains(errOut, "Process Admin") {
		t.Fatalf("no Process Admin: %d %q", code, errOut)
	}
	out, errOut, code := cli(t, ctx, "s3cret-0123456789\n", args("kf", "--process", "Onboarding_A00")...)
	if code != 0 || !strings.Contains(out, "Authenticated as") {
		t.Fatalf("account add --kissflow: %d %q %q", code, out, errOut)
	}
	out, _, _ = cli(t, ctx, "", "account", "list")
	if !strings.Contains(out, "kf") || !strings.Contains(out, "kissflow") || strings.Contains(out, "s3cret") {
		t.Fatalf("account list: %s", out)
	}
	if _, errOut, code := cli(t, ctx, "x\n", args("kf2", "--region", "us")...); code != 2 || !strings.Contains(errOut, "--region is com") {
		t.Fatalf("a bad region: %d %q", code, errOut)
	}
	if _, errOut, code := cli(t, ctx, "", "account", "add", "kf3", "--kissflow", "--subdomain", "acme"); code != 2 || !strings.Contains(errOut, "--account-id, --access-key-id, --access-key-secret-stdin") {
		t.Fatalf("missing flags: %d %q", code, errOut)
	}
}
