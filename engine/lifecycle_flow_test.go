package engine

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// The joiner–mover–leaver flows of issue 10 through the whole engine
// (webhook → runs → steps → the simulated org), and exact numbers from the
// event to Okta.

const moverDoc = `{"name": "Mover",
 "trigger": {"type": "webhook", "config": {"secret": "change-me-0123456789"}},
 "steps": [
  {"id": "update", "action": "okta.update_user", "account": "sandbox",
   "fields": {"find.login": "{{ trigger.login }}", "department": "{{ trigger.department }}", "employeeNumber": "{{ trigger.employee }}"}},
  {"id": "leave", "action": "okta.remove_from_group", "account": "sandbox",
   "fields": {"id": "{{ steps.update.id }}", "groupName": "{{ trigger.old_group }}"}},
  {"id": "join", "action": "okta.add_to_group", "account": "sandbox",
   "fields": {"id": "{{ steps.update.id }}", "groupName": "{{ trigger.department }}"}}]}`

const leaverDoc = `{"name": "Leaver",
 "trigger": {"type": "webhook", "config": {"secret": "change-me-0123456789"}},
 "steps": [
  {"id": "suspend", "action": "okta.suspend_user", "account": "sandbox", "fields": {"login": "{{ trigger.login }}"}},
  {"id": "deactivate", "action": "okta.deactivate_user", "account": "sandbox", "fields": {"id": "{{ steps.suspend.id }}"}},
  {"id": "delete", "action": "okta.delete_user", "account": "sandbox", "fields": {"id": "{{ steps.suspend.id }}"}}]}`

