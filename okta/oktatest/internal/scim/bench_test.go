package scim

import "testing"

const benchQuery = `profile.array123 eq "feature" and (created gt "2021-01-01T00:00:00.000Z") or profile.lastName sw "doe"`

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := Parse(benchQuery, UserSearch); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMatch is the simulator's per-user cost of a search: one
// resolver and one evaluation against a decoded user.
func BenchmarkMatch(b *testing.B) {
	e, err := Parse(benchQuery, UserSearch)
	if err != nil {
		b.Fatal(err)
	}
	r := MapResolver(subject())
	for b.Loop() {
		e.Match(r)
	}
}
