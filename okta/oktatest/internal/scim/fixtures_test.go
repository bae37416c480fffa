package scim

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// fixturesDir finds ../shared/okta-fixtures beside the repository root (the
// directory holding go.mod), skipping the test when it is absent: the
// recordings live beside the project and are not part of it.
func fixturesDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
	fixtures := filepath.Join(dir, "..", "shared", "okta-fixtures")
	if _, err := os.Stat(fixtures); err != nil {
		t.Skipf("recorded Okta fixtures not found at %s (they live beside the repository, not in it): %v", fixtures, err)
	}
	return fixtures
}

// recording is the shape of one fixture file (see its README).
type recording struct {
	Interactions []struct {
		Request struct {
			Method string `json:"method"`
			URL    string `json:"url"`
		} `json:"request"`
		Response struct {
			Status int    `json:"status"`
			Body   string `json:"body"`
		} `json:"response"`
	} `json:"interactions"`
}

// userTimeFields are the user properties Okta sends as timestamps.
var userTimeFields = []string{"created", "activated", "statusChanged", "lastUpdated", "lastLogin", "passwordChanged"}

// TestRecordedUserQueries replays every users search= and filter= that real
// Okta answered: each query must parse under its dialect, and every user
// Okta returned must match it, whether timestamps reach the resolver as the
// JSON strings or as time.Time.
func TestRecordedUserQueries(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(fixturesDir(t), "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{} // "param=query" → users checked
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var rec recording
		if err := json.Unmarshal(data, &rec); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, in := range rec.Interactions {
			u, err := url.Parse(in.Request.URL)
			if err != nil || in.Request.Method != "GET" || u.Path != "/api/v1/users" || in.Response.Status != 200 {
				continue
			}
			for param, d := range map[string]Dialect{"search": UserSearch, "filter": UserFilter} {
				query := u.Query().Get(param)
				if query == "" {
					continue
				}
				e, err := Parse(query, d)
				if err != nil {
					t.Errorf("%s: Okta answered %s=%q but Parse failed: %v", filepath.Base(file), param, query, err)
					continue
				}
				var users []map[string]any
				if err := json.Unmarshal([]byte(in.Response.Body), &users); err != nil {
					t.Fatalf("%s: body of %s: %v", file, u, err)
				}
				for _, user := range users {
					if !e.Match(MapResolver(user)) {
						t.Errorf("%s=%q does not match user %v that Okta returned", param, query, user["id"])
					}
					if !e.Match(MapResolver(withTimes(t, user))) {
						t.Errorf("%s=%q does not match user %v with time.Time fields", param, query, user["id"])
					}
				}
				seen[param+"="+query] += len(users)
			}
		}
	}
	// Guard against a vacuous pass: these are the queries the recordings hold.
	want := []string{
		`filter=status eq "ACTIVE"`,
		`filter=status eq "SUSPENDED"`,
		`search=profile.array123 eq "feature" and (created gt "2021-01-01T00:00:00.000Z")`,
		`search=profile.email pr and profile.firstName eq "TestAcc" and profile.lastName eq "Jones"`,
		`search=profile.email sw "john_3352527563"`,
		`search=profile.lastName eq "Jones" or profile.lastName eq "One"`,
		`search=profile.lastName eq "Smith" and profile.firstName eq "TestAcc"`,
	}
	for _, q := range want {
		if seen[q] == 0 {
			t.Errorf("no returned user checked against %s", q)
		}
	}
	if len(seen) != len(want) {
		got := make([]string, 0, len(seen))
		for q := range seen {
			got = append(got, q)
		}
		slices.Sort(got)
		t.Errorf("queries found:\n%s\nwant the %d listed in the test", strings.Join(got, "\n"), len(want))
	}
}

// withTimes copies user with its timestamp fields parsed to time.Time.
func withTimes(t *testing.T, user map[string]any) map[string]any {
	out := make(map[string]any, len(user))
	for k, v := range user {
		out[k] = v
		if s, ok := v.(string); ok && slices.Contains(userTimeFields, k) {
			tm, err := time.Parse(time.RFC3339, s)
			if err != nil {
				t.Fatalf("user %v %s: %v", user["id"], k, err)
			}
			out[k] = tm
		}
	}
	return out
}
