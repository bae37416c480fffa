package scim

import (
	"encoding/json"
	"testing"
	"time"
)

// subject is one resource with a value of every kind a Resolver may return.
func subject() map[string]any {
	created := time.Date(2020, 8, 27, 18, 19, 24, 0, time.UTC)
	return map[string]any{
		"id":          "00usfdd3eO3sfObs54x6",
		"status":      "ACTIVE",
		"created":     created,                    // time.Time
		"lastUpdated": "2020-08-27T18:19:29.000Z", // timestamp left as a JSON string
		"activated":   time.Time{},                // unset time: null
		"profile": map[string]any{
			"firstName":     "John",
			"lastName":      "Doe-Suspend",
			"nickName":      "",
			"mobilePhone":   nil,
			"employeeLevel": 7,                 // int
			"salary":        1234.5,            // float64
			"floor":         json.Number("-2"), // json.Number
			"badge":         uint8(9),          // other integer types
			"admin":         true,              // bool
			"array123":      []any{"cool", "feature"},
			"tags":          []string{"A", "b"}, // typed slice
			"scores":        []int{3, 10},       // typed slice via reflection
			"none":          []any{},
			"nulls":         []any{nil, ""},
			"nested":        []any{[]any{"deep"}},
		},
		"target": []any{
			map[string]any{"id": "00u1", "type": "User"},
			map[string]any{"id": "0oa2", "type": "AppInstance"},
		},
	}
}

