package action

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// fastOrg is a simulated org with a budget no test reaches, so that pacing
// never slows these tests.
var fastOrg = oktatest.Options{RateLimit: 100_000}

// lossy applies every change at Okta and then reports the answer lost, as a
// dropped connection after the change does: the run retries the step.
type lossy struct{ Okta }

var errLost = errors.New("connection reset after the request was sent")

func (l lossy) ActivateUser(ctx context.Context, id string, send bool) (*okta.Activation, error) {
	_, _ = l.Okta.ActivateUser(ctx, id, send)
	return nil, errLost
}
func (l lossy) ReactivateUser(ctx context.Context, id string, send bool) (*okta.Activation, error) {
	_, _ = l.Okta.ReactivateUser(ctx, id, send)
	return nil, errLost
}
func (l lossy) SuspendUser(ctx context.Context, id string) error {
	_ = l.Okta.SuspendUser(ctx, id)
	return errLost
}
func (l lossy) UnsuspendUser(ctx context.Context, id string) error {
	_ = l.Okta.UnsuspendUser(ctx, id)
	return errLost
}
func (l lossy) UnlockUser(ctx context.Context, id string) error {
	_ = l.Okta.UnlockUser(ctx, id)
	return errLost
}
func (l lossy) ResetPassword(ctx context.Context, id string, send bool) (*okta.PasswordReset, error) {
	_, _ = l.Okta.ResetPassword(ctx, id, send)
	return nil, errLost
}
func (l lossy) ExpirePassword(ctx context.Context, id string) (*okta.User, error) {
	_, _ = l.Okta.ExpirePassword(ctx, id)
	return nil, errLost
}
func (l lossy) DeactivateUser(ctx context.Context, id string, send bool) error {
	_ = l.Okta.DeactivateUser(ctx, id, send)
	return errLost
}
func (l lossy) DeleteUser(ctx context.Context, id string) error {
	_ = l.Okta.DeleteUser(ctx, id)
	return errLost
}
func (l lossy) UpdateUser(ctx context.Context, id string, p map[string]any) (*okta.User, error) {
	_, _ = l.Okta.UpdateUser(ctx, id, p)
	return nil, errLost
}
func (l lossy) AddUserToGroup(ctx context.Context, g, u string) error {
	_ = l.Okta.AddUserToGroup(ctx, g, u)
	return errLost
}
func (l lossy) RemoveUserFromGroup(ctx context.Context, g, u string) error {
	_ = l.Okta.RemoveUserFromGroup(ctx, g, u)
	return errLost
}

func runWith(t *testing.T, api Okta, id string, fields, options map[string]any) (map[string]any, error) {
	t.Helper()
	a, ok := Lookup(id)
	if !ok {
		t.Fatalf("no action %s", id)
	}
	out, err := a.Run(context.Background(), Conn{Okta: api}, Input{Fields: fields, Options: options})
	if err == nil {
		checkOutcome(t, a, out)
	}
	return out, err
}

// checkOutcome fails the test when Run reports an outcome its action does
// not declare.
func checkOutcome(t *testing.T, a Action, out map[string]any) {
	t.Helper()
	for _, o := range a.Outcomes() {
		if out["outcome"] == o.Name {
			return
		}
	}
	t.Errorf("%s reported outcome %v, which its Outcomes do not list", a.ID(), out["outcome"])
}

