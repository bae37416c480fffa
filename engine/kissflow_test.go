package engine

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/engine/kissflow"
	"github.com/oktaflow/oktaflow/engine/kissflow/kissflowtest"
	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

var testProcessFields = []kissflowtest.Field{
	{ID: "First_Name", Name: "First name", Type: "Text", Required: true},
	{ID: "Last_Name", Name: "Last name", Type: "Text", Required: true},
	{ID: "Email", Name: "Email", Type: "Email", Required: true},
	{ID: "Okta_User_ID", Name: "Okta user id", Type: "Text"},
}

// kissflowHarness is the engine harness plus a simulated Kissflow account,
// stored as the Kissflow account "hr".
func kissflowHarness(t *testing.T, opts kissflowtest.Options) (*harness, *kissflowtest.Server) {
	t.Helper()
	h := newHarness(t, oktatest.Options{})
	h.e.opts.KissflowSharePerMinute = 60000 // polls every 20 ms here; the pacer has its own tests
	h.e.opts.AllowPrivateAddresses = true   // the simulated account is on loopback
	opts.AccountID, opts.AccessKeyID, opts.AccessKeySecret = "AcAcme", "kid", "ksecret"
	kf := kissflowtest.NewServer(opts)
	t.Cleanup(func() { kf.Close() })
	kf.Account.AddProcess("Onboarding", "Employee onboarding", testProcessFields)
	if _, err := h.store.AddAccount(storage.Account{
		Name: "hr", Kind: storage.AccountKissflow, OrgURL: kf.URL, AllowHTTP: true,
		KissflowAccountID: "AcAcme", KissflowAccessKeyID: "kid", Token: storage.Secret("ksecret"),
	}); err != nil {
		t.Fatal(err)
	}
	return h, kf
}

// An item that completes in Kissflow becomes an Okta user: the trigger
// reaches Kissflow through the account "hr", through the engine's one
// client (and pacer) for it.
func TestKissflowAccountTriggerCreatesUser(t *testing.T) {
	h, kf := kissflowHarness(t, kissflowtest.Options{ListOmitsCompletedAt: true})
	old, _ := kf.Account.AddItem("Onboarding", kissflowtest.Completed, map[string]any{"First_Name": "Old", "Last_Name": "Hand", "Email": "old.hand@acme.com"}, time.Now().Add(-time.Hour))
	item, _ := kf.Account.AddItem("Onboarding", kissflowtest.InProgress, map[string]any{"First_Name": "Ada", "Last_Name": "Lovelace", "Email": "ada@acme.com"}, time.Time{})
	doc := `{"name": "Kissflow to Okta", "trigger": {"type": "kissflow", "config": {"account": "hr", "process_id": "Onboarding"}},
	  "steps": [{"id": "create", "action": "okta.add_user", "account": "sandbox",
	    "fields": {"firstName": "{{ trigger.First_Name }}", "lastName": "{{ trigger.Last_Name }}", "email": "{{ trigger.Email }}", "login": "{{ trigger.Email }}"}}]}`
	in := h.importOn(doc)
	h.start()
	waitUntil(t, func() bool { c, _ := h.store.Cursor(in.ID); return c != "" }) // the first poll has run
	if _, err := kf.Account.Complete("Onboarding", item.ID); err != nil {
		t.Fatal(err)
	}
	waitUser(t, h, "ada@acme.com")
	h.waitRuns()
	if _, ok := h.sim.UserByLogin("old.hand@acme.com"); ok {
		t.Fatalf("item %s completed before the switch ON fired", old.ID)
	}
	c1, err := h.e.KissflowClient("hr")
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := h.e.KissflowClient("hr")
	if c1 != c2 {
		t.Fatal("one client per Kissflow account")
	}
	if pacing := h.e.KissflowPacing(); pacing[kf.URL+"|AcAcme"].Calls == 0 {
		t.Fatalf("the trigger's calls go through the account's pacer: %v", pacing)
	}
	if _, err := h.e.KissflowClient("sandbox"); err == nil {
		t.Fatal("an Okta account is not a Kissflow account")
	}
}

// VerifyKissflow says what is wrong with credentials, typed.
func TestVerifyKissflow(t *testing.T) {
	h, kf := kissflowHarness(t, kissflowtest.Options{NotAdminOf: []string{"Payroll"}})
	kf.Account.AddProcess("Payroll", "Payroll", nil)
	c, _ := h.e.KissflowClient("hr")
	cfg := kissflowConfig(mustAccount(t, h, "hr"))
	if _, err := h.e.VerifyKissflow(context.Background(), cfg, "Onboarding"); err != nil {
		t.Fatalf("good: %v", err)
	}
	_, err := h.e.VerifyKissflow(context.Background(), cfg, "Payroll")
	if !errors.Is(err, kissflow.ErrNoProcessAdmin) {
		t.Fatalf("not a process admin: %v", err)
	}
	if c.AccountID() != "AcAcme" {
		t.Fatal(c.AccountID())
	}
}

func mustAccount(t *testing.T, h *harness, name string) storage.Account {
	t.Helper()
	a, err := h.store.Account(name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
