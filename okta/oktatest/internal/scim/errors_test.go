package scim

import (
	"errors"
	"strings"
	"testing"
)

func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		in  string
		d   Dialect
		pos int
		msg string // the whole Msg
	}{
		{``, anything, 0, `empty expression`},
		{"   ", anything, 3, `empty expression`},
		{`displayMessage eqq "Create okta user"`, LogFilter, 15,
			`unrecognized attribute operator "eqq"; expected eq, ne, sw, co, ew, pr, gt, ge, lt or le`},
		// Okta's documented System Log error puts this operator at position 16.
		{`display_message eqq "x"`, UserSearch, 16,
			`unrecognized attribute operator "eqq"; expected eq, sw, co, pr, gt, ge, lt or le`},
		{`profile.login ne "x"`, UserSearch, 14, `operator ne is not supported; expected eq, sw, co, pr, gt, ge, lt or le`},
		{`profile.login ew "x"`, UserFilter, 14, `operator ew is not supported; expected eq, gt, ge, lt or le`},
		{`a`, anything, 1, `expected attribute operator after a, found end of expression`},
		{`a "x"`, anything, 2, `expected attribute operator after a, found string "x"`},
		{`a eq`, anything, 4, `expected a value (quoted string, number, true, false or null) after eq, found end of expression`},
		{`a eq b`, anything, 5, `expected a value (quoted string, number, true, false or null) after eq, found "b"`},
		{`a eq "x" b pr`, anything, 9, `expected and, or or end of expression, found "b"`},
		{`a eq "x" andb pr`, anything, 9, `expected and, or or end of expression, found "andb"`},
		{`a eq "x" and`, anything, 12, `expected attribute path or (, found end of expression`},
		{`a eq "x" or or b pr`, anything, 12, `expected attribute path or (, found "or"`},
		{`and pr`, anything, 0, `expected attribute path or (, found "and"`},
		{`) a pr`, anything, 0, `expected attribute path or (, found ")"`},
		{`a pr)`, anything, 4, `expected and, or or end of expression, found ")"`},
		{`(a pr`, anything, 0, `unclosed (`},
		{`x pr and ((a pr) b pr)`, anything, 17, `expected and, or or ), found "b"`},
		{`()`, anything, 1, `expected attribute path or (, found ")"`},
		{`a pr "x"`, anything, 5, `pr takes no value`},
		{`a pr true`, anything, 5, `pr takes no value`},
		{`a eq "abc`, anything, 5, `unterminated string`},
		{`a eq "abc\`, anything, 9, `unterminated escape in string`},
		{`a eq "a\qb"`, anything, 7, `invalid escape \q in string`},
		{`a eq "\u12G4"`, anything, 6, `invalid \u escape in string: want 4 hex digits`},
		{`a eq "\u12"`, anything, 6, `invalid \u escape in string: want 4 hex digits`},
		{`a eq "x\ud83d"`, anything, 7, `invalid \u escape in string: unpaired surrogate`},
		{`a eq "\ude00\ud83d"`, anything, 6, `invalid \u escape in string: unpaired surrogate`},
		{`a eq "\ud83d\u0041"`, anything, 6, `invalid \u escape in string: unpaired surrogate`},
		{`a eq 01`, anything, 5, `invalid number "01"`},
		{`a eq 1.`, anything, 5, `invalid number "1."`},
		{`a eq 1e`, anything, 5, `invalid number "1e"`},
		{`a eq 5abc`, anything, 5, `invalid number "5abc"`},
		{`a eq 1-2`, anything, 5, `invalid number "1-2"`},
		{`a eq 1e999`, anything, 5, `number 1e999 is out of range`},
		{`a eq -x`, anything, 5, `unexpected character '-'`},
		{`a eq .5`, anything, 5, `unexpected character '.'`},
		{`emails[type eq "work"] pr`, anything, 6, `unexpected character '['`},
		{`a eq 'x'`, anything, 5, `unexpected character '\''`},
		{"a eq \xff", anything, 5, `unexpected byte 0xff`},
		{`prénom eq "x"`, anything, 2, `unexpected character 'é'`},
		{`.a pr`, anything, 0, `unexpected character '.'`},
		{`a. pr`, anything, 0, `invalid attribute path "a.": empty segment`},
		{`a..b pr`, anything, 0, `invalid attribute path "a..b": empty segment`},
		{`a sw 1`, anything, 5, `sw needs a string value, found number`},
		{`a co true`, anything, 5, `co needs a string value, found boolean`},
		{`a ew null`, anything, 5, `ew needs a string value, found null`},
		{`a gt true`, anything, 5, `gt needs a string or number value, found boolean`},
		{`a le null`, anything, 5, `le needs a string or number value, found null`},
		{`not (a pr)`, UserSearch, 0, `not is not supported here`},
		{`not a pr`, LogFilter, 4, `expected "(" after not, found "a"`},
		{`created gt "2020-01-01"`, UserSearch, 11,
			`created needs an RFC 3339 timestamp such as "2020-08-27T18:19:24.000Z", found string "2020-01-01"`},
		{`lastUpdated gt 1598552364`, UserFilter, 15,
			`lastUpdated needs an RFC 3339 timestamp such as "2020-08-27T18:19:24.000Z", found number 1598552364`},
		{`activated gt null`, UserSearch, 13, `gt needs a string or number value, found null`},
		{`status eq "ACTIVE" and  profile.city eq "x"`, UserFilter, 24,
			`unsupported filter attribute "profile.city"; use status, lastUpdated, id, profile.login, profile.email, profile.firstName or profile.lastName`},
	}
	for _, tt := range tests {
		e, err := Parse(tt.in, tt.d)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, %v; want a *SyntaxError", tt.in, e, err)
			continue
		}
		if e != nil {
			t.Errorf("Parse(%q) returned an Expr with its error", tt.in)
		}
		if se.Pos != tt.pos || se.Msg != tt.msg {
			t.Errorf("Parse(%q) error:\n got pos %d %q\nwant pos %d %q", tt.in, se.Pos, se.Msg, tt.pos, tt.msg)
		}
		if want := " at position "; !strings.Contains(err.Error(), want) {
			t.Errorf("Error() = %q lacks %q", err.Error(), want)
		}
	}
}

// TestSyntaxErrorWrapsAttrError checks a Dialect.Attr error is reachable
// with errors.Is and positioned at the offending path.
func TestSyntaxErrorWrapsAttrError(t *testing.T) {
	_, err := Parse(`eventType eq "x" or published gt "2020-01-01T00:00:00Z"`, LogFilter)
	if !errors.Is(err, errPublished) {
		t.Fatalf("got %v, want it to wrap errPublished", err)
	}
	if pos := err.(*SyntaxError).Pos; pos != 20 {
		t.Errorf("Pos = %d, want 20", pos)
	}
	custom := errors.New("no such attribute")
	d := Dialect{Attr: func(path string, _ Op) error {
		if path == "profile.nope" {
			return custom
		}
		return nil
	}}
	if _, err := Parse(`profile.ok pr and profile.nope eq 1`, d); !errors.Is(err, custom) || err.(*SyntaxError).Pos != 18 {
		t.Errorf("got %v, want the custom error at 18", err)
	}
}

// TestErrorIsLeftmost checks the error reported is the first problem in
// reading order even when a later token could not even be lexed.
func TestErrorIsLeftmost(t *testing.T) {
	_, err := Parse(`a eqq "unterminated`, anything)
	if se := err.(*SyntaxError); se.Pos != 2 {
		t.Errorf("got %v, want the operator error at 2", err)
	}
}
