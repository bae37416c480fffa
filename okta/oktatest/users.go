package oktatest

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
)

// createRequest is the body of POST /api/v1/users (SPEC CreateUserRequest).
// type and realmId are accepted and ignored: the org has one user type.
type createRequest struct {
	Profile     map[string]any      `json:"profile"`
	Credentials *credentialsRequest `json:"credentials"`
	GroupIDs    []string            `json:"groupIds"`
}

type credentialsRequest struct {
	Password *struct {
		Value *string         `json:"value"`
		Hash  json.RawMessage `json:"hash"`
	} `json:"password"`
	RecoveryQuestion *struct {
		Question string `json:"question"`
		Answer   string `json:"answer"`
	} `json:"recovery_question"`
	Provider *struct {
		Type string `json:"type"`
		Name string `json:"name"`
	} `json:"provider"`
}

// newPassword returns the password being set, or imported for a hash; ""
// and false when none ({} counts as none, as recorded).
func (cr *credentialsRequest) newPassword() (value string, imported bool) {
	if cr == nil || cr.Password == nil {
		return "", false
	}
	if cr.Password.Value != nil {
		return *cr.Password.Value, false
	}
	return "", len(cr.Password.Hash) > 0 && string(cr.Password.Hash) != "null"
}

// setsPassword reports whether the request sets a password.
func (cr *credentialsRequest) setsPassword() bool {
	value, imported := cr.newPassword()
	return value != "" || imported
}

// maxGroupIDs is how many groupIds a create may carry (E0000093 beyond).
const maxGroupIDs = 20

var (
	errExpireNeedsActivate = newError(http.StatusBadRequest, "E0000125",
		"Could not create user. To create a user and expire their password immediately, `activate` must be true.")
	errExpireNeedsPassword = newError(http.StatusBadRequest, "E0000124",
		"Could not create user. To create a user and expire their password immediately, a password must be specified.")
)

// createUser is POST /api/v1/users?activate=&provider=&nextLogin=. The
// resulting status follows Okta's table: activate=false → STAGED; with a
// password (or an external provider) → ACTIVE; otherwise PROVISIONED.
func (o *Org) createUser(c *call) *reply {
	var req createRequest
	if err := decodeBody(c.body, &req); err != nil {
		return fail(errMalformed)
	}
	profile := dropNulls(req.Profile)
	if e := o.validateProfile(profile, "newUser", nil); e != nil {
		return fail(e)
	}
	activate := c.boolQuery("activate", true)
	expire := c.query("nextLogin") == "changePassword"
	switch {
	case expire && !activate:
		return fail(errExpireNeedsActivate)
	case expire && !req.Credentials.setsPassword():
		return fail(errExpireNeedsPassword)
	}
	groups, e := o.groupsForCreate(req.GroupIDs)
	if e != nil {
		return fail(e)
	}

	u := &user{ID: o.ids.object("00u"), Status: statusStaged, Created: c.now, LastUpdated: c.now,
		Profile: profile, Provider: "OKTA", ProviderName: "OKTA"}
	o.applyCredentials(u, req.Credentials, c)
	external := false
	if cr := req.Credentials; cr != nil && cr.Provider != nil && cr.Provider.Type != "" && cr.Provider.Type != "OKTA" {
		u.Provider, u.ProviderName = cr.Provider.Type, cr.Provider.Name
		external = true
	}
	o.insertUser(u)
	o.logEvent(c, c.now, "user.lifecycle.create", userTarget(u))
	if activate {
		status := statusProvisioned
		if u.hasPassword() || external {
			status = statusActive
		}
		u.Activated = c.now
		u.setStatus(status, c.now)
		o.logEvent(c, c.now, "user.lifecycle.activate", userTarget(u))
		if expire {
			u.setStatus(statusPasswordExpired, c.now)
		}
	}
	for _, g := range groups {
		o.addMemberLocked(c, g, u)
	}
	return ok(o.renderUser(u, c.base, true))
}

// applyCredentials sets the password and recovery question of a request.
func (o *Org) applyCredentials(u *user, cr *credentialsRequest, c *call) {
	switch pw, imported := cr.newPassword(); {
	case imported:
		u.Password, u.Provider, u.ProviderName, u.PasswordChanged = importedPassword, "IMPORT", "IMPORT", c.now
	case pw != "":
		u.Password, u.PasswordChanged = o.hashSecret(pw), c.now
	}
	if cr != nil && cr.RecoveryQuestion != nil && cr.RecoveryQuestion.Question != "" {
		u.RecoveryQuestion = cr.RecoveryQuestion.Question
		u.RecoveryAnswer = o.hashSecret(strings.ToLower(cr.RecoveryQuestion.Answer))
	}
}

