package okta

import (
	"net/http"
	"strings"
)

// Rate-limit bucket names, as Okta's headers count them. The map below is fixed by the
// project contract (and mirrors Okta's own rate_limit_lines): the client computes a
// request's bucket itself, because a response only carries the bucket's numbers, not its name.
const (
	BucketUsers      = "/api/v1/users"
	BucketUserByID   = "/api/v1/users/{id:.+}" // GET one user and its sub-resources
	BucketUserWrite  = "/api/v1/users/{id}"    // POST, PUT, DELETE one user
	BucketMe         = "/api/v1/users/me"
	BucketLogs       = "/api/v1/logs"
	BucketGroups     = "/api/v1/groups"
	BucketGroupByID  = "/api/v1/groups/{id}" // one group itself (not its members)
	BucketAPIDefault = "/api/v1"
	BucketToken      = "/oauth2/v1/token" // OAuth access tokens; metered with its own headers
)

// bucketFor maps a request to its bucket. path is the escaped path ("/api/v1/users/a%2Fb"),
// so that an escaped slash in a login stays inside one segment.
func bucketFor(method, path string) string {
	if path == tokenPath {
		return BucketToken
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) < 3 || segs[0] != "api" || segs[1] != "v1" {
		return BucketAPIDefault
	}
	rest := segs[2:]
	get := method == http.MethodGet
	switch rest[0] {
	case "users":
		return usersBucket(method, rest[1:])
	case "logs":
		if get && len(rest) == 1 {
			return BucketLogs
		}
	case "groups":
		if len(rest) == 2 {
			return BucketGroupByID
		}
		return BucketGroups
	}
	return BucketAPIDefault
}

// usersBucket handles /api/v1/users/<sub...>.
func usersBucket(method string, sub []string) string {
	get := method == http.MethodGet
	switch {
	case len(sub) == 0:
		if get || method == http.MethodPost {
			return BucketUsers
		}
	case len(sub) == 1:
		switch {
		case get && sub[0] == "me":
			return BucketMe
		case get:
			return BucketUserByID
		case method == http.MethodPost || method == http.MethodPut || method == http.MethodDelete:
			return BucketUserWrite
		}
	case sub[1] == "lifecycle" && method == http.MethodPost:
		return BucketUsers
	case get:
		return BucketUserByID
	}
	return BucketAPIDefault
}
