package engine

import (
	"maps"
	"strings"

	"github.com/oktaflow/oktaflow/engine/action"
	"github.com/oktaflow/oktaflow/engine/mapping"
	"github.com/oktaflow/oktaflow/storage"
)

// A step's secret fields are the ones its action marks Field.Secret
// (http.request's authorization and secret_headers, okta.add_user's
// password). Their literal values live in storage.Step.Secrets, sealed at
// rest and never exported; a template stays in Fields, since it holds no
// secret itself. The rules, applied at every save (separateStepSecrets):
//
//   - a literal in Fields moves into Secrets, replacing what was sealed;
//   - a template in Fields replaces what was sealed (the sealed value goes);
//   - a blank value in Fields, or a masked one ("••••••••…", what a viewer
//     or a screen shows) in Fields or Secrets, keeps what was sealed: an
//     editor that shows a sealed value as blank or masked saves it back
//     unchanged;
//   - with no value in Fields, Secrets is taken as given: a value the
//     caller removed from Secrets is removed;
//   - a value in Secrets for a field the action does not mark secret is
//     dropped (another action, or a field no longer secret).
//
// When the step runs, withStepSecrets puts the values back into its input,
// for that step only; stored runs and previews mask them (redact).

// separateStepSecrets applies the rules above to every step of in. stored
// is the integration as saved before (nil for a new one): the source of
// values kept by a blank or masked one.
func separateStepSecrets(in *storage.Integration, stored *storage.Integration) {
	for i := range in.Steps {
		st := &in.Steps[i]
		act, ok := action.Lookup(st.Action)
		if !ok {
			continue // validation names the unknown action; keep the step as given
		}
		var before map[string]storage.Secret
		if stored != nil {
			if old := stepByID(stored.Steps, st.ID); old != nil && old.Action == st.Action {
				before = old.Secrets
			}
		}
		st.Secrets = stepSecrets(act, st, before)
	}
}

// stepSecrets is the sealed values a step keeps after a save, taking the
// literal secret values out of its Fields.
func stepSecrets(act action.Action, st *storage.Step, before map[string]storage.Secret) map[string]storage.Secret {
	out := map[string]storage.Secret{}
	keep := func(name string, orSealed bool) {
		v, given := st.Secrets[name]
		switch {
		case given && !v.IsZero() && !isMasked(v.Reveal()):
			out[name] = v
		case (orSealed || (given && isMasked(v.Reveal()))) && !before[name].IsZero():
			out[name] = before[name]
		}
	}
	for _, name := range action.SecretFields(act) {
		src, mapped := st.Fields[name]
		switch t, err := mapping.Parse(src); {
		case !mapped:
			keep(name, false)
		case strings.TrimSpace(src) == "" || isMasked(src):
			delete(st.Fields, name)
			keep(name, true)
		case err != nil || !t.IsLiteral():
			// A template (or one that does not compile, which validation
			// reports): it stays in Fields, and the sealed value goes.
		default:
			out[name] = storage.Secret(src)
			delete(st.Fields, name)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// isMasked reports whether a value is a secret's masked form, never a value.
func isMasked(s string) bool { return strings.HasPrefix(s, "••••") }

func stepByID(steps []storage.Step, id string) *storage.Step {
	for i := range steps {
		if steps[i].ID == id {
			return &steps[i]
		}
	}
	return nil
}

// withStepSecrets returns a step's resolved input with its sealed values
// added, for the one step that runs; input is not changed.
func withStepSecrets(st storage.Step, input map[string]any) map[string]any {
	if len(st.Secrets) == 0 {
		return input
	}
	out := maps.Clone(input)
	if out == nil {
		out = map[string]any{}
	}
	for k, v := range st.Secrets {
		out[k] = v.Reveal()
	}
	return out
}

// secretNames lists the fields a step has sealed values for.
func secretNames(st storage.Step) []string {
	names := make([]string, 0, len(st.Secrets))
	for k, v := range st.Secrets {
		if !v.IsZero() {
			names = append(names, k)
		}
	}
	return names
}
