package action

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/storage"
)

// addUser creates an Okta user, or adopts the one that has the login.
//
// Create first, idempotent by Okta's uniqueness of the login: it sends the
// create at once (one round trip for a new user, the common case); when
// Okta refuses it with E0000001 "already exists" (the user was there
// before, a concurrent create, or a retry after an answer that was lost)
// it reads the login and returns that user with outcome "already_existed".
// A refused create changes nothing in Okta, so a user is never created
// twice and an existing one is never modified.
type addUser struct{}

func (addUser) ID() string    { return "okta.add_user" }
func (addUser) Title() string { return "Add a user" }
func (addUser) Description() string {
	return "Create an Okta user from the mapped profile (or adopt the one with that login)"
}

func (addUser) Fields(schema storage.UserSchema) []Field {
	fields := profileFields(schema)
	fields = append(fields,
		Field{Name: "password", Title: "Password", Type: TypeString, Secret: true,
			Description: "optional; with activate the user is ACTIVE at once, else STAGED"},
		Field{Name: "groupIds", Title: "Group IDs", Type: TypeArray, Pick: PickGroupID,
			Description: "optional; groups (00g…) to add the user to, at most 20"},
	)
	return fields
}

func (addUser) Options() []Option {
	return []Option{{Name: "activate", Title: "Activate", Type: OptionBoolean, Default: true,
		Description: "activate now (PROVISIONED, or ACTIVE with a password); off: create STAGED"}}
}

func (addUser) Check(names []string, _ map[string]any) error { return nil }

// newUser splits a step's fields into Okta's create request.
func newUser(in Input) (okta.CreateUserRequest, error) {
	req := okta.CreateUserRequest{Profile: map[string]any{}, Activate: boolOption(in.Options, "activate", true)}
	for name, v := range in.Fields {
		switch name {
		case "password":
			req.Password = stringField(in.Fields, name)
		case "groupIds":
			ids, err := stringList(v)
			if err != nil {
				return req, actionErr("bad_input", "groupIds: %v", err)
			}
			req.GroupIDs = ids
		default:
			if s, ok := v.(string); ok && s == "" {
				continue // an empty optional attribute is left unset, not sent as ""
			}
			req.Profile[name] = v
		}
	}
	return req, nil
}

func (addUser) Describe(in Input) Request {
	req, err := newUser(in)
	if err != nil {
		return Request{Calls: []string{"would fail before calling Okta: " + err.Error()}}
	}
	if stringField(req.Profile, "login") == "" {
		return Request{Calls: []string{"would fail before calling Okta: login is empty"}}
	}
	body := map[string]any{"profile": req.Profile}
	if req.Password != "" {
		body["credentials"] = map[string]any{"password": map[string]any{"value": req.Password}}
	}
	if len(req.GroupIDs) > 0 {
		body["groupIds"] = req.GroupIDs
	}
	return Request{Calls: []string{
		fmt.Sprintf("POST /api/v1/users?activate=%t", req.Activate),
		"if the login exists: GET /api/v1/users/" + url.PathEscape(stringField(req.Profile, "login")) + " (adopted as is)",
	}, Body: body}
}

func (addUser) Traits() Traits {
	return Traits{Connector: ConnectorOkta, StepName: "create", Scopes: scopesManageUsers}
}

func (addUser) Run(ctx context.Context, conn Conn, in Input) (map[string]any, error) {
	api, err := oktaOf(conn)
	if err != nil {
		return nil, err
	}
	req, err := newUser(in)
	if err != nil {
		return nil, err
	}
	profile := req.Profile
	login := stringField(profile, "login")
	if login == "" {
		return nil, actionErr("bad_input", "login is empty: map it to the user's login (usually the email)")
	}
	created, err := api.CreateUser(ctx, req)
	if okta.IsAlreadyExists(err) {
		existing, ferr := findLogin(ctx, api, login)
		if ferr != nil {
			return nil, ferr
		}
		if existing == nil {
			return nil, err // Okta says it exists but will not show it: keep Okta's error
		}
		return userOutput(existing, "already_existed")
	}
	if err != nil {
		return nil, err
	}
	return userOutput(created, "created")
}

// findLogin reads the user with exactly this login, or nil when there is
// none. Okta also matches a login's short name, so the answer is checked.
func findLogin(ctx context.Context, api Okta, login string) (*okta.User, error) {
	u, err := api.GetUser(ctx, login)
	if okta.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(u.Login(), login) {
		return nil, nil
	}
	return u, nil
}

func stringList(v any) ([]string, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		var out []string
		for _, s := range strings.Split(x, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("want a list of group ids, got %v", e)
			}
			out = append(out, s)
		}
		return out, nil
	case []string:
		return x, nil
	}
	return nil, fmt.Errorf("want a list of group ids or a comma-separated text, got %T", v)
}

func (addUser) Buckets() []string { return userBuckets }

func (addUser) Outcomes() []Outcome {
	return []Outcome{
		{Name: "created", Changed: true, Doc: "a new user; the output is the user Okta created"},
		{Name: "already_existed", Doc: "a user had the login: that user is the output, unchanged"},
	}
}
