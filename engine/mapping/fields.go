package mapping

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
)

// Fields is a step's compiled field mappings.
type Fields map[string]*Template

// CompileFields compiles a step's mappings. earlier lists the ids of the
// steps before this one: a template may read only their outputs. required
// lists the fields that must have a mapping. Every problem is returned at
// once, each a *FieldError naming its field, sorted by field name.
func CompileFields(fields map[string]string, earlier, required []string) (Fields, error) {
	out := make(Fields, len(fields))
	var errs []error
	for _, name := range sortedKeys(fields) {
		t, err := Parse(fields[name])
		if err != nil {
			errs = append(errs, &FieldError{Field: name, Err: err})
			continue
		}
		for _, id := range t.StepRefs() {
			if !slices.Contains(earlier, id) {
				errs = append(errs, &FieldError{Field: name, Err: unknownStep(id, earlier)})
			}
		}
		out[name] = t
	}
	for _, name := range required {
		if t, ok := out[name]; (!ok || t.IsEmpty()) && !hasFieldError(errs, name) {
			errs = append(errs, &FieldError{Field: name, Err: errors.New("required by Okta but not mapped; map it to a value or a {{ template }}")})
		}
	}
	sort.SliceStable(errs, func(i, j int) bool {
		return errs[i].(*FieldError).Field < errs[j].(*FieldError).Field
	})
	return out, errors.Join(errs...)
}

func unknownStep(id string, earlier []string) error {
	if len(earlier) == 0 {
		return fmt.Errorf("reads steps.%s, but no step runs before this one", id)
	}
	return fmt.Errorf("reads steps.%s, but the steps before this one are: %v", id, earlier)
}

func hasFieldError(errs []error, field string) bool {
	for _, e := range errs {
		if fe, ok := e.(*FieldError); ok && fe.Field == field {
			return true
		}
	}
	return false
}

// Eval resolves every field. It stops at the first field that fails and
// names it; the caller records that on the run.
func (f Fields) Eval(env Env) (map[string]any, error) {
	return f.EvalContext(context.Background(), env)
}

// EvalContext is Eval that also stops when ctx ends.
func (f Fields) EvalContext(ctx context.Context, env Env) (map[string]any, error) {
	out := make(map[string]any, len(f))
	env = env.exactEnv() // once for all fields
	for _, name := range sortedKeys(f) {
		v, err := f[name].EvalContext(ctx, env)
		if err != nil {
			return nil, &FieldError{Field: name, Err: err}
		}
		out[name] = v
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
