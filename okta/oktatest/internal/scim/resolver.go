package scim

import "strings"

// MapResolver resolves dotted paths in decoded JSON: each segment indexes a
// map[string]any, and an array on the way fans out over its elements, so
// "target.id" over {"target":[{"id":"a"},{"id":"b"}]} yields []any{"a","b"}.
// A path that reaches no value is missing (ok false); a JSON null is
// (nil, true). Timestamps left as RFC 3339 strings compare as times.
func MapResolver(m map[string]any) Resolver {
	return func(path string) (any, bool) { return lookup(m, path) }
}

// lookup follows path from v.
func lookup(v any, path string) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		seg, rest, more := strings.Cut(path, ".")
		child, ok := x[seg]
		if !ok || !more {
			return child, ok
		}
		return lookup(child, rest)
	case []any:
		return lookupEach(x, path)
	case []map[string]any:
		elems := make([]any, len(x))
		for i, e := range x {
			elems[i] = e
		}
		return lookupEach(elems, path)
	}
	return nil, false // a scalar has no sub-attributes
}

// lookupEach resolves path in every element; found values are gathered
// into one array, and none found means missing.
func lookupEach(elems []any, path string) (any, bool) {
	var found []any
	for _, e := range elems {
		if v, ok := lookup(e, path); ok {
			found = append(found, v)
		}
	}
	if found == nil {
		return nil, false
	}
	return found, true
}
