package scim

import (
	"fmt"
	"testing"
)

// anything accepts every operator and not, with no attribute checks.
var anything = Dialect{AllowNot: true}

func TestParseCanonicalString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"fixture search", `profile.lastName eq "Smith" and profile.firstName eq "TestAcc"`,
			`profile.lastName eq "Smith" and profile.firstName eq "TestAcc"`},
		{"redundant parens dropped", `profile.array123 eq "feature" and (created gt "2020-01-01T00:00:00.000Z")`,
			`profile.array123 eq "feature" and created gt "2020-01-01T00:00:00.000Z"`},
		{"or inside and keeps parens", `(a pr or b pr) and c pr`, `(a pr or b pr) and c pr`},
		{"and inside or needs none", `a pr or (b pr and c pr)`, `a pr or b pr and c pr`},
		{"nested and flattened", `(a pr and (b pr and c pr)) and d pr`, `a pr and b pr and c pr and d pr`},
		{"nested or flattened", `a pr or (b pr or (c pr))`, `a pr or b pr or c pr`},
		{"keywords any case", `A EQ "x" AND b Pr Or NOT (c Ne TRUE)`, `A eq "x" and b pr or not (c ne true)`},
		{"not of or", `not (a pr or b pr) and c pr`, `not (a pr or b pr) and c pr`},
		{"double not", `not (not (a pr))`, `not (not (a pr))`},
		{"whitespace squeezed", "  a\teq\n\"x\"\r\n", `a eq "x"`},
		{"no space needed", `(a eq "x")and(b eq 1)or(c pr)`, `a eq "x" and b eq 1 or c pr`},
		{"numbers kept as written", `a eq -0 or b gt 1.50 or c lt 2E+10 or d ge 7e-3`, `a eq -0 or b gt 1.50 or c lt 2E+10 or d ge 7e-3`},
		{"literals", `a eq true or b eq FALSE or c eq Null`, `a eq true or b eq false or c eq null`},
		{"escapes decoded and requoted", `a eq "q\"b\\s\/n\n\t\r\b\f\u00e9\u0001"`, `a eq "q\"b\\s/n\n\t\r\u0008\u000cé\u0001"`},
		{"surrogate pair", `a eq "\ud83d\ude00"`, `a eq "😀"`},
		{"raw utf8 and control kept", "a eq \"é\x01\"", `a eq "é\u0001"`},
		{"control chars escaped", "a eq \"\x1f\x7f\"", "a eq \"\\u001f\x7f\""},
		{"path characters", `$ref.x_1.2fa eq "v" and _a pr`, `$ref.x_1.2fa eq "v" and _a pr`},
		{"operator-named path", `pr pr and eq eq "x"`, `pr pr and eq eq "x"`},
		{"empty string", `a eq ""`, `a eq ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse(tt.in, anything)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := e.String(); got != tt.want {
				t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
			}
			again, err := Parse(e.String(), anything)
			if err != nil || again.String() != tt.want {
				t.Errorf("reparse of %q = %v, %v", e.String(), again, err)
			}
		})
	}
}

// TestPrecedence checks "and" binds tighter than "or" and parentheses
// override it, over every assignment of three booleans.
func TestPrecedence(t *testing.T) {
	tests := []struct {
		in   string
		want func(a, b, c bool) bool
	}{
		{`a eq true or b eq true and c eq true`, func(a, b, c bool) bool { return a || b && c }},
		{`a eq true and b eq true or c eq true`, func(a, b, c bool) bool { return a && b || c }},
		{`(a eq true or b eq true) and c eq true`, func(a, b, c bool) bool { return (a || b) && c }},
		{`a eq true and (b eq true or c eq true)`, func(a, b, c bool) bool { return a && (b || c) }},
		{`not (a eq true or b eq true) and c eq true`, func(a, b, c bool) bool { return !(a || b) && c }},
		{`not (a eq true) or b eq true and not (c eq true)`, func(a, b, c bool) bool { return !a || b && !c }},
	}
	for _, tt := range tests {
		e, err := Parse(tt.in, anything)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.in, err)
		}
		for i := range 8 {
			a, b, c := i&1 != 0, i&2 != 0, i&4 != 0
			r := MapResolver(map[string]any{"a": a, "b": b, "c": c})
			if got, want := e.Match(r), tt.want(a, b, c); got != want {
				t.Errorf("%q with a=%v b=%v c=%v: got %v, want %v", tt.in, a, b, c, got, want)
			}
		}
	}
}

// TestDepthLimit checks nesting up to maxDepth parses and beyond fails
// cleanly rather than recursing without bound.
func TestDepthLimit(t *testing.T) {
	nest := func(n int) string {
		s := "a pr"
		for range n {
			s = "(" + s + ")"
		}
		return s
	}
	if _, err := Parse(nest(maxDepth), anything); err != nil {
		t.Errorf("depth %d: %v", maxDepth, err)
	}
	_, err := Parse(nest(maxDepth+1), anything)
	if err == nil || err.(*SyntaxError).Pos != maxDepth {
		t.Errorf("depth %d: got %v, want an error at position %d", maxDepth+1, err, maxDepth)
	}
	nots := "a pr"
	for range maxDepth + 1 {
		nots = fmt.Sprintf("not (%s)", nots)
	}
	if _, err := Parse(nots, anything); err == nil {
		t.Errorf("%d nested nots parsed", maxDepth+1)
	}
}
