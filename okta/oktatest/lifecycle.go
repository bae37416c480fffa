package oktatest

// lifecycleOps are the POST /api/v1/users/{id}/lifecycle/{op} operations.
var lifecycleOps = map[string]func(o *Org, c *call, u *user) *reply{
	"activate":                           (*Org).activate,
	"deactivate":                         (*Org).deactivate,
	"reactivate":                         (*Org).reactivate,
	"suspend":                            (*Org).suspend,
	"unsuspend":                          (*Org).unsuspend,
	"unlock":                             (*Org).unlock,
	"reset_password":                     (*Org).resetPassword,
	"expire_password":                    (*Org).expirePassword,
	"expire_password_with_temp_password": (*Org).expirePasswordTemp,
	"reset_factors":                      (*Org).resetFactors,
}

// lifecycle dispatches a lifecycle operation. Okta's state machine
// (okta-api.md §3): operations allowed only from some statuses answer the
// wrong-state errors recorded or documented for them.
func (o *Org) lifecycle(c *call) *reply {
	op := lifecycleOps[c.params[1]]
	if op == nil {
		return fail(errPathNotFound)
	}
	u, e := o.userParam(c)
	if e != nil {
		return fail(e)
	}
	return op(o, c, u)
}

// transition moves u to status and logs eventType.
func (o *Org) transition(c *call, u *user, status, eventType string) {
	u.setStatus(status, c.now)
	o.logEvent(c, c.now, eventType, userTarget(u))
}

// activate: STAGED or DEPROVISIONED → ACTIVE with a password, else
// PROVISIONED. An active (or activating) user is 403 E0000016; other
// statuses 403 E0000038. sendEmail defaults to true; with false the answer
// carries the activation link and token.
func (o *Org) activate(c *call, u *user) *reply {
	switch u.Status {
	case statusStaged, statusDeprovisioned:
	case statusActive, statusProvisioned:
		return fail(errAlreadyActive)
	default:
		return fail(errWrongStatus)
	}
	status := statusProvisioned
	if u.hasPassword() || u.Provider == "FEDERATION" || u.Provider == "SOCIAL" {
		status = statusActive
	}
	u.Activated = c.now
	o.transition(c, u, status, "user.lifecycle.activate")
	if c.boolQuery("sendEmail", true) {
		return ok(emptyObject())
	}
	return ok(o.activationToken(c))
}

// activationToken is the body of activate/reactivate with sendEmail=false.
func (o *Org) activationToken(c *call) object {
	tok := o.ids.token()
	return object{{"activationUrl", c.base + "/welcome/" + tok}, {"activationToken", tok}}
}

// deactivate: any status but DEPROVISIONED → DEPROVISIONED, answered 200 {}
// (204 without a body on a 2020 org). A DEPROVISIONED user is 404 E0000007,
// as Okta answers (okta-sdk-java issue #721).
func (o *Org) deactivate(c *call, u *user) *reply {
	if u.Status == statusDeprovisioned {
		return fail(errNotFound(c.params[0], "User"))
	}
	o.transition(c, u, statusDeprovisioned, "user.lifecycle.deactivate")
	if o.opts.Shape.Legacy2020 {
		return noContent()
	}
	return ok(emptyObject())
}

// reactivate: PROVISIONED or RECOVERY → PROVISIONED with a new activation
// token; any other status is 403 E0000038 (recorded on STAGED).
func (o *Org) reactivate(c *call, u *user) *reply {
	if u.Status != statusProvisioned && u.Status != statusRecovery {
		return fail(errWrongStatus)
	}
	o.transition(c, u, statusProvisioned, "user.lifecycle.reactivate")
	if c.boolQuery("sendEmail", false) {
		return ok(emptyObject())
	}
	return ok(o.activationToken(c))
}

// suspend: ACTIVE → SUSPENDED; otherwise 400 E0000001.
func (o *Org) suspend(c *call, u *user) *reply {
	if u.Status != statusActive {
		return fail(errValidation("suspendUser", "Cannot suspend a user that is not active"))
	}
	o.transition(c, u, statusSuspended, "user.lifecycle.suspend")
	return ok(emptyObject())
}

