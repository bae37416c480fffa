package okta

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// User is an Okta user as the Users API returns it. Decoding keeps everything Okta sent:
// custom profile attributes are ordinary Profile keys, unknown top-level keys land in Extra,
// and re-encoding gives back the same JSON (explicit nulls and timestamp text included).
type User struct {
	ID                    string
	Status                string // STAGED, PROVISIONED, ACTIVE, RECOVERY, PASSWORD_EXPIRED, LOCKED_OUT, SUSPENDED, DEPROVISIONED
	TransitioningToStatus string // set while an asynchronous change runs
	Created               *time.Time
	Activated             *time.Time
	StatusChanged         *time.Time
	LastLogin             *time.Time
	LastUpdated           *time.Time
	PasswordChanged       *time.Time
	Type                  *UserType
	RealmID               string
	Profile               map[string]any // base and custom attributes, flat
	Credentials           *UserCredentials
	Links                 map[string]json.RawMessage // _links by relation

	Extra map[string]json.RawMessage // top-level keys not modelled above
	wire  wire
}

// UserType references the user's type.
type UserType struct {
	ID string `json:"id"`
}

// UserCredentials is what Okta shows of a user's credentials. A password is never echoed:
// a non-nil Password means the user has one.
type UserCredentials struct {
	Password         *PasswordCredential `json:"password,omitempty"`
	RecoveryQuestion *RecoveryQuestion   `json:"recovery_question,omitempty"`
	Provider         *AuthProvider       `json:"provider,omitempty"`
	Emails           []CredentialEmail   `json:"emails,omitempty"`
}

// PasswordCredential is a password; Value is only ever sent, never received.
type PasswordCredential struct {
	Value string `json:"value,omitempty"`
}

// RecoveryQuestion is the recovery question (the answer is never received).
type RecoveryQuestion struct {
	Question string `json:"question,omitempty"`
	Answer   string `json:"answer,omitempty"`
}

// AuthProvider is who authenticates the user: OKTA, IMPORT, FEDERATION, SOCIAL, ...
type AuthProvider struct {
	Type string `json:"type,omitempty"`
	Name string `json:"name,omitempty"`
}

// CredentialEmail is an email address in older orgs' credentials.
type CredentialEmail struct {
	Value  string `json:"value,omitempty"`
	Status string `json:"status,omitempty"`
	Type   string `json:"type,omitempty"`
}

func (u *User) fields() []jsonField {
	return []jsonField{
		{"id", &u.ID}, {"status", &u.Status}, {"transitioningToStatus", &u.TransitioningToStatus},
		{"created", &u.Created}, {"activated", &u.Activated}, {"statusChanged", &u.StatusChanged},
		{"lastLogin", &u.LastLogin}, {"lastUpdated", &u.LastUpdated}, {"passwordChanged", &u.PasswordChanged},
		{"realmId", &u.RealmID}, {"type", &u.Type}, {"profile", &u.Profile},
		{"credentials", &u.Credentials}, {"_links", &u.Links},
	}
}

// UnmarshalJSON decodes a user without losing any key.
func (u *User) UnmarshalJSON(data []byte) error {
	*u = User{}
	w, err := decodeObject(data, u.fields(), &u.Extra)
	u.wire = w
	return err
}

// MarshalJSON encodes the user; an unchanged decoded user encodes to the JSON Okta sent.
func (u User) MarshalJSON() ([]byte, error) {
	return encodeObject(u.wire, u.fields(), u.Extra)
}

// Login returns profile.login.
func (u *User) Login() string { return u.profileString("login") }

// Email returns profile.email.
func (u *User) Email() string { return u.profileString("email") }

// FirstName returns profile.firstName.
func (u *User) FirstName() string { return u.profileString("firstName") }

// LastName returns profile.lastName.
func (u *User) LastName() string { return u.profileString("lastName") }

// HasPassword reports whether Okta shows a password credential.
func (u *User) HasPassword() bool { return u.Credentials != nil && u.Credentials.Password != nil }

// Link returns the href of the _links relation rel, or "".
func (u *User) Link(rel string) string { return linkHref(u.Links, rel) }

func (u *User) profileString(key string) string {
	s, _ := u.Profile[key].(string)
	return s
}

// linkHref reads {"href": ...} from a _links entry.
func linkHref(links map[string]json.RawMessage, rel string) string {
	var l struct {
		Href string `json:"href"`
	}
	if raw, ok := links[rel]; ok && json.Unmarshal(raw, &l) == nil {
		return l.Href
	}
	return ""
}

// CreateUserRequest is a new user. Profile holds base and custom attributes as flat keys
// (login, firstName, lastName and email are required by the base schema).
type CreateUserRequest struct {
	Profile  map[string]any
	Password string   // optional; never logged
	GroupIDs []string // optional; at most 20
	Activate bool     // activate now (PROVISIONED, or ACTIVE with a password) or stay STAGED
}

// CreateUser creates a user (POST /api/v1/users?activate=...). A login that is taken
// answers an error for which IsAlreadyExists is true.
func (c *Client) CreateUser(ctx context.Context, req CreateUserRequest) (*User, error) {
	if len(req.Profile) == 0 {
		return nil, errors.New("okta: CreateUser needs a profile")
	}
	body := map[string]any{"profile": req.Profile}
	if req.Password != "" {
		body["credentials"] = UserCredentials{Password: &PasswordCredential{Value: req.Password}}
	}
	if len(req.GroupIDs) > 0 {
		body["groupIds"] = req.GroupIDs
	}
	// activate is always sent: Okta's default (true) is not what a zero Go value says.
	q := url.Values{"activate": {strconv.FormatBool(req.Activate)}}
	u := new(User)
	_, err := c.call(ctx, &request{method: http.MethodPost, path: "/api/v1/users", query: q, body: body}, u)
	return result(u, err)
}

