package action

import (
	"fmt"
	"slices"
	"strings"

	"github.com/oktaflow/oktaflow/okta"
)

// Okta's user statuses (okta-api.md §3).
const (
	statusStaged          = "STAGED"
	statusProvisioned     = "PROVISIONED"
	statusActive          = "ACTIVE"
	statusRecovery        = "RECOVERY"
	statusPasswordExpired = "PASSWORD_EXPIRED"
	statusLockedOut       = "LOCKED_OUT"
	statusSuspended       = "SUSPENDED"
	statusDeprovisioned   = "DEPROVISIONED"
)

// whatWorks says, for a user in status, which action gets them going; it
// completes a refusal ("… is SUSPENDED: okta.unsuspend_user makes them
// ACTIVE"). unless names the action refusing, so that it is never its own
// advice.
func whatWorks(status, unless string) string {
	hints := map[string][2]string{
		statusStaged:          {"okta.activate_user", "okta.activate_user activates them"},
		statusProvisioned:     {"okta.reactivate_user", "they have not finished activation; okta.reactivate_user sends a new activation link"},
		statusDeprovisioned:   {"okta.activate_user", "they are deactivated; okta.activate_user activates them again"},
		statusSuspended:       {"okta.unsuspend_user", "okta.unsuspend_user makes them ACTIVE"},
		statusLockedOut:       {"okta.unlock_user", "okta.unlock_user makes them ACTIVE"},
		statusPasswordExpired: {"", "they become ACTIVE when they choose a new password at their next sign-in"},
		statusRecovery:        {"", "a password reset is pending: they become ACTIVE once they choose a new password"},
	}
	h, ok := hints[status]
	switch {
	case status == statusActive:
		return ""
	case !ok:
		return "Okta reports a status oktaflow does not know"
	case h[0] == unless:
		return strings.TrimPrefix(h[1], h[0]+" ")
	}
	return h[1]
}

// refuse is the error for a user whose status the operation does not fit:
// it names the user, the status, the statuses that would work and what to
// do instead.
func refuse(act string, u *okta.User, verb string, from []string) error {
	msg := fmt.Sprintf("cannot %s %s: the user is %s, and Okta allows this only for %s users", verb, who(u), u.Status, orList(from))
	if hint := whatWorks(u.Status, act); hint != "" {
		msg += "; " + hint
	}
	return &Error{Code: CodeWrongStatus, Status: u.Status, Msg: msg}
}

// who names a user in messages.
func who(u *okta.User) string {
	if l := u.Login(); l != "" {
		return l + " (" + u.ID + ")"
	}
	return u.ID
}

// orList writes "A", "A or B", "A, B or C".
func orList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// transitioning is the retryable error for a user Okta is still moving to
// another status (an asynchronous activation or deactivation).
type transitioning struct{ u *okta.User }

func (t transitioning) Error() string {
	return fmt.Sprintf("%s is changing to %s at Okta; trying again shortly", who(t.u), t.u.TransitioningToStatus)
}

// checkSettled returns a retryable error while the user is transitioning.
func checkSettled(u *okta.User) error {
	if u.TransitioningToStatus != "" {
		return transitioning{u}
	}
	return nil
}

func oneOf(status string, list []string) bool { return slices.Contains(list, status) }
