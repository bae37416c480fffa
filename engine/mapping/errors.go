package mapping

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Error is a template that does not compile. Pos is the byte offset of the
// {{ that holds the problem.
type Error struct {
	Pos int
	Msg string
}

func (e *Error) Error() string { return e.Msg }

// MissingError is a run-time value that the event or an earlier step did
// not provide.
type MissingError struct {
	Expr  string
	Paths []string // the referenced paths that were absent or null
}

func (e *MissingError) Error() string {
	if len(e.Paths) == 0 {
		return fmt.Sprintf("{{ %s }} gave no value", e.Expr)
	}
	return fmt.Sprintf("missing value: %s (used in {{ %s }}); send it in the event, or give a default with ?? \"...\"",
		strings.Join(e.Paths, ", "), e.Expr)
}

// BigNumberError is a template that computes with a whole number beyond
// int64 (kept as its digits, json.Number, so that it is copied exactly):
// it cannot be added or compared without losing digits.
type BigNumberError struct {
	Expr   string
	Path   string
	Number json.Number
}

func (e *BigNumberError) Error() string {
	return fmt.Sprintf("{{ %s }}: %s is %s, a whole number too large to compute with (beyond ±9,223,372,036,854,775,807); it can be copied as it is ({{ %s }}) or as text (string(%s)), not added or compared",
		e.Expr, e.Path, e.Number, e.Path, e.Path)
}

// FieldError ties a problem to the step field it was found in.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// Masked stands in for a secret in what a run stores: a password in a
// step's input, an activation or reset link in its output.
const Masked = "••••••••"

// MaskedError is a template that reads a secret an earlier step produced
// but the run did not keep: its stored output masks it, and the run was
// resumed from that store (after a restart).
type MaskedError struct {
	Expr string
	Path string
}

func (e *MaskedError) Error() string {
	return fmt.Sprintf("%s is a secret that was not kept when the run was saved (used in {{ %s }}); "+
		"it is only available to the run that got it: retry the run from the start", e.Path, e.Expr)
}

// Deferred reports whether err is a value that only an earlier step's
// output can give (every missing path reads steps.…): a preview, which runs
// no step, cannot know it, and that is not a fault of the template. It
// returns the paths. A compile error, a value the event lacks, or a sandbox
// stop is not deferred.
func Deferred(err error) ([]string, bool) {
	var missing *MissingError
	if !errors.As(err, &missing) || len(missing.Paths) == 0 {
		return nil, false
	}
	for _, p := range missing.Paths {
		if !strings.HasPrefix(p, "steps.") {
			return nil, false
		}
	}
	return missing.Paths, true
}
