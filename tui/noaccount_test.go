package tui

import (
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/storage"
)

// A step whose action needs no account (an HTTP request) is not warned
// about one, and its line names no empty account.
func TestStepWithoutAccountIsNotWarned(t *testing.T) {
	c, _ := newTestCommon(t)
	d := newDraft(storage.Integration{Name: "Notify", Trigger: storage.Trigger{Type: "webhook"}, Steps: []storage.Step{
		{ID: "notify", Action: "http.request", Fields: map[string]string{"url": "https://hr.example.com/x"}},
	}})
	d.sample = map[string]any{"email": "ada@acme.com"}
	v := plain(openMapping(t, c, d, 0))
	if !strings.Contains(v, "needs no account") || strings.Contains(v, "no account picked") || strings.Contains(v, "Okta's base profile") {
		t.Errorf("an HTTP request step is warned about an account:\n%s", v)
	}
	if line := stepLine(d.in.Steps[0]); strings.HasSuffix(line, " · ") {
		t.Errorf("step line %q ends with an empty account", line)
	}
}
