package oktatest

import (
	"slices"
	"time"
)

// oktaTime is how Okta writes timestamps: whole seconds, ".000Z".
const oktaTime = "2006-01-02T15:04:05.000Z"

// timeJSON renders t the Okta way, or null when unset.
func timeJSON(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Truncate(time.Second).Format(oktaTime)
}

// renderUser is the User object as recorded: full carries every _links
// entry the user's status allows (single-user responses); collections carry
// only _links.self.
func (o *Org) renderUser(u *user, base string, full bool) object {
	obj := object{
		{"id", u.ID},
		{"status", u.Status},
		{"created", timeJSON(u.Created)},
		{"activated", timeJSON(u.Activated)},
		{"statusChanged", timeJSON(u.StatusChanged)},
		{"lastLogin", timeJSON(u.LastLogin)},
		{"lastUpdated", timeJSON(u.LastUpdated)},
		{"passwordChanged", timeJSON(u.PasswordChanged)},
	}
	if !o.opts.Shape.NoRealm {
		obj = append(obj, member{"realmId", o.meta.RealmID})
	}
	return append(obj,
		member{"type", object{{"id", o.meta.TypeID}}},
		member{"profile", renderProfile(u.Profile)},
		member{"credentials", o.renderCredentials(u)},
		member{"_links", o.userLinks(u, base, full)},
	)
}

// profileLead are the profile keys Okta writes first; mobilePhone and
// secondEmail appear as null when unset (recorded on every user).
var profileLead = []string{"firstName", "lastName", "mobilePhone", "secondEmail", "login", "email"}

func renderProfile(p map[string]any) object {
	obj := make(object, 0, len(p)+2)
	for _, k := range profileLead {
		v, ok := p[k]
		if ok || k == "mobilePhone" || k == "secondEmail" {
			obj = append(obj, member{k, v})
		}
	}
	rest := make([]string, 0, len(p))
	for k := range p {
		if !slices.Contains(profileLead, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		obj = append(obj, member{k, p[k]})
	}
	return obj
}

// renderCredentials never shows a secret: "password": {} only says there is one.
func (o *Org) renderCredentials(u *user) object {
	var c object
	if u.hasPassword() {
		c = append(c, member{"password", object{}})
	}
	if o.opts.Shape.CredentialEmails {
		c = append(c, member{"emails", []object{{{"value", u.Profile["email"]}, {"status", "VERIFIED"}, {"type", "PRIMARY"}}}})
	}
	if u.RecoveryQuestion != "" {
		c = append(c, member{"recovery_question", object{{"question", u.RecoveryQuestion}}})
	}
	return append(c, member{"provider", object{{"type", u.Provider}, {"name", u.ProviderName}}})
}

// userLinks lists the operations the user's status allows, in the order
// and with the names recorded (statusDeprovisioned, updateCredentials,
// Users_read, test_suspend_user).
func (o *Org) userLinks(u *user, base string, full bool) object {
	self := base + "/api/v1/users/" + u.ID
	if !full {
		return object{{"self", object{{"href", self}}}}
	}
	shape := o.opts.Shape
	post := func(name, path string) member {
		return member{name, object{{"href", self + path}, {"method", "POST"}}}
	}
	schema := member{"schema", object{{"href", base + "/api/v1/meta/schemas/user/" + o.meta.schemaID()}}}
	typ := member{"type", object{{"href", base + "/api/v1/meta/types/user/" + o.meta.TypeID}}}
	selfLink := member{"self", object{{"href", self}}}
	suspend := post("suspend", "/lifecycle/suspend")
	resetPassword := post("resetPassword", "/lifecycle/reset_password")
	deactivate := post("deactivate", "/lifecycle/deactivate")

	var l object
	add := func(ms ...member) { l = append(l, ms...) }
	withPassword := func(name, path string) {
		if u.hasPassword() {
			add(post(name, path))
		}
	}
	switch u.Status {
	case statusStaged:
		add(schema, post("activate", "/lifecycle/activate"), selfLink)
	case statusDeprovisioned:
		add(schema, post("activate", "/lifecycle/activate"), selfLink)
	case statusProvisioned:
		add(suspend, schema, resetPassword, post("reactivate", "/lifecycle/reactivate"), selfLink)
	case statusActive:
		add(suspend, schema, resetPassword)
		if u.hasPassword() && (!shape.Legacy2020 || u.RecoveryQuestion != "") {
			add(post("forgotPassword", "/credentials/forgot_password"))
		}
		withPassword("expirePassword", "/lifecycle/expire_password")
		withPassword("changeRecoveryQuestion", "/credentials/change_recovery_question")
		add(selfLink)
	case statusSuspended:
		add(schema, post("unsuspend", "/lifecycle/unsuspend"), selfLink)
	case statusLockedOut:
		add(schema, post("unlock", "/lifecycle/unlock"), resetPassword, selfLink)
	case statusRecovery:
		add(suspend, schema, resetPassword, post("reactivate", "/lifecycle/reactivate"), selfLink)
	case statusPasswordExpired:
		add(suspend, schema, resetPassword, selfLink)
	}
	if !shape.Legacy2020 {
		add(post("resetFactors", "/lifecycle/reset_factors"))
	}
	add(typ)
	switch u.Status {
	case statusStaged:
	case statusDeprovisioned:
		add(member{"delete", object{{"href", self}, {"method", "DELETE"}}})
	case statusActive, statusPasswordExpired:
		withPassword("changePassword", "/credentials/change_password")
		add(deactivate)
	default:
		add(deactivate)
	}
	return l
}
