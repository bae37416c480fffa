package oktatest

import (
	"net/http"
	"strings"
)

var errChangePasswordStatus = newError(http.StatusForbidden, "E0000035", "Change password not allowed on specified user.")

// credentialsRequest bodies of the credentials operations.
type credentialsChange struct {
	OldPassword      *secretValue `json:"oldPassword"`
	NewPassword      *secretValue `json:"newPassword"`
	Password         *secretValue `json:"password"`
	RecoveryQuestion *struct {
		Question string `json:"question"`
		Answer   string `json:"answer"`
	} `json:"recovery_question"`
}

type secretValue struct {
	Value string `json:"value"`
}

// credentials is POST /api/v1/users/{id}/credentials/{op}. Both changes
// answer the user's credentials object (recorded: {"password":{},
// "recovery_question":{"question":…},"provider":{…}}).
func (o *Org) credentials(c *call) *reply {
	u, e := o.userParam(c)
	if e != nil {
		return fail(e)
	}
	switch c.params[1] {
	case "change_password":
		return o.changePassword(c, u)
	case "change_recovery_question":
		return o.changeRecoveryQuestion(c, u)
	case "forgot_password":
		return o.forgotPassword(c, u)
	}
	return fail(errPathNotFound)
}

func (o *Org) changePassword(c *call, u *user) *reply {
	var req credentialsChange
	if err := decodeBody(c.body, &req); err != nil {
		return fail(errMalformed)
	}
	switch u.Status {
	case statusActive, statusPasswordExpired, statusRecovery:
	default:
		return fail(errChangePasswordStatus)
	}
	if req.NewPassword == nil || req.NewPassword.Value == "" {
		return fail(errValidation("newPassword", "newPassword: "+causeBlank))
	}
	if req.OldPassword == nil || !secretMatches(u.Password, req.OldPassword.Value) {
		return fail(errCredentials("oldPassword: The credentials provided were incorrect."))
	}
	u.Password, u.PasswordChanged = o.hashSecret(req.NewPassword.Value), c.now
	if u.Status != statusActive {
		u.setStatus(statusActive, c.now)
	}
	o.logEvent(c, c.now, "user.account.update_password", userTarget(u))
	return ok(o.renderCredentials(u))
}

func (o *Org) changeRecoveryQuestion(c *call, u *user) *reply {
	var req credentialsChange
	if err := decodeBody(c.body, &req); err != nil {
		return fail(errMalformed)
	}
	if req.Password == nil || !secretMatches(u.Password, req.Password.Value) {
		return fail(errCredentials("password: The credentials provided were incorrect."))
	}
	rq := req.RecoveryQuestion
	if rq == nil || rq.Question == "" || rq.Answer == "" {
		return fail(errValidation("recovery_question", "recovery_question: "+causeBlank))
	}
	u.RecoveryQuestion, u.RecoveryAnswer = rq.Question, o.hashSecret(strings.ToLower(rq.Answer))
	u.LastUpdated = c.now
	return ok(o.renderCredentials(u))
}

// forgotPassword starts a self-service reset: like reset_password, for a
// user who has a password.
func (o *Org) forgotPassword(c *call, u *user) *reply {
	if !u.hasPassword() {
		return fail(errWrongStatus)
	}
	return o.resetPassword(c, u)
}
