package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// Secrets the session masked come out whole wherever they are printed again
// (the table, --json, integration show), for the local admin and a viewer
// alike: never half a "•" (finding 12: "••••••••�•").
func TestCLIMaskedSecretsStayWhole(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "of.db")
	t.Setenv("OKTAFLOW_DB", db)
	t.Setenv("OKTAFLOW_SECRET_KEY", "")
	sim := oktatest.NewServer(oktatest.Options{Token: "dev-token"}) // short: masked without a tail
	defer sim.Close()
	ctx := context.Background()
	if _, errOut, code := cli(t, ctx, "dev-token\n", "account", "add", "sandbox", "--domain", sim.URL, "--allow-http", "--token-stdin"); code != 0 {
		t.Fatal(errOut)
	}
	out, errOut, code := cli(t, ctx, onboardDoc, "integration", "import", "-")
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
	viewer := &globals{shared: &session{store: st, engine: e}, identity: "ssh:SHA256:viewer bob", role: engine.RoleViewer}
	admin := &globals{shared: &session{store: st, engine: e}, identity: "local:me", role: engine.RoleAdmin}
	for _, g := range []*globals{admin, viewer} {
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"account", "list"}, "••••••••"},
			{[]string{"account", "list", "--json"}, `"token": "••••••••"`},
			{[]string{"integration", "show", id}, `"secret": "••••••••"`},
		} {
			root := newRootCmdFor(g)
			var so, se bytes.Buffer
			root.SetOut(&so)
			root.SetErr(&se)
			root.SetArgs(c.args)
			if err := root.ExecuteContext(ctx); err != nil {
				t.Fatalf("%s %v: %v %s", g.role, c.args, err, se.String())
			}
			got := so.String()
			if !utf8.ValidString(got) || strings.ContainsRune(got, utf8.RuneError) {
				t.Errorf("%s %v prints broken UTF-8:\n%q", g.role, c.args, got)
			}
			if !strings.Contains(got, c.want) {
				t.Errorf("%s %v: want %s in\n%s", g.role, c.args, c.want, got)
			}
			if strings.Contains(got, "dev-token") || strings.Contains(got, "change-me") {
				t.Errorf("%s %v shows a secret:\n%s", g.role, c.args, got)
			}
		}
	}
}