func TestMoverFlow(t *testing.T) {
	h := newHarness(t, oktatest.Options{RateLimit: 100_000})
	h.start()
	sales := h.sim.AddGroup("Sales", "")
	eng := h.sim.AddGroup("Engineering", "")
	u := h.sim.AddUser(map[string]any{"login": "ann@acme.com", "department": "Sales"}, "ACTIVE")
	in := h.importOn(moverDoc)
	// Ann is in Sales before the move.
	c, err := okta.NewClient(h.sim.URL, h.sim.Token, okta.WithAllowHTTPLoopback())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddUserToGroup(context.Background(), sales.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"login": "ann@acme.com", "department": "Engineering", "old_group": "Sales", "employee": 9007199254740993}`)
	resp, a := h.post(in.ID, "change-me-0123456789", body)
	if resp.StatusCode != http.StatusAccepted || len(a.Runs) != 1 {
		t.Fatalf("POST: %d %+v", resp.StatusCode, a)
	}
	if counts := h.waitRuns(); counts[storage.RunSucceeded] != 1 {
		r, _ := h.store.Run(a.Runs[0])
		t.Fatalf("runs %v: %+v", counts, r.Steps)
	}
	st, _ := h.sim.UserByLogin("ann@acme.com")
	if st.Profile["department"] != "Engineering" || st.Profile["employeeNumber"] != "9007199254740993" {
		t.Fatalf("profile %v (the employee number must arrive exact)", st.Profile)
	}
	if !slices.Equal(st.GroupIDs, []string{eng.ID}) {
		t.Fatalf("groups %v; want only Engineering %s", st.GroupIDs, eng.ID)
	}
}

func TestLeaverFlow(t *testing.T) {
	h := newHarness(t, oktatest.Options{RateLimit: 100_000})
	h.start()
	h.sim.AddUser(map[string]any{"login": "bob@acme.com"}, "ACTIVE")
	in := h.importOn(leaverDoc)
	_, a := h.post(in.ID, "change-me-0123456789", map[string]any{"login": "bob@acme.com"})
	if counts := h.waitRuns(); counts[storage.RunSucceeded] != 1 {
		r, _ := h.store.Run(a.Runs[0])
		t.Fatalf("runs %v: %+v", counts, r.Steps)
	}
	if _, ok := h.sim.UserByLogin("bob@acme.com"); ok {
		t.Fatal("the leaver is still in the org")
	}
	r, _ := h.store.Run(a.Runs[0])
	var outcomes []string
	for _, s := range r.Steps {
		var out struct{ Outcome string }
		if err := json.Unmarshal(s.Output, &out); err != nil {
			t.Fatal(err)
		}
		outcomes = append(outcomes, out.Outcome)
	}
	if !slices.Equal(outcomes, []string{"suspended", "deactivated", "deleted"}) {
		t.Fatalf("outcomes %v", outcomes)
	}
}

// Types from the schema: a literal "3" on an integer attribute is sent as 3,
// "3x" is refused at save, and a template giving text that is no number is
// a problem the preview shows before a real test.
func TestStepValuesTakeTheSchemaTypes(t *testing.T) {
	h := newHarness(t, oktatest.Options{RateLimit: 100_000, CustomAttrs: []oktatest.Attribute{
		{Name: "level", Type: "integer"}, {Name: "remote", Type: "boolean"}}})
	h.start()
	if _, err := h.e.RefreshSchema(context.Background(), "sandbox"); err != nil {
		t.Fatal(err)
	}
	doc := func(level string) string {
		return `{"name": "Typed", "trigger": {"type": "webhook", "config": {"secret": "change-me-0123456789"}},
 "steps": [{"id": "create", "action": "okta.add_user", "account": "sandbox",
  "fields": {"firstName": "Ada", "lastName": "Lovelace", "email": "{{ trigger.email }}", "login": "{{ trigger.email }}",
             "level": "` + level + `", "remote": "{{ trigger.remote }}"}}]}`
	}
	if _, err := h.e.Import(context.Background(), []byte(doc("3x"))); err == nil || !strings.Contains(err.Error(), "level") ||
		!strings.Contains(err.Error(), "whole number") {
		t.Fatalf("3x on an integer saved: %v", err)
	}
	in := h.importOn(doc("3"))
	preview := h.e.Preview(in, map[string]any{"email": "ada@acme.com", "remote": "perhaps"})
	if len(preview) != 1 || preview[0].Error == nil || !strings.Contains(preview[0].Error.Message, "remote: want true or false") {
		t.Fatalf("preview: %+v", preview)
	}
	_, a := h.post(in.ID, "change-me-0123456789", map[string]any{"email": "ada@acme.com", "remote": "yes"})
	if counts := h.waitRuns(); counts[storage.RunSucceeded] != 1 {
		r, _ := h.store.Run(a.Runs[0])
		t.Fatalf("runs %v: %+v", counts, r.Steps)
	}
	st, _ := h.sim.UserByLogin("ada@acme.com")
	if st.Profile["level"] != float64(3) || st.Profile["remote"] != true {
		t.Fatalf("profile %#v", st.Profile)
	}
}

// Import refuses a template that could only blow its sandbox bounds, and a
// hostile template that gets past the static check fails its step naming
// the field while the engine goes on.
func TestTemplatesAreSandboxed(t *testing.T) {
	h := newHarness(t, oktatest.Options{RateLimit: 100_000})
	h.start()
	doc := func(dept string) string {
		return `{"name": "Sandboxed", "trigger": {"type": "webhook", "config": {"secret": "change-me-0123456789"}},
 "steps": [{"id": "update", "action": "okta.update_user", "account": "sandbox",
  "fields": {"find.login": "{{ trigger.login }}", "department": "` + dept + `"}}]}`
	}
	_, err := h.e.Import(context.Background(), []byte(doc(`{{ repeat(\"x\", 1e10) }}`)))
	if err == nil || !strings.Contains(err.Error(), "department") || !strings.Contains(err.Error(), "at most") {
		t.Fatalf("import: %v; want the field and its limit", err)
	}
	h.sim.AddUser(map[string]any{"login": "ann@acme.com"}, "ACTIVE")
	in := h.importOn(doc(`{{ reduce(1..40, #acc + #acc, trigger.login) }}`))
	_, a := h.post(in.ID, "change-me-0123456789", map[string]any{"login": "ann@acme.com"})
	if counts := h.waitRuns(); counts[storage.RunFailed] != 1 {
		t.Fatalf("runs %v", counts)
	}
	r, _ := h.store.Run(a.Runs[0])
	if r.Error == nil || !strings.Contains(r.Error.Message, "department") || !strings.Contains(r.Error.Message, "text") {
		t.Fatalf("run error %+v", r.Error)
	}
}
