package tui

import (
	"maps"

	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/storage"
)

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
	starter      bool // the sample is a starter one (Backend.StarterSample), not the trigger's
	// outputs are the latest test outputs by step id: they feed the
	// suggestions for later steps (steps.<id>.…).
	outputs map[string]map[string]any

	// next names where esc leads from a sub-screen when it is not simply
	// back (the wizard's "continue to the test"); "" means back.
	next string
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

// cloneIntegration deep-copies what a command reads (steps' fields and
// options, the trigger's settings), so the screen can go on editing the
// draft while the command runs in its own goroutine.
func cloneIntegration(in storage.Integration) storage.Integration {
	out := in
	out.Steps = make([]storage.Step, len(in.Steps))
	for i, st := range in.Steps {
		c := st
		c.Fields = maps.Clone(st.Fields)
		c.Options = maps.Clone(st.Options)
		out.Steps[i] = c
	}
	out.Trigger.Config = maps.Clone(in.Trigger.Config)
	out.Trigger.Secrets = maps.Clone(in.Trigger.Secrets)
	return out
}

// setStarter makes ev (a starter sample of the trigger's type) the sample.
func (d *draft) setStarter(ev map[string]any) {
	d.sample, d.sampleSource, d.starter = ev, "a starter sample of "+triggerEventName(d.in.Trigger.Type), true
}

// triggerEventName is what one event of a trigger type is, for people,
// with its article: "an Okta event", "a CSV row".
func triggerEventName(typ string) string {
	switch typ {
	case trigger.Webhook:
		return "a webhook call"
	case trigger.Kissflow:
		return "a Kissflow item"
	case trigger.HTTPPoll:
		return "an item of the JSON API"
	case trigger.OktaEvent:
		return "an Okta event"
	case trigger.CSV:
		return "a CSV row"
	case trigger.Manual:
		return "a run's event"
	}
	if spec, ok := trigger.Lookup(typ); ok {
		return "the trigger “" + spec.Title + "”"
	}
	return "the trigger " + typ
}
