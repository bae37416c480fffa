package action

import (
	"context"
	"fmt"
	"slices"

	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/storage"
)

// lifecycle is an action that moves a user from one status to another
// (POST /api/v1/users/{id}/lifecycle/{op}).
//
// Idempotent by status: it reads the user first; a user already where the
// action leads is left alone (an outcome with Changed false, no call); a
// user whose status the operation does not fit is refused before any call,
// with an error that names the status and what would work. When Okta
// refuses anyway (the status changed between the read and the call, or a
// retry after a lost answer), the user is read again and judged by that.
type lifecycle struct {
	id, title, description string
	verb                   string   // "suspend": in messages, "Okta suspends only ACTIVE users"
	op                     string   // the lifecycle operation in the path: "suspend"
	from                   []string // the statuses Okta allows the operation from
	// done maps a status that means "already there" to its outcome.
	done    map[string]Outcome
	changed Outcome
	// sendEmail: the action has a sendEmail option with this default.
	sendEmail *bool
	options   []Option
	// call makes the Okta call; the map it returns is added to the output
	// (an activation or reset link).
	call func(ctx context.Context, api Okta, u *okta.User, sendEmail bool) (map[string]any, error)
	// redo, when set, overrides done for a status: with sendEmail false a
	// reset of a user already in RECOVERY is made again to hand out a
	// fresh link, since the earlier one is not known.
	redo          func(status string, sendEmail bool) bool
	secretOutputs []string
}

func (l *lifecycle) ID() string                        { return l.id }
func (l *lifecycle) Title() string                     { return l.title }
func (l *lifecycle) Description() string               { return l.description }
func (l *lifecycle) Fields(storage.UserSchema) []Field { return finderFields }
func (l *lifecycle) Options() []Option                 { return slices.Concat(l.options, []Option{matchOption}) }
func (l *lifecycle) Check(names []string, _ map[string]any) error {
	return checkFinder(names)
}
func (l *lifecycle) Buckets() []string { return userBuckets }
func (l *lifecycle) Traits() Traits {
	return Traits{Connector: ConnectorOkta, SecretOutputs: l.secretOutputs, Scopes: scopesManageUsers}
}

func (l *lifecycle) Outcomes() []Outcome {
	out := []Outcome{l.changed}
	for _, st := range l.allStatuses() {
		if o, ok := l.done[st]; ok {
			out = append(out, o)
		}
	}
	return out
}

// allStatuses lists the statuses in a fixed order, for stable listings.
func (l *lifecycle) allStatuses() []string {
	return []string{statusStaged, statusProvisioned, statusActive, statusRecovery, statusPasswordExpired,
		statusLockedOut, statusSuspended, statusDeprovisioned}
}

func (l *lifecycle) wantsEmail(in Input) bool {
	if l.sendEmail == nil {
		return false
	}
	return boolOption(in.Options, "sendEmail", *l.sendEmail)
}

// skip returns the no-op outcome for a user already where the action leads.
func (l *lifecycle) skip(u *okta.User, in Input) (Outcome, bool) {
	o, ok := l.done[u.Status]
	if ok && l.redo != nil && l.redo(u.Status, l.wantsEmail(in)) {
		return Outcome{}, false
	}
	return o, ok
}

