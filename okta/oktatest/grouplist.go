package oktatest

import (
	"strings"

	"github.com/oktaflow/oktaflow/okta/oktatest/internal/scim"
)

// Page sizes of GET /api/v1/groups (okta-api.md; SPEC listGroups): 10000 by
// default and at most (recorded self link ?limit=10000); q is not paged and
// answers at most 300 by default. GET /api/v1/groups/{id}/users pages by
// 1000 by default (recorded ?limit=1000).
const (
	groupPageLimit   = 10000
	groupQLimit      = 300
	memberPageLimit  = 1000
	memberPageMaxLim = 10000
)

// errSearchSyntax is 400 E0000031 for a groups search Okta cannot parse; it
// names the syntax as the one recorded answer does (okta/okta-powershell-cli#48).
var errSearchSyntax = newError(errInvalidSearch.status, errInvalidSearch.code, errInvalidSearch.summary, "Invalid search syntax.")

// listGroups is GET /api/v1/groups with one of q, filter or search, limit
// and after:
//   - no query: every group, paginated;
//   - q: a case-insensitive prefix of the name, not paginated (no Link
//     header, as recorded), limit only;
//   - filter: id, type, lastUpdated, lastMembershipUpdated (scim.GroupFilter),
//     values case-sensitive; a filter on the name is 400 E0000031;
//   - search: profile attributes and the top-level properties
//     (scim.GroupSearch), values case-insensitive, sortBy/sortOrder.
//
// search and filter together are 400 E0000033. search, filter and q read
// the search index, which lags writes when Options.SearchLag is set.
func (o *Org) listGroups(c *call) *reply {
	search, filter, q := c.query("search"), c.query("filter"), c.query("q")
	if search != "" && filter != "" {
		return fail(errSearchAndFilter)
	}
	var expr scim.Expr
	var query [][2]string
	switch {
	case search != "":
		e, err := scim.Parse(search, scim.GroupSearch)
		if err != nil {
			return fail(searchError(err))
		}
		expr, query = e, [][2]string{{"search", search}}
	case filter != "":
		e, err := scim.Parse(filter, scim.GroupFilter)
		if err != nil {
			return fail(errInvalidSearch)
		}
		expr, query = e, [][2]string{{"filter", filter}}
	}
	candidates := o.groups
	if expr != nil || q != "" {
		candidates = o.index.groupsAt(o, c.now)
	}
	var matched []*group
	prefix := strings.ToLower(q)
	for _, g := range candidates {
		if expr == nil && q != "" && !strings.HasPrefix(strings.ToLower(g.Name), prefix) {
			continue
		}
		if expr != nil {
			rendered := o.renderGroup(g, c.base)
			if !expr.Match(func(path string) (any, bool) { return lookupPath(rendered, path) }) {
				continue
			}
		}
		matched = append(matched, g)
	}

	groupID := func(g *group) string { return g.ID }
	var items []*group
	var more bool
	switch {
	case expr == nil && q != "":
		items = matched[:min(limitParam(c, groupQLimit, groupPageLimit), len(matched))]
		return ok(o.renderGroups(items, c.base))
	case search != "" && c.query("sortBy") != "":
		sortBy, desc := c.query("sortBy"), strings.EqualFold(c.query("sortOrder"), "desc")
		sortByPath(matched, func(g *group) object { return o.renderGroup(g, c.base) }, groupID, sortBy, desc)
		items, more = pageAtCursor(matched, groupID, c.query("after"), limitParam(c, groupPageLimit, groupPageLimit))
		query = append(query, [2]string{"sortBy", sortBy}, [2]string{"sortOrder", map[bool]string{true: "desc", false: "asc"}[desc]})
	default:
		items, more = pageAfter(matched, groupID, c.query("after"), limitParam(c, groupPageLimit, groupPageLimit))
	}
	rep := ok(o.renderGroups(items, c.base))
	rep.links = collectionLinks(c, "/api/v1/groups", limitParam(c, groupPageLimit, groupPageLimit), more, lastID(items, groupID), query)
	return rep
}

func (o *Org) renderGroups(gs []*group, base string) []object {
	out := make([]object, len(gs))
	for i, g := range gs {
		out[i] = o.renderGroup(g, base)
	}
	return out
}

// searchError is the answer to a search that does not parse: a syntax
// error names the syntax; an attribute or operator Okta does not support
// in a well-formed search has no cause.
func searchError(err error) *apiError {
	if se, ok := err.(*scim.SyntaxError); ok && !se.Unsupported {
		return errSearchSyntax
	}
	return errInvalidSearch
}
