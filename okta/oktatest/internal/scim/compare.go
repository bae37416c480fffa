package scim

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"
)

// compareExpr is `path op value` or `path pr`.
type compareExpr struct {
	path string
	op   Op
	lit  literal // unused for Pr
	fold bool    // compare strings case-insensitively (Dialect.CaseInsensitiveValues)
}

func (c *compareExpr) String() string {
	if c.op == Pr {
		return c.path + " pr"
	}
	return c.path + " " + c.op.String() + " " + c.lit.String()
}

// Match resolves the path; a missing attribute never matches, an array
// matches when any element does.
func (c *compareExpr) Match(r Resolver) bool {
	v, ok := r(c.path)
	if !ok {
		return false
	}
	if c.op == Pr {
		return anyElem(v, isPresent)
	}
	return anyElem(v, c.test)
}

// test compares one scalar attribute value with the literal. ne is the
// negation of eq, so it holds for values of another type (and for null
// unless the literal is null).
func (c *compareExpr) test(v any) bool {
	if t, ok := v.(time.Time); ok && t.IsZero() {
		v = nil // an unset time.Time field is null
	}
	if c.op == Ne {
		return !c.holds(Eq, v)
	}
	return c.holds(c.op, v)
}

// holds evaluates `v op literal` for op other than Ne and Pr. Values of a
// type that cannot compare with the literal never hold.
func (c *compareExpr) holds(op Op, v any) bool {
	switch c.lit.kind {
	case kindNull:
		return v == nil // the parser allows null only with eq and ne
	case kindBool:
		b, ok := v.(bool)
		return ok && b == c.lit.b
	case kindNumber:
		f, ok := toFloat(v)
		if !ok || f != f { // f != f: NaN compares with nothing
			return false
		}
		return satisfies(op, compareFloat(f, c.lit.num))
	}
	switch x := v.(type) {
	case string:
		if c.lit.isTime && !op.substring() {
			if t, ok := parseTime(x); ok {
				return satisfies(op, t.Compare(c.lit.t))
			}
		}
		return c.holdsString(op, x)
	case time.Time:
		if op.substring() {
			return c.holdsString(op, oktaTime(x))
		}
		return c.lit.isTime && satisfies(op, x.Compare(c.lit.t))
	}
	return false
}

// holdsString evaluates `s op literal` for a string literal, folding case
// if the dialect says so.
func (c *compareExpr) holdsString(op Op, s string) bool {
	want := c.lit.text
	if c.fold {
		s, want = fold(s), c.lit.folded
	}
	switch op {
	case Sw:
		return strings.HasPrefix(s, want)
	case Co:
		return strings.Contains(s, want)
	case Ew:
		return strings.HasSuffix(s, want)
	}
	return satisfies(op, strings.Compare(s, want))
}

// satisfies reports whether a three-way comparison result (-1, 0, +1 for
// attribute <, =, > literal) satisfies op (Eq, Gt, Ge, Lt or Le).
func satisfies(op Op, cmp int) bool {
	switch op {
	case Eq:
		return cmp == 0
	case Gt:
		return cmp > 0
	case Ge:
		return cmp >= 0
	case Lt:
		return cmp < 0
	case Le:
		return cmp <= 0
	}
	return false
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// toFloat converts any Go number (or json.Number) to float64.
func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// isPresent is pr for one scalar: not null, "", the zero time or an empty map.
func isPresent(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case time.Time:
		return !x.IsZero()
	case map[string]any:
		return len(x) > 0
	}
	return true
}

// anyElem reports whether f holds for v or, if v is a slice or array, for
// any element of it (recursively, so nested arrays are flattened).
func anyElem(v any, f func(any) bool) bool {
	switch x := v.(type) {
	case nil, string, bool, float64, int, time.Time, map[string]any:
		return f(v) // the common scalars, without reflection
	case []any:
		for _, e := range x {
			if anyElem(e, f) {
				return true
			}
		}
		return false
	case []string:
		for _, e := range x {
			if f(e) {
				return true
			}
		}
		return false
	}
	rv := reflect.ValueOf(v)
	if k := rv.Kind(); k != reflect.Slice && k != reflect.Array {
		return f(v)
	}
	for i := range rv.Len() {
		if anyElem(rv.Index(i).Interface(), f) {
			return true
		}
	}
	return false
}
