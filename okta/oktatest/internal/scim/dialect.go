package scim

import (
	"slices"
	"strings"
)

// Dialect says which expressions [Parse] accepts and how values compare.
// The zero Dialect accepts every operator, no "not", no attribute checks,
// and compares strings case-sensitively.
type Dialect struct {
	// Ops lists the allowed operators; any other operator is a syntax error.
	// Nil allows all of them.
	Ops []Op
	// AllowNot accepts `not (expr)` (Okta allows it in the System Log filter only).
	AllowNot bool
	// CaseInsensitiveValues folds letter case when comparing string values
	// (users search); otherwise strings compare exactly (users and logs filter).
	CaseInsensitiveValues bool
	// TimeAttrs lists attribute paths holding timestamps. Their values must be
	// quoted RFC 3339 timestamps such as "2020-08-27T18:19:24.000Z" (or null
	// with eq and ne); anything else is a syntax error, as in Okta.
	TimeAttrs []string
	// Attr, if set, vets each attribute path with its operator. A non-nil
	// error rejects the expression: it becomes the Msg (and Err) of a
	// *SyntaxError positioned at the path.
	Attr func(path string, op Op) error
}

// allows reports whether the dialect accepts op.
func (d *Dialect) allows(op Op) bool {
	return d.Ops == nil || slices.Contains(d.Ops, op)
}

// isTimeAttr reports whether path is listed in TimeAttrs.
func (d *Dialect) isTimeAttr(path string) bool {
	return slices.Contains(d.TimeAttrs, path)
}

// opList names the allowed operators for error messages: "eq, sw or pr".
func (d *Dialect) opList() string {
	var names []string
	for _, o := range allOps {
		if d.allows(o) {
			names = append(names, o.String())
		}
	}
	return orList(names)
}

// orList joins words as "a, b or c".
func orList(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
