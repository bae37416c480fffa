package action

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/oktaflow/oktaflow/okta"
)

// The shared finder: every action that targets a user takes it by Okta id,
// by login (or primary email), or by first and last name, in that order of
// preference, with the match option deciding what several users with one
// name mean.

// matchOption decides what several users with one name mean.
var matchOption = Option{Name: "match", Title: "When several users match", Type: OptionEnum, Default: "only",
	Values: []string{"only", "first"}, Description: "only: fail and list them; first: take the first one Okta lists"}

// finder names the fields a step finds its user by. Most actions use the
// plain names; okta.update_user, whose profile fields include login and the
// names, uses "find." names (no Okta attribute name holds a dot).
type finder struct{ id, login, first, last string }

var (
	plainFinder  = finder{"id", "login", "firstName", "lastName"}
	prefixFinder = finder{"find.id", "find.login", "find.firstName", "find.lastName"}
)

// fields are the finder's mappable fields.
func (f finder) fields() []Field {
	return []Field{
		{Name: f.id, Title: "User ID", Type: TypeString, Description: "Okta's id (00u…): the most exact way to find a user"},
		{Name: f.login, Title: "Login or email", Type: TypeString, Description: "the user's login; an email also matches profile.email"},
		{Name: f.first, Title: "First name", Type: TypeString, Description: "with the last name: find by name"},
		{Name: f.last, Title: "Last name", Type: TypeString, Description: "with the first name: find by name"},
	}
}

// finderFields are how get_user and the lifecycle actions find a user.
var finderFields = plainFinder.fields()

// isFinderField reports whether name is one of the finder's fields.
func (f finder) has(name string) bool {
	return name == f.id || name == f.login || name == f.first || name == f.last
}

// check insists on one way to find the user.
func (f finder) check(names []string) error {
	has := map[string]bool{}
	for _, n := range names {
		has[n] = true
	}
	switch {
	case has[f.id], has[f.login], has[f.first] && has[f.last]:
		return nil
	case has[f.first] || has[f.last]:
		return actionErr("bad_input", "map both %s and %s to find a user by name", f.first, f.last)
	}
	return actionErr("bad_input", "map how to find the user: %s, %s, or %s and %s", f.id, f.login, f.first, f.last)
}

// checkFinder is the plain finder's check.
func checkFinder(names []string) error { return plainFinder.check(names) }

// find finds one user by id, login (or email), or first and last name.
func (f finder) find(ctx context.Context, api Okta, in Input) (*okta.User, error) {
	id, login := stringField(in.Fields, f.id), stringField(in.Fields, f.login)
	first, last := stringField(in.Fields, f.first), stringField(in.Fields, f.last)
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
		users, err := settled(ctx, func() ([]*okta.User, error) { return api.FindUsersByName(ctx, first, last) })
		if err != nil {
			return nil, err
		}
		return pickOne(users, fmt.Sprintf("named %s %s", first, last), in.Options)
	}
	return nil, actionErr("bad_input", "no value to find the user by: the mapped %s, %s, or %s and %s are all empty",
		f.id, f.login, f.first, f.last)
}

// findUser is the plain finder.
func findUser(ctx context.Context, api Okta, in Input) (*okta.User, error) {
	return plainFinder.find(ctx, api, in)
}

// findByLogin reads the login; an email that is no one's login is then
// looked up as profile.email.
func findByLogin(ctx context.Context, api Okta, login string, opts map[string]any) (*okta.User, error) {
	u, err := findLogin(ctx, api, login)
	if err != nil || u != nil {
		return u, err
	}
	if strings.Contains(login, "@") {
		users, err := settled(ctx, func() ([]*okta.User, error) { return api.FindUsersByEmail(ctx, login) })
		if err != nil {
			return nil, err
		}
		if len(users) > 0 {
			return pickOne(users, "with the email "+login, opts)
		}
	}
	return nil, actionErr("not_found", "no Okta user has the login %s", login)
}

// searchSettle are the pauses before asking a search again that found
// nothing: Okta's search index lags writes ("typically < 1 s"), and a user
// created a moment ago must not be reported missing. Only the not-found
// path waits; reads by id or login are consistent and never do.
var searchSettle = []time.Duration{500 * time.Millisecond, time.Second}

// settled runs a search, and again after each settle pause while it finds
// nothing.
func settled[T any](ctx context.Context, search func() ([]T, error)) ([]T, error) {
	found, err := search()
	for _, d := range searchSettle {
		if err != nil || len(found) > 0 {
			break
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		found, err = search()
	}
	return found, err
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

// describe says how find would look the user up.
func (f finder) describe(in Input) []string {
	id, login := stringField(in.Fields, f.id), stringField(in.Fields, f.login)
	first, last := stringField(in.Fields, f.first), stringField(in.Fields, f.last)
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
		return []string{`GET /api/v1/users?search=profile.firstName eq ` + searchQuote(first) + ` and profile.lastName eq ` + searchQuote(last)}
	}
	return []string{fmt.Sprintf("nothing to find the user by: map %s, %s, or %s and %s", f.id, f.login, f.first, f.last)}
}

// describeFind is the plain finder's describe.
func describeFind(in Input) []string { return plainFinder.describe(in) }

// userBuckets are the buckets the user actions call: reading one user,
// listing/searching and creating users, and lifecycle operations (which
// Okta counts with /api/v1/users).
var userBuckets = []string{okta.BucketUserByID, okta.BucketUsers}

// searchQuote makes s a string literal of Okta's search syntax.
func searchQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