// GetUser fetches a user by id, login or login short name (GET /api/v1/users/{idOrLogin}).
// The value is path-escaped, so logins with "@", "+" or spaces are safe.
func (c *Client) GetUser(ctx context.Context, idOrLogin string) (*User, error) {
	p, err := userPath(idOrLogin)
	if err != nil {
		return nil, err
	}
	u := new(User)
	_, err = c.call(ctx, &request{method: http.MethodGet, path: p}, u)
	return result(u, err)
}

// UpdateUser changes only the profile attributes given (POST /api/v1/users/{id}, Okta's
// partial update); every other attribute keeps its value. A nil value clears the
// attribute. Okta validates the result like a create: an unknown attribute or a bad value
// is IsValidation.
func (c *Client) UpdateUser(ctx context.Context, id string, profile map[string]any) (*User, error) {
	if len(profile) == 0 {
		return nil, errors.New("okta: UpdateUser needs at least one profile attribute")
	}
	p, err := userPath(id)
	if err != nil {
		return nil, err
	}
	u := new(User)
	_, err = c.call(ctx, &request{method: http.MethodPost, path: p, body: map[string]any{"profile": profile}}, u)
	return result(u, err)
}

// Me fetches the user who owns the API token (GET /api/v1/users/me): verifies a token.
func (c *Client) Me(ctx context.Context) (*User, error) {
	u := new(User)
	_, err := c.call(ctx, &request{method: http.MethodGet, path: "/api/v1/users/me"}, u)
	return result(u, err)
}

// ListUsersParams selects users; see Okta's docs for q, filter and search. Zero values are
// not sent.
type ListUsersParams struct {
	Q         string // prefix match on first name, last name, email; no paging at Okta
	Filter    string // e.g. `status eq "ACTIVE"`
	Search    string // e.g. `profile.department eq "Sales"`
	Limit     int    // page size (Okta's default: 200, or 10 with q)
	SortBy    string
	SortOrder string
}

func (p ListUsersParams) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"q": p.Q, "filter": p.Filter, "search": p.Search, "sortBy": p.SortBy, "sortOrder": p.SortOrder} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	return q
}

// ListUsers iterates over the users p selects, page by page, following each answer's
// Link rel="next" exactly as sent (the cursor is opaque; the next URL is never rebuilt). A
// next link to another host is refused with an error. The iteration ends after a page
// without a next link or an empty page; an error is yielded once, and ends it.
func (c *Client) ListUsers(ctx context.Context, p ListUsersParams) iter.Seq2[*User, error] {
	return paginate[*User](c, ctx, &request{method: http.MethodGet, path: "/api/v1/users", query: p.query()})
}

// FindUsersByName returns every user whose first and last name equal first and last
// (DEPROVISIONED included). It asks search=profile.firstName eq "…" and profile.lastName
// eq "…" (values compared case-insensitively); when that finds no one it asks the same as a
// filter, which reads current data (case-sensitive values): Okta's search index lags
// writes, and a user created a moment ago must not be missed.
func (c *Client) FindUsersByName(ctx context.Context, first, last string) ([]*User, error) {
	if strings.TrimSpace(first) == "" || strings.TrimSpace(last) == "" {
		return nil, errors.New("okta: FindUsersByName needs a first and a last name")
	}
	expr := `profile.firstName eq ` + quoteSearch(first) + ` and profile.lastName eq ` + quoteSearch(last)
	return c.searchThenFilter(ctx, expr)
}

// FindUsersByEmail returns every user whose primary email is email, like FindUsersByName:
// search first, then filter when the search finds no one.
func (c *Client) FindUsersByEmail(ctx context.Context, email string) ([]*User, error) {
	if strings.TrimSpace(email) == "" {
		return nil, errors.New("okta: FindUsersByEmail needs an email")
	}
	return c.searchThenFilter(ctx, `profile.email eq `+quoteSearch(email))
}

// searchThenFilter lists the users expr selects, as a search and, when that finds no one,
// as a filter (expr must use only what both accept: eq on base attributes, and).
func (c *Client) searchThenFilter(ctx context.Context, expr string) ([]*User, error) {
	collect := func(p ListUsersParams) ([]*User, error) {
		var out []*User
		for u, err := range c.ListUsers(ctx, p) {
			if err != nil {
				return nil, err
			}
			out = append(out, u)
		}
		return out, nil
	}
	out, err := collect(ListUsersParams{Search: expr, Limit: 200})
	if err != nil || len(out) > 0 {
		return out, err
	}
	return collect(ListUsersParams{Filter: expr, Limit: 200})
}

// quoteSearch makes s a string literal of Okta's SCIM-like search syntax: quotes and
// backslashes are escaped with a backslash, so a name cannot end the literal early.
func quoteSearch(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// userPath returns the escaped path of one user.
func userPath(idOrLogin string) (string, error) {
	switch strings.TrimSpace(idOrLogin) {
	case "":
		return "", errors.New("okta: a user id or login is needed")
	case ".", "..":
		return "", errors.New("okta: \"" + idOrLogin + "\" is not a user id or login")
	}
	return "/api/v1/users/" + url.PathEscape(idOrLogin), nil
}

// result returns (v, nil), or (zero, err): callers never get a half-filled value.
func result[T any](v T, err error) (T, error) {
	if err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}
