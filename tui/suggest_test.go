package tui

import (
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/storage"
)

func TestSuggestionPathsCompile(t *testing.T) {
	d := newDraft(storage.Integration{Steps: []storage.Step{{ID: "find-user"}, {ID: "in"}, {ID: "create"}}})
	d.sample = map[string]any{
		"first-name": "Ada", "in": true, "_id": "x1", "Data": map[string]any{"items": []any{map[string]any{"id": 7}}},
		"tags": []any{}, "deep": map[string]any{"a": map[string]any{"b": map[string]any{"c": map[string]any{"d": map[string]any{"e": map[string]any{"f": 1}}}}}},
	}
	d.outputs["in"] = map[string]any{"id": "00u1", "profile": map[string]any{"login": "ada@acme.com"}}
	all := mappingSuggestions(d, 2)
	got := map[string]string{}
	for _, s := range all {
		got[s.Path] = s.Value
		if err := checkMapping("{{ "+s.Path+" }}", earlierSteps(d, 2)); err != nil {
			t.Errorf("%s does not compile: %v", s.Path, err)
		}
	}
	for path, value := range map[string]string{
		`trigger["first-name"]`:            `"Ada"`,
		`trigger["in"]`:                    "true",
		`trigger._id`:                      `"x1"`,
		`trigger.Data.items[0].id`:         "7",
		`trigger.tags`:                     "[…0 items]",
		`steps["find-user"].profile.login`: "",
		`steps["in"].profile.login`:        `"ada@acme.com"`,
	} {
		if v, ok := got[path]; !ok || v != value {
			t.Errorf("%s: %q %v, want %q", path, v, ok, value)
		}
	}
	for p := range got {
		if strings.Contains(p, "create") {
			t.Errorf("a suggestion reads the step being mapped or a later one: %s", p)
		}
	}
}
