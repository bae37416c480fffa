package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// TestViewerSeesNoCharacterOfASecret: a viewer is shown that a secret is
// set and nothing of it, not even its last four characters; an admin may
// see the last four of an account's token.
func TestViewerSeesNoCharacterOfASecret(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "of.db")
	t.Setenv("OKTAFLOW_DB", db)
	t.Setenv("OKTAFLOW_SECRET_KEY", "")
	const token = "00aBcDeFgHiJkLmNoPqRsTuV-tail" // long enough for Mask to show "tail"
	sim := oktatest.NewServer(oktatest.Options{Token: token})
	defer sim.Close()
	ctx := context.Background()
	if _, errOut, code := cli(t, ctx, token+"\n", "account", "add", "sandbox", "--domain", sim.URL, "--allow-http", "--token-stdin"); code != 0 {
		t.Fatal(errOut)
	}
	doc := strings.Replace(onboardDoc, `"secret": "change-me"`, `"secret": "whsec-0123456789abcdef-WXYZ"`, 1)
	out, errOut, code := cli(t, ctx, doc, "integration", "import", "-")
	if code != 0 {
		t.Fatal(errOut)
	}
	id := strings.TrimSpace(out)

	st, err := storage.Open(db, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e, err := engine.New(engine.Options{Store: st, NoTriggers: true})
	if err != nil {
		t.Fatal(err)
	}
	as := func(role engine.Role, args ...string) string {
		t.Helper()
		g := &globals{shared: &session{store: st, engine: e}, identity: "ssh:SHA256:someone", role: role}
		root := newRootCmdFor(g)
		var so, se bytes.Buffer
		root.SetOut(&so)
		root.SetErr(&se)
		root.SetArgs(args)
		if err := root.ExecuteContext(ctx); err != nil {
			t.Fatalf("%s %v: %v %s", role, args, err, se.String())
		}
		return so.String() + se.String()
	}
	for _, args := range [][]string{
		{"account", "list"}, {"account", "list", "--json"}, {"account", "show", "sandbox"}, {"account", "show", "sandbox", "--json"},
		{"integration", "show", id}, {"integration", "list", "--json"},
	} {
		got := as(engine.RoleViewer, args...)
		if strings.Contains(got, "tail") || strings.Contains(got, "WXYZ") {
			t.Errorf("a viewer's %v shows the end of a secret:\n%s", args, got)
		}
		if strings.Contains(strings.Join(args, " "), "account") && !strings.Contains(got, "••••") {
			t.Errorf("a viewer's %v does not show that the token is set:\n%s", args, got)
		}
	}
	if got := as(engine.RoleAdmin, "account", "list"); !strings.Contains(got, "••••••••tail") {
		t.Errorf("an admin's account list does not show the token's last four:\n%s", got)
	}
}
