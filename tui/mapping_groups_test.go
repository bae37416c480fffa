package tui

import (
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/storage"
)

// groupIds is picked among the org's groups by name: typing narrows by
// prefix, enter inserts the group's id (several: a list).
func TestMappingPicksGroupsByName(t *testing.T) {
	c, sim := newTestCommon(t)
	eng1 := sim.AddGroup("Engineering", "Product and platform engineers")
	eng2 := sim.AddGroup("Engagement", "Customer engagement")
	sim.AddGroup("Sales", "Account executives")
	d := mappingDraft()
	s := openMapping(t, c, d, 1)
	s = selectField(t, s, "groupIds")
	if v := plain(s); !strings.Contains(v, "ctrl+o picks a group") {
		t.Errorf("the field does not say a group can be picked:\n%s", v)
	}
	s, _ = press(t, s, "ctrl+o")
	v := plain(s)
	for _, want := range []string{"Pick a group", "Engagement", "Engineering", "Sales"} {
		if !strings.Contains(v, want) {
			t.Errorf("picker lacks %q:\n%s", want, v)
		}
	}
	if !s.Capturing() {
		t.Error("the picker does not take the keys (q would quit)")
	}
	s = typeText(t, s, "engi")
	v = plain(s)
	if !strings.Contains(v, "Engineering") || strings.Contains(v, "Engagement") || strings.Contains(v, "Sales") {
		t.Errorf("typing \"engi\" does not narrow by prefix:\n%s", v)
	}
	s, _ = press(t, s, "enter")
	if got := d.in.Steps[1].Fields["groupIds"]; got != eng1.ID {
		t.Fatalf("groupIds = %q, want %q", got, eng1.ID)
	}
	// A second group joins the list.
	s, _ = press(t, s, "ctrl+o")
	s = typeText(t, s, "Enga")
	s, _ = press(t, s, "enter")
	if got, want := d.in.Steps[1].Fields["groupIds"], eng1.ID+", "+eng2.ID; got != want {
		t.Fatalf("groupIds = %q, want %q", got, want)
	}
	if s.Capturing() {
		t.Error("the picker stays open after a pick")
	}
	// esc closes it without a change.
	s, _ = press(t, s, "ctrl+o")
	s, _ = press(t, s, "esc")
	if s.Capturing() || d.in.Steps[1].Fields["groupIds"] != eng1.ID+", "+eng2.ID {
		t.Errorf("esc: capturing %v, groupIds %q", s.Capturing(), d.in.Steps[1].Fields["groupIds"])
	}
}

// The membership actions: groupId takes the id, groupName the exact name;
// a picked group replaces what was there. While editing, the pick goes
// into the input.
func TestMappingPicksAGroupForMembership(t *testing.T) {
	c, sim := newTestCommon(t)
	g := sim.AddGroup("Engineering", "")
	d := newDraft(storage.Integration{Name: "Join", Trigger: storage.Trigger{Type: "webhook"}, Steps: []storage.Step{
		{ID: "join", Action: "okta.add_to_group", Account: "sandbox", Fields: map[string]string{"login": "{{ trigger.email }}", "groupName": "old"}},
	}})
	d.sample = map[string]any{"email": "ada@acme.com"}
	s := openMapping(t, c, d, 0)
	s = selectField(t, s, "groupName")
	s, _ = press(t, s, "ctrl+o")
	s, _ = press(t, s, "enter")
	if got := d.in.Steps[0].Fields["groupName"]; got != "Engineering" {
		t.Fatalf("groupName = %q, want the exact name", got)
	}
	s = selectField(t, s, "groupId")
	s, _ = press(t, s, "enter") // editing
	s, _ = press(t, s, "ctrl+o")
	s, _ = press(t, s, "enter")
	if m := s.(*mappingScreen); !m.editing || m.input.Value() != g.ID {
		t.Fatalf("while editing: editing %v, input %q, want %q", m.editing, m.input.Value(), g.ID)
	}
	s, _ = press(t, s, "enter")
	if got := d.in.Steps[0].Fields["groupId"]; got != g.ID {
		t.Fatalf("groupId = %q", got)
	}
	// A field that names no group offers no picker.
	s = selectField(t, s, "login")
	s, msgs := press(t, s, "ctrl+o")
	if s.Capturing() {
		t.Error("ctrl+o on login opened a picker")
	}
	if _, ok := hasMsg[toastMsg](msgs); !ok {
		t.Error("ctrl+o on login says nothing")
	}
}