func TestMatch(t *testing.T) {
	r := MapResolver(subject())
	tests := []struct {
		in   string
		want bool
	}{
		// strings, case-sensitive under the anything dialect
		{`status eq "ACTIVE"`, true},
		{`status eq "active"`, false},
		{`status ne "ACTIVE"`, false},
		{`status ne "SUSPENDED"`, true},
		{`profile.lastName sw "Doe"`, true},
		{`profile.lastName sw "Suspend"`, false},
		{`profile.lastName ew "Suspend"`, true},
		{`profile.lastName co "e-S"`, true},
		{`profile.lastName co "x"`, false},
		{`profile.firstName gt "Jim" and profile.firstName lt "Joi"`, true},
		{`profile.firstName ge "John" and profile.firstName le "John"`, true},
		{`profile.firstName gt "John"`, false},
		{`profile.firstName sw ""`, true},
		// numbers of any Go type compare numerically, never with strings
		{`profile.employeeLevel eq 7`, true},
		{`profile.employeeLevel eq 7.0`, true},
		{`profile.employeeLevel eq 7e0`, true},
		{`profile.employeeLevel gt 6.5 and profile.employeeLevel lt 10`, true},
		{`profile.employeeLevel ge 8`, false},
		{`profile.employeeLevel eq "7"`, false},
		{`profile.employeeLevel ne "7"`, true},
		{`profile.salary eq 1234.5`, true},
		{`profile.salary gt 1234`, true},
		{`profile.floor lt -1`, true},
		{`profile.floor eq -2`, true},
		{`profile.badge le 9`, true},
		{`status gt 1`, false},
		// booleans and null
		{`profile.admin eq true`, true},
		{`profile.admin eq false`, false},
		{`profile.admin ne false`, true},
		{`profile.admin eq "true"`, false},
		{`profile.mobilePhone eq null`, true},
		{`profile.mobilePhone ne null`, false},
		{`profile.firstName eq null`, false},
		{`profile.firstName ne null`, true},
		{`activated eq null`, true},
		{`profile.mobilePhone eq ""`, false},
		{`profile.mobilePhone ne "x"`, true},
		// pr: not null, not "", not the zero time, not an empty array
		{`profile.firstName pr`, true},
		{`profile.nickName pr`, false},
		{`profile.mobilePhone pr`, false},
		{`activated pr`, false},
		{`created pr`, true},
		{`profile.array123 pr`, true},
		{`profile.none pr`, false},
		{`profile.nulls pr`, false},
		{`profile pr`, true},
		{`profile.employeeLevel pr and profile.admin pr`, true},
		// missing attributes never match, except through not
		{`profile.city eq "Paris"`, false},
		{`profile.city ne "Paris"`, false},
		{`profile.city pr`, false},
		{`profile.city eq null`, false},
		{`not (profile.city eq "Paris")`, true},
		{`not (profile.city pr)`, true},
		{`profile.firstName.x eq "John"`, false},
		{`not (status eq "ACTIVE")`, false},
		// arrays match when any element does
		{`profile.array123 eq "feature"`, true},
		{`profile.array123 eq "feat"`, false},
		{`profile.array123 sw "co"`, true},
		{`profile.array123 ne "cool"`, true}, // "feature" differs
		{`profile.tags eq "b"`, true},
		{`profile.tags eq "a"`, false},
		{`profile.scores gt 5`, true},
		{`profile.scores gt 10`, false},
		{`profile.none eq "x"`, false},
		{`profile.none ne "x"`, false},
		{`profile.nested eq "deep"`, true},
		{`target.id eq "0oa2"`, true},
		{`target.type eq "Group"`, false},
		{`target.id eq "00u1" and target.id eq "0oa2"`, true},
		{`target.missing pr`, false},
		// time.Time attributes take RFC 3339 string values
		{`created eq "2020-08-27T18:19:24.000Z"`, true},
		{`created eq "2020-08-27T18:19:24Z"`, true},
		{`created eq "2020-08-27T20:19:24+02:00"`, true},
		{`created gt "2020-08-27T18:19:23.999Z"`, true},
		{`created gt "2020-08-27T18:19:24.000Z"`, false},
		{`created ge "2020-08-27T18:19:24.000Z" and created le "2020-08-27T18:19:24.000Z"`, true},
		{`created lt "2021-01-01T00:00:00.000Z"`, true},
		{`created ne "2020-08-27T18:19:24.000Z"`, false},
		{`created eq "not a time"`, false},
		{`created gt "not a time"`, false},
		{`created ne "not a time"`, true},
		{`created sw "2020-08-27T18"`, true},
		{`created ew ".000Z"`, true},
		{`created eq 1598552364`, false},
		{`activated lt "2030-01-01T00:00:00Z"`, false},
		// RFC 3339 strings on both sides compare as times, else as strings
		{`lastUpdated gt "2020-08-27T18:19:28.5Z"`, true},
		{`lastUpdated eq "2020-08-27T18:19:29Z"`, true},
		{`lastUpdated lt "2020-08-27T18:19:29.001Z"`, true},
		{`lastUpdated gt "2020-08-27T18:19:29.000+01:00"`, true},
		{`lastUpdated sw "2020-08-27"`, true},
		{`lastUpdated gt "2020-08"`, true},
	}
	for _, tt := range tests {
		e, err := Parse(tt.in, anything)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.in, err)
		}
		if got := e.Match(r); got != tt.want {
			t.Errorf("%q matched %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestMatchResolverValues checks values a hand-written Resolver may return
// that decoded JSON never holds.
func TestMatchResolverValues(t *testing.T) {
	tests := []struct {
		in   string
		v    any
		want bool
	}{
		{`x eq 3`, int64(3), true},
		{`x eq 3`, float32(3), true},
		{`x gt 2`, uint64(3), true},
		{`x eq 3`, json.Number("bad"), false},
		{`x eq 3`, [2]int{1, 3}, true},
		{`x lt 0`, []float64{1, 2}, false},
		{`x eq "a"`, []string{}, false},
		{`x pr`, []string{""}, false},
		{`x pr`, map[string]any{}, false},
		{`x pr`, 0, true},
		{`x pr`, false, true},
		{`x eq "a"`, struct{}{}, false},
		{`x ne "a"`, struct{}{}, true},
		{`x eq "2020-01-01T00:00:00Z"`, time.Date(2020, 1, 1, 1, 0, 0, 0, time.FixedZone("CET", 3600)), true},
	}
	for _, tt := range tests {
		e, err := Parse(tt.in, anything)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.in, err)
		}
		r := func(path string) (any, bool) { return tt.v, path == "x" }
		if got := e.Match(r); got != tt.want {
			t.Errorf("%q with %#v matched %v, want %v", tt.in, tt.v, got, tt.want)
		}
	}
}

// TestMatchShortCircuits checks and/or stop at the first deciding operand,
// so a costly Resolver is not asked about the rest.
func TestMatchShortCircuits(t *testing.T) {
	e, err := Parse(`a pr and b pr or c pr`, anything)
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	r := func(path string) (any, bool) {
		asked = append(asked, path)
		return "v", path == "c"
	}
	if !e.Match(r) {
		t.Error("did not match on c")
	}
	if got := len(asked); got != 2 || asked[0] != "a" || asked[1] != "c" {
		t.Errorf("asked %v, want [a c]", asked)
	}
}
