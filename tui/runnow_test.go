package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/storage"
)

func TestRunNowQueuesARunWithTheTypedEvent(t *testing.T) {
	c, _ := newTestCommon(t)
	in, err := eng(c).SaveIntegration(context.Background(), storage.Integration{
		Name: "Offboard", Trigger: storage.Trigger{Type: "manual"},
		Steps: []storage.Step{{ID: "find", Action: "okta.get_user", Account: "sandbox", Fields: map[string]string{"login": "{{ trigger.login }}"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var s Screen = newRunNow(c, in, nil)
	s.SetSize(78, 20)
	s = typeText(t, s, `"login": "ada@acme.com"`)
	// a bad event is refused in place, and kept
	s = typeText(t, s, `,`)
	s, msgs := press(t, s, "ctrl+s")
	if len(msgs) != 0 || !strings.Contains(plain(s), "✗") || !strings.Contains(s.(*runNow).area.Value(), "ada@acme.com") {
		t.Fatalf("a bad event must be refused in place:\n%s", plain(s))
	}
	s, _ = press(t, s, "backspace")
	s, msgs = press(t, s, "ctrl+s")
	if _, ok := hasMsg[replaceMsg](msgs); !ok {
		t.Fatalf("no run detail after queuing: %v\n%s", msgs, plain(s))
	}
	runs, _ := eng(c).Store().ListRuns(storage.RunQuery{IntegrationID: in.ID})
	if len(runs) != 1 || !strings.Contains(string(runs[0].Event), "ada@acme.com") {
		t.Fatalf("runs %+v", runs)
	}
	audit, _ := eng(c).Store().Audit(0, 5)
	if len(audit) == 0 || audit[0].Action != "integration.run" {
		t.Fatalf("not audited: %+v", audit)
	}
}

// Run now names the account each step acts on and says which is the
// simulated sandbox, never "the real org" of a sandbox (QA).
func TestRunNowNamesTheAccountsItActsOn(t *testing.T) {
	c, _ := newTestCommon(t)
	for _, a := range []storage.Account{
		{Name: "acme", Kind: storage.AccountOkta, OrgURL: "https://acme.okta.com", Token: "t0ken"},
		{Name: "play", Kind: storage.AccountSandbox, Sandbox: true, OrgURL: "http://127.0.0.1:9", Token: "t0ken", AllowHTTP: true},
	} {
		if _, err := eng(c).Store().AddAccount(a); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		accounts []string
		want     string
	}{
		{[]string{"play"}, "it acts on play (the simulated sandbox org)"},
		{[]string{"acme", "acme"}, "it acts on acme (https://acme.okta.com, a real org)"},
		{[]string{"play", "acme"}, "it acts on play (the simulated sandbox org) and acme (https://acme.okta.com, a real org)"},
	} {
		in := storage.Integration{ID: "int_x", Name: "Offboard", Trigger: storage.Trigger{Type: "manual"}}
		for i, a := range tc.accounts {
			in.Steps = append(in.Steps, storage.Step{ID: "s" + itoa(i), Action: "okta.get_user", Account: a})
		}
		var s Screen = newRunNow(c, in, nil)
		s.SetSize(78, 20)
		s, _ = runCmd(t, s, s.Init())
		v := strings.Join(strings.Fields(plain(s)), " ")
		if !strings.Contains(v, tc.want) || strings.Contains(v, "real org of each step") {
			t.Errorf("steps on %v: want %q in\n%s", tc.accounts, tc.want, plain(s))
		}
	}
}
