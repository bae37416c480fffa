package okta

import (
	"net/http"
	"slices"
	"strings"
)

// OAuth 2.0 scopes of the Okta Management API that the calls of this package need (Okta's
// OpenAPI spec, "security: oauth2" of each operation). A service app must be granted a
// scope (its "Okta API Scopes" tab) and request it at /oauth2/v1/token.
const (
	ScopeUsersRead     = "okta.users.read"
	ScopeUsersManage   = "okta.users.manage"
	ScopeGroupsRead    = "okta.groups.read"
	ScopeGroupsManage  = "okta.groups.manage"
	ScopeLogsRead      = "okta.logs.read"
	ScopeSchemasRead   = "okta.schemas.read"
	ScopeSchemasManage = "okta.schemas.manage"
	ScopeOrgsRead      = "okta.orgs.read"
)

// ScopeFor returns the OAuth scope Okta requires for method on path (an API path such as
// "/api/v1/users/00u1/lifecycle/suspend"; a query is ignored), or "" for a path this table
// does not know. The table, from Okta's spec:
//
//	GET  /api/v1/users, /api/v1/users/{id}, /api/v1/users/{id}/groups   okta.users.read
//	POST /api/v1/users; POST|PUT|DELETE /api/v1/users/{id}; lifecycle   okta.users.manage
//	GET  /api/v1/groups, /api/v1/groups/{id}, /api/v1/groups/{id}/users okta.groups.read
//	POST /api/v1/groups; PUT|DELETE /api/v1/groups/{id}[/users/{uid}]   okta.groups.manage
//	GET  /api/v1/logs                                                   okta.logs.read
//	GET  /api/v1/meta/schemas/user/{id}                                 okta.schemas.read
//	POST /api/v1/meta/schemas/user/{id}                                 okta.schemas.manage
//	GET  /api/v1/org                                                    okta.orgs.read
//
// Okta's .read and .manage scopes are independent: a step that looks a user up and then
// creates one needs both okta.users.read and okta.users.manage. The engine uses ScopeFor on
// each call an action makes to offer the scopes an integration's steps need.
func ScopeFor(method, path string) string {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) < 3 || segs[0] != "api" || segs[1] != "v1" {
		return ""
	}
	read := method == http.MethodGet || method == http.MethodHead
	pick := func(r, m string) string {
		if read {
			return r
		}
		return m
	}
	switch segs[2] {
	case "users":
		return pick(ScopeUsersRead, ScopeUsersManage)
	case "groups":
		return pick(ScopeGroupsRead, ScopeGroupsManage)
	case "logs":
		if read {
			return ScopeLogsRead
		}
	case "meta":
		if len(segs) >= 5 && segs[3] == "schemas" && segs[4] == "user" {
			return pick(ScopeSchemasRead, ScopeSchemasManage)
		}
	case "org":
		if read {
			return ScopeOrgsRead
		}
	}
	return ""
}

// IsMissingScope reports that Okta refused a call or a token for want of an OAuth scope,
// and names the scope:
//   - a resource answer 401/403 with WWW-Authenticate error="insufficient_scope": the
//     challenge's scope parameter (Okta names the scope the endpoint needs there), else
//     ScopeFor the request, else "" (still ok: a scope is missing, nobody named it);
//   - a 403 E0000006 to an OAuth client whose token lacks ScopeFor the request;
//   - the token endpoint's invalid_scope: the requested scopes the error description
//     names, else all of them (space-separated) — the app was not granted at least one.
func IsMissingScope(err error) (scope string, ok bool) {
	if e := apiError(err); e != nil && (e.RequiredScope != "" || e.AuthError == "insufficient_scope") {
		return e.RequiredScope, true // "" only when neither Okta nor ScopeFor names the scope
	}
	if e := oauthError(err); e != nil && e.Code == "invalid_scope" {
		var named []string
		for _, s := range e.Requested {
			if containsWord(e.Description, s) {
				named = append(named, s)
			}
		}
		if len(named) == 0 {
			named = e.Requested
		}
		return strings.Join(named, " "), true
	}
	return "", false
}

// containsWord reports s holding w as a whole word (a sentence's full stop after it is fine).
func containsWord(s, w string) bool {
	words := strings.FieldsFunc(s, func(r rune) bool {
		return !(r == '.' || r == '_' || r == ':' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	})
	for _, x := range words {
		if strings.TrimRight(x, ".") == w {
			return true
		}
	}
	return false
}

// requiredScope decides, for a refused resource answer, the scope Okta says is missing
// ("" when the refusal is not about scopes). granted is nil for SSWS clients.
func requiredScope(method, path string, status int, code string, h http.Header, granted []string, oauth bool) string {
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		if ch, ok := authError(h); ok && ch.params["error"] == "insufficient_scope" {
			if s := strings.TrimSpace(ch.params["scope"]); s != "" {
				return s
			}
			return ScopeFor(method, path) // "" when neither names it: IsMissingScope still says so
		}
	}
	if oauth && status == http.StatusForbidden && code == CodePermissionDenied {
		if s := ScopeFor(method, path); s != "" && !slices.Contains(granted, s) {
			return s
		}
	}
	return ""
}
