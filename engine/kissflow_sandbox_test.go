package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/storage"
)

// sandboxEngine is an engine over a fresh store with no accounts, polling
// fast, for the sandbox flows.
func sandboxEngine(t *testing.T, dbPath string) (*Engine, *storage.Store) {
	t.Helper()
	st, err := storage.Open(dbPath, storage.Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Options{Store: st, PollInterval: 20 * time.Millisecond, KissflowSharePerMinute: 60000})
	if err != nil {
		t.Fatal(err)
	}
	return e, st
}

func stopEngine(t *testing.T, e *Engine, st *storage.Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Stop(ctx); err != nil {
		t.Errorf("stop: %v", err)
	}
	st.Close()
}

// The seed's flow on both sandboxes: a Kissflow item completes, the Okta
// user is created in the sandbox org, and the Okta id is written back into
// the item.
func TestKissflowSandboxEndToEnd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "oktaflow.db")
	e, st := sandboxEngine(t, db)
	ctx := context.Background()
	if _, err := e.CreateSandbox(ctx, "okta-sandbox"); err != nil {
		t.Fatal(err)
	}
	kf, err := e.CreateKissflowSandbox(ctx, "kissflow-sandbox")
	if err != nil {
		t.Fatal(err)
	}
	if !IsKissflowSandbox(kf) || !kf.Sandbox || kf.Token.IsZero() {
		t.Fatalf("sandbox account: %+v", kf)
	}
	if _, err := os.Stat(e.KissflowSandboxFile(kf.ID)); err != nil {
		t.Fatalf("saved beside the database: %v", err)
	}
	raw, _ := os.ReadFile(e.KissflowSandboxFile(kf.ID))
	if strings.Contains(string(raw), kf.Token.Reveal()) {
		t.Fatal("the sandbox file holds the access key secret")
	}
	items, err := e.KissflowSandboxItems("")
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	var hire KissflowSandboxItem
	for _, it := range items {
		states[it.Status]++
		if it.Status == "InProgress" && hire.ID == "" {
			hire = it
		}
	}
	if len(states) != 5 || hire.ID == "" {
		t.Fatalf("seeded items in every state: %v", states)
	}
	doc := fmt.Sprintf(`{"name": "Kissflow to Okta", "trigger": {"type": "kissflow", "config": {"account": "kissflow-sandbox", "process_id": %q}},
	  "steps": [
	    {"id": "create", "action": "okta.add_user", "account": "okta-sandbox",
	     "fields": {"firstName": "{{ trigger.First_Name }}", "lastName": "{{ trigger.Last_Name }}", "email": "{{ trigger.Email }}", "login": "{{ trigger.Email }}"}},
	    {"id": "writeback", "action": "kissflow.update_item", "account": "kissflow-sandbox",
	     "fields": {"Okta_User_ID": "{{ steps.create.id }}"}}]}`, KissflowSandboxProcess)
	in, err := e.Import(ctx, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.SetEnabled(ctx, in.ID, true, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, func() bool { c, _ := st.Cursor(in.ID); return c != "" })
	done, err := e.CompleteKissflowItem("kissflow-sandbox", hire.ID)
	if err != nil || done.Status != "Completed" || done.CompletedAt.IsZero() {
		t.Fatalf("complete: %+v %v", done, err)
	}
	var oktaID string
	waitUntil(t, func() bool {
		items, _ := e.KissflowSandboxItems("kissflow-sandbox")
		for _, it := range items {
			if it.ID == hire.ID {
				oktaID = it.OktaUserID
			}
		}
		return oktaID != ""
	})
	people := e.SandboxPeople(mustAccountOf(t, st, "okta-sandbox").ID)
	found := false
	for _, p := range people {
		found = found || (p.Login == hire.Email)
	}
	if !found || !strings.HasPrefix(oktaID, "00u") {
		t.Fatalf("user %s in the sandbox org: %v; Okta id in the item: %q", hire.Email, found, oktaID)
	}
	// The other items did not fire: one run only.
	waitUntil(t, func() bool { c, _ := st.RunCounts(); return c[storage.RunSucceeded] == 1 })
	c, _ := st.RunCounts()
	for state, n := range c {
		if state != storage.RunSucceeded && n != 0 {
			t.Fatalf("runs %v", c)
		}
	}
	stopEngine(t, e, st)

	// Restarted: the sandbox comes back from its file, on a new port, with
	// the write-back kept.
	e2, st2 := sandboxEngine(t, db)
	if err := e2.StartSandboxes(ctx); err != nil {
		t.Fatal(err)
	}
	items, err = e2.KissflowSandboxItems("kissflow-sandbox")
	if err != nil {
		t.Fatal(err)
	}
	kept := false
	for _, it := range items {
		kept = kept || (it.ID == hire.ID && it.OktaUserID == oktaID && it.Status == "Completed")
	}
	if !kept {
		t.Fatalf("the item's state after a restart: %+v", items)
	}
	if _, err := e2.CompleteKissflowItem("", hire.ID); err == nil || !strings.Contains(err.Error(), "already") {
		t.Fatalf("completing twice: %v", err)
	}
	if err := e2.DeleteIntegration(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	if err := e2.RemoveAccount("kissflow-sandbox"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(e2.KissflowSandboxFile(kf.ID)); !os.IsNotExist(err) {
		t.Fatalf("the removed sandbox's file: %v", err)
	}
	stopEngine(t, e2, st2)
}

func mustAccountOf(t *testing.T, st *storage.Store, name string) storage.Account {
	t.Helper()
	a, err := st.Account(name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// A damaged sandbox file is kept aside and the sandbox starts afresh.
func TestKissflowSandboxDamagedFile(t *testing.T) {
	db := filepath.Join(t.TempDir(), "oktaflow.db")
	e, st := sandboxEngine(t, db)
	kf, err := e.CreateKissflowSandbox(context.Background(), "kf")
	if err != nil {
		t.Fatal(err)
	}
	stopEngine(t, e, st)
	os.WriteFile(e.KissflowSandboxFile(kf.ID), []byte("{not json"), 0o600)
	e2, st2 := sandboxEngine(t, db)
	defer stopEngine(t, e2, st2)
	err = e2.StartSandboxes(context.Background())
	if err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("want a warning naming the damaged file, got %v", err)
	}
	if _, err := os.Stat(e2.KissflowSandboxFile(kf.ID) + ".damaged"); err != nil {
		t.Fatalf("kept aside: %v", err)
	}
	if items, err := e2.KissflowSandboxItems("kf"); err != nil || len(items) != len(kissflowSandboxHires) {
		t.Fatalf("reseeded: %d %v", len(items), err)
	}
}

// A Kissflow sandbox is told by its account's Sandbox flag, never by the
// look of its account id: a real account whose id happens to start like
// the sandbox's, reached over plain http (a test proxy), is no sandbox.
func TestKissflowSandboxIsTheFlag(t *testing.T) {
	lookalike := storage.Account{Kind: storage.AccountKissflow, AllowHTTP: true, KissflowAccountID: "AcSandbox0001"}
	if IsKissflowSandbox(lookalike) {
		t.Error("an account id made a Kissflow account a sandbox")
	}
	if !IsKissflowSandbox(storage.Account{Kind: storage.AccountKissflow, Sandbox: true, KissflowAccountID: "Ac1"}) {
		t.Error("the flag did not")
	}
	if IsKissflowSandbox(storage.Account{Kind: storage.AccountSandbox, Sandbox: true}) {
		t.Error("the Okta sandbox org is no Kissflow sandbox")
	}
}