func TestLifecycleActions(t *testing.T) {
	cases := []struct {
		action       string
		from, to     string // a status the action changes, and where it leads
		outcome      string
		noop         string // a status that is already there
		noopOutcome  string
		refused      string // a status the action does not fit
		refusedHint  string // what the error suggests
		options      map[string]any
		outputSecret string // an output key that must be present
	}{
		{"okta.activate_user", "STAGED", "PROVISIONED", "activated", "ACTIVE", "already_active", "SUSPENDED", "okta.unsuspend_user", nil, ""},
		{"okta.activate_user", "DEPROVISIONED", "PROVISIONED", "activated", "PROVISIONED", "already_provisioned", "LOCKED_OUT", "okta.unlock_user",
			map[string]any{"sendEmail": false}, "activationUrl"},
		{"okta.reactivate_user", "PROVISIONED", "PROVISIONED", "reactivated", "ACTIVE", "already_active", "STAGED", "okta.activate_user",
			map[string]any{"sendEmail": false}, "activationToken"},
		{"okta.suspend_user", "ACTIVE", "SUSPENDED", "suspended", "SUSPENDED", "already_suspended", "STAGED", "okta.activate_user", nil, ""},
		{"okta.unsuspend_user", "SUSPENDED", "ACTIVE", "unsuspended", "ACTIVE", "already_active", "LOCKED_OUT", "okta.unlock_user", nil, ""},
		{"okta.unlock_user", "LOCKED_OUT", "ACTIVE", "unlocked", "ACTIVE", "not_locked_out", "SUSPENDED", "okta.unsuspend_user", nil, ""},
		{"okta.reset_password", "ACTIVE", "RECOVERY", "reset", "RECOVERY", "already_in_recovery", "STAGED", "okta.activate_user", nil, ""},
		{"okta.reset_password", "LOCKED_OUT", "RECOVERY", "reset", "RECOVERY", "already_in_recovery", "SUSPENDED", "okta.unsuspend_user",
			map[string]any{"sendEmail": true}, ""},
		{"okta.expire_password", "ACTIVE", "PASSWORD_EXPIRED", "expired", "PASSWORD_EXPIRED", "already_expired", "DEPROVISIONED", "okta.activate_user", nil, ""},
		{"okta.deactivate_user", "SUSPENDED", "DEPROVISIONED", "deactivated", "DEPROVISIONED", "already_deprovisioned", "", "", nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.action+"/"+tc.from, func(t *testing.T) {
			srv, c := sandbox(t, fastOrg)
			u := srv.AddUser(map[string]any{"login": "ann@acme.com"}, tc.from)
			out, err := runWith(t, c, tc.action, map[string]any{"login": "ann@acme.com"}, tc.options)
			if err != nil || out["outcome"] != tc.outcome || out["status"] != tc.to {
				t.Fatalf("on %s: %v %v, %v; want %s %s", tc.from, out["outcome"], out["status"], err, tc.outcome, tc.to)
			}
			if tc.outputSecret != "" && out[tc.outputSecret] == nil {
				t.Errorf("output lacks %s: %v", tc.outputSecret, out)
			}
			if st, _ := srv.UserByLogin("ann@acme.com"); st.Status != tc.to {
				t.Fatalf("org holds %s", st.Status)
			}

			srv.AddUser(map[string]any{"login": "bob@acme.com"}, tc.noop)
			before := srv.RequestCount(okta.BucketUsers, 200)
			out, err = runWith(t, c, tc.action, map[string]any{"id": mustID(t, srv, "bob@acme.com")}, tc.options)
			if err != nil || out["outcome"] != tc.noopOutcome {
				t.Fatalf("on %s: %v, %v; want %s", tc.noop, out["outcome"], err, tc.noopOutcome)
			}
			if tc.action != "okta.reset_password" || tc.options != nil {
				if after := srv.RequestCount(okta.BucketUsers, 200); after != before {
					t.Errorf("a no-op made %d lifecycle calls", after-before)
				}
			}

			if tc.refused != "" {
				srv.AddUser(map[string]any{"login": "cid@acme.com"}, tc.refused)
				_, err = runWith(t, c, tc.action, map[string]any{"login": "cid@acme.com"}, tc.options)
				var ae *Error
				if !errors.As(err, &ae) || ae.Code != CodeWrongStatus || ae.Status != tc.refused ||
					!strings.Contains(err.Error(), tc.refused) || !strings.Contains(err.Error(), tc.refusedHint) {
					t.Fatalf("on %s: %v; want a wrong-status error naming %s and %s", tc.refused, err, tc.refused, tc.refusedHint)
				}
			}
			_ = u
		})
	}
}

