package engine

import (
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// A preview cannot know earlier steps' outputs: a field that reads one is
// deferred (typed, with the paths it waits for), not an error; a value the
// event lacks is a real error.
func TestSessionPreviewDefersEarlierStepValues(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	in := storage.Integration{Name: "leaver", Trigger: storage.Trigger{Type: "manual"}, Steps: []storage.Step{
		{ID: "find", Action: "okta.get_user", Account: "sandbox", Fields: map[string]string{"login": "{{ trigger.email }}"}},
		{ID: "off", Action: "okta.deactivate_user", Account: "sandbox", Fields: map[string]string{
			"id": "{{ steps.find.id }}", "login": "{{ trigger.manager }}"}},
	}}
	s := h.e.Session("local:alice", RoleAdmin)
	out, err := s.Preview(in, map[string]any{"email": "ada@acme.com"})
	if err != nil || len(out) != 2 {
		t.Fatalf("%+v %v", out, err)
	}
	if out[0].Error != nil || out[0].Input["login"] != "ada@acme.com" || len(out[0].Deferred) != 0 {
		t.Errorf("step 1: %+v", out[0])
	}
	if got := out[1].Deferred["id"]; len(got) != 1 || got[0] != "steps.find.id" {
		t.Errorf("step 2 deferred: %+v", out[1].Deferred)
	}
	if out[1].Error == nil || !strings.Contains(out[1].Error.Message, "trigger.manager") || strings.Contains(out[1].Error.Message, "steps.find") {
		t.Errorf("step 2 error: %+v", out[1].Error)
	}
	out, _ = s.Preview(in, map[string]any{"email": "ada@acme.com", "manager": "bob@acme.com"})
	if out[1].Error != nil || out[1].Input["login"] != "bob@acme.com" {
		t.Errorf("only deferred values left, yet: %+v", out[1])
	}
	// A step that does not run before this one is a compile error, not deferred.
	in.Steps[0].Fields["login"] = "{{ steps.off.login }}"
	out, _ = s.Preview(in, map[string]any{})
	if out[0].Error == nil || !strings.Contains(out[0].Error.Message, "no step runs before") || len(out[0].Deferred) != 0 {
		t.Errorf("a later step's output: %+v", out[0])
	}
}

func TestReadOnlyAction(t *testing.T) {
	for id, want := range map[string]bool{"okta.get_user": true, "okta.add_user": false, "okta.deactivate_user": false, "no.such": false} {
		if got := ReadOnlyAction(id); got != want {
			t.Errorf("ReadOnlyAction(%q) = %v", id, got)
		}
	}
	in := storage.Integration{Steps: []storage.Step{{Action: "okta.get_user"}}}
	if !ReadOnlyIntegration(in) {
		t.Error("a get_user test only reads")
	}
	in.Steps = append(in.Steps, storage.Step{Action: "okta.deactivate_user"})
	if ReadOnlyIntegration(in) {
		t.Error("a deactivate changes the org")
	}
}
