package tui

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/oktaflow/oktaflow/engine/mapping"
	"github.com/oktaflow/oktaflow/tui/widget"
)

// suggestion is a path a mapping can read (see widget.Suggestion).
type suggestion = widget.Suggestion

// maxSuggestDepth bounds how deep a sample is walked: events are small, but
// a hostile one should not make the list endless.
const (
	maxSuggestDepth = 6
	maxSuggestions  = 400
)

// userOutputPaths are what the Okta user actions output, offered for a step
// that has not been tested yet.
var userOutputPaths = []string{"id", "status", "outcome", "profile.login", "profile.email", "profile.firstName", "profile.lastName"}

// identRe is what expr accepts after a dot.
var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// exprWords are expr's operators and literals: as property names they need
// the bracket form.
var exprWords = map[string]bool{
	"in": true, "and": true, "or": true, "not": true, "matches": true, "contains": true, "startsWith": true,
	"endsWith": true, "nil": true, "true": true, "false": true, "let": true, "if": true, "else": true,
}

// pathJoin appends one key to an expression path: .key when the key is a
// plain identifier, ["key"] otherwise (a step id like find-user, an event key
// like first-name).
func pathJoin(base, k string) string {
	if identRe.MatchString(k) && !exprWords[k] {
		return base + "." + k
	}
	q, _ := json.Marshal(k)
	return base + "[" + string(q) + "]"
}

// samplePaths lists every leaf path of v under base: nested objects as
// dotted paths, arrays by their first element (base[0]).
func samplePaths(base, from string, v any) []suggestion {
	var out []suggestion
	var walk func(path string, v any, depth int)
	walk = func(path string, v any, depth int) {
		if len(out) >= maxSuggestions {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			if depth >= maxSuggestDepth || len(x) == 0 {
				out = append(out, suggestion{Path: path, Value: shortValue(x), From: from})
				return
			}
			for _, k := range sampleKeys(x) {
				walk(pathJoin(path, k), x[k], depth+1)
			}
		case []any:
			out = append(out, suggestion{Path: path, Value: shortValue(x), From: from})
			if len(x) > 0 && depth < maxSuggestDepth {
				walk(path+"[0]", x[0], depth+1)
			}
		default:
			out = append(out, suggestion{Path: path, Value: shortValue(x), From: from})
		}
	}
	if m, ok := v.(map[string]any); ok {
		for _, k := range sampleKeys(m) {
			walk(pathJoin(base, k), m[k], 1)
		}
	}
	return out
}

func sampleKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// shortValue renders a sample value on one short line.
func shortValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return fmt.Sprintf("{…%d keys}", len(x))
	case []any:
		return fmt.Sprintf("[…%d items]", len(x))
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(b.String())
}

// mappingSuggestions are the paths a step's fields can read: the trigger
// sample's, then each earlier step's output (its last test output, or what
// a user action returns).
func mappingSuggestions(d *draft, step int) []suggestion {
	out := samplePaths("trigger", "trigger", d.sample)
	for i := 0; i < step && i < len(d.in.Steps); i++ {
		id := d.in.Steps[i].ID
		base := pathJoin("steps", id)
		if o, ok := d.outputs[id]; ok && len(o) > 0 {
			out = append(out, samplePaths(base, id, o)...)
			continue
		}
		for _, p := range userOutputPaths {
			path := base
			for _, k := range strings.Split(p, ".") {
				path = pathJoin(path, k)
			}
			out = append(out, suggestion{Path: path, From: id})
		}
	}
	return out
}

// earlierSteps are the ids of the steps before step: the only ones a
// mapping may read.
func earlierSteps(d *draft, step int) []string {
	var ids []string
	for i := 0; i < step && i < len(d.in.Steps); i++ {
		ids = append(ids, d.in.Steps[i].ID)
	}
	return ids
}

// checkMapping compiles one field's mapping the way saving does: a syntax
// error, an unknown name, or a step that does not run before this one.
func checkMapping(src string, earlier []string) error {
	_, err := mapping.CompileFields(map[string]string{"field": src}, earlier, nil)
	var fe *mapping.FieldError
	if errors.As(err, &fe) {
		return fe.Err
	}
	return err
}
