package action

import (
	"context"
	"fmt"
	"strings"

	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/storage"
)

// findUsers lists the users a search expression or a name selects, at most
// limit of them, with their count and whether there are more. It only
// reads.
type findUsers struct{}

// Bounds of find_users' list: one page of Okta's, so a step costs one call.
const (
	findUsersDefault = 50
	findUsersMax     = 200
)

func (findUsers) ID() string    { return "okta.find_users" }
func (findUsers) Title() string { return "Find users" }
func (findUsers) Description() string {
	return "List the users an Okta search expression or a name selects (bounded, with a count)"
}
func (findUsers) Traits() Traits {
	return Traits{Connector: ConnectorOkta, ReadOnly: true, Scopes: scopesReadUsers}
}
func (findUsers) Buckets() []string { return []string{okta.BucketUsers} }

func (findUsers) Fields(storage.UserSchema) []Field {
	return []Field{
		{Name: "search", Title: "Search expression", Type: TypeString,
			Description: `Okta's search, e.g. profile.department eq "Sales" and status eq "ACTIVE"`},
		{Name: "firstName", Title: "First name", Type: TypeString, Description: "find by name: the first name (case does not matter)"},
		{Name: "lastName", Title: "Last name", Type: TypeString, Description: "find by name: the last name (case does not matter)"},
	}
}

func (findUsers) Options() []Option {
	return []Option{{Name: "limit", Title: "At most", Type: OptionInteger, Default: findUsersDefault, Min: 1, Max: findUsersMax,
		Description: fmt.Sprintf("list at most this many users (1–%d); more says whether others match", findUsersMax)}}
}

func (findUsers) Check(names []string, _ map[string]any) error {
	for _, n := range names {
		if n == "search" || n == "firstName" || n == "lastName" {
			return nil
		}
	}
	return actionErr(CodeBadInput, "map a search expression, or a first and/or last name")
}

func (findUsers) Outcomes() []Outcome {
	return []Outcome{
		{Name: "found", Doc: "users is the list (at most limit), count its length, more whether others match"},
		{Name: "none", Doc: "no user matches: users is empty, count 0"},
	}
}

// query is the search find_users sends, and whether it may also be asked as
// a filter (a name: Okta's search index lags writes, the filter does not).
func (findUsers) query(in Input) (expr string, byName bool, err error) {
	if s := strings.TrimSpace(stringField(in.Fields, "search")); s != "" {
		return s, false, nil
	}
	var parts []string
	if f := stringField(in.Fields, "firstName"); f != "" {
		parts = append(parts, "profile.firstName eq "+searchQuote(f))
	}
	if l := stringField(in.Fields, "lastName"); l != "" {
		parts = append(parts, "profile.lastName eq "+searchQuote(l))
	}
	if len(parts) == 0 {
		return "", false, actionErr(CodeBadInput, "nothing to search for: the mapped search and names are all empty")
	}
	return strings.Join(parts, " and "), true, nil
}

func limitOption(opts map[string]any) int {
	n := intOption(opts, "limit", findUsersDefault)
	return min(max(n, 1), findUsersMax)
}

func (f findUsers) Run(ctx context.Context, conn Conn, in Input) (map[string]any, error) {
	api, err := oktaOf(conn)
	if err != nil {
		return nil, err
	}
	expr, byName, err := f.query(in)
	if err != nil {
		return nil, err
	}
	limit := limitOption(in.Options)
	users, more, err := listBounded(ctx, api, okta.ListUsersParams{Search: expr, Limit: min(limit+1, findUsersMax)}, limit)
	if err == nil && len(users) == 0 && byName {
		users, more, err = listBounded(ctx, api, okta.ListUsersParams{Filter: expr, Limit: min(limit+1, findUsersMax)}, limit)
	}
	if err != nil {
		return nil, err
	}
	list := make([]any, 0, len(users))
	for _, u := range users {
		o, err := userOutput(u, "")
		if err != nil {
			return nil, err
		}
		delete(o, "outcome")
		list = append(list, o)
	}
	outcome := "found"
	if len(list) == 0 {
		outcome = "none"
	}
	return map[string]any{"outcome": outcome, "count": len(list), "more": more, "users": list}, nil
}

// listBounded reads at most limit users, and whether another one follows.
func listBounded(ctx context.Context, api Okta, p okta.ListUsersParams, limit int) ([]*okta.User, bool, error) {
	var out []*okta.User
	for u, err := range api.ListUsers(ctx, p) {
		if err != nil {
			return nil, false, err
		}
		if len(out) == limit {
			return out, true, nil
		}
		out = append(out, u)
	}
	return out, false, nil
}

func (f findUsers) Describe(in Input) Request {
	expr, byName, err := f.query(in)
	if err != nil {
		return Request{Calls: []string{"would fail before calling Okta: " + err.Error()}}
	}
	calls := []string{fmt.Sprintf("GET /api/v1/users?search=%s&limit=%d", expr, min(limitOption(in.Options)+1, findUsersMax))}
	if byName {
		calls = append(calls, "if no one matches: the same as filter= (Okta's search index lags writes)")
	}
	return Request{Calls: calls}
}