func (l *lifecycle) Run(ctx context.Context, conn Conn, in Input) (map[string]any, error) {
	api, err := oktaOf(conn)
	if err != nil {
		return nil, err
	}
	u, err := findUser(ctx, api, in)
	if err != nil {
		return nil, err
	}
	if err := checkSettled(u); err != nil {
		return nil, err
	}
	if o, ok := l.skip(u, in); ok {
		return userOutput(u, o.Name)
	}
	if !oneOf(u.Status, l.from) {
		return nil, refuse(l.id, u, l.verb, l.from)
	}
	extra, callErr := l.call(ctx, api, u, l.wantsEmail(in))
	if callErr != nil && !okta.IsWrongState(callErr) && !okta.IsNotFound(callErr) {
		return nil, callErr
	}
	after, err := api.GetUser(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if callErr != nil {
		// Okta refused: judge by the status the user has now.
		if o, ok := l.skip(after, in); ok {
			return userOutput(after, o.Name)
		}
		if !oneOf(after.Status, l.from) {
			return nil, refuse(l.id, after, l.verb, l.from)
		}
		return nil, fmt.Errorf("Okta refused to %s %s, who is %s: %w", l.verb, who(after), after.Status, callErr)
	}
	out, err := userOutput(after, l.changed.Name)
	if err != nil {
		return nil, err
	}
	for k, v := range extra {
		out[k] = v
	}
	return out, nil
}

func (l *lifecycle) Describe(in Input) Request {
	q := ""
	if l.sendEmail != nil {
		q = fmt.Sprintf("?sendEmail=%t", l.wantsEmail(in))
	}
	skip := ""
	for _, st := range l.allStatuses() {
		if _, ok := l.done[st]; ok {
			if skip != "" {
				skip += " or "
			}
			skip += st
		}
	}
	return Request{Calls: append(describeFind(in),
		"then POST /api/v1/users/{id}/lifecycle/"+l.op+q+" (skipped when already "+skip+"; refused unless "+orList(l.from)+")",
		"then GET /api/v1/users/{id} (the status afterwards)")}
}

func yes() *bool { t := true; return &t }
func no() *bool  { f := false; return &f }

// emailOption is a sendEmail option.
func emailOption(def bool, description string) Option {
	return Option{Name: "sendEmail", Title: "Send the email", Type: OptionBoolean, Default: def, Description: description}
}

// activationOutput is the link of an activation made without an email.
func activationOutput(a *okta.Activation) map[string]any {
	if a == nil || a.URL == "" {
		return nil
	}
	return map[string]any{"activationUrl": a.URL, "activationToken": a.Token}
}

var (
	notDeprovisioned = []string{statusStaged, statusProvisioned, statusActive, statusRecovery,
		statusPasswordExpired, statusLockedOut, statusSuspended}

	activateUser = &lifecycle{
		id: "okta.activate_user", title: "Activate a user", verb: "activate", op: "activate",
		description: "Activate a STAGED or deactivated user (PROVISIONED until they set a password, or ACTIVE with one)",
		from:        []string{statusStaged, statusDeprovisioned},
		done: map[string]Outcome{
			statusActive:      {Name: "already_active", Doc: "the user was ACTIVE: nothing sent"},
			statusProvisioned: {Name: "already_provisioned", Doc: "the user's activation was started before: nothing sent (okta.reactivate_user sends a new link)"},
		},
		changed:   Outcome{Name: "activated", Changed: true, Doc: "activated; with sendEmail off the output has activationUrl and activationToken"},
		sendEmail: yes(),
		options:   []Option{emailOption(true, "Okta emails the activation link; off: the link is in the output (activationUrl) for a later step")},
		call: func(ctx context.Context, api Okta, u *okta.User, send bool) (map[string]any, error) {
			a, err := api.ActivateUser(ctx, u.ID, send)
			return activationOutput(a), err
		},
		secretOutputs: []string{"activationUrl", "activationToken"},
	}

	reactivateUser = &lifecycle{
		id: "okta.reactivate_user", title: "Resend activation", verb: "reactivate", op: "reactivate",
		description: "Restart activation of a user who never finished it (PROVISIONED): a new activation link",
		from:        []string{statusProvisioned, statusRecovery},
		done: map[string]Outcome{
			statusActive: {Name: "already_active", Doc: "the user was ACTIVE: nothing sent"},
		},
		changed:   Outcome{Name: "reactivated", Changed: true, Doc: "a new activation link was made (emailed, or in activationUrl)"},
		sendEmail: yes(),
		options:   []Option{emailOption(true, "Okta emails the new activation link; off: the link is in the output (activationUrl)")},
		call: func(ctx context.Context, api Okta, u *okta.User, send bool) (map[string]any, error) {
			a, err := api.ReactivateUser(ctx, u.ID, send)
			return activationOutput(a), err
		},
		secretOutputs: []string{"activationUrl", "activationToken"},
	}

	suspendUser = &lifecycle{
		id: "okta.suspend_user", title: "Suspend a user", verb: "suspend", op: "suspend",
		description: "Suspend an ACTIVE user: they cannot sign in until unsuspended (a leave, an investigation)",
		from:        []string{statusActive},
		done:        map[string]Outcome{statusSuspended: {Name: "already_suspended", Doc: "the user was SUSPENDED: no call"}},
		changed:     Outcome{Name: "suspended", Changed: true, Doc: "the user is SUSPENDED"},
		call: func(ctx context.Context, api Okta, u *okta.User, _ bool) (map[string]any, error) {
			return nil, api.SuspendUser(ctx, u.ID)
		},
	}

	unsuspendUser = &lifecycle{
		id: "okta.unsuspend_user", title: "Unsuspend a user", verb: "unsuspend", op: "unsuspend",
		description: "Return a SUSPENDED user to ACTIVE",
		from:        []string{statusSuspended},
		done:        map[string]Outcome{statusActive: {Name: "already_active", Doc: "the user was ACTIVE: no call"}},
		changed:     Outcome{Name: "unsuspended", Changed: true, Doc: "the user is ACTIVE again"},
		call: func(ctx context.Context, api Okta, u *okta.User, _ bool) (map[string]any, error) {
			return nil, api.UnsuspendUser(ctx, u.ID)
		},
	}

	unlockUser = &lifecycle{
		id: "okta.unlock_user", title: "Unlock a user", verb: "unlock", op: "unlock",
		description: "Unlock a LOCKED_OUT user (too many failed sign-ins) so they can sign in again",
		from:        []string{statusLockedOut},
		done:        map[string]Outcome{statusActive: {Name: "not_locked_out", Doc: "the user was ACTIVE, not locked out: no call"}},
		changed:     Outcome{Name: "unlocked", Changed: true, Doc: "the user is ACTIVE again"},
		call: func(ctx context.Context, api Okta, u *okta.User, _ bool) (map[string]any, error) {
			return nil, api.UnlockUser(ctx, u.ID)
		},
	}

	resetPassword = &lifecycle{
		id: "okta.reset_password", title: "Reset a password", verb: "reset the password of", op: "reset_password",
		description: "Start a password reset: the user is in RECOVERY until they choose a new password",
		from:        []string{statusActive, statusProvisioned, statusRecovery, statusLockedOut, statusPasswordExpired},
		done: map[string]Outcome{statusRecovery: {Name: "already_in_recovery",
			Doc: "a reset was pending (RECOVERY): no second email (with sendEmail off a fresh link is made instead)"}},
		changed:   Outcome{Name: "reset", Changed: true, Doc: "the user is in RECOVERY; with sendEmail off the output has resetPasswordUrl"},
		sendEmail: yes(),
		options:   []Option{emailOption(true, "Okta emails the reset link; off: the link is in the output (resetPasswordUrl) for a later step")},
		call: func(ctx context.Context, api Okta, u *okta.User, send bool) (map[string]any, error) {
			r, err := api.ResetPassword(ctx, u.ID, send)
			if err != nil || r.URL == "" {
				return nil, err
			}
			return map[string]any{"resetPasswordUrl": r.URL}, nil
		},
		redo:          func(status string, send bool) bool { return status == statusRecovery && !send },
		secretOutputs: []string{"resetPasswordUrl"},
	}

	expirePassword = &lifecycle{
		id: "okta.expire_password", title: "Expire a password", verb: "expire the password of", op: "expire_password",
		description: "Expire an ACTIVE user's password: they choose a new one at their next sign-in",
		from:        []string{statusActive},
		done:        map[string]Outcome{statusPasswordExpired: {Name: "already_expired", Doc: "the password was expired already: no call"}},
		changed:     Outcome{Name: "expired", Changed: true, Doc: "the user is PASSWORD_EXPIRED"},
		call: func(ctx context.Context, api Okta, u *okta.User, _ bool) (map[string]any, error) {
			_, err := api.ExpirePassword(ctx, u.ID)
			return nil, err
		},
	}

	deactivateUser = &lifecycle{
		id: "okta.deactivate_user", title: "Deactivate a user", verb: "deactivate", op: "deactivate",
		description: "Deactivate (deprovision) a user found by id, login, email or name, unless already deprovisioned",
		from:        notDeprovisioned,
		done: map[string]Outcome{statusDeprovisioned: {Name: "already_deprovisioned",
			Doc: "the user was DEPROVISIONED: no call"}},
		changed:   Outcome{Name: "deactivated", Changed: true, Doc: "the user is DEPROVISIONED"},
		sendEmail: no(),
		options:   []Option{emailOption(false, "Okta emails the org's admins about the deactivation")},
		call: func(ctx context.Context, api Okta, u *okta.User, send bool) (map[string]any, error) {
			// A user deprovisioned meanwhile answers not found; Run reads the
			// user again and reports already_deprovisioned.
			return nil, api.DeactivateUser(ctx, u.ID, send)
		},
	}
)
