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
