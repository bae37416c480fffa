package oktatest

import (
	"slices"
	"strings"
)

// groupMembers is GET /api/v1/groups/{id}/users: users, each with only
// _links.self as in every collection.
func (o *Org) groupMembers(c *call) *reply {
	g, e := o.groupParam(c)
	if e != nil {
		return fail(e)
	}
	var users []*user
	for _, id := range o.members(g) {
		if u := o.byID[id]; u != nil {
			users = append(users, u)
		}
	}
	slices.SortFunc(users, func(a, b *user) int { return strings.Compare(a.ID, b.ID) })
	limit := limitParam(c, memberPageLimit, memberPageMaxLim)
	items, more := pageAfter(users, func(u *user) string { return u.ID }, c.query("after"), limit)
	out := make([]object, len(items))
	for i, u := range items {
		out[i] = o.renderUser(u, c.base, false)
	}
	rep := ok(out)
	rep.links = collectionLinks(c, "/api/v1/groups/"+g.ID+"/users", limit, more, lastID(items, func(u *user) string { return u.ID }), nil)
	return rep
}

// membership resolves the group and user of /groups/{gid}/users/{uid}.
func (o *Org) membership(c *call) (*group, *user, *apiError) {
	g, e := o.groupParam(c)
	if e != nil {
		return nil, nil, e
	}
	u := o.findUser(c.params[1])
	if u == nil {
		return nil, nil, errNotFound(c.params[1], "User")
	}
	if g.Type == groupBuiltIn {
		return nil, nil, errForbidden
	}
	return g, u, nil
}

// addMember is PUT /api/v1/groups/{gid}/users/{uid}: 204, also when the
// user is a member already.
func (o *Org) addMember(c *call) *reply {
	g, u, e := o.membership(c)
	if e != nil {
		return fail(e)
	}
	o.addMemberLocked(c, g, u)
	return noContent()
}

func (o *Org) addMemberLocked(c *call, g *group, u *user) {
	if slices.Contains(g.Members, u.ID) {
		return
	}
	g.Members = append(g.Members, u.ID)
	g.LastMembershipUpdated = c.now
	o.logEvent(c, c.now, "group.user_membership.add", userTarget(u), groupTarget(g))
}

// removeMember is DELETE /api/v1/groups/{gid}/users/{uid}: 204.
func (o *Org) removeMember(c *call) *reply {
	g, u, e := o.membership(c)
	if e != nil {
		return fail(e)
	}
	if i := slices.Index(g.Members, u.ID); i >= 0 {
		g.Members = slices.Delete(g.Members, i, i+1)
		g.LastMembershipUpdated = c.now
		o.logEvent(c, c.now, "group.user_membership.remove", userTarget(u), groupTarget(g))
	}
	return noContent()
}

// userGroups is GET /api/v1/users/{id}/groups: Everyone and the user's
// groups (recorded with Link: <…/users/{id}/groups?limit=200>; rel="self").
func (o *Org) userGroups(c *call) *reply {
	u, e := o.userParam(c)
	if e != nil {
		return fail(e)
	}
	var groups []*group
	for _, g := range o.groups {
		if g.Type == groupBuiltIn || slices.Contains(g.Members, u.ID) {
			groups = append(groups, g)
		}
	}
	limit := limitParam(c, userPageLimit, groupPageLimit)
	items, more := pageAfter(groups, func(g *group) string { return g.ID }, c.query("after"), limit)
	out := make([]object, len(items))
	for i, g := range items {
		out[i] = o.renderGroup(g, c.base)
	}
	rep := ok(out)
	rep.links = collectionLinks(c, "/api/v1/users/"+u.ID+"/groups", limit, more, lastID(items, func(g *group) string { return g.ID }), nil)
	return rep
}
