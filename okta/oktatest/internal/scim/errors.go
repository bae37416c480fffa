package scim

import "fmt"

// SyntaxError is the only error [Parse] returns. It names what was wrong and
// where, e.g. `unrecognized attribute operator "eqq"; expected eq, sw, co,
// pr, gt, ge, lt or le at position 16`.
type SyntaxError struct {
	Pos int    // byte offset of the offending token in the expression, 0-based; len(expr) for "unexpected end"
	Msg string // what was wrong, without the position
	Err error  // the error returned by Dialect.Attr when that check failed, else nil
	// Unsupported is true when the expression is well-formed but the
	// dialect refuses an operator, attribute or value in it (Okta answers
	// these without naming the syntax).
	Unsupported bool
}

// Error returns Msg followed by the position.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s at position %d", e.Msg, e.Pos)
}

// Unwrap returns the Dialect.Attr error, if any, so errors.Is/As reach it.
func (e *SyntaxError) Unwrap() error { return e.Err }

// errAt builds a *SyntaxError at pos.
func errAt(pos int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}
