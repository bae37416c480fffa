package okta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Group is an Okta group. Like User it decodes without loss (unknown keys in Extra).
type Group struct {
	ID                    string
	Created               *time.Time
	LastUpdated           *time.Time
	LastMembershipUpdated *time.Time
	ObjectClass           []string
	Type                  string         // OKTA_GROUP, APP_GROUP, BUILT_IN
	Profile               map[string]any // name, description, custom group attributes
	Links                 map[string]json.RawMessage

	Extra map[string]json.RawMessage
	wire  wire
}

func (g *Group) fields() []jsonField {
	return []jsonField{
		{"id", &g.ID}, {"created", &g.Created}, {"lastUpdated", &g.LastUpdated},
		{"lastMembershipUpdated", &g.LastMembershipUpdated}, {"objectClass", &g.ObjectClass},
		{"type", &g.Type}, {"profile", &g.Profile}, {"_links", &g.Links},
	}
}

// UnmarshalJSON decodes a group without losing any key.
func (g *Group) UnmarshalJSON(data []byte) error {
	*g = Group{}
	w, err := decodeObject(data, g.fields(), &g.Extra)
	g.wire = w
	return err
}

// MarshalJSON encodes the group; an unchanged decoded group encodes to what Okta sent.
func (g Group) MarshalJSON() ([]byte, error) { return encodeObject(g.wire, g.fields(), g.Extra) }

// Name returns profile.name.
func (g *Group) Name() string { s, _ := g.Profile["name"].(string); return s }

// Description returns profile.description.
func (g *Group) Description() string { s, _ := g.Profile["description"].(string); return s }

// ListGroups iterates over groups whose name starts with q (all groups when q is empty),
// following Link rel="next" like ListUsers.
func (c *Client) ListGroups(ctx context.Context, q string) iter.Seq2[*Group, error] {
	query := url.Values{}
	if q != "" {
		query.Set("q", q)
	}
	return paginate[*Group](c, ctx, &request{method: http.MethodGet, path: "/api/v1/groups", query: query})
}

