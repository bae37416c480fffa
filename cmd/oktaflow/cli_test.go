package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// cli runs one oktaflow command in-process and returns its stdout, stderr
// and exit code.
func cli(t testing.TB, ctx context.Context, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := newRootCmd()
	var out, errOut bytes.Buffer
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	code := 0
	if err != nil {
		code = 1
		var usage *usageError
		if asUsage(err, &usage) {
			code = 2
		}
		errOut.WriteString("oktaflow: " + err.Error() + "\n")
	}
	return out.String(), errOut.String(), code
}

func asUsage(err error, target **usageError) bool {
	for err != nil {
		if u, ok := err.(*usageError); ok {
			*target = u
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

const onboardDoc = `{"name": "Onboard new hires", "description": "Create Okta users for completed onboarding requests",
 "trigger": {"type": "webhook", "config": {"secret": "change-me"}},
 "steps": [{"id": "create", "action": "okta.add_user", "account": "sandbox",
            "fields": {"firstName": "{{ trigger.first_name }}", "lastName": "{{ trigger.last_name }}",
                       "email": "{{ trigger.email }}", "login": "{{ trigger.email }}"},
            "options": {"activate": true}}]}`

func TestCLIEndToEnd(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("OKTAFLOW_DB", filepath.Join(dir, "of.db"))
	t.Setenv("OKTAFLOW_SECRET_KEY", "")
	sim := oktatest.NewServer(oktatest.Options{Token: "dev-token"})
	defer sim.Close()
	ctx := context.Background()

	out, errOut, code := cli(t, ctx, "dev-token\n", "account", "add", "sandbox", "--domain", sim.URL, "--token-stdin", "--allow-http")
	if code != 0 || out != "Authenticated as admin@example.com\n" {
		t.Fatalf("account add: %d %q %q", code, out, errOut)
	}
	if _, errOut, code := cli(t, ctx, "bad-token\n", "account", "add", "other", "--domain", sim.URL, "--token-stdin", "--allow-http"); code != 1 || !strings.Contains(errOut, "E0000011") {
		t.Fatalf("bad token: %d %q", code, errOut)
	}
	if _, errOut, code := cli(t, ctx, "", "account", "add", "x", "--domain", "acme.okta.com"); code != 2 || !strings.Contains(errOut, "--token-stdin") {
		t.Fatalf("usage: %d %q", code, errOut)
	}
	out, _, _ = cli(t, ctx, "", "account", "list")
	if !strings.Contains(out, "sandbox") || strings.Contains(out, "dev-token") {
		t.Fatalf("account list shows %q", out)
	}

	docPath := filepath.Join(dir, "onboard.json")
	os.WriteFile(docPath, []byte(onboardDoc), 0o600)
	out, errOut, code = cli(t, ctx, "", "integration", "import", docPath)
	if code != 0 || !strings.HasPrefix(out, "int_") {
		t.Fatalf("import: %d %q %q", code, out, errOut)
	}
	id := strings.TrimSpace(out)
	if out, _, _ := cli(t, ctx, "", "integration", "export", id); strings.Contains(out, "change-me") || !strings.Contains(out, "okta.add_user") {
		t.Fatalf("export: %s", out)
	}
	if out, _, _ := cli(t, ctx, "", "integration", "show", id); strings.Contains(out, "change-me") {
		t.Fatalf("show leaks the secret: %s", out)
	}
	if out, _, _ := cli(t, ctx, "", "integration", "show", id, "--show-secret"); !strings.Contains(out, "change-me") {
		t.Fatalf("show --show-secret: %s", out)
	}
	if _, _, code := cli(t, ctx, "", "integration", "enable", id); code != 0 {
		t.Fatal("enable failed")
	}

	addr := freeAddr(t)
	serveCtx, stop := context.WithCancel(ctx)
	served := make(chan string)
	go func() {
		_, errOut, _ := cli(t, serveCtx, "", "serve", "--http-addr", addr)
		served <- errOut
	}()
	waitHTTP(t, "http://"+addr+"/healthz")
	for i := range 5 {
		body := fmt.Sprintf(`{"first_name":"New","last_name":"Hire%d","email":"hire%d@acme.com"}`, i, i)
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/hooks/"+id, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer change-me")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusAccepted {
			t.Fatalf("webhook %d: %v %v", i, resp, err)
		}
		resp.Body.Close()
	}
	waitFor(t, func() bool {
		for i := range 5 {
			if _, ok := sim.UserByLogin(fmt.Sprintf("hire%d@acme.com", i)); !ok {
				return false
			}
		}
		return true
	})
	// while serve holds the database, the CLI says so
	if _, errOut, code := cli(t, ctx, "", "runs"); code != 1 || !strings.Contains(errOut, "is held by oktaflow serve") {
		t.Fatalf("locked: %d %q", code, errOut)
	}
	stop()
	<-served

	// (a run may still be finishing its store write when the user shows up in Okta)
	waitFor(t, func() bool {
		out, _, code := cli(t, ctx, "", "runs", "--state", "succeeded", "--json")
		var runs []storage.Run
		return code == 0 && json.Unmarshal([]byte(out), &runs) == nil && len(runs) == 5
	})
	out, _, _ = cli(t, ctx, "", "run", "show", "1")
	if !strings.Contains(out, "SUCCEEDED") || !strings.Contains(out, `"outcome": "created"`) {
		t.Fatalf("run show: %s", out)
	}
	if _, errOut, code := cli(t, ctx, "", "runs", "--state", "bogus"); code != 2 || !strings.Contains(errOut, "unknown run state") {
		t.Fatalf("bad state: %d %q", code, errOut)
	}

	// a manual run of the same person adopts the existing user
	evPath := filepath.Join(dir, "event.json")
	os.WriteFile(evPath, []byte(`{"first_name":"New","last_name":"Hire0","email":"hire0@acme.com"}`), 0o600)
	out, errOut, code = cli(t, ctx, "", "integration", "run", id, "--event", evPath)
	if code != 0 || !strings.Contains(out, "already_existed") {
		t.Fatalf("run: %d %s %s", code, out, errOut)
	}
	// test: acts on the org, prints the step output, creates no run
	os.WriteFile(evPath, []byte(`{"first_name":"Test","last_name":"User","email":"test.user@acme.com"}`), 0o600)
	out, _, code = cli(t, ctx, "", "integration", "test", id, "--event", evPath)
	if code != 0 || !strings.Contains(out, `"outcome": "created"`) {
		t.Fatalf("test: %d %s", code, out)
	}
	out, _, _ = cli(t, ctx, "", "runs", "--json")
	var runs []storage.Run
	json.Unmarshal([]byte(out), &runs)
	if len(runs) != 6 {
		t.Fatalf("%d runs, want 5 webhook + 1 manual", len(runs))
	}

	backup := filepath.Join(dir, "backup.db")
	if out, _, code := cli(t, ctx, "", "backup", backup); code != 0 || !strings.Contains(out, "Wrote") {
		t.Fatalf("backup: %s", out)
	}
	if _, errOut, code := cli(t, ctx, "", "backup", backup); code != 1 || !strings.Contains(errOut, "exists") {
		t.Fatalf("backup over a file: %q", errOut)
	}
	if out, _, code := cli(t, ctx, "", "compact"); code != 0 || !strings.Contains(out, "Compacted") {
		t.Fatalf("compact: %s", out)
	}
	if _, errOut, code := cli(t, ctx, "", "account", "remove", "sandbox"); code != 1 || !strings.Contains(errOut, "is used by") {
		t.Fatalf("remove in use: %q", errOut)
	}
	if _, _, code := cli(t, ctx, "", "integration", "delete", id); code != 0 {
		t.Fatal("delete")
	}
	if _, _, code := cli(t, ctx, "", "account", "remove", "sandbox"); code != 0 {
		t.Fatal("remove")
	}
}

func waitHTTP(t *testing.T, url string) {
	t.Helper()
	waitFor(t, func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
}

// waitFor polls cond; the deadline only ends a hung test.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
