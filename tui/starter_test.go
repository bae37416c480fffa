package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
)

// The welcome screen's "Kissflow → Okta" starter, end to end on both
// sandboxes: the starter is saved, switched ON, an item is completed from
// the accounts screen (c), the trigger fires, the Okta user is created and
// its id is written back into the Kissflow item.
func TestWelcomeKissflowToOktaStarter(t *testing.T) {
	c := emptyCommon(t)
	if err := eng(c).Start(c.Ctx); err != nil {
		t.Fatal(err)
	}
	var s Screen = newWelcome(c)
	s.SetSize(78, 20)
	s, _ = press(t, s, "down") // Kissflow → Okta
	_, msgs := press(t, s, "enter")
	var in storage.Integration
	for _, m := range msgs {
		if p, ok := m.(pushMsg); ok {
			if ed, ok := p.screen.(*editor); ok {
				in = ed.saved
			}
		}
	}
	if in.ID == "" {
		t.Fatalf("no editor of the starter opened: %v", msgs)
	}
	if _, err := c.Backend.SetEnabled(c.Ctx, in.ID, true, time.Time{}); err != nil {
		t.Fatalf("the starter cannot be switched ON: %v", err)
	}
	acc := Screen(newAccounts(c))
	acc.SetSize(78, 40)
	acc, _ = runCmd(t, acc, acc.Init())
	for acc.(*accounts).rows[acc.(*accounts).cursor].a.Name != "kissflow" {
		acc, _ = press(t, acc, "down")
	}
	if v := plain(acc); !strings.Contains(v, "InProgress") {
		t.Fatalf("the Kissflow sandbox's items are not listed:\n%s", v)
	}
	_, msgs = press(t, acc, "c")
	note, ok := hasMsg[toastMsg](msgs)
	if !ok || !strings.Contains(note.text, "Completed") {
		t.Fatalf("c did not complete an item: %v", msgs)
	}
	id := strings.Fields(strings.SplitAfter(note.text, "item ")[1])[0]
	id = strings.TrimSuffix(id, ":")
	deadline := time.Now().Add(60 * time.Second) // the trigger polls every 5 s
	for {
		items, err := c.Backend.KissflowSandboxItems("kissflow")
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it.ID == id && strings.HasPrefix(it.OktaUserID, "00u") {
				// the user exists in Okta and its id is in the item; the
				// open accounts screen shows it when the run's end is told
				runs, err := c.Backend.Runs(storage.RunQuery{IntegrationID: in.ID, Limit: 1})
				if err != nil || len(runs) == 0 {
					t.Fatalf("no run of the starter: %v", err)
				}
				acc, _ = runCmd(t, acc, func() tea.Msg { return engineEventMsg{engine.Event{Kind: engine.RunChanged, Run: &runs[0]}} })
				if v := plain(acc); !strings.Contains(v, "Okta "+it.OktaUserID) {
					t.Fatalf("the accounts screen does not show the Okta id written back after the run:\n%s", v)
				}
				return
			}
		}
		if time.Now().After(deadline) {
			runs, _ := c.Backend.Runs(storage.RunQuery{IntegrationID: in.ID, Limit: 5})
			t.Fatalf("the Okta id never reached item %s; runs: %+v", id, runs)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
