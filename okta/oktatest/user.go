package oktatest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// User statuses (SPEC UserStatus).
const (
	statusStaged          = "STAGED"
	statusProvisioned     = "PROVISIONED"
	statusActive          = "ACTIVE"
	statusRecovery        = "RECOVERY"
	statusLockedOut       = "LOCKED_OUT"
	statusPasswordExpired = "PASSWORD_EXPIRED"
	statusSuspended       = "SUSPENDED"
	statusDeprovisioned   = "DEPROVISIONED"
)

var userStatuses = []string{statusStaged, statusProvisioned, statusActive, statusRecovery,
	statusLockedOut, statusPasswordExpired, statusSuspended, statusDeprovisioned}

// user is one Okta user. Profile holds only set attributes (a JSON null in a
// request unsets); secrets are kept as salted hashes, never as given. The
// exported fields are what Save persists.
type user struct {
	ID               string         `json:"id"`
	Status           string         `json:"status"`
	Created          time.Time      `json:"created"`
	Activated        time.Time      `json:"activated,omitzero"`
	StatusChanged    time.Time      `json:"statusChanged,omitzero"`
	LastLogin        time.Time      `json:"lastLogin,omitzero"`
	LastUpdated      time.Time      `json:"lastUpdated"`
	PasswordChanged  time.Time      `json:"passwordChanged,omitzero"`
	Profile          map[string]any `json:"profile"`
	Password         string         `json:"password,omitempty"` // hashSecret of the password; "" when none
	Provider         string         `json:"provider"`           // OKTA, IMPORT, FEDERATION or SOCIAL
	ProviderName     string         `json:"providerName"`
	RecoveryQuestion string         `json:"recoveryQuestion,omitempty"`
	RecoveryAnswer   string         `json:"recoveryAnswer,omitempty"` // hashSecret of the answer
}

func (u *user) login() string { s, _ := u.Profile["login"].(string); return s }

func (u *user) hasPassword() bool { return u.Password != "" }

// displayName is "First Last", as System Log targets show users.
func (u *user) displayName() string {
	first, _ := u.Profile["firstName"].(string)
	last, _ := u.Profile["lastName"].(string)
	return strings.TrimSpace(first + " " + last)
}

// setStatus moves u to status at t, stamping statusChanged and lastUpdated.
func (u *user) setStatus(status string, t time.Time) {
	u.Status = status
	u.StatusChanged = t
	u.LastUpdated = t
}

// importedPassword is the stored password of a user whose password was
// imported as a hash: it exists but cannot be verified here (a real stored
// password always starts with "sha256:").
const importedPassword = "imported"

// hashSecret returns a salted SHA-256 of secret for storage.
func (o *Org) hashSecret(secret string) string {
	salt := o.ids.random(12)
	sum := sha256.Sum256([]byte(salt + secret))
	return "sha256:" + salt + ":" + hex.EncodeToString(sum[:])
}

// secretMatches reports whether secret is the one hashed into stored.
func secretMatches(stored, secret string) bool {
	parts := strings.Split(stored, ":")
	if len(parts) != 3 || parts[0] != "sha256" {
		return false
	}
	sum := sha256.Sum256([]byte(parts[1] + secret))
	return subtle.ConstantTimeCompare([]byte(hex.EncodeToString(sum[:])), []byte(parts[2])) == 1
}

func cloneProfile(p map[string]any) map[string]any {
	out := maps.Clone(p)
	for k, v := range out {
		if a, ok := v.([]any); ok {
			out[k] = slices.Clone(a)
		}
	}
	return out
}

// findUser resolves the {id} of a users URL: an id, a login (any case) or,
// as Okta allows, the part of a login before "@" when only one user has it.
func (o *Org) findUser(key string) *user {
	if u := o.byID[key]; u != nil {
		return u
	}
	if u := o.byLogin[strings.ToLower(key)]; u != nil {
		return u
	}
	if key == "" || strings.Contains(key, "@") {
		return nil
	}
	var match *user
	for _, u := range o.users {
		if local, _, _ := strings.Cut(u.login(), "@"); strings.EqualFold(local, key) {
			if match != nil {
				return nil // ambiguous
			}
			match = u
		}
	}
	return match
}

