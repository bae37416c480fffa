package tui

import "testing"

// A search puts the actions whose title or id has the typed words (whole,
// then as a word's start) first, so enter picks what was typed (QA:
// "deactivate" highlighted "Activate a user", whose description says
// "deactivated").
func TestActionPickerRanksTitleAndIDMatchesFirst(t *testing.T) {
	c, _ := newTestCommon(t)
	for _, tc := range []struct{ query, want string }{
		{"deactivate", "okta.deactivate_user"},
		{"activate", "okta.activate_user"},
		{"suspend", "okta.suspend_user"},
		{"unsuspend", "okta.unsuspend_user"},
		{"delete", "okta.delete_user"},
		{"remove", "okta.remove_from_group"},
		{"find", "okta.find_users"},
		{"update a user", "okta.update_user"},
		{"kissflow", "kissflow.update_item"},
		{"okta.deactivate_user", "okta.deactivate_user"},
		{"deactivate_user", "okta.deactivate_user"},
		{"deact", "okta.deactivate_user"},
		{"http", "http.request"},
	} {
		var s Screen = newActionPicker(c)
		s.SetSize(80, 20)
		s = typeText(t, s, tc.query)
		it, ok := s.(*actionPicker).list.Selected()
		if !ok || it.Value != tc.want {
			t.Errorf("%q highlights %v, want %s:\n%s", tc.query, it.Value, tc.want, plain(s))
		}
	}
}
