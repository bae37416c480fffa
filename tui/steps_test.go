package tui

import (
	"slices"
	"testing"

	"github.com/oktaflow/oktaflow/engine/action"
)

// A new step takes its id and its options' defaults from its action, and
// its id stays unique.
func TestAddStepTakesTheActionsDefaults(t *testing.T) {
	d := &draft{}
	for _, id := range []string{"okta.add_user", "okta.find_users", "http.request", "okta.add_user"} {
		a, _ := action.Lookup(id)
		st := d.in.Steps[addStep(d, id, "sandbox")]
		for _, o := range a.Options() {
			if o.Default != nil && st.Options[o.Name] != o.Default {
				t.Errorf("%s: option %s = %v, want its default %v", id, o.Name, st.Options[o.Name], o.Default)
			}
		}
	}
	var ids []string
	for _, st := range d.in.Steps {
		ids = append(ids, st.ID)
	}
	if want := []string{"create", "find_users", "request", "create2"}; !slices.Equal(ids, want) {
		t.Errorf("step ids %v, want %v", ids, want)
	}
}
