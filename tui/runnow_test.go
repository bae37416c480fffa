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
