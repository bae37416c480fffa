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

// A trigger's account must exist and be of the trigger's kind: an Okta
// account for okta_event, a Kissflow account for kissflow.
func TestTriggerAccountMustExistAndMatch(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	if _, err := h.store.AddAccount(storage.Account{Name: "kf", Kind: storage.AccountKissflow, OrgURL: "https://acme.kissflow.com",
		KissflowAccountID: "Ac1", KissflowAccessKeyID: "id", Token: "secret"}); err != nil {
		t.Fatal(err)
	}
	step := []storage.Step{{ID: "find", Action: "okta.get_user", Account: "sandbox", Fields: map[string]string{"login": "{{ trigger.email }}"}}}
	for _, tc := range []struct {
		typ, account, want string
	}{
		{"okta_event", "kf", "Kissflow account"},
		{"okta_event", "nope", "no account named"},
		{"okta_event", "sandbox", ""},
		{"kissflow", "sandbox", "Okta account"},
		{"kissflow", "kf", ""},
	} {
		cfg := map[string]any{"account": tc.account, "event_types": "user.lifecycle.create", "process_id": "P1"}
		in := storage.Integration{Name: "x", Trigger: storage.Trigger{Type: tc.typ, Config: cfg}, Steps: step}
		msg := problemAt(h.e.ValidateIntegration(in), "trigger.config.account")
		if (tc.want == "") != (msg == "") || !strings.Contains(msg, tc.want) {
			t.Errorf("%s on %s: %q, want %q", tc.typ, tc.account, msg, tc.want)
		}
	}
}

func TestCheckKissflowHost(t *testing.T) {
	if h, err := CheckKissflowHost("acme", "eu"); err != nil || h != "https://acme.kissflow.eu" {
		t.Errorf("acme eu: %q %v", h, err)
	}
	if _, err := CheckKissflowHost("https://acme.kissflow.com/x/y", ""); AccountErrorField(err) != FieldDomain {
		t.Errorf("a path: %v", err)
	}
}
