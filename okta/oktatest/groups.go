package oktatest

import (
	"slices"
	"strings"
	"time"
)

// Group types.
const (
	groupBuiltIn = "BUILT_IN"   // Everyone: every user, implicitly
	groupOkta    = "OKTA_GROUP" // created by an admin or the API
)

// group is one Okta group. Members lists user ids for OKTA_GROUPs; the
// BUILT_IN Everyone group keeps none and holds every user.
type group struct {
	ID                    string    `json:"id"`
	Name                  string    `json:"name"`
	Description           string    `json:"description"`
	Type                  string    `json:"type"`
	Created               time.Time `json:"created"`
	LastUpdated           time.Time `json:"lastUpdated"`
	LastMembershipUpdated time.Time `json:"lastMembershipUpdated"`
	Members               []string  `json:"members"`
}

// members lists the ids of the group's users.
func (o *Org) members(g *group) []string {
	if g.Type != groupBuiltIn {
		return g.Members
	}
	ids := make([]string, len(o.users))
	for i, u := range o.users {
		ids[i] = u.ID
	}
	return ids
}

func (o *Org) addGroupLocked(name, description, typ string, t time.Time) *group {
	g := &group{ID: o.ids.object("00g"), Name: name, Description: description, Type: typ,
		Created: t, LastUpdated: t, LastMembershipUpdated: t}
	o.groups = append(o.groups, g)
	o.groupByID[g.ID] = g
	return g
}

// groupByName finds a group by name, ignoring case.
func (o *Org) groupByName(name string) *group {
	for _, g := range o.groups {
		if strings.EqualFold(g.Name, name) {
			return g
		}
	}
	return nil
}

// The group logos Okta links to (recorded on the Everyone group).
const (
	logoMedium = "https://op3static2.oktacdn.com/assets/img/logos/groups/odyssey/okta-medium.30ce6d4085dff29412984e4c191bc874.png"
	logoLarge  = "https://op3static2.oktacdn.com/assets/img/logos/groups/odyssey/okta-large.c3cb8cda8ae0add1b4fe928f5844dbe3.png"
)

// renderGroup is the Group object as recorded (GET /users/{id}/groups).
func (o *Org) renderGroup(g *group, base string) object {
	self := base + "/api/v1/groups/" + g.ID
	return object{
		{"id", g.ID},
		{"created", timeJSON(g.Created)},
		{"lastUpdated", timeJSON(g.LastUpdated)},
		{"lastMembershipUpdated", timeJSON(g.LastMembershipUpdated)},
		{"objectClass", []string{"okta:user_group"}},
		{"type", g.Type},
		{"profile", object{{"name", g.Name}, {"description", nullable(g.Description)}}},
		{"_links", object{
			{"logo", []object{
				{{"name", "medium"}, {"href", logoMedium}, {"type", "image/png"}},
				{{"name", "large"}, {"href", logoLarge}, {"type", "image/png"}},
			}},
			{"owners", object{{"href", self + "/owners"}}},
			{"users", object{{"href", self + "/users"}}},
			{"apps", object{{"href", self + "/apps"}}},
		}},
	}
}

// groupParam resolves the {groupId} of the URL.
func (o *Org) groupParam(c *call) (*group, *apiError) {
	g := o.groupByID[c.params[0]]
	if g == nil {
		return nil, errNotFound(c.params[0], "UserGroup")
	}
	return g, nil
}

// getGroup is GET /api/v1/groups/{id}.
func (o *Org) getGroup(c *call) *reply {
	g, e := o.groupParam(c)
	if e != nil {
		return fail(e)
	}
	return ok(o.renderGroup(g, c.base))
}

// createGroup is POST /api/v1/groups {"profile":{"name","description"}}.
func (o *Org) createGroup(c *call) *reply {
	name, description, e := o.readGroupProfile(c, nil)
	if e != nil {
		return fail(e)
	}
	g := o.addGroupLocked(name, description, groupOkta, c.now)
	o.logEvent(c, c.now, "group.lifecycle.create", groupTarget(g))
	return ok(o.renderGroup(g, c.base))
}

// groupProfile is the body of POST and PUT /api/v1/groups{/id}.
type groupProfile struct {
	Profile struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"profile"`
}

// readGroupProfile decodes and checks a group profile: a name is required
// and unique (ignoring case) among groups other than self.
func (o *Org) readGroupProfile(c *call, self *group) (name, description string, e *apiError) {
	var req groupProfile
	if err := decodeBody(c.body, &req); err != nil {
		return "", "", errMalformed
	}
	name = strings.TrimSpace(req.Profile.Name)
	if name == "" {
		return "", "", errValidation("name", "name: "+causeBlank)
	}
	if g := o.groupByName(name); g != nil && g != self {
		return "", "", errValidation("name", "name: An object with this field already exists in the current organization")
	}
	return name, req.Profile.Description, nil
}

// replaceGroup is PUT /api/v1/groups/{id}: the profile is replaced (a
// description not sent is cleared). Only OKTA_GROUPs have an editable
// profile; Everyone is 403 E0000006 as for its members.
func (o *Org) replaceGroup(c *call) *reply {
	g, e := o.groupParam(c)
	if e != nil {
		return fail(e)
	}
	if g.Type != groupOkta {
		return fail(errForbidden)
	}
	name, description, e := o.readGroupProfile(c, g)
	if e != nil {
		return fail(e)
	}
	g.Name, g.Description, g.LastUpdated = name, description, c.now
	o.logEvent(c, c.now, "group.profile.update", groupTarget(g))
	return ok(o.renderGroup(g, c.base))
}

// deleteGroup is DELETE /api/v1/groups/{id}; Everyone cannot be deleted.
func (o *Org) deleteGroup(c *call) *reply {
	g, e := o.groupParam(c)
	if e != nil {
		return fail(e)
	}
	if g.Type == groupBuiltIn {
		return fail(errForbidden)
	}
	o.groups = slices.DeleteFunc(o.groups, func(x *group) bool { return x == g })
	delete(o.groupByID, g.ID)
	o.logEvent(c, c.now, "group.lifecycle.delete", groupTarget(g))
	return noContent()
}
