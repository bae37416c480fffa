package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// `oktaflow kissflow`: create a sandbox, list its items, complete one; the
// state survives between commands (each opens the database afresh).
func TestKissflowCLI(t *testing.T) {
	t.Setenv("OKTAFLOW_DB", filepath.Join(t.TempDir(), "of.db"))
	t.Setenv("OKTAFLOW_SECRET_KEY", "")
	ctx := context.Background()
	if _, errOut, code := cli(t, ctx, "", "kissflow", "items"); code != 1 || !strings.Contains(errOut, "oktaflow kissflow sandbox NAME") {
		t.Fatalf("no sandbox yet: %d %q", code, errOut)
	}
	out, errOut, code := cli(t, ctx, "", "kissflow", "sandbox", "hr")
	if code != 0 || !strings.Contains(out, "Employee_Onboarding") {
		t.Fatalf("sandbox: %d %q %q", code, out, errOut)
	}
	out, _, code = cli(t, ctx, "", "kissflow", "items", "--json")
	var items []struct{ ID, Status, Email string }
	if code != 0 || json.Unmarshal([]byte(out), &items) != nil || len(items) == 0 {
		t.Fatalf("items: %d %q", code, out)
	}
	var pick string
	for _, it := range items {
		if it.Status == "InProgress" {
			pick = it.ID
			break
		}
	}
	out, errOut, code = cli(t, ctx, "", "kissflow", "complete", pick)
	if code != 0 || !strings.Contains(out, "Completed "+pick) {
		t.Fatalf("complete: %d %q %q", code, out, errOut)
	}
	out, _, _ = cli(t, ctx, "", "kissflow", "items")
	line := ""
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, pick) {
			line = l
		}
	}
	if !strings.Contains(line, "Completed") {
		t.Fatalf("the completion was kept: %q", out)
	}
	if _, errOut, code := cli(t, ctx, "", "kissflow", "complete", pick); code != 1 || !strings.Contains(errOut, "already") {
		t.Fatalf("twice: %d %q", code, errOut)
	}
	if _, errOut, code := cli(t, ctx, "", "kissflow", "complete", "PkNope"); code != 1 || !strings.Contains(errOut, "no item") {
		t.Fatalf("unknown item: %d %q", code, errOut)
	}
	if out, _, _ := cli(t, ctx, "", "audit"); !strings.Contains(out, "kissflow.complete_item") {
		t.Fatalf("audited: %q", out)
	}
}