// unsuspend: SUSPENDED → ACTIVE; otherwise 400 E0000001.
func (o *Org) unsuspend(c *call, u *user) *reply {
	if u.Status != statusSuspended {
		return fail(errValidation("unsuspendUser", "Cannot unsuspend a user that is not suspended"))
	}
	o.transition(c, u, statusActive, "user.lifecycle.unsuspend")
	return ok(emptyObject())
}

// unlock: LOCKED_OUT → ACTIVE; otherwise 403 E0000032 with the recorded
// cause "The user is not locked out.".
func (o *Org) unlock(c *call, u *user) *reply {
	if u.Status != statusLockedOut {
		return fail(errNotLockedOut)
	}
	o.transition(c, u, statusActive, "user.account.unlock")
	return ok(emptyObject())
}

// resetPassword: a user who has or awaits a password → RECOVERY. With
// sendEmail=false the answer carries the one-time reset link.
func (o *Org) resetPassword(c *call, u *user) *reply {
	switch u.Status {
	case statusActive, statusProvisioned, statusRecovery, statusLockedOut, statusPasswordExpired:
	default:
		return fail(errWrongStatus)
	}
	o.transition(c, u, statusRecovery, "user.account.reset_password")
	if c.boolQuery("sendEmail", true) {
		return ok(emptyObject())
	}
	// Recorded: …/reset_password/drpwf5himYrnOpIMbDfb ("drp" and 17 characters).
	return ok(object{{"resetPasswordUrl", c.base + "/reset_password/drp" + o.ids.random(17)}})
}

// expirePassword: ACTIVE → PASSWORD_EXPIRED, answering the user. With
// ?tempPassword=true (the form before expire_password_with_temp_password
// had its own path) it sets and answers a temporary password instead.
func (o *Org) expirePassword(c *call, u *user) *reply {
	if c.boolQuery("tempPassword", false) {
		return o.expirePasswordTemp(c, u)
	}
	if !o.expire(c, u) {
		return fail(errWrongStatus)
	}
	return ok(o.renderUser(u, c.base, true))
}

// expirePasswordTemp also sets a temporary password and returns it.
func (o *Org) expirePasswordTemp(c *call, u *user) *reply {
	if !o.expire(c, u) {
		return fail(errWrongStatus)
	}
	temp := o.ids.random(10)
	u.Password, u.PasswordChanged = o.hashSecret(temp), c.now
	return ok(object{{"tempPassword", temp}})
}

func (o *Org) expire(c *call, u *user) bool {
	if u.Status != statusActive && u.Status != statusPasswordExpired || !u.hasPassword() {
		return false
	}
	o.transition(c, u, statusPasswordExpired, "user.account.expire_password")
	return true
}

// resetFactors resets enrolled factors, of which the simulator has none.
func (o *Org) resetFactors(c *call, u *user) *reply {
	if u.Status == statusDeprovisioned {
		return fail(errWrongStatus)
	}
	o.logEvent(c, c.now, "user.mfa.factor.reset_all", userTarget(u))
	return ok(emptyObject())
}

// deleteUser is DELETE /api/v1/users/{id}: a user not yet DEPROVISIONED is
// deactivated ("a second delete operation is required"); a DEPROVISIONED
// user is deleted for good. Both answer 204; afterwards the user is 404.
func (o *Org) deleteUser(c *call) *reply {
	u, e := o.userParam(c)
	if e != nil {
		return fail(e)
	}
	if u.Status != statusDeprovisioned {
		o.transition(c, u, statusDeprovisioned, "user.lifecycle.deactivate")
		return noContent()
	}
	o.logEvent(c, c.now, "user.lifecycle.delete.initiated", userTarget(u))
	o.removeUser(u)
	o.logEvent(c, c.now, "user.lifecycle.delete.completed", userTarget(u))
	return noContent()
}
