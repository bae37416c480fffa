package action

import (
	"context"
	"testing"

	"github.com/oktaflow/oktaflow/storage"
)

func TestNewEventNamesTheKissflowItem(t *testing.T) {
	kf := storage.Trigger{Type: "kissflow", Config: map[string]any{"process_id": "Onboarding"}}
	ev := NewEvent(kf, map[string]any{"_id": "Pk7", "Email": "a@b.c"})
	if ev.Item == nil || *ev.Item != (KissflowItem{ProcessID: "Onboarding", ItemID: "Pk7"}) || ev.TriggerType != "kissflow" {
		t.Fatalf("kissflow event: %+v", ev)
	}
	if ev := NewEvent(kf, map[string]any{"Email": "a@b.c"}); ev.Item != nil {
		t.Fatalf("an item without _id is named: %+v", ev.Item)
	}
	if ev := NewEvent(storage.Trigger{Type: "webhook"}, map[string]any{"_id": "x"}); ev.Item != nil {
		t.Fatalf("a webhook event names a Kissflow item: %+v", ev.Item)
	}
}

func TestOktaActionWithoutAnOktaClient(t *testing.T) {
	for _, a := range All() {
		if a.Traits().Connector != ConnectorOkta {
			continue
		}
		_, err := a.Run(context.Background(), Conn{}, Input{Fields: map[string]any{"id": "00u1", "login": "a@b.c"}})
		if !IsPermanent(err) {
			t.Errorf("%s without an Okta client: %v; want a permanent error", a.ID(), err)
		}
	}
}

func TestRedactOutputMasksSecretOutputs(t *testing.T) {
	a, _ := Lookup("okta.reset_password")
	out := map[string]any{"outcome": "reset", "resetPasswordUrl": "https://acme/reset_password/tok"}
	stored := RedactOutput(a, out)
	if stored["resetPasswordUrl"] != Masked || stored["outcome"] != "reset" || out["resetPasswordUrl"] == Masked {
		t.Fatalf("stored %v, kept %v", stored, out)
	}
	g, _ := Lookup("okta.get_user")
	if got := RedactOutput(g, out); got["resetPasswordUrl"] == Masked {
		t.Fatal("an action without secret outputs was masked")
	}
}
