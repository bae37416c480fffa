package okta

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
)

const userJSON = `{"id":"00u1","status":"ACTIVE","profile":{"login":"a@b.c","firstName":"A","lastName":"B","email":"a@b.c","costCenter":"CC"},"credentials":{"password":{},"provider":{"type":"OKTA","name":"OKTA"}},"_links":{"self":{"href":"{base}/api/v1/users/00u1"}}}`

func TestCreateUser(t *testing.T) {
	c, _, _ := scripted(t, []exchange{
		{method: "POST", path: "/api/v1/users", query: url.Values{"activate": {"true"}},
			body: `{"profile":{"login":"a@b.c","costCenter":"CC","level":3},"credentials":{"password":{"value":"S3cret!"}},"groupIds":["00g1","00g2"]}`,
			resp: userJSON},
		{method: "POST", path: "/api/v1/users", query: url.Values{"activate": {"false"}},
			body: `{"profile":{"login":"s@b.c"}}`, resp: `{"id":"00u2","status":"STAGED","profile":{"login":"s@b.c"}}`},
	})
	ctx := context.Background()
	u, err := c.CreateUser(ctx, CreateUserRequest{Profile: map[string]any{"login": "a@b.c", "costCenter": "CC", "level": 3},
		Password: "S3cret!", GroupIDs: []string{"00g1", "00g2"}, Activate: true})
	if err != nil || u.ID != "00u1" || !u.HasPassword() || u.Profile["costCenter"] != "CC" || !strings.HasSuffix(u.Link("self"), "/api/v1/users/00u1") {
		t.Fatalf("CreateUser = %+v, %v", u, err)
	}
	u, err = c.CreateUser(ctx, CreateUserRequest{Profile: map[string]any{"login": "s@b.c"}})
	if err != nil || u.Status != "STAGED" || u.HasPassword() {
		t.Fatalf("CreateUser staged = %+v, %v", u, err)
	}
	if _, err := c.CreateUser(ctx, CreateUserRequest{}); err == nil {
		t.Error("CreateUser without a profile was sent")
	}
}

func TestCreateUserAlreadyExists(t *testing.T) {
	c, _, _ := scripted(t, []exchange{{method: "POST", path: "/api/v1/users", query: url.Values{"activate": {"false"}},
		body: `{"profile":{"login":"a@b.c"}}`, status: 400, resp: bodyDuplicate}})
	u, err := c.CreateUser(context.Background(), CreateUserRequest{Profile: map[string]any{"login": "a@b.c"}})
	if u != nil || !IsAlreadyExists(err) {
		t.Fatalf("CreateUser = %v, %v; want nil and already-exists", u, err)
	}
}

func TestGetUserEscapesLogins(t *testing.T) {
	c, _, _ := scripted(t, []exchange{
		{method: "GET", path: "/api/v1/users/john.doe+test@example.com", resp: userJSON},
		{method: "GET", path: "/api/v1/users/a%2Fb%20c%3Fx", resp: userJSON},
		{method: "GET", path: "/api/v1/users/me", resp: userJSON},
		{method: "GET", path: "/api/v1/users/00uGONE", status: 404, resp: okta("E0000007")},
	})
	ctx := context.Background()
	for _, login := range []string{"john.doe+test@example.com", "a/b c?x"} {
		if u, err := c.GetUser(ctx, login); err != nil || u.Login() != "a@b.c" {
			t.Fatalf("GetUser(%q) = %v, %v", login, u, err)
		}
	}
	if u, err := c.Me(ctx); err != nil || u.ID != "00u1" {
		t.Fatalf("Me = %v, %v", u, err)
	}
	if u, err := c.GetUser(ctx, "00uGONE"); u != nil || !IsNotFound(err) {
		t.Fatalf("GetUser(gone) = %v, %v", u, err)
	}
	for _, bad := range []string{"", " ", ".", ".."} {
		if _, err := c.GetUser(ctx, bad); err == nil {
			t.Errorf("GetUser(%q) was sent", bad)
		}
	}
}

