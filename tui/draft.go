package tui

import "github.com/oktaflow/oktaflow/storage"

// draft is an integration being built or edited, shared by the wizard or
// editor that owns it and the screens they open (mapping, test). Edits go
// straight into it, so leaving a sub-screen never loses what was typed;
// only the owner saves it, and asks before throwing unsaved edits away.
type draft struct {
	in    storage.Integration
	dirty bool // changed since it was last saved

	// sample is the trigger event that mapping suggestions, previews and
	// tests use; sampleSource says where it came from.
	sample       map[string]any
	sampleSource string
	// outputs are the latest test outputs by step id: they feed the
	// suggestions for later steps (steps.<id>.…).
	outputs map[string]map[string]any
}

func newDraft(in storage.Integration) *draft {
	return &draft{in: in, outputs: map[string]map[string]any{}}
}

// step returns the step at i, or false.
func (d *draft) step(i int) (*storage.Step, bool) {
	if i < 0 || i >= len(d.in.Steps) {
		return nil, false
	}
	return &d.in.Steps[i], true
}
