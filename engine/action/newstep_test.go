package action

import (
	"testing"

	"github.com/oktaflow/oktaflow/storage"
)

// Every action names its new steps and gives them its options' defaults,
// and what it gives is a valid step id and valid option values.
func TestNewStepDefaults(t *testing.T) {
	for _, a := range All() {
		id := NewStepID(a)
		if err := storage.ValidateName(id); err != nil {
			t.Errorf("%s: new step id %q: %v", a.ID(), id, err)
		}
		opts := DefaultOptions(a)
		for _, o := range a.Options() {
			v, ok := opts[o.Name]
			if o.Default == nil {
				if ok {
					t.Errorf("%s: option %s has no default but a new step sets %v", a.ID(), o.Name, v)
				}
				continue
			}
			if !ok {
				t.Errorf("%s: a new step lacks option %s's default %v", a.ID(), o.Name, o.Default)
			} else if err := CheckOption(o, v); err != nil {
				t.Errorf("%s: default of %s: %v", a.ID(), o.Name, err)
			}
		}
	}
	for action, want := range map[string]string{"okta.add_user": "create", "okta.get_user": "find", "okta.deactivate_user": "deactivate",
		"okta.suspend_user": "suspend", "kissflow.update_item": "update_item", "http.request": "request"} {
		a, _ := Lookup(action)
		if got := NewStepID(a); got != want {
			t.Errorf("%s: new step id %q, want %q", action, got, want)
		}
	}
}