// A step cut off after Okta applied it (the answer lost) reports the no-op
// outcome when the run retries it.
func TestLifecycleRetryAfterLostAnswer(t *testing.T) {
	for _, tc := range []struct{ action, from, to, again string }{
		{"okta.activate_user", "STAGED", "PROVISIONED", "already_provisioned"},
		{"okta.suspend_user", "ACTIVE", "SUSPENDED", "already_suspended"},
		{"okta.unsuspend_user", "SUSPENDED", "ACTIVE", "already_active"},
		{"okta.unlock_user", "LOCKED_OUT", "ACTIVE", "not_locked_out"},
		{"okta.reset_password", "ACTIVE", "RECOVERY", "already_in_recovery"},
		{"okta.expire_password", "ACTIVE", "PASSWORD_EXPIRED", "already_expired"},
		{"okta.deactivate_user", "ACTIVE", "DEPROVISIONED", "already_deprovisioned"},
	} {
		t.Run(tc.action, func(t *testing.T) {
			srv, c := sandbox(t, fastOrg)
			srv.AddUser(map[string]any{"login": "ann@acme.com"}, tc.from)
			f := map[string]any{"login": "ann@acme.com"}
			if _, err := runWith(t, lossy{c}, tc.action, f, nil); !errors.Is(err, errLost) {
				t.Fatalf("first attempt: %v", err)
			}
			out, err := runWith(t, c, tc.action, f, nil)
			if err != nil || out["outcome"] != tc.again || out["status"] != tc.to {
				t.Fatalf("retry: %v %v, %v; want %s %s", out["outcome"], out["status"], err, tc.again, tc.to)
			}
		})
	}
}

// With sendEmail off, a reset of a user already in RECOVERY hands out a
// fresh link: the earlier one is not known (it may have been lost).
func TestResetPasswordLinkAgain(t *testing.T) {
	srv, c := sandbox(t, fastOrg)
	srv.AddUser(map[string]any{"login": "ann@acme.com"}, "RECOVERY")
	out, err := runWith(t, c, "okta.reset_password", map[string]any{"login": "ann@acme.com"}, map[string]any{"sendEmail": false})
	url, _ := out["resetPasswordUrl"].(string)
	if err != nil || out["outcome"] != "reset" || !strings.Contains(url, "/reset_password/") {
		t.Fatalf("%v %v", out, err)
	}
	a, _ := Lookup("okta.reset_password")
	if secret := a.Traits().SecretOutputs; len(secret) != 1 || secret[0] != "resetPasswordUrl" {
		t.Fatalf("the reset link is not declared secret: %v", secret)
	}
}

// A user Okta is still moving to another status is retried, not judged.
func TestLifecycleWaitsForATransition(t *testing.T) {
	u := &okta.User{ID: "00u1", Status: "PROVISIONED", TransitioningToStatus: "ACTIVE", Profile: map[string]any{"login": "a@b.c"}}
	_, err := runWith(t, fixedUser{u: u}, "okta.suspend_user", map[string]any{"id": "00u1"}, nil)
	if err == nil || IsPermanent(err) || !strings.Contains(err.Error(), "changing to ACTIVE") {
		t.Fatalf("%v; want a retryable error", err)
	}
}

// fixedUser answers GetUser with u and nothing else.
type fixedUser struct {
	Okta
	u *okta.User
}

func (f fixedUser) GetUser(context.Context, string) (*okta.User, error) { return f.u, nil }

func mustID(t *testing.T, srv *oktatest.Server, login string) string {
	t.Helper()
	st, ok := srv.UserByLogin(login)
	if !ok {
		t.Fatalf("no user %s", login)
	}
	return st.ID
}
