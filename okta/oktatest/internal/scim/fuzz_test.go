package scim

import (
	"errors"
	"hash/fnv"
	"testing"
	"time"
)

// fuzzDialects are the dialects every fuzz input is parsed under.
var fuzzDialects = []Dialect{anything, UserSearch, UserFilter, LogFilter, {CaseInsensitiveValues: true}}

// fuzzValues are what fuzzResolver hands out: one of each kind of value.
var fuzzValues = []any{
	"John", "", "ACTIVE", "2020-08-27T18:19:24.000Z", nil, true, false, 7, -2.5,
	time.Date(2020, 8, 27, 18, 19, 24, 0, time.UTC), time.Time{},
	[]any{"cool", "feature", nil}, []any{}, []string{"a", "B"}, []int{1, 2},
	map[string]any{"k": "v"},
}

// fuzzResolver gives every path a fixed value picked by its hash, or
// reports it missing, so matching exercises every comparison path.
func fuzzResolver(path string) (any, bool) {
	h := fnv.New32a()
	h.Write([]byte(path))
	i := int(h.Sum32() % uint32(len(fuzzValues)+1))
	if i == len(fuzzValues) {
		return nil, false
	}
	return fuzzValues[i], true
}

// FuzzParse checks, under every dialect, that Parse never panics, that its
// errors are *SyntaxError inside the input, and that a parsed expression
// prints a form that parses back to the same String and the same matches.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		// the queries in the recorded Okta exchanges
		`profile.lastName eq "Smith" and profile.firstName eq "TestAcc"`,
		`profile.email pr and profile.firstName eq "TestAcc" and profile.lastName eq "Jones"`,
		`profile.array123 eq "feature" and (created gt "2021-01-01T00:00:00.000Z")`,
		`profile.email sw "john_3352527563"`,
		`profile.lastName eq "Jones" or profile.lastName eq "One"`,
		`status eq "ACTIVE"`,
		`status eq "SUSPENDED"`,
		// documented examples and odd inputs
		`eventType eq "user.session.start" and outcome.result eq "FAILURE"`,
		`not (target.id eq "00u1") or eventType sw "user.lifecycle"`,
		`lastUpdated gt "2013-06-01T00:00:00.000Z" and (lastUpdated lt "2013-07-01T00:00:00.000Z")`,
		`a eq "\ud83d\ude00\u0000\"\\" or b le -1.5e+3 and (c ne null or not (d pr))`,
		`((((a pr))))`, `a eq 01`, `a eq "x\ud83d"`, "a eq \"\xff\x01\"", `emails[type eq "work"]`,
		``, ` `, `(`, `)`, `"`, `not`, `a`, `a pr pr`, `and`, `A EQ TRUE OR B NE FALSE`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, d := range fuzzDialects {
			e, err := Parse(in, d)
			if err != nil {
				var se *SyntaxError
				if !errors.As(err, &se) || se.Pos < 0 || se.Pos > len(in) || se.Msg == "" {
					t.Fatalf("Parse(%q) error %#v: want a *SyntaxError within the input", in, err)
				}
				continue
			}
			s := e.String()
			again, err := Parse(s, d)
			if err != nil {
				t.Fatalf("Parse(%q).String() = %q does not parse: %v", in, s, err)
			}
			if s2 := again.String(); s2 != s {
				t.Fatalf("Parse(%q): String %q reparses to %q", in, s, s2)
			}
			if e.Match(fuzzResolver) != again.Match(fuzzResolver) {
				t.Fatalf("Parse(%q) and its reparse %q match differently", in, s)
			}
		}
	})
}