// GroupsByPrefix returns at most limit groups whose name starts with prefix,
// case-insensitively (Okta's q), or any groups when prefix is empty: one
// page, for a picker that narrows as the user types.
func (c *Client) GroupsByPrefix(ctx context.Context, prefix string, limit int) ([]*Group, error) {
	if limit <= 0 {
		return nil, errors.New("okta: GroupsByPrefix needs a limit above 0")
	}
	query := url.Values{"limit": {strconv.Itoa(limit)}}
	if prefix != "" {
		query.Set("q", prefix)
	}
	var out []*Group
	for g, err := range paginate[*Group](c, ctx, &request{method: http.MethodGet, path: "/api/v1/groups", query: query}) {
		if err != nil {
			return nil, err
		}
		out = append(out, g)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// ErrAmbiguous is wrapped by finders that were asked for one object and found several
// (FindGroupByName of a name two groups share).
var ErrAmbiguous = errors.New("okta: ambiguous")

// GroupNotFoundError says that no group has exactly Name. Similar lists the names that
// differ only in case, for a message such as "did you mean Engineering?". IsNotFound
// reports true for it.
type GroupNotFoundError struct {
	Name    string
	Similar []string
}

func (e *GroupNotFoundError) Error() string {
	msg := fmt.Sprintf("okta: no group is named %q", e.Name)
	if len(e.Similar) > 0 {
		msg += fmt.Sprintf(" (names differ in case: %q)", e.Similar)
	}
	return msg
}

// Unwrap makes IsNotFound and errors.Is(err, ErrNotFound) true.
func (e *GroupNotFoundError) Unwrap() error { return ErrNotFound }

// GetGroup fetches one group (GET /api/v1/groups/{id}); a missing one is IsNotFound.
func (c *Client) GetGroup(ctx context.Context, id string) (*Group, error) {
	if strings.TrimSpace(id) == "" {
		return nil, errors.New("okta: GetGroup needs a group id")
	}
	g := new(Group)
	_, err := c.call(ctx, &request{method: http.MethodGet, path: "/api/v1/groups/" + url.PathEscape(id)}, g)
	return result(g, err)
}

// FindGroupsByName returns every group whose name is exactly name (case-sensitive), in the
// order Okta lists them: several when groups share a name (an Okta group and an app group
// imported from a directory may). It asks search=profile.name eq "…" first (Okta's exact
// match, whose values compare case-insensitively, hence the check here); when that finds
// nothing it asks q=name (a name prefix), because the search index lags writes and a group
// created a moment ago must still be found.
func (c *Client) FindGroupsByName(ctx context.Context, name string) ([]*Group, error) {
	found, _, err := c.findGroupsByName(ctx, name)
	return found, err
}

// findGroupsByName also returns the names that match except for case.
func (c *Client) findGroupsByName(ctx context.Context, name string) (exact []*Group, similar []string, err error) {
	if strings.TrimSpace(name) == "" {
		return nil, nil, errors.New("okta: a group name is needed")
	}
	collect := func(q url.Values) error {
		for g, err := range paginate[*Group](c, ctx, &request{method: http.MethodGet, path: "/api/v1/groups", query: q}) {
			if err != nil {
				return err
			}
			switch {
			case g.Name() == name:
				if !slices.ContainsFunc(exact, func(x *Group) bool { return x.ID == g.ID }) {
					exact = append(exact, g)
				}
			case strings.EqualFold(g.Name(), name) && !slices.Contains(similar, g.Name()):
				similar = append(similar, g.Name())
			}
		}
		return nil
	}
	if err := collect(url.Values{"search": {"profile.name eq " + quoteSearch(name)}}); err != nil {
		return nil, nil, err
	}
	if len(exact) == 0 && len(similar) == 0 {
		if err := collect(url.Values{"q": {name}}); err != nil {
			return nil, nil, err
		}
	}
	return exact, similar, nil
}

// FindGroupByName returns the one group whose name is exactly name. None is a
// *GroupNotFoundError (IsNotFound); several an *AmbiguousGroupError.
func (c *Client) FindGroupByName(ctx context.Context, name string) (*Group, error) {
	exact, similar, err := c.findGroupsByName(ctx, name)
	switch {
	case err != nil:
		return nil, err
	case len(exact) == 0:
		return nil, &GroupNotFoundError{Name: name, Similar: similar}
	case len(exact) > 1:
		return nil, &AmbiguousGroupError{Name: name, Groups: exact}
	}
	return exact[0], nil
}

// AmbiguousGroupError says that several groups have exactly Name; errors.Is(err,
// ErrAmbiguous) is true for it.
type AmbiguousGroupError struct {
	Name   string
	Groups []*Group
}

func (e *AmbiguousGroupError) Error() string {
	ids := make([]string, len(e.Groups))
	for i, g := range e.Groups {
		ids[i] = g.ID + " (" + g.Type + ")"
	}
	return fmt.Sprintf("okta: %d groups are named %q: %s", len(e.Groups), e.Name, strings.Join(ids, ", "))
}

// Unwrap makes errors.Is(err, ErrAmbiguous) true.
func (e *AmbiguousGroupError) Unwrap() error { return ErrAmbiguous }

// CreateGroup creates an Okta group (POST /api/v1/groups).
func (c *Client) CreateGroup(ctx context.Context, name, description string) (*Group, error) {
	if strings.TrimSpace(name) == "" {
		return nil, errors.New("okta: CreateGroup needs a name")
	}
	profile := map[string]any{"name": name}
	if description != "" {
		profile["description"] = description
	}
	g := new(Group)
	_, err := c.call(ctx, &request{method: http.MethodPost, path: "/api/v1/groups",
		body: map[string]any{"profile": profile}}, g)
	return result(g, err)
}

// AddUserToGroup makes a user a member (PUT /api/v1/groups/{groupId}/users/{userId}; 204).
// Adding a member again is not an error at Okta.
func (c *Client) AddUserToGroup(ctx context.Context, groupID, userID string) error {
	if groupID == "" || userID == "" {
		return errors.New("okta: AddUserToGroup needs a group id and a user id")
	}
	p := "/api/v1/groups/" + url.PathEscape(groupID) + "/users/" + url.PathEscape(userID)
	_, err := c.call(ctx, &request{method: http.MethodPut, path: p}, nil)
	return err
}

// RemoveUserFromGroup ends a membership (DELETE /api/v1/groups/{groupId}/users/{userId};
// 204). Removing a user who is not a member is not an error at Okta.
func (c *Client) RemoveUserFromGroup(ctx context.Context, groupID, userID string) error {
	if strings.TrimSpace(groupID) == "" || strings.TrimSpace(userID) == "" {
		return errors.New("okta: RemoveUserFromGroup needs a group id and a user id")
	}
	p := "/api/v1/groups/" + url.PathEscape(groupID) + "/users/" + url.PathEscape(userID)
	_, err := c.call(ctx, &request{method: http.MethodDelete, path: p}, nil)
	return err
}

// ListUserGroups iterates over the groups a user is in (GET /api/v1/users/{id}/groups),
// the built-in Everyone group included, following Link rel="next".
func (c *Client) ListUserGroups(ctx context.Context, userID string) iter.Seq2[*Group, error] {
	p, err := userPath(userID)
	if err != nil {
		return func(yield func(*Group, error) bool) { yield(nil, err) }
	}
	return paginate[*Group](c, ctx, &request{method: http.MethodGet, path: p + "/groups"})
}

// IsMember reports whether the user is in the group, from the user's own group list (a
// user is in far fewer groups than a group has members). A missing user is IsNotFound.
func (c *Client) IsMember(ctx context.Context, groupID, userID string) (bool, error) {
	if strings.TrimSpace(groupID) == "" {
		return false, errors.New("okta: IsMember needs a group id")
	}
	for g, err := range c.ListUserGroups(ctx, userID) {
		if err != nil {
			return false, err
		}
		if g.ID == groupID {
			return true, nil
		}
	}
	return false, nil
}
