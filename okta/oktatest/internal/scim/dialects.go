package scim

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The ready-made dialects below follow shared/okta-api.md §2 and §8 (Okta's
// users and System Log documentation). Treat them as read-only: to customise
// one, copy it and replace fields rather than appending to its slices.

// UserSearch is GET /api/v1/users?search=: eq, sw, co, pr, gt, ge, lt, le
// with and/or and parentheses (no ne, ew or not); string values compare
// case-insensitively. Attributes are profile.<any attribute> plus id, status,
// created, activated, statusChanged, lastUpdated and type.id; co only on
// profile.firstName, profile.lastName, profile.email and profile.login.
// Okta answers a rejected search with 400 E0000031 "Invalid search criteria.".
var UserSearch = Dialect{
	Ops:                   []Op{Eq, Sw, Co, Pr, Gt, Ge, Lt, Le},
	CaseInsensitiveValues: true,
	TimeAttrs:             []string{"created", "activated", "statusChanged", "lastUpdated"},
	Attr:                  userSearchAttr,
}

// UserFilter is GET /api/v1/users?filter=: only status, lastUpdated, id,
// profile.login, profile.email, profile.firstName and profile.lastName; only
// eq, plus gt, ge, lt and le on lastUpdated; and/or, no not; values compare
// case-sensitively. Okta answers a rejected filter with 400 E0000031.
var UserFilter = Dialect{
	Ops:       []Op{Eq, Gt, Ge, Lt, Le},
	TimeAttrs: []string{"lastUpdated"},
	Attr:      userFilterAttr,
}

// LogFilter is GET /api/v1/logs?filter=: every operator, and/or/not; values
// compare case-sensitively; the first path segment must be a LogEvent
// property and published is refused (since/until select by time). Okta
// answers a rejected filter with 400 E0000053.
var LogFilter = Dialect{
	Ops:      []Op{Eq, Ne, Sw, Co, Ew, Pr, Gt, Ge, Lt, Le},
	AllowNot: true,
	Attr:     logFilterAttr,
}

// GroupFilter is GET /api/v1/groups?filter=: only id, type, lastUpdated and
// lastMembershipUpdated; eq, plus gt, ge, lt and le on the two timestamps;
// and/or, no not; values compare case-sensitively. A profile attribute (the
// group's name) is refused: Okta answers filter=profile.name eq "…" with
// 400 E0000031 (okta/okta-sdk-java#593); search it instead.
var GroupFilter = Dialect{
	Ops:       []Op{Eq, Gt, Ge, Lt, Le},
	TimeAttrs: groupTimeAttrs[:2],
	Attr:      groupFilterAttr,
}

// GroupSearch is GET /api/v1/groups?search=: any profile attribute, id,
// created, lastUpdated, lastMembershipUpdated, type and source.id; eq, sw,
// co (co only on profile.name and profile.description), pr and the
// orderings on timestamps; and/or and parentheses, no not; string values
// compare case-insensitively, as in users search.
var GroupSearch = Dialect{
	Ops:                   []Op{Eq, Sw, Co, Pr, Gt, Ge, Lt, Le},
	CaseInsensitiveValues: true,
	TimeAttrs:             groupTimeAttrs,
	Attr:                  groupSearchAttr,
}

// groupTimeAttrs are the groups' timestamp attributes; the filter accepts
// the first two.
var groupTimeAttrs = []string{"lastUpdated", "lastMembershipUpdated", "created"}

var groupFilterAttrs = []string{"id", "type", "lastUpdated", "lastMembershipUpdated"}

func groupFilterAttr(path string, op Op) error {
	if !slices.Contains(groupFilterAttrs, path) {
		return fmt.Errorf("unsupported filter attribute %q; use %s (search profile attributes instead)", path, orList(groupFilterAttrs))
	}
	if op != Eq && (path == "id" || path == "type") {
		return fmt.Errorf("%s supports only eq", path)
	}
	return nil
}

var groupSearchTop = []string{"id", "type", "created", "lastUpdated", "lastMembershipUpdated", "source.id"}

var groupContainsAttrs = []string{"profile.name", "profile.description"}

func groupSearchAttr(path string, op Op) error {
	if !slices.Contains(groupSearchTop, path) && !strings.HasPrefix(path, "profile.") {
		return fmt.Errorf("unsupported search attribute %q; use profile.<attribute>, %s", path, orList(groupSearchTop))
	}
	if op == Co && !slices.Contains(groupContainsAttrs, path) {
		return fmt.Errorf("co is only supported on %s", orList(groupContainsAttrs))
	}
	return nil
}

// userSearchTop are the non-profile attributes users search accepts.
var userSearchTop = []string{"id", "status", "created", "activated", "statusChanged", "lastUpdated", "type.id"}

// userContainsAttrs are the only attributes users search allows co on.
var userContainsAttrs = []string{"profile.firstName", "profile.lastName", "profile.email", "profile.login"}

func userSearchAttr(path string, op Op) error {
	if !slices.Contains(userSearchTop, path) && !strings.HasPrefix(path, "profile.") {
		return fmt.Errorf("unsupported search attribute %q; use profile.<attribute>, %s", path, orList(userSearchTop))
	}
	if op == Co && !slices.Contains(userContainsAttrs, path) {
		return fmt.Errorf("co is only supported on %s", orList(userContainsAttrs))
	}
	return nil
}

// userFilterAttrs are the only attributes users filter accepts.
var userFilterAttrs = []string{"status", "lastUpdated", "id", "profile.login", "profile.email", "profile.firstName", "profile.lastName"}

func userFilterAttr(path string, op Op) error {
	if !slices.Contains(userFilterAttrs, path) {
		return fmt.Errorf("unsupported filter attribute %q; use %s", path, orList(userFilterAttrs))
	}
	if op != Eq && path != "lastUpdated" {
		return fmt.Errorf("%s is only supported on lastUpdated; %s supports eq", op, path)
	}
	return nil
}

// logEventProps are the top-level properties of a LogEvent (SPEC LogEvent).
var logEventProps = []string{
	"uuid", "published", "eventType", "version", "severity", "legacyEventType", "displayMessage",
	"actor", "client", "device", "authenticationContext", "outcome", "transaction",
	"debugContext", "request", "securityContext", "target",
}

// errPublished is why a System Log filter may not name published.
var errPublished = errors.New("published cannot be used in a filter; use since and until")

func logFilterAttr(path string, _ Op) error {
	top, _, _ := strings.Cut(path, ".")
	if top == "published" {
		return errPublished
	}
	if !slices.Contains(logEventProps, top) {
		return fmt.Errorf("field is not valid: %s", path)
	}
	return nil
}