// insertUser adds u to the org's indexes. The login must be free.
func (o *Org) insertUser(u *user) {
	o.users = append(o.users, u)
	o.byID[u.ID] = u
	o.byLogin[strings.ToLower(u.login())] = u
}

// removeUser deletes u from the org and from every group.
func (o *Org) removeUser(u *user) {
	o.users = slices.DeleteFunc(o.users, func(x *user) bool { return x == u })
	delete(o.byID, u.ID)
	delete(o.byLogin, strings.ToLower(u.login()))
	for _, g := range o.groups {
		g.Members = slices.DeleteFunc(g.Members, func(id string) bool { return id == u.ID })
	}
}

// relogin re-indexes u after its login changed from old.
func (o *Org) relogin(u *user, old string) {
	delete(o.byLogin, strings.ToLower(old))
	o.byLogin[strings.ToLower(u.login())] = u
}

// addUserLocked is AddUser with mu held.
func (o *Org) addUserLocked(profile map[string]any, status string, t time.Time) *user {
	if status == "" {
		status = statusActive
	}
	if !slices.Contains(userStatuses, status) {
		panic(fmt.Sprintf("oktatest: AddUser: unknown status %q (want one of %s)", status, strings.Join(userStatuses, ", ")))
	}
	p := cloneProfile(profile)
	for k, v := range p {
		if v == nil {
			delete(p, k)
		}
	}
	login, _ := p["login"].(string)
	if login == "" {
		panic("oktatest: AddUser: the profile has no login")
	}
	if o.byLogin[strings.ToLower(login)] != nil {
		panic("oktatest: AddUser: login " + login + " is in use already")
	}
	fillNames(p, login)
	u := &user{ID: o.ids.object("00u"), Status: statusStaged, Created: t, LastUpdated: t, Profile: p, Provider: "OKTA", ProviderName: "OKTA"}
	o.insertUser(u)
	o.logEvent(nil, t, "user.lifecycle.create", userTarget(u))
	if status == statusStaged {
		return u
	}
	if status != statusProvisioned && status != statusDeprovisioned {
		u.Password = o.hashSecret(o.ids.token())
		u.PasswordChanged = t
	}
	u.Activated = t
	u.setStatus(status, t)
	o.logEvent(nil, t, "user.lifecycle.activate", userTarget(u))
	switch status {
	case statusSuspended:
		o.logEvent(nil, t, "user.lifecycle.suspend", userTarget(u))
	case statusDeprovisioned:
		o.logEvent(nil, t, "user.lifecycle.deactivate", userTarget(u))
	}
	return u
}

// fillNames derives missing firstName, lastName and email from the login:
// "jane.doe@example.com" gives Jane, Doe and the login itself.
func fillNames(p map[string]any, login string) {
	local, _, _ := strings.Cut(login, "@")
	first, last, found := strings.Cut(local, ".")
	if !found {
		last = "User"
	}
	if _, ok := p["firstName"]; !ok {
		p["firstName"] = capitalize(first)
	}
	if _, ok := p["lastName"]; !ok {
		p["lastName"] = capitalize(last)
	}
	if _, ok := p["email"]; !ok {
		p["email"] = login
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// createAdminLocked creates the ACTIVE admin user who owns the API token. It
// logs nothing: the admin predates everything the simulator records.
func (o *Org) createAdminLocked(t time.Time) string {
	p := map[string]any{"login": o.opts.AdminLogin}
	fillNames(p, o.opts.AdminLogin)
	u := &user{
		ID: o.ids.object("00u"), Status: statusActive, Created: t, Activated: t, StatusChanged: t,
		LastUpdated: t, PasswordChanged: t, Profile: p, Provider: "OKTA", ProviderName: "OKTA",
		Password: o.hashSecret(o.ids.token()),
	}
	o.insertUser(u)
	return u.ID
}
