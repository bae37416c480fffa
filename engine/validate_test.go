package engine

import (
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// A step's account must be of the kind its action acts on: an Okta action
// on an Okta (token, OAuth or sandbox) account, never on a Kissflow one.
func TestStepAccountMustMatchTheConnector(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	if _, err := h.store.AddAccount(storage.Account{Name: "kf", Kind: storage.AccountKissflow, OrgURL: "https://acme.kissflow.com",
		KissflowAccountID: "Ac1", KissflowAccessKeyID: "id", Token: "secret"}); err != nil {
		t.Fatal(err)
	}
	in := storage.Integration{Name: "x", Trigger: storage.Trigger{Type: "manual"}, Steps: []storage.Step{
		{ID: "find", Action: "okta.get_user", Account: "kf", Fields: map[string]string{"login": "{{ trigger.email }}"}}}}
	msg := problemAt(h.e.ValidateIntegration(in), "steps[0].account")
	if !strings.Contains(msg, "Kissflow") || !strings.Contains(msg, "Okta account") {
		t.Errorf("an Okta step on a Kissflow account: %q", msg)
	}
	in.Steps[0].Account = "sandbox"
	if err := h.e.ValidateIntegration(in); err != nil {
		t.Errorf("an Okta step on an Okta account: %v", err)
	}
}
