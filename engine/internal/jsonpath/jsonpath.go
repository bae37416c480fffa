// Package jsonpath walks dotted paths ("data.items", "profile.login",
// "tags.0") through decoded JSON (map[string]any, []any). Mapping templates
// and trigger settings use the same walk, so a path means the same thing in
// both.
package jsonpath

import (
	"strconv"
	"strings"
)

// Lookup returns the value at path in v, and whether it is there and not
// null. An empty path is v itself.
func Lookup(v any, path string) (any, bool) {
	if path == "" {
		return v, v != nil
	}
	return Walk(v, strings.Split(path, "."))
}

// Walk follows keys from v: object keys, and array indexes as numbers.
func Walk(v any, keys []string) (any, bool) {
	cur := v
	for _, k := range keys {
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[k]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, cur != nil
}