// groupsForCreate resolves the groupIds of a create.
func (o *Org) groupsForCreate(ids []string) ([]*group, *apiError) {
	if len(ids) > maxGroupIDs {
		return nil, errTooManyGroups
	}
	var groups []*group
	for _, id := range ids {
		g := o.groupByID[id]
		if g == nil {
			return nil, errValidation("groupIds", "groupIds: The group "+id+" does not exist")
		}
		if g.Type != groupBuiltIn && !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	return groups, nil
}

// getUser is GET /api/v1/users/{id|login|me}.
func (o *Org) getUser(c *call) *reply {
	u, e := o.userParam(c)
	if e != nil {
		return fail(e)
	}
	return ok(o.renderUser(u, c.base, true))
}

// userParam resolves the {id} of the URL ("me" is the token's admin). As
// in Okta, a login containing "/" can only be reached by id.
func (o *Org) userParam(c *call) (*user, *apiError) {
	key := c.params[0]
	if key == "me" {
		if c.principal.client != nil { // a service app is no user
			return nil, errNotFound("me", "User")
		}
		key = o.meta.AdminID
	}
	u := o.findUser(key)
	if u == nil || strings.Contains(key, "/") {
		return nil, errNotFound(c.params[0], "User")
	}
	return u, nil
}

// replaceUser is PUT /api/v1/users/{id}: a profile replaces the whole
// profile; credentials set the password and recovery question. lastUpdated
// moves only when the profile changes (recorded: a password-only PUT keeps
// it and moves passwordChanged).
func (o *Org) replaceUser(c *call) *reply {
	return o.changeUser(c, true)
}

// updateUser is POST /api/v1/users/{id}: a partial profile update.
func (o *Org) updateUser(c *call) *reply {
	return o.changeUser(c, false)
}

func (o *Org) changeUser(c *call, replace bool) *reply {
	u, e := o.userParam(c)
	if e != nil {
		return fail(e)
	}
	var req createRequest
	if err := decodeBody(c.body, &req); err != nil {
		return fail(errMalformed)
	}
	if u.Status == statusDeprovisioned {
		return fail(errWrongStatus)
	}
	if req.Profile != nil {
		var profile map[string]any
		if replace {
			profile = dropNulls(req.Profile)
		} else {
			profile = cloneProfile(u.Profile)
			for k, v := range req.Profile {
				if v == nil {
					delete(profile, k)
				} else {
					profile[k] = v
				}
			}
		}
		if e := o.validateProfile(profile, "user", u); e != nil {
			return fail(e)
		}
		old := u.login()
		u.Profile, u.LastUpdated = profile, c.now
		o.relogin(u, old)
		o.logEvent(c, c.now, "user.account.update_profile", userTarget(u))
	}
	if req.Credentials.setsPassword() {
		o.logEvent(c, c.now, "user.account.update_password", userTarget(u))
	}
	o.applyCredentials(u, req.Credentials, c)
	return ok(o.renderUser(u, c.base, true))
}

// userRoles is GET /api/v1/users/{id}/roles: the admin is a super
// administrator, other users hold no admin role (recorded: []).
func (o *Org) userRoles(c *call) *reply {
	u, e := o.userParam(c)
	if e != nil {
		return fail(e)
	}
	roles := []object{}
	if u.ID == o.meta.AdminID {
		roles = append(roles, object{
			{"id", "ra1" + strings.TrimPrefix(o.meta.TokenID, "00T")},
			{"label", "Super Administrator"},
			{"type", "SUPER_ADMIN"},
			{"status", "ACTIVE"},
			{"created", timeJSON(u.Created)},
			{"lastUpdated", timeJSON(u.Created)},
			{"assignmentType", "USER"},
			{"_links", object{{"assignee", object{{"href", c.base + "/api/v1/users/" + u.ID}}}}},
		})
	}
	return ok(roles)
}

// decodeBody decodes a JSON request body; an empty or malformed body is an
// error (E0000003).
func decodeBody(body []byte, v any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return errEmptyBody
	}
	return json.Unmarshal(body, v)
}

var errEmptyBody = errors.New("oktatest: empty request body")

// dropNulls removes keys set to null: a null unsets an attribute.
func dropNulls(p map[string]any) map[string]any {
	out := make(map[string]any, len(p))
	for k, v := range p {
		if v != nil {
			out[k] = v
		}
	}
	return out
}
