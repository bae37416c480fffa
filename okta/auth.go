package okta

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Identity is who a Client authenticates as, as Okta confirmed it.
type Identity struct {
	Kind     string   // "token" (SSWS API token) or "oauth" (service app)
	Login    string   // token: the login of the admin who made the token
	ClientID string   // oauth: the service app's client id
	Scopes   []string // oauth: the scopes Okta granted
	DPoP     bool     // oauth: the token is DPoP-bound
	Checked  string   // oauth: the call that proved the token ("GET /api/v1/users"); empty: none was possible
}

// Identity kinds.
const (
	AuthToken = "token"
	AuthOAuth = "oauth"
)

// String reads like "Authenticated as admin@acme.com" or "Authenticated as client 0oa… with
// scopes okta.users.manage okta.groups.read (DPoP)".
func (id Identity) String() string {
	if id.Kind != AuthOAuth {
		return "Authenticated as " + id.Login
	}
	s := "Authenticated as client " + id.ClientID + " with scopes " + strings.Join(id.Scopes, " ")
	if id.DPoP {
		s += " (DPoP)"
	}
	return s
}

// Authenticate proves the credentials with Okta. With an API token it reads
// GET /api/v1/users/me (the admin who made the token). With a service app it gets an access
// token, then makes the cheapest read its granted scopes allow (one user, one group, the
// schema, one log event or the org), so that a token whose app lacks an admin role fails
// here (E0000006, IsPermissionDenied) rather than in a run. A missing scope is an error that
// IsMissingScope names.
func (c *Client) Authenticate(ctx context.Context) (Identity, error) {
	if c.oauth == nil {
		me, err := c.Me(ctx)
		if err != nil {
			return Identity{}, err
		}
		return Identity{Kind: AuthToken, Login: me.Login()}, nil
	}
	tok, err := c.accessToken(ctx)
	if err != nil {
		return Identity{}, err
	}
	id := Identity{Kind: AuthOAuth, ClientID: c.oauth.clientID, Scopes: slices.Clone(tok.scopes), DPoP: tok.dpop}
	if r := cheapRead(tok.scopes); r != nil {
		if _, err := c.call(ctx, r, nil); err != nil {
			return Identity{}, err
		}
		id.Checked = r.method + " " + r.path
	}
	return id, nil
}

// cheapRead picks a one-item read that a granted scope allows; nil when no read scope this
// package knows was granted. Okta's .read and .manage scopes are independent (each
// operation names one in Okta's spec; a .manage scope does not grant the GETs), so only
// the .read scopes count here.
func cheapRead(granted []string) *request {
	one := url.Values{"limit": {"1"}}
	for _, c := range []struct {
		scope string
		r     request
	}{
		{ScopeUsersRead, request{method: http.MethodGet, path: "/api/v1/users", query: one}},
		{ScopeGroupsRead, request{method: http.MethodGet, path: "/api/v1/groups", query: one}},
		{ScopeSchemasRead, request{method: http.MethodGet, path: "/api/v1/meta/schemas/user/default"}},
		{ScopeLogsRead, request{method: http.MethodGet, path: "/api/v1/logs", query: one}},
		{ScopeOrgsRead, request{method: http.MethodGet, path: "/api/v1/org"}},
	} {
		if slices.Contains(granted, c.scope) {
			r := c.r
			return &r
		}
	}
	return nil
}

// AuthKind returns AuthToken or AuthOAuth.
func (c *Client) AuthKind() string {
	if c.oauth != nil {
		return AuthOAuth
	}
	return AuthToken
}

// Scopes returns the scopes this client requests (nil for an API token client).
func (c *Client) Scopes() []string {
	if c.oauth == nil {
		return nil
	}
	return slices.Clone(c.oauth.scopes)
}
