package okta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
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

// FindGroupByName returns the group whose name is exactly name, or an error for which
// IsNotFound is true. Okta's q is a prefix match, so the candidates are filtered here.
func (c *Client) FindGroupByName(ctx context.Context, name string) (*Group, error) {
	if strings.TrimSpace(name) == "" {
		return nil, errors.New("okta: FindGroupByName needs a name")
	}
	for g, err := range c.ListGroups(ctx, name) {
		if err != nil {
			return nil, err
		}
		if g.Name() == name {
			return g, nil
		}
	}
	return nil, fmt.Errorf("okta: no group is named %q: %w", name, ErrNotFound)
}

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
