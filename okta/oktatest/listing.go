package oktatest

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/oktaflow/oktaflow/okta/oktatest/internal/scim"
)

// Page sizes of GET /api/v1/users: 200 by default and at most, 10 by
// default with q.
const (
	userPageLimit = 200
	userQLimit    = 10
)

// listUsers is GET /api/v1/users with one of q, filter or search, limit and
// after (okta-api.md §2):
//   - no query: every user but DEPROVISIONED ones, paginated;
//   - q: a case-insensitive prefix of firstName, lastName or email, no
//     DEPROVISIONED, no pagination (limit only, default 10);
//   - filter: the users filter dialect, values case-sensitive,
//     DEPROVISIONED included, paginated;
//   - search: the users search dialect, values case-insensitive,
//     DEPROVISIONED included, sortBy/sortOrder, paginated.
//
// search and filter together are 400 E0000033; a bad expression is 400
// E0000031. Pages carry Link rel="self" and, when more remain, rel="next";
// the cursor is the id of the page's last user.
func (o *Org) listUsers(c *call) *reply {
	search, filter, q := c.query("search"), c.query("filter"), c.query("q")
	if search != "" && filter != "" {
		return fail(errSearchAndFilter)
	}
	var expr scim.Expr
	var query [][2]string
	switch {
	case search != "":
		e, err := scim.Parse(search, scim.UserSearch)
		if err != nil {
			return fail(errInvalidSearch)
		}
		expr, query = e, [][2]string{{"search", search}}
	case filter != "":
		e, err := scim.Parse(filter, scim.UserFilter)
		if err != nil {
			return fail(errInvalidSearch)
		}
		expr, query = e, [][2]string{{"filter", filter}}
	case q != "":
		query = [][2]string{{"q", q}}
	}
	defLimit := userPageLimit
	if expr == nil && q != "" {
		defLimit = userQLimit
	}
	limit := limitParam(c, defLimit, userPageLimit)

	candidates := o.users
	if expr != nil || q != "" {
		candidates = o.index.usersAt(o, c.now)
	}
	var matched []*user
	for _, u := range candidates {
		if expr == nil && u.Status == statusDeprovisioned {
			continue
		}
		if expr == nil && q != "" && !prefixMatch(u, q) {
			continue
		}
		if expr != nil {
			rendered := o.renderUser(u, c.base, false)
			if !expr.Match(func(path string) (any, bool) { return lookupPath(rendered, path) }) {
				continue
			}
		}
		matched = append(matched, u)
	}

	var items []*user
	var more bool
	switch {
	case expr == nil && q != "":
		items = matched[:min(limit, len(matched))] // q does not paginate
	case search != "" && c.query("sortBy") != "":
		sortBy, desc := c.query("sortBy"), strings.EqualFold(c.query("sortOrder"), "desc")
		sortByPath(matched, func(u *user) object { return o.renderUser(u, c.base, false) }, userID, sortBy, desc)
		items, more = pageAtCursor(matched, userID, c.query("after"), limit)
		query = append(query, [2]string{"sortBy", sortBy}, [2]string{"sortOrder", map[bool]string{true: "desc", false: "asc"}[desc]})
	default:
		items, more = pageAfter(matched, func(u *user) string { return u.ID }, c.query("after"), limit)
	}
	out := make([]object, len(items))
	for i, u := range items {
		out[i] = o.renderUser(u, c.base, false)
	}
	rep := ok(out)
	rep.links = collectionLinks(c, "/api/v1/users", limit, more, lastID(items, func(u *user) string { return u.ID }), query)
	return rep
}

// prefixMatch is the q match: firstName, lastName or email starts with q,
// ignoring case.
func prefixMatch(u *user, q string) bool {
	q = strings.ToLower(q)
	for _, k := range []string{"firstName", "lastName", "email"} {
		if s, _ := u.Profile[k].(string); strings.HasPrefix(strings.ToLower(s), q) {
			return true
		}
	}
	return false
}

// sortByPath orders items by an attribute path of their rendered form,
// then by id: numbers numerically, anything else as case-folded text.
func sortByPath[T any](items []T, render func(T) object, id func(T) string, path string, desc bool) {
	key := func(x T) string {
		v, _ := lookupPath(render(x), path)
		if f, isNumber := v.(float64); isNumber {
			return fmt.Sprintf("%020.6f", f)
		}
		return strings.ToLower(fmt.Sprint(v))
	}
	keys := make(map[string]string, len(items))
	for _, x := range items {
		keys[id(x)] = key(x)
	}
	slices.SortStableFunc(items, func(a, b T) int {
		c := cmp.Or(strings.Compare(keys[id(a)], keys[id(b)]), strings.Compare(id(a), id(b)))
		if desc {
			return -c
		}
		return c
	})
}

// limitParam reads ?limit=, def when absent or not a positive number, at
// most max.
func limitParam(c *call, def, max int) int {
	n, err := strconv.Atoi(c.query("limit"))
	if err != nil || n <= 0 {
		return def
	}
	return min(n, max)
}

// pageAfter returns up to limit items whose id sorts after the cursor
// (items are in id order), and whether more follow. Ids embed a creation
// counter, so the cursor stays valid when its user is deleted meanwhile.
func pageAfter[T any](items []T, id func(T) string, after string, limit int) ([]T, bool) {
	start := 0
	if after != "" {
		start = slices.IndexFunc(items, func(x T) bool { return id(x) > after })
		if start < 0 {
			start = len(items)
		}
	}
	end := min(start+limit, len(items))
	return items[start:end], end < len(items)
}

// pageAtCursor pages a list in a custom order: the page starts after the
// item whose id is the cursor; an unknown cursor yields an empty last page.
func pageAtCursor[T any](items []T, id func(T) string, after string, limit int) ([]T, bool) {
	start := 0
	if after != "" {
		i := slices.IndexFunc(items, func(x T) bool { return id(x) == after })
		if i < 0 {
			return nil, false
		}
		start = i + 1
	}
	end := min(start+limit, len(items))
	return items[start:end], end < len(items)
}

func userID(u *user) string { return u.ID }

func lastID[T any](items []T, id func(T) string) string {
	if len(items) == 0 {
		return ""
	}
	return id(items[len(items)-1])
}

// collectionLinks builds the Link headers of a page: rel="self" (the
// request's after, the effective limit and the query) and, when more
// remain, rel="next" with the page's last id as the cursor. Recorded form:
// <…/api/v1/users?after=00u…&limit=1&search=profile.lastName+eq+%22Smith%22>.
func collectionLinks(c *call, path string, limit int, more bool, last string, query [][2]string) []string {
	lim := strconv.Itoa(limit)
	self := append([][2]string{{"after", c.query("after")}, {"limit", lim}}, query...)
	links := []string{link(pageURL(c.base, path, self...), "self")}
	if more {
		next := append([][2]string{{"after", last}, {"limit", lim}}, query...)
		links = append(links, link(pageURL(c.base, path, next...), "next"))
	}
	return links
}
