package action

import "strings"

// NewStepID is the id a new step of a gets: its Traits.StepName, or its id
// without the connector and a "_user" suffix (okta.suspend_user → suspend,
// kissflow.update_item → update_item). Front ends make it unique within
// the integration.
func NewStepID(a Action) string {
	if name := a.Traits().StepName; name != "" {
		return name
	}
	_, base, _ := strings.Cut(a.ID(), ".")
	if base = strings.TrimSuffix(base, "_user"); base != "" {
		return base
	}
	return "step"
}

// DefaultOptions are the options a new step of a starts with: each
// option's Default, so that the step says what it will do (and an export
// keeps saying it should a default change later). nil when none has one.
func DefaultOptions(a Action) map[string]any {
	var out map[string]any
	for _, o := range a.Options() {
		if o.Default == nil {
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		out[o.Name] = o.Default
	}
	return out
}
