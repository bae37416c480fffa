package scim

import "strings"

// Expr is a parsed expression. It is immutable and safe for concurrent use.
type Expr interface {
	// Match reports whether the resource that r describes satisfies the
	// expression. r must not be nil.
	Match(r Resolver) bool
	// String returns the expression in canonical form: lower-case keywords,
	// single spaces, parentheses only where "or" sits inside "and", strings
	// re-quoted, numbers as written. Parsing it under the same dialect gives
	// an Expr with the same String and the same matches.
	String() string
}

// Resolver returns the value of an attribute path (as written in the
// expression, e.g. "profile.firstName" or "target.id") of one resource.
// ok is false when the resource has no such attribute; a known attribute that
// is unset should rather be reported as (nil, true), which "eq null" matches.
// Values may be string, bool, nil, time.Time, any Go integer or float type or
// json.Number, or a slice of these ([]any, []string, ...), which matches when
// any element does. Timestamps may be given as time.Time or RFC 3339 strings.
// [MapResolver] resolves paths in decoded JSON.
type Resolver func(path string) (value any, ok bool)

// andExpr is true when every operand is; it has at least two.
type andExpr []Expr

func (x andExpr) Match(r Resolver) bool {
	for _, e := range x {
		if !e.Match(r) {
			return false
		}
	}
	return true
}

// String parenthesises "or" operands, the only ones that bind looser.
func (x andExpr) String() string {
	parts := make([]string, len(x))
	for i, e := range x {
		parts[i] = e.String()
		if _, ok := e.(orExpr); ok {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, " and ")
}

// orExpr is true when any operand is; it has at least two.
type orExpr []Expr

func (x orExpr) Match(r Resolver) bool {
	for _, e := range x {
		if e.Match(r) {
			return true
		}
	}
	return false
}

func (x orExpr) String() string {
	parts := make([]string, len(x))
	for i, e := range x {
		parts[i] = e.String()
	}
	return strings.Join(parts, " or ")
}

// notExpr negates its operand; it is the only way a missing attribute matches.
type notExpr struct{ x Expr }

func (n notExpr) Match(r Resolver) bool { return !n.x.Match(r) }

func (n notExpr) String() string { return "not (" + n.x.String() + ")" }
