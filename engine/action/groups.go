package action

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/storage"
)

// membership adds a user to a group or removes them from it.
//
// Idempotent by membership: it reads the user's groups first and does
// nothing when the user is already in (add) or not in (remove) the group.
// The group is given by id, or by exact name (an ambiguous or missing name
// is an error that says which groups there are).
type membership struct {
	add bool
}

func (m membership) ID() string {
	if m.add {
		return "okta.add_to_group"
	}
	return "okta.remove_from_group"
}

func (m membership) Title() string {
	if m.add {
		return "Add a user to a group"
	}
	return "Remove a user from a group"
}

func (m membership) Description() string {
	if m.add {
		return "Make a user (by id, login, email or name) a member of a group (by id or exact name), unless they are one"
	}
	return "End a user's membership of a group (by id or exact name), unless they are not a member"
}

func (membership) Traits() Traits { return Traits{Connector: ConnectorOkta, Scopes: scopesMembership} }
func (membership) Buckets() []string {
	return slices.Concat(userBuckets, []string{okta.BucketGroups, okta.BucketGroupByID})
}
func (membership) Options() []Option { return []Option{matchOption} }

func (membership) Fields(storage.UserSchema) []Field {
	return slices.Concat(finderFields, []Field{
		{Name: "groupId", Title: "Group ID", Type: TypeString, Pick: PickGroupID, Description: "Okta's group id (00g…): the most exact way to name a group"},
		{Name: "groupName", Title: "Group name", Type: TypeString, Pick: PickGroupName, Description: "the group's exact name (case matters); used when no id is mapped"}})
}

func (membership) Check(names []string, _ map[string]any) error {
	if err := checkFinder(names); err != nil {
		return err
	}
	for _, n := range names {
		if n == "groupId" || n == "groupName" {
			return nil
		}
	}
	return actionErr(CodeBadInput, "map the group: groupId, or groupName (its exact name)")
}

func (m membership) Outcomes() []Outcome {
	if m.add {
		return []Outcome{
			{Name: "added", Changed: true, Doc: "the user is now a member; the output is the user, with group {id, name}"},
			{Name: "already_member", Doc: "the user was a member: no change"},
		}
	}
	return []Outcome{
		{Name: "removed", Changed: true, Doc: "the user is no longer a member; the output is the user, with group {id, name}"},
		{Name: "not_member", Doc: "the user was not a member: no change"},
	}
}

func (m membership) Run(ctx context.Context, conn Conn, in Input) (map[string]any, error) {
	api, err := oktaOf(conn)
	if err != nil {
		return nil, err
	}
	g, err := findGroup(ctx, api, in)
	if err != nil {
		return nil, err
	}
	u, err := findUser(ctx, api, in)
	if err != nil {
		return nil, err
	}
	member, err := api.IsMember(ctx, g.ID, u.ID)
	if err != nil {
		return nil, err
	}
	outcome := ""
	switch {
	case m.add && member:
		outcome = "already_member"
	case !m.add && !member:
		outcome = "not_member"
	case m.add:
		err, outcome = api.AddUserToGroup(ctx, g.ID, u.ID), "added"
	default:
		err, outcome = api.RemoveUserFromGroup(ctx, g.ID, u.ID), "removed"
	}
	if err != nil {
		return nil, err
	}
	out, err := userOutput(u, outcome)
	if err != nil {
		return nil, err
	}
	out["group"] = map[string]any{"id": g.ID, "name": g.Name()}
	return out, nil
}

func (m membership) Describe(in Input) Request {
	calls := []string{describeGroup(in)}
	calls = append(calls, describeFind(in)...)
	calls = append(calls, "then GET /api/v1/users/{id}/groups (is the user a member?)")
	if m.add {
		calls = append(calls, "then PUT /api/v1/groups/{groupId}/users/{id} (skipped when already a member)")
	} else {
		calls = append(calls, "then DELETE /api/v1/groups/{groupId}/users/{id} (skipped when not a member)")
	}
	return Request{Calls: calls}
}

// findGroup resolves the step's group: by id, else by exact name.
func findGroup(ctx context.Context, api Okta, in Input) (*okta.Group, error) {
	id, name := stringField(in.Fields, "groupId"), stringField(in.Fields, "groupName")
	switch {
	case id != "":
		g, err := api.GetGroup(ctx, id)
		if okta.IsNotFound(err) {
			return nil, actionErr(CodeNotFound, "no Okta group has the id %s", id)
		}
		return g, err
	case name != "":
		// A name that matches nothing at all is asked again while the
		// search index may still lag a group created a moment ago.
		var g *okta.Group
		var lookupErr error
		_, err := settled(ctx, func() ([]*okta.Group, error) {
			g, lookupErr = api.FindGroupByName(ctx, name)
			var nf *okta.GroupNotFoundError
			if errors.As(lookupErr, &nf) && len(nf.Similar) == 0 {
				return nil, nil
			}
			return []*okta.Group{g}, nil
		})
		if err == nil {
			err = lookupErr
		}
		var nf *okta.GroupNotFoundError
		var amb *okta.AmbiguousGroupError
		switch {
		case errors.As(err, &nf) && len(nf.Similar) > 0:
			return nil, actionErr(CodeNotFound, "no Okta group is named %q (names match exactly, case included); did you mean %s?",
				name, quotedOrList(nf.Similar))
		case errors.As(err, &nf):
			return nil, actionErr(CodeNotFound, "no Okta group is named %q; check the name, or map groupId", name)
		case errors.As(err, &amb):
			list := make([]string, len(amb.Groups))
			for i, g := range amb.Groups {
				list[i] = fmt.Sprintf("%s (%s)", g.ID, g.Type)
			}
			return nil, actionErr(CodeAmbiguous, "%d Okta groups are named %q: %s; map groupId to say which",
				len(amb.Groups), name, strings.Join(list, ", "))
		}
		return g, err
	}
	return nil, actionErr(CodeBadInput, "no value to find the group by: the mapped groupId and groupName are both empty")
}

func describeGroup(in Input) string {
	if id := stringField(in.Fields, "groupId"); id != "" {
		return "GET /api/v1/groups/" + url.PathEscape(id)
	}
	if name := stringField(in.Fields, "groupName"); name != "" {
		return "GET /api/v1/groups?search=profile.name eq " + searchQuote(name) + " (the exact name; then q= if the search index lags)"
	}
	return "nothing to find the group by: map groupId or groupName"
}

func quotedOrList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return orList(q)
}
