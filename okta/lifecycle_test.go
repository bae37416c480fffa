package okta

import (
	"context"
	"net/url"
	"testing"
)

func TestLifecycle(t *testing.T) {
	lc := func(op string) string { return "/api/v1/users/00u1/lifecycle/" + op }
	yes, no := url.Values{"sendEmail": {"true"}}, url.Values{"sendEmail": {"false"}}
	c, _, served := scripted(t, []exchange{
		{method: "POST", path: lc("deactivate"), resp: `{}`},
		{method: "POST", path: lc("deactivate"), query: yes, status: 204},
		{method: "POST", path: lc("activate"), query: no, resp: `{"activationUrl":"https://acme.okta.com/welcome/tok1","activationToken":"tok1"}`},
		{method: "POST", path: lc("activate"), query: yes, resp: `{}`},
		{method: "POST", path: lc("reactivate"), query: no, resp: `{"activationUrl":"https://acme.okta.com/tokens/tok2/verify","activationToken":"tok2"}`},
		{method: "POST", path: lc("reactivate"), query: yes, status: 204},
		{method: "POST", path: lc("suspend"), resp: " {} \n"},
		{method: "POST", path: lc("unsuspend"), status: 204},
		{method: "POST", path: lc("unlock"), resp: `{}`},
		{method: "DELETE", path: "/api/v1/users/00u1", status: 204},
		{method: "POST", path: lc("suspend"), status: 400, resp: `{"errorCode":"E0000001","errorSummary":"Api validation failed","errorCauses":[{"errorSummary":"Cannot suspend a user that is not active"}]}`},
		{method: "POST", path: lc("deactivate"), status: 404, resp: okta("E0000007")},
	})
	ctx := context.Background()
	check := func(name string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	check("deactivate", c.DeactivateUser(ctx, "00u1", false))
	check("deactivate+email", c.DeactivateUser(ctx, "00u1", true))
	a, err := c.ActivateUser(ctx, "00u1", false)
	if err != nil || a.Token != "tok1" || a.URL != "https://acme.okta.com/welcome/tok1" {
		t.Fatalf("ActivateUser = %+v, %v", a, err)
	}
	a, err = c.ActivateUser(ctx, "00u1", true)
	if err != nil || *a != (Activation{}) {
		t.Fatalf("ActivateUser(sendEmail) = %+v, %v", a, err)
	}
	a, err = c.ReactivateUser(ctx, "00u1", false)
	if err != nil || a.Token != "tok2" {
		t.Fatalf("ReactivateUser = %+v, %v", a, err)
	}
	_, err = c.ReactivateUser(ctx, "00u1", true)
	check("reactivate+email", err)
	check("suspend", c.SuspendUser(ctx, "00u1"))
	check("unsuspend", c.UnsuspendUser(ctx, "00u1"))
	check("unlock", c.UnlockUser(ctx, "00u1"))
	check("delete", c.DeleteUser(ctx, "00u1"))
	if err := c.SuspendUser(ctx, "00u1"); !IsWrongState(err) {
		t.Errorf("suspend of a non-active user: %v; want wrong state", err)
	}
	if err := c.DeactivateUser(ctx, "00u1", false); !IsNotFound(err) {
		t.Errorf("deactivate of a deprovisioned user: %v; want not found", err)
	}
	if err := c.SuspendUser(ctx, ""); err == nil || served.Load() != 12 {
		t.Errorf("empty id: %v", err)
	}
}

func TestPasswordLifecycle(t *testing.T) {
	lc := func(op string) string { return "/api/v1/users/00u1/lifecycle/" + op }
	c, _, _ := scripted(t, []exchange{
		// sendEmail is always sent: Okta's default (true) is not what a zero Go value says.
		{method: "POST", path: lc("reset_password"), query: url.Values{"sendEmail": {"false"}},
			resp: `{"summary":"Reset password without sending email","resetPasswordUrl":"https://acme.okta.com/reset_password/tok3"}`},
		{method: "POST", path: lc("reset_password"), query: url.Values{"sendEmail": {"true"}}, resp: `{}`},
		{method: "POST", path: lc("expire_password"), resp: `{"id":"00u1","status":"PASSWORD_EXPIRED","profile":{"login":"a@b.c"}}`},
		{method: "POST", path: lc("expire_password"), status: 403, resp: okta("E0000038")},
	})
	ctx := context.Background()
	r, err := c.ResetPassword(ctx, "00u1", false)
	if err != nil || r.URL != "https://acme.okta.com/reset_password/tok3" {
		t.Fatalf("ResetPassword = %+v, %v", r, err)
	}
	if r, err := c.ResetPassword(ctx, "00u1", true); err != nil || r.URL != "" {
		t.Fatalf("ResetPassword(sendEmail) = %+v, %v", r, err)
	}
	if u, err := c.ExpirePassword(ctx, "00u1"); err != nil || u.Status != "PASSWORD_EXPIRED" {
		t.Fatalf("ExpirePassword = %+v, %v", u, err)
	}
	if _, err := c.ExpirePassword(ctx, "00u1"); !IsWrongState(err) {
		t.Fatalf("ExpirePassword of a user it does not fit: %v; want wrong state", err)
	}
}