func TestListUsersFollowsNextExactly(t *testing.T) {
	const next1 = "after=000usfdsyq%2BnI&limit=2&search=profile.lastName+eq+%22Smith%22&zeta=1&alpha=2"
	c, _, served := scripted(t, []exchange{
		{method: "GET", path: "/api/v1/users", query: url.Values{"search": {`profile.lastName eq "Smith"`}, "limit": {"2"},
			"filter": {`status eq "ACTIVE"`}, "q": {"Sm"}, "sortBy": {"id"}, "sortOrder": {"desc"}},
			resp:   `[{"id":"00u1","_links":{"self":{"href":"x"}}},{"id":"00u2"}]`,
			header: links("self", "{base}/api/v1/users?limit=2", "next", "{base}/api/v1/users?"+next1)},
		{method: "GET", path: "/api/v1/users", rawQuery: next1, resp: `[{"id":"00u3"}]`,
			header: links("self", "{base}/api/v1/users?"+next1)},
	})
	var ids []string
	for u, err := range c.ListUsers(context.Background(), ListUsersParams{Q: "Sm", Filter: `status eq "ACTIVE"`,
		Search: `profile.lastName eq "Smith"`, Limit: 2, SortBy: "id", SortOrder: "desc"}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	if strings.Join(ids, ",") != "00u1,00u2,00u3" || served.Load() != 2 {
		t.Fatalf("ids %v after %d requests", ids, served.Load())
	}
}

func TestListUsersStops(t *testing.T) {
	ctx := context.Background()
	t.Run("foreign host", func(t *testing.T) {
		c, _, _ := scripted(t, []exchange{{method: "GET", path: "/api/v1/users", resp: `[{"id":"00u1"}]`,
			header: links("next", "https://evil.example.com/api/v1/users?after=x")}})
		var got []string
		var lastErr error
		for u, err := range c.ListUsers(ctx, ListUsersParams{}) {
			if err != nil {
				lastErr = err
				continue
			}
			got = append(got, u.ID)
		}
		if len(got) != 1 || lastErr == nil || !strings.Contains(lastErr.Error(), "evil.example.com") {
			t.Fatalf("got %v, err %v; want one user then a refusal", got, lastErr)
		}
	})
	t.Run("repeated next", func(t *testing.T) {
		c, _, _ := scripted(t, []exchange{
			{method: "GET", path: "/api/v1/users", resp: `[{"id":"00u1"}]`, header: links("next", "{base}/api/v1/users?after=a")},
			{method: "GET", path: "/api/v1/users", rawQuery: "after=a", resp: `[{"id":"00u2"}]`, header: links("next", "{base}/api/v1/users?after=a")},
		})
		var n int
		var lastErr error
		for _, err := range c.ListUsers(ctx, ListUsersParams{}) {
			if err != nil {
				lastErr = err
			} else {
				n++
			}
		}
		if n != 2 || lastErr == nil {
			t.Fatalf("%d users, err %v; want 2 and a loop error", n, lastErr)
		}
	})
	t.Run("empty page and early break", func(t *testing.T) {
		c, _, served := scripted(t, []exchange{
			{method: "GET", path: "/api/v1/users", resp: `[]`, header: links("next", "{base}/api/v1/users?after=a")},
			{method: "GET", path: "/api/v1/users", resp: `[{"id":"00u1"},{"id":"00u2"}]`, header: links("next", "{base}/api/v1/users?after=b")},
		})
		for range c.ListUsers(ctx, ListUsersParams{}) {
			t.Fatal("an empty page yielded a user")
		}
		for range c.ListUsers(ctx, ListUsersParams{}) {
			break
		}
		if served.Load() != 2 {
			t.Fatalf("%d requests; want 2 (no page after an empty one or a break)", served.Load())
		}
	})
	t.Run("error", func(t *testing.T) {
		c, _, _ := scripted(t, []exchange{{method: "GET", path: "/api/v1/users", query: url.Values{"search": {"bad"}}, status: 400, resp: okta("E0000031")}})
		var errs int
		for u, err := range c.ListUsers(ctx, ListUsersParams{Search: "bad"}) {
			if u != nil || err == nil {
				t.Fatal("a user with an error")
			}
			errs++
		}
		if errs != 1 {
			t.Fatalf("%d errors yielded; want 1", errs)
		}
	})
}

func TestFindUsersByNameEscapes(t *testing.T) {
	search := `profile.firstName eq "Jo\"hn" and profile.lastName eq "O\\Brien"`
	c, _, _ := scripted(t, []exchange{
		{method: "GET", path: "/api/v1/users", query: url.Values{"search": {search}, "limit": {"200"}},
			resp: `[{"id":"00u1"}]`, header: links("next", "{base}/api/v1/users?after=00u1&limit=200")},
		{method: "GET", path: "/api/v1/users", rawQuery: "after=00u1&limit=200", resp: `[{"id":"00u2"}]`},
	})
	users, err := c.FindUsersByName(context.Background(), `Jo"hn`, `O\Brien`)
	if err != nil || len(users) != 2 {
		t.Fatalf("FindUsersByName = %v, %v", users, err)
	}
	if _, err := c.FindUsersByName(context.Background(), "", "x"); err == nil {
		t.Error("empty first name accepted")
	}
	if got := quoteSearch(`a"b\c`); got != `"a\"b\\c"` {
		t.Errorf("quoteSearch = %s", got)
	}
}

func TestFindUsersByNameError(t *testing.T) {
	c, _, _ := scripted(t, []exchange{{method: "GET", path: "/api/v1/users", query: url.Values{
		"search": {`profile.firstName eq "A" and profile.lastName eq "B"`}, "limit": {"200"}}, status: 401, resp: okta("E0000011")}})
	users, err := c.FindUsersByName(context.Background(), "A", "B")
	var apiErr *APIError
	if users != nil || !errors.As(err, &apiErr) || !IsInvalidToken(err) {
		t.Fatalf("FindUsersByName = %v, %v", users, err)
	}
}

func TestUpdateUserSendsOnlyTheGivenKeys(t *testing.T) {
	c, _, _ := scripted(t, []exchange{
		{method: "POST", path: "/api/v1/users/00u1", body: `{"profile":{"department":"Sales","level":3,"nickName":null}}`, resp: userJSON},
	})
	u, err := c.UpdateUser(context.Background(), "00u1", map[string]any{"department": "Sales", "level": 3, "nickName": nil})
	if err != nil || u.ID != "00u1" {
		t.Fatalf("UpdateUser = %v, %v", u, err)
	}
	if _, err := c.UpdateUser(context.Background(), "00u1", map[string]any{}); err == nil {
		t.Fatal("an empty update was sent")
	}
}

// Okta's search index lags writes: a name or email that the search does not know yet is
// asked again as a filter, which reads current data.
func TestFindUsersFallsBackToFilterUnderSearchLag(t *testing.T) {
	name := `profile.firstName eq "Ada" and profile.lastName eq "Lovelace"`
	email := `profile.email eq "ada@acme.com"`
	c, _, _ := scripted(t, []exchange{
		{method: "GET", path: "/api/v1/users", query: url.Values{"search": {name}, "limit": {"200"}}, resp: `[]`},
		{method: "GET", path: "/api/v1/users", query: url.Values{"filter": {name}, "limit": {"200"}}, resp: `[{"id":"00u7"}]`},
		{method: "GET", path: "/api/v1/users", query: url.Values{"search": {email}, "limit": {"200"}}, resp: `[{"id":"00u7"}]`},
	})
	ctx := context.Background()
	if users, err := c.FindUsersByName(ctx, "Ada", "Lovelace"); err != nil || len(users) != 1 || users[0].ID != "00u7" {
		t.Fatalf("FindUsersByName = %v, %v", users, err)
	}
	if users, err := c.FindUsersByEmail(ctx, "ada@acme.com"); err != nil || len(users) != 1 {
		t.Fatalf("FindUsersByEmail = %v, %v", users, err)
	}
}
