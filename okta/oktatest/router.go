package oktatest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// handler answers one request with the org's lock held.
type handler func(o *Org, c *call) *reply

// route maps a path pattern under /api/v1 ("*" matches one segment) to a
// handler per method.
type route struct {
	pattern []string
	methods map[string]handler
}

// routes are the endpoints the simulator serves; any other path is 404
// E0000008, any other method on these paths 405 E0000022.
var routes = []route{
	{[]string{"users"}, map[string]handler{http.MethodGet: (*Org).listUsers, http.MethodPost: (*Org).createUser}},
	{[]string{"users", "*"}, map[string]handler{
		http.MethodGet: (*Org).getUser, http.MethodPut: (*Org).replaceUser,
		http.MethodPost: (*Org).updateUser, http.MethodDelete: (*Org).deleteUser,
	}},
	{[]string{"users", "*", "lifecycle", "*"}, map[string]handler{http.MethodPost: (*Org).lifecycle}},
	{[]string{"users", "*", "credentials", "*"}, map[string]handler{http.MethodPost: (*Org).credentials}},
	{[]string{"users", "*", "groups"}, map[string]handler{http.MethodGet: (*Org).userGroups}},
	{[]string{"users", "*", "roles"}, map[string]handler{http.MethodGet: (*Org).userRoles}},
	{[]string{"groups"}, map[string]handler{http.MethodGet: (*Org).listGroups, http.MethodPost: (*Org).createGroup}},
	{[]string{"groups", "*"}, map[string]handler{http.MethodGet: (*Org).getGroup, http.MethodPut: (*Org).replaceGroup, http.MethodDelete: (*Org).deleteGroup}},
	{[]string{"groups", "*", "users"}, map[string]handler{http.MethodGet: (*Org).groupMembers}},
	{[]string{"groups", "*", "users", "*"}, map[string]handler{http.MethodPut: (*Org).addMember, http.MethodDelete: (*Org).removeMember}},
	{[]string{"meta", "schemas", "user", "*"}, map[string]handler{http.MethodGet: (*Org).getSchema, http.MethodPost: (*Org).updateSchema}},
	{[]string{"logs"}, map[string]handler{http.MethodGet: (*Org).listLogs}},
	{[]string{"agentPools"}, map[string]handler{http.MethodGet: (*Org).listAgentPools}},
}

// apiSegments splits the escaped request path into unescaped segments after
// /api/v1; ok is false for paths outside /api/v1. An escaped "/" stays
// inside its segment.
func apiSegments(r *http.Request) (segs []string, ok bool) {
	raw := strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/")
	if len(raw) < 2 || raw[0] != "api" || raw[1] != "v1" {
		return nil, false
	}
	for _, s := range raw[2:] {
		u, err := url.PathUnescape(s)
		if err != nil {
			return nil, false
		}
		segs = append(segs, u)
	}
	return segs, true
}

// match finds the route for segs and the values of its wildcards.
func match(segs []string) (*route, []string) {
	for i := range routes {
		rt := &routes[i]
		if len(rt.pattern) != len(segs) {
			continue
		}
		var params []string
		matched := true
		for j, p := range rt.pattern {
			switch {
			case p == "*" && segs[j] != "":
				params = append(params, segs[j])
			case p != segs[j]:
				matched = false
			}
			if !matched {
				break
			}
		}
		if matched {
			return rt, params
		}
	}
	return nil, nil
}

// allow lists a route's methods for the Allow header of a 405.
func (rt *route) allow() string {
	var ms []string
	for m := range rt.methods {
		ms = append(ms, m)
	}
	slices.Sort(ms)
	return strings.Join(ms, ", ")
}

// Rate-limit buckets, as in the contract shared with the client.
const (
	bucketUsers     = "/api/v1/users"
	bucketMe        = "/api/v1/users/me"
	bucketUserRead  = "/api/v1/users/{id:.+}"
	bucketUserWrite = "/api/v1/users/{id}"
	bucketLogs      = "/api/v1/logs"
	bucketGroups    = "/api/v1/groups"
	bucketGroup     = "/api/v1/groups/{id}"
	bucketOther     = "/api/v1"
	bucketOAuth     = "/oauth2/v1" // the org authorization server (token endpoint)
)

// bucketFor maps a request to its rate-limit bucket (okta-api.md §6):
// list/create users and lifecycle operations share /api/v1/users; reading a
// user or its sub-resources is /api/v1/users/{id:.+}; changing a user is
// /api/v1/users/{id}; a group by id (/api/v1/groups/{id} only) is
// /api/v1/groups/{id}, the rest of groups /api/v1/groups; logs and
// /users/me have their own; the rest
// of /api/v1 (schemas, ...) is /api/v1.
func bucketFor(method string, segs []string) string {
	if len(segs) == 0 {
		return bucketOther
	}
	switch segs[0] {
	case "users":
		switch {
		case len(segs) == 1:
			return bucketUsers
		case len(segs) == 2 && segs[1] == "me" && method == http.MethodGet:
			return bucketMe
		case len(segs) >= 3 && segs[2] == "lifecycle" && method == http.MethodPost:
			return bucketUsers
		case method == http.MethodGet:
			return bucketUserRead
		case len(segs) == 2:
			return bucketUserWrite
		}
	case "logs":
		if method == http.MethodGet {
			return bucketLogs
		}
	case "groups":
		if len(segs) == 2 {
			return bucketGroup
		}
		return bucketGroups
	}
	return bucketOther
}
