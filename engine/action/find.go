package action

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/oktaflow/oktaflow/okta"
)

// matchOption decides what several users with one name mean.
var matchOption = Option{Name: "match", Title: "When several users match", Type: "enum", Default: "only",
	Values: []string{"only", "first"}, Description: "only: fail and list them; first: take the first one Okta lists"}

// checkFinder insists on one way to find the user.
func checkFinder(names []string) error {
	has := map[string]bool{}
	for _, n := range names {
		has[n] = true
	}
	switch {
	case has["id"], has["login"], has["firstName"] && has["lastName"]:
		return nil
	case has["firstName"] || has["lastName"]:
		return actionErr("bad_input", "map both firstName and lastName to find a user by name")
	}
	return actionErr("bad_input", "map how to find the user: id, login, or firstName and lastName")
}

// findUser finds one user by id, login (or email), or first and last name,
// in that order of preference.
func findUser(ctx context.Context, api Okta, in Input) (*okta.User, error) {
	id, login := stringField(in.Fields, "id"), stringField(in.Fields, "login")
	first, last := stringField(in.Fields, "firstName"), stringField(in.Fields, "lastName")
	switch {
	case id != "":
		u, err := api.GetUser(ctx, id)
		if okta.IsNotFound(err) {
			return nil, actionErr("not_found", "no Okta user has the id %s", id)
		}
		return u, err
	case login != "":
		return findByLogin(ctx, api, login, in.Options)
	case first != "" && last != "":
		users, err := api.FindUsersByName(ctx, first, last)
		if err != nil {
			return nil, err
		}
		return pickOne(users, fmt.Sprintf("named %s %s", first, last), in.Options)
	}
	return nil, actionErr("bad_input", "no value to find the user by: the mapped id, login, or first and last name are all empty")
}

// findByLogin reads the login; an email that is no one's login is then
// searched as profile.email.
func findByLogin(ctx context.Context, api Okta, login string, opts map[string]any) (*okta.User, error) {
	u, err := findLogin(ctx, api, login)
	if err != nil || u != nil {
		return u, err
	}
	if strings.Contains(login, "@") {
		var users []*okta.User
		search := `profile.email eq ` + searchQuote(login)
		for u, err := range api.ListUsers(ctx, okta.ListUsersParams{Search: search, Limit: 20}) {
			if err != nil {
				return nil, err
			}
			users = append(users, u)
		}
		if len(users) > 0 {
			return pickOne(users, "with the email "+login, opts)
		}
	}
	return nil, actionErr("not_found", "no Okta user has the login %s", login)
}

// pickOne applies the match option to a search result.
func pickOne(users []*okta.User, what string, opts map[string]any) (*okta.User, error) {
	switch {
	case len(users) == 0:
		return nil, actionErr("not_found", "no Okta user is %s", what)
	case len(users) == 1 || opts["match"] == "first":
		return users[0], nil
	}
	list := make([]string, 0, len(users))
	for i, u := range users {
		if i == 10 {
			list = append(list, fmt.Sprintf("and %d more", len(users)-10))
			break
		}
		list = append(list, fmt.Sprintf("%s (%s, %s)", u.Login(), u.ID, u.Status))
	}
	return nil, actionErr("ambiguous", "%d Okta users are %s: %s; find by login or id, or set the step option match: first",
		len(users), what, strings.Join(list, "; "))
}

// describeFind says how findUser would look the user up.
func describeFind(in Input) []string {
	id, login := stringField(in.Fields, "id"), stringField(in.Fields, "login")
	first, last := stringField(in.Fields, "firstName"), stringField(in.Fields, "lastName")
	switch {
	case id != "":
		return []string{"GET /api/v1/users/" + url.PathEscape(id)}
	case login != "":
		out := []string{"GET /api/v1/users/" + url.PathEscape(login)}
		if strings.Contains(login, "@") {
			out = append(out, `if no login matches: GET /api/v1/users?search=profile.email eq `+searchQuote(login))
		}
		return out
	case first != "" && last != "":
		return []string{`GET /api/v1/users?search=profile.firstName eq "` + first + `" and profile.lastName eq "` + last + `"`}
	}
	return []string{"nothing to find the user by: map an id, a login, or a first and last name"}
}

// userBuckets are the buckets the user actions call: reading one user,
// listing/searching and creating users, and lifecycle operations (which
// Okta counts with /api/v1/users).
var userBuckets = []string{okta.BucketUserByID, okta.BucketUsers}

// searchQuote makes s a string literal of Okta's search syntax.
func searchQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
