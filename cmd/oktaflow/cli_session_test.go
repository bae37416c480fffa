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

// Every CLI command that changes something goes through an engine.Session:
// run with a viewer's role (as over SSH, but without the console's own
// command list in front), each is refused by the engine, changes nothing
// and writes no audit entry; run by the local user, each is audited as
// local:<user>.
func TestCLIChangesGoThroughTheSession(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "of.db")
	t.Setenv("OKTAFLOW_DB", db)
	t.Setenv("OKTAFLOW_SECRET_KEY", "")
	sim := oktatest.NewServer(oktatest.Options{Token: "dev-token"})
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
	before, _ := st.Audit(0, 100)
	for _, who := range before {
		if !strings.HasPrefix(who.Who, "local") {
			t.Errorf("the local CLI audited as %q", who.Who)
		}
	}
	viewer := &globals{shared: &session{store: st, engine: e}, identity: "ssh:SHA256:viewer bob", role: engine.RoleViewer}
	changes := [][]string{
		{"integration", "import", "-"},
		{"integration", "enable", id},
		{"integration", "disable", id},
		{"integration", "delete", id},
		{"integration", "test", id, "--event", "-"},
		{"integration", "run", id, "--event", "-", "--no-wait"},
		{"integration", "show", id, "--show-secret"},
		{"integration", "reset-trigger", id},
		{"run", "retry", "1"},
		{"account", "add", "other", "--domain", sim.URL, "--allow-http", "--token-stdin"},
		{"account", "add-sandbox", "play"},
		{"account", "verify", "sandbox"},
		{"account", "refresh-schema", "sandbox"},
		{"account", "remove", "sandbox"},
	}
	for _, args := range changes {
		root := newRootCmdFor(viewer)
		var so, se bytes.Buffer
		root.SetIn(strings.NewReader(`{"first_name": "A", "last_name": "B", "email": "ab@acme.com"}` + "\n"))
		root.SetOut(&so)
		root.SetErr(&se)
		root.SetArgs(args)
		err := root.ExecuteContext(ctx)
		if err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("viewer %s: %v (%s%s)", strings.Join(args, " "), err, so.String(), se.String())
		}
		if strings.Contains(so.String(), "change-me") {
			t.Errorf("viewer %s printed the secret", strings.Join(args, " "))
		}
	}
	after, _ := st.Audit(0, 100)
	if len(after) != len(before) {
		t.Errorf("refused commands were audited: %+v", after[:len(after)-len(before)])
	}
	if in, err := st.Integration(id); err != nil || in.Enabled {
		t.Errorf("the integration changed: %+v %v", in, err)
	}
	if list, _ := st.Accounts(); len(list) != 1 {
		t.Errorf("accounts changed: %+v", list)
	}
	// A viewer's reads work, secrets masked.
	root := newRootCmdFor(viewer)
	var so bytes.Buffer
	root.SetOut(&so)
	root.SetArgs([]string{"integration", "show", id})
	if err := root.ExecuteContext(ctx); err != nil || strings.Contains(so.String(), "change-me") || !strings.Contains(so.String(), id) {
		t.Errorf("viewer show: %v\n%s", err, so.String())
	}
}

func TestCLIResetTrigger(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("OKTAFLOW_DB", filepath.Join(dir, "of.db"))
	t.Setenv("OKTAFLOW_SECRET_KEY", "")
	sim := oktatest.NewServer(oktatest.Options{Token: "dev-token"})
	defer sim.Close()
	ctx := context.Background()
	if _, errOut, code := cli(t, ctx, "dev-token\n", "account", "add", "sandbox", "--domain", sim.URL, "--allow-http", "--token-stdin"); code != 0 {
		t.Fatal(errOut)
	}
	doc := `{"name": "HR", "trigger": {"type": "csv", "config": {"path": "hr.csv", "key_column": "id"}},
	  "steps": [{"id": "find", "action": "okta.get_user", "account": "sandbox", "fields": {"login": "{{ trigger.email }}"}}]}`
	out, errOut, code := cli(t, ctx, doc, "integration", "import", "-")
	if code != 0 {
		t.Fatal(errOut)
	}
	id := strings.TrimSpace(out)
	if _, errOut, code := cli(t, ctx, "", "integration", "reset-trigger", id); code != 1 || !strings.Contains(errOut, "switching it ON") {
		t.Errorf("OFF: %d %s", code, errOut)
	}
	if _, errOut, code := cli(t, ctx, "", "integration", "enable", id); code != 0 {
		t.Fatal(errOut)
	}
	if _, errOut, code := cli(t, ctx, "", "integration", "reset-trigger", id, "--from", "yesterday"); code != 2 {
		t.Errorf("a bad --from: %d %s", code, errOut)
	}
	out, errOut, code = cli(t, ctx, "", "integration", "reset-trigger", id, "--from", "2026-11-01T09:00:00Z")
	if code != 0 || !strings.Contains(out, "HR's trigger reads from") {
		t.Fatalf("%d %s %s", code, out, errOut)
	}
	out, _, _ = cli(t, ctx, "", "audit", "--json")
	if !strings.Contains(out, "integration.reset_trigger") || !strings.Contains(out, "local") {
		t.Errorf("not audited: %s", out)
	}
	// The relative path was kept as the full path inside the feeds folder.
	out, _, _ = cli(t, ctx, "", "integration", "export", id)
	if !strings.Contains(out, filepath.Join(dir, "feeds", "hr.csv")) {
		t.Errorf("export: %s", out)
	}
}

func TestCLISandboxAsAServiceApp(t *testing.T) {
	t.Setenv("OKTAFLOW_DB", filepath.Join(t.TempDir(), "of.db"))
	t.Setenv("OKTAFLOW_SECRET_KEY", "")
	ctx := context.Background()
	out, errOut, code := cli(t, ctx, "", "account", "add-sandbox", "app", "--oauth")
	if code != 0 || !strings.Contains(out, "Authenticated as client 0oa") || !strings.Contains(out, "DPoP") {
		t.Fatalf("%d %s %s", code, out, errOut)
	}
	out, _, _ = cli(t, ctx, "", "account", "list", "--json")
	if !strings.Contains(out, `"auth": "oauth"`) || strings.Contains(out, "BEGIN") {
		t.Errorf("list: %s", out)
	}
	if out, errOut, code := cli(t, ctx, "", "account", "verify", "app"); code != 0 || !strings.Contains(out, "client 0oa") {
		t.Errorf("verify: %d %s %s", code, out, errOut)
	}
}
