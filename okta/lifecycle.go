package okta

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// Lifecycle operations (POST /api/v1/users/{id}/lifecycle/{op}). Okta answers 200 with {} or
// 204 with no body; both mean done. An operation that does not fit the user's status answers
// an error for which IsWrongState is true; deactivating a DEPROVISIONED user answers
// E0000007 (IsNotFound).
//
// sendEmail: Okta defaults it to true for activate and to false otherwise. Activate and
// reactivate always send it, since their answer depends on it; deactivate and delete send it
// only when true, as Okta's own clients do.

// Activation is the one-time activation link Okta returns when no email is sent. It lets the
// user set a password: treat it as a secret.
type Activation struct {
	URL   string `json:"activationUrl"`
	Token string `json:"activationToken"`
}

// DeactivateUser moves a user to DEPROVISIONED.
func (c *Client) DeactivateUser(ctx context.Context, id string, sendEmail bool) error {
	return c.lifecycle(ctx, id, "deactivate", optionalSendEmail(sendEmail), nil)
}

// ActivateUser activates a STAGED or DEPROVISIONED user. With sendEmail false the answer
// holds the activation link; with true Okta emails it and the Activation is empty.
func (c *Client) ActivateUser(ctx context.Context, id string, sendEmail bool) (*Activation, error) {
	a := new(Activation)
	err := c.lifecycle(ctx, id, "activate", explicitSendEmail(sendEmail), a)
	return result(a, err)
}

// ReactivateUser restarts activation of a PROVISIONED or RECOVERY user; like ActivateUser
// it returns the new activation link when sendEmail is false.
func (c *Client) ReactivateUser(ctx context.Context, id string, sendEmail bool) (*Activation, error) {
	a := new(Activation)
	err := c.lifecycle(ctx, id, "reactivate", explicitSendEmail(sendEmail), a)
	return result(a, err)
}

// SuspendUser moves an ACTIVE user to SUSPENDED.
func (c *Client) SuspendUser(ctx context.Context, id string) error {
	return c.lifecycle(ctx, id, "suspend", nil, nil)
}

// UnsuspendUser moves a SUSPENDED user back to ACTIVE.
func (c *Client) UnsuspendUser(ctx context.Context, id string) error {
	return c.lifecycle(ctx, id, "unsuspend", nil, nil)
}

// UnlockUser moves a LOCKED_OUT user back to ACTIVE.
func (c *Client) UnlockUser(ctx context.Context, id string) error {
	return c.lifecycle(ctx, id, "unlock", nil, nil)
}

// PasswordReset is the answer of a password reset. With sendEmail false, URL is the one-time
// link that lets the user choose a new password: treat it as a secret. With true, Okta
// emails the link and URL is empty.
type PasswordReset struct {
	URL     string `json:"resetPasswordUrl"`
	Summary string `json:"summary"`
}

// ResetPassword starts a password reset (POST .../lifecycle/reset_password?sendEmail=…):
// the user moves to RECOVERY until they choose a new password. sendEmail is always sent,
// since Okta defaults it to true and the answer depends on it.
func (c *Client) ResetPassword(ctx context.Context, id string, sendEmail bool) (*PasswordReset, error) {
	r := new(PasswordReset)
	err := c.lifecycle(ctx, id, "reset_password", explicitSendEmail(sendEmail), r)
	return result(r, err)
}

// ExpirePassword expires an ACTIVE user's password (POST .../lifecycle/expire_password): the
// user must choose a new one at the next sign-in. Okta answers the user, PASSWORD_EXPIRED.
func (c *Client) ExpirePassword(ctx context.Context, id string) (*User, error) {
	u := new(User)
	err := c.lifecycle(ctx, id, "expire_password", nil, u)
	return result(u, err)
}

// DeleteUser deletes a user (DELETE /api/v1/users/{id}): the first call on a user that is not
// DEPROVISIONED only deactivates it, a second call deletes it; both answer 204.
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	p, err := userPath(id)
	if err != nil {
		return err
	}
	_, err = c.call(ctx, &request{method: http.MethodDelete, path: p}, nil)
	return err
}

func (c *Client) lifecycle(ctx context.Context, id, op string, q url.Values, out any) error {
	p, err := userPath(id)
	if err != nil {
		return err
	}
	_, err = c.call(ctx, &request{method: http.MethodPost, path: p + "/lifecycle/" + op, query: q}, out)
	return err
}

func explicitSendEmail(send bool) url.Values {
	return url.Values{"sendEmail": {strconv.FormatBool(send)}}
}

func optionalSendEmail(send bool) url.Values {
	if !send {
		return nil
	}
	return explicitSendEmail(true)
}
