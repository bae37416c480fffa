package widget

import "testing"

func TestSpotAndInsert(t *testing.T) {
	cases := []struct {
		value string
		pos   int
		path  string
		want  string
	}{
		{"", 0, "trigger.email", "{{ trigger.email }}"},
		{"email", 5, "trigger.email", "{{ trigger.email }}"},
		{"{{ trig", 7, "trigger.email", "{{ trigger.email }}"},
		{"{{ trig }} x", 7, "trigger.email", "{{ trigger.email }} x"},
		{"{{ lower(trig) }}", 13, "trigger.email", "{{ lower(trigger.email) }}"},
		{"Hi ", 3, "trigger.email", "Hi {{ trigger.email }}"},
		{"a b", 1, "trigger.x", "a{{ trigger.x }} b"},
	}
	for _, tc := range cases {
		spot := spotAt(tc.value, tc.pos)
		got, _ := insertPath(tc.value, tc.pos, tc.path, spot)
		if got != tc.want {
			t.Errorf("insert %s into %q at %d: %q, want %q", tc.path, tc.value, tc.pos, got, tc.want)
		}
	}
}
