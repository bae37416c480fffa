package tui

import (
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/engine/action"
)

// The field editor says what a literal becomes for the field's type: a
// list field splits the text at commas (QA: groupIds said "plain text:
// sent as typed" and then sent ["Engineering"]).
func TestLiteralNoteSaysWhatTheValueBecomes(t *testing.T) {
	list := action.Field{Name: "groupIds", Type: action.TypeArray}
	for _, tc := range []struct {
		f    action.Field
		src  string
		want string
		bad  bool
	}{
		{action.Field{Name: "email", Type: action.TypeString}, "Ada", "✓ plain text: sent as typed", false},
		{action.Field{Name: "email"}, "Ada", "✓ plain text: sent as typed", false},
		{list, "00g1, 00g2", `✓ a list of 2: ["00g1","00g2"] (commas separate the items)`, false},
		{list, "Engineering", `✓ a list of 1: ["Engineering"] (commas separate the items)`, false},
		{list, `["a","b"]`, `✓ a list of 2: ["a","b"] (a JSON list)`, false},
		{list, `[oops`, "✗ want a list, got", true},
		{action.Field{Name: "n", Type: action.TypeInteger}, "3", "✓ a whole number: 3", false},
		{action.Field{Name: "n", Type: action.TypeInteger}, "3x", "✗ want a whole number", true},
		{action.Field{Name: "b", Type: action.TypeBoolean}, "yes", "✓ true or false: true", false},
	} {
		n := literalNote(tc.f, tc.src)
		got, bad := n.text, n.bad
		if !strings.HasPrefix(got, tc.want) || bad != tc.bad {
			t.Errorf("%s = %q: %q (bad %v), want %q…", tc.f.Name, tc.src, got, bad, tc.want)
		}
	}
}

// In the mapping screen's editor, on Add a user's groupIds.
func TestMappingEditorSaysAListFieldSplitsAtCommas(t *testing.T) {
	c, _ := newTestCommon(t)
	s := openMapping(t, c, mappingDraft(), 1)
	s = selectField(t, s, "groupIds")
	s, _ = press(t, s, "enter")
	s = typeText(t, s, "Engineering, Sales")
	v := flat(plain(s))
	if strings.Contains(v, "sent as typed") || !strings.Contains(v, `a list of 2: ["Engineering","Sales"]`) {
		t.Errorf("the editor does not say how the text becomes a list:\n%s", plain(s))
	}
}
