package oktatest

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestLifecycleTable runs each lifecycle operation from each status a test
// can reach and checks the answer and the resulting status.
func TestLifecycleTable(t *testing.T) {
	const (
		notActive    = "Cannot suspend a user that is not active"
		notSuspended = "Cannot unsuspend a user that is not suspended"
	)
	type outcome struct {
		status    int
		code      string // errorCode when the operation is refused
		cause     string
		newStatus string // "" when unchanged
	}
	cases := []struct {
		from, op string
		want     outcome
	}{
		{"STAGED", "activate", outcome{200, "", "", "PROVISIONED"}},
		{"DEPROVISIONED", "activate", outcome{200, "", "", "PROVISIONED"}},
		{"ACTIVE", "activate", outcome{403, "E0000016", "", ""}},
		{"PROVISIONED", "activate", outcome{403, "E0000016", "", ""}},
		{"SUSPENDED", "activate", outcome{403, "E0000038", "", ""}},

		{"STAGED", "deactivate", outcome{200, "", "", "DEPROVISIONED"}},
		{"PROVISIONED", "deactivate", outcome{200, "", "", "DEPROVISIONED"}},
		{"ACTIVE", "deactivate", outcome{200, "", "", "DEPROVISIONED"}},
		{"SUSPENDED", "deactivate", outcome{200, "", "", "DEPROVISIONED"}},
		{"PASSWORD_EXPIRED", "deactivate", outcome{200, "", "", "DEPROVISIONED"}},
		{"LOCKED_OUT", "deactivate", outcome{200, "", "", "DEPROVISIONED"}},
		{"DEPROVISIONED", "deactivate", outcome{404, "E0000007", "", ""}},

		{"PROVISIONED", "reactivate", outcome{200, "", "", "PROVISIONED"}},
		{"RECOVERY", "reactivate", outcome{200, "", "", "PROVISIONED"}},
		{"STAGED", "reactivate", outcome{403, "E0000038", "", ""}},
		{"ACTIVE", "reactivate", outcome{403, "E0000038", "", ""}},

		{"ACTIVE", "suspend", outcome{200, "", "", "SUSPENDED"}},
		{"STAGED", "suspend", outcome{400, "E0000001", notActive, ""}},
		{"SUSPENDED", "suspend", outcome{400, "E0000001", notActive, ""}},
		{"SUSPENDED", "unsuspend", outcome{200, "", "", "ACTIVE"}},
		{"ACTIVE", "unsuspend", outcome{400, "E0000001", notSuspended, ""}},

		{"LOCKED_OUT", "unlock", outcome{200, "", "", "ACTIVE"}},
		{"ACTIVE", "unlock", outcome{403, "E0000032", "The user is not locked out.", ""}},

		{"ACTIVE", "reset_password", outcome{200, "", "", "RECOVERY"}},
		{"STAGED", "reset_password", outcome{403, "E0000038", "", ""}},
		{"SUSPENDED", "reset_password", outcome{403, "E0000038", "", ""}},
		{"DEPROVISIONED", "reset_password", outcome{403, "E0000038", "", ""}},
		{"PASSWORD_EXPIRED", "reset_password", outcome{200, "", "", "RECOVERY"}},
		{"SUSPENDED", "expire_password", outcome{403, "E0000038", "", ""}},
		{"DEPROVISIONED", "expire_password", outcome{403, "E0000038", "", ""}},
		{"SUSPENDED", "unlock", outcome{403, "E0000032", "The user is not locked out.", ""}},
		{"DEPROVISIONED", "suspend", outcome{400, "E0000001", notActive, ""}},
		{"DEPROVISIONED", "unsuspend", outcome{400, "E0000001", notSuspended, ""}},
		{"DEPROVISIONED", "reactivate", outcome{403, "E0000038", "", ""}},
		{"ACTIVE", "expire_password", outcome{200, "", "", "PASSWORD_EXPIRED"}},
		{"PROVISIONED", "expire_password", outcome{403, "E0000038", "", ""}},
		{"ACTIVE", "reset_factors", outcome{200, "", "", ""}},
	}
	o := newTestOrg(t, Options{})
	for _, c := range cases {
		t.Run(c.from+"/"+c.op, func(t *testing.T) {
			u := o.org.AddUser(map[string]any{"login": "u." + c.from + "." + c.op + "@example.com"}, c.from)
			r := o.do(http.MethodPost, "/api/v1/users/"+u.ID+"/lifecycle/"+c.op, "")
			mustStatus(t, r, c.want.status)
			if c.want.code != "" {
				e := r.object(t)
				if e["errorCode"] != c.want.code {
					t.Errorf("errorCode %v, want %s", e["errorCode"], c.want.code)
				}
				causes := e["errorCauses"].([]any)
				if c.want.cause != "" && (len(causes) != 1 || causes[0].(map[string]any)["errorSummary"] != c.want.cause) {
					t.Errorf("errorCauses %v, want %q", causes, c.want.cause)
				}
			}
			want := c.want.newStatus
			if want == "" {
				want = c.from
			}
			if st, _ := o.org.UserByLogin(u.Login); st.Status != want {
				t.Errorf("status after %s: %s, want %s", c.op, st.Status, want)
			}
		})
	}
}

func TestLifecycleBodies(t *testing.T) {
	o := newTestOrg(t, Options{})
	staged := o.org.AddUser(map[string]any{"login": "s@example.com"}, "STAGED")
	r := o.do(http.MethodPost, "/api/v1/users/"+staged.ID+"/lifecycle/activate?sendEmail=false", "")
	mustStatus(t, r, http.StatusOK)
	tok := r.object(t)
	if tok["activationToken"] == "" || tok["activationUrl"] != o.srv.URL+"/welcome/"+tok["activationToken"].(string) {
		t.Errorf("activate?sendEmail=false = %v", tok)
	}
	if r := o.do(http.MethodPost, "/api/v1/users/"+staged.ID+"/lifecycle/deactivate", ""); string(r.body) != "{}" {
		t.Errorf("deactivate answered %q, want {}", r.body)
	}
	wantError(t, o.do(http.MethodPost, "/api/v1/users/"+staged.ID+"/lifecycle/deactivate", ""), http.StatusNotFound,
		"E0000007", "Not found: Resource not found: "+staged.ID+" (User)")
	wantError(t, o.do(http.MethodPost, "/api/v1/users/"+staged.ID+"/lifecycle/explode", ""), http.StatusNotFound,
		"E0000008", "The requested path was not found")
	wantError(t, o.do(http.MethodGet, "/api/v1/users/"+staged.ID+"/lifecycle/activate", ""), http.StatusMethodNotAllowed,
		"E0000022", "The endpoint does not support the provided HTTP method")

	active := o.org.AddUser(map[string]any{"login": "a@example.com"}, "ACTIVE")
	lc := "/api/v1/users/" + active.ID + "/lifecycle/"
	wantError(t, o.do(http.MethodPost, lc+"activate", ""), http.StatusForbidden, "E0000016", "Activation failed because the user is already active")
	wantError(t, o.do(http.MethodPost, lc+"reactivate", ""), http.StatusForbidden, "E0000038", "This operation is not allowed in the user's current status.")
	wantError(t, o.do(http.MethodPost, lc+"unlock", ""), http.StatusForbidden, "E0000032", "Unlock is not allowed for this user.", "The user is not locked out.")
	wantError(t, o.do(http.MethodPost, lc+"unsuspend", ""), http.StatusBadRequest, "E0000001", "Api validation failed: unsuspendUser", "Cannot unsuspend a user that is not suspended")
	mustStatus(t, o.do(http.MethodPost, lc+"suspend", ""), http.StatusOK)
	wantError(t, o.do(http.MethodPost, lc+"suspend", ""), http.StatusBadRequest, "E0000001", "Api validation failed: suspendUser", "Cannot suspend a user that is not active")
	wantError(t, o.do(http.MethodPost, "/api/v1/users/"+active.ID+"/credentials/change_password", `{"oldPassword":{"value":"x"},"newPassword":{"value":"y"}}`),
		http.StatusForbidden, "E0000035", "Change password not allowed on specified user.")
	r = o.do(http.MethodPost, lc+"unsuspend", "")
	if r.status != http.StatusOK || string(r.body) != "{}" {
		t.Errorf("unsuspend answered %d %s, want 200 {}", r.status, r.body)
	}

	legacy := newTestOrg(t, Options{Shape: Shape{Legacy2020: true}})
	u := legacy.org.AddUser(map[string]any{"login": "l@example.com"}, "ACTIVE")
	r = legacy.do(http.MethodPost, "/api/v1/users/"+u.ID+"/lifecycle/deactivate", "")
	if r.status != http.StatusNoContent || len(r.body) != 0 || r.header.Get("Content-Type") != "" {
		t.Errorf("a 2020 org's deactivate answered %d %q (Content-Type %q), want 204 without a body", r.status, r.body, r.header.Get("Content-Type"))
	}
}

// TestDeleteTwice: the first DELETE deactivates, the second deletes, both
// 204; then the user is gone (recorded in test_user_pagination).
func TestDeleteTwice(t *testing.T) {
	o := newTestOrg(t, Options{})
	g := o.org.AddGroup("Ops", "")
	u := o.org.AddUser(map[string]any{"login": "d@example.com"}, "ACTIVE")
	mustStatus(t, o.do(http.MethodPut, "/api/v1/groups/"+g.ID+"/users/"+u.ID, ""), http.StatusNoContent)
	mustStatus(t, o.do(http.MethodDelete, "/api/v1/users/"+u.ID, ""), http.StatusNoContent)
	if st, _ := o.org.UserByLogin("d@example.com"); st.Status != "DEPROVISIONED" {
		t.Fatalf("after one DELETE the user is %s, want DEPROVISIONED", st.Status)
	}
	mustStatus(t, o.do(http.MethodDelete, "/api/v1/users/"+u.ID, ""), http.StatusNoContent)
	if _, found := o.org.UserByLogin("d@example.com"); found {
		t.Fatal("after two DELETEs the user still exists")
	}
	wantError(t, o.do(http.MethodGet, "/api/v1/users/"+u.ID, ""), http.StatusNotFound, "E0000007", "Not found: Resource not found: "+u.ID+" (User)")
	wantError(t, o.do(http.MethodDelete, "/api/v1/users/"+u.ID, ""), http.StatusNotFound, "E0000007", "Not found: Resource not found: "+u.ID+" (User)")
	if members := o.org.Groups()[1].MemberIDs; len(members) != 0 {
		t.Errorf("the deleted user is still a member of %v", members)
	}
	// The login is free again.
	o.createUser("", `"firstName":"D","lastName":"E","email":"d@example.com","login":"d@example.com"`)
}

func TestPasswordLifecycle(t *testing.T) {
	o := newTestOrg(t, Options{})
	u := o.do(http.MethodPost, "/api/v1/users", `{"profile":{`+person("Ann", "Lee")+`},"credentials":{"password":{"value":"Old-Passw0rd"}}}`).object(t)
	id := u["id"].(string)
	r := o.do(http.MethodPost, "/api/v1/users/"+id+"/lifecycle/expire_password_with_temp_password", "")
	mustStatus(t, r, http.StatusOK)
	temp, _ := r.object(t)["tempPassword"].(string)
	if temp == "" {
		t.Fatalf("no tempPassword in %s", r.body)
	}
	// The temporary password is the current one; changing it reactivates.
	mustStatus(t, o.do(http.MethodPost, "/api/v1/users/"+id+"/credentials/change_password",
		`{"oldPassword":{"value":"`+temp+`"},"newPassword":{"value":"New-Passw0rd"}}`), http.StatusOK)
	if st, _ := o.org.UserByLogin("ann.lee@example.com"); st.Status != "ACTIVE" {
		t.Errorf("after changing an expired password: %s", st.Status)
	}
	r = o.do(http.MethodPost, "/api/v1/users/"+id+"/credentials/forgot_password?sendEmail=false", "")
	mustStatus(t, r, http.StatusOK)
	if url, _ := r.object(t)["resetPasswordUrl"].(string); url == "" {
		t.Errorf("forgot_password?sendEmail=false: %s", r.body)
	}
	if st, _ := o.org.UserByLogin("ann.lee@example.com"); st.Status != "RECOVERY" {
		t.Errorf("after forgot_password: %s", st.Status)
	}
	nopw := o.org.AddUser(map[string]any{"login": "np@example.com"}, "PROVISIONED")
	wantError(t, o.do(http.MethodPost, "/api/v1/users/"+nopw.ID+"/credentials/forgot_password", ""), http.StatusForbidden,
		"E0000038", "This operation is not allowed in the user's current status.")
	wantError(t, o.do(http.MethodPost, "/api/v1/users/"+nopw.ID+"/credentials/reset_everything", ""), http.StatusNotFound,
		"E0000008", "The requested path was not found")
}

func TestOversizedBody(t *testing.T) {
	o := newTestOrg(t, Options{})
	huge := `{"profile":{"firstName":"` + strings.Repeat("x", maxBody) + `"}}`
	wantError(t, o.do(http.MethodPost, "/api/v1/users", huge), http.StatusBadRequest, "E0000003", "The request body was not well-formed.")
}

// TestPasswordOperations covers reset_password and expire_password as
// recorded (TestUsersResource.test_comprehensive_user_lifecycle,
// test_expire_password): the reset link, the temporary password and the
// System Log events.
func TestPasswordOperations(t *testing.T) {
	o := newTestOrg(t, Options{})
	active := func(login string) string {
		return o.org.AddUser(map[string]any{"login": login}, "ACTIVE").ID
	}
	id := active("r1@example.com")
	r := o.do(http.MethodPost, "/api/v1/users/"+id+"/lifecycle/reset_password?sendEmail=false", "")
	mustStatus(t, r, http.StatusOK)
	// Recorded: {"resetPasswordUrl":"https://test.okta.com/reset_password/drpwf5himYrnOpIMbDfb"}.
	if got := r.object(t); len(got) != 1 || !regexp.MustCompile(`^`+regexp.QuoteMeta(o.srv.URL)+`/reset_password/drp[0-9A-Za-z]{17}$`).MatchString(got["resetPasswordUrl"].(string)) {
		t.Errorf("reset_password?sendEmail=false answered %s", r.body)
	}
	if ev := findEvent(t, o, "user.account.reset_password"); ev["target"].([]any)[0].(map[string]any)["id"] != id {
		t.Errorf("reset event %v", ev)
	}
	r = o.do(http.MethodPost, "/api/v1/users/"+active("r2@example.com")+"/lifecycle/reset_password?sendEmail=true", "")
	if mustStatus(t, r, http.StatusOK); string(r.body) != "{}" {
		t.Errorf("reset_password?sendEmail=true answered %s, want {}", r.body)
	}

	// expire_password answers the user, PASSWORD_EXPIRED (recorded).
	id = active("e1@example.com")
	r = o.do(http.MethodPost, "/api/v1/users/"+id+"/lifecycle/expire_password", "")
	if mustStatus(t, r, http.StatusOK); r.object(t)["status"] != "PASSWORD_EXPIRED" || r.object(t)["id"] != id {
		t.Errorf("expire_password answered %s", r.body)
	}
	if ev := findEvent(t, o, "user.account.expire_password"); ev["target"].([]any)[0].(map[string]any)["id"] != id {
		t.Errorf("expire event %v", ev)
	}
	// ?tempPassword=true (the older form of expire_password_with_temp_password)
	// answers {"tempPassword": …} and the temporary password works.
	id = active("e2@example.com")
	r = o.do(http.MethodPost, "/api/v1/users/"+id+"/lifecycle/expire_password?tempPassword=true", "")
	mustStatus(t, r, http.StatusOK)
	temp, _ := r.object(t)["tempPassword"].(string)
	if len(r.object(t)) != 1 || len(temp) < 8 {
		t.Fatalf("expire_password?tempPassword=true answered %s", r.body)
	}
	if st, _ := o.org.UserByLogin("e2@example.com"); st.Status != "PASSWORD_EXPIRED" {
		t.Errorf("status %s", st.Status)
	}
	mustStatus(t, o.do(http.MethodPost, "/api/v1/users/"+id+"/credentials/change_password",
		`{"oldPassword":{"value":"`+temp+`"},"newPassword":{"value":"New-Passw0rd"}}`), http.StatusOK)
}

// TestLifecycleEvents checks each change writes its System Log event.
func TestLifecycleEvents(t *testing.T) {
	o := newTestOrg(t, Options{})
	cases := []struct{ from, op, event string }{
		{"STAGED", "activate", "user.lifecycle.activate"},
		{"ACTIVE", "deactivate", "user.lifecycle.deactivate"},
		{"PROVISIONED", "reactivate", "user.lifecycle.reactivate"},
		{"ACTIVE", "suspend", "user.lifecycle.suspend"},
		{"SUSPENDED", "unsuspend", "user.lifecycle.unsuspend"},
		{"LOCKED_OUT", "unlock", "user.account.unlock"},
		{"ACTIVE", "reset_password", "user.account.reset_password"},
		{"ACTIVE", "expire_password", "user.account.expire_password"},
	}
	for _, c := range cases {
		u := o.org.AddUser(map[string]any{"login": "ev." + c.op + "@example.com"}, c.from)
		mustStatus(t, o.do(http.MethodPost, "/api/v1/users/"+u.ID+"/lifecycle/"+c.op, ""), http.StatusOK)
		ev := findEvent(t, o, c.event)
		if target := ev["target"].([]any)[0].(map[string]any); target["id"] != u.ID || target["type"] != "User" {
			t.Errorf("%s: %s event targets %v", c.op, c.event, target)
		}
	}
	u := o.org.AddUser(map[string]any{"login": "ev.profile@example.com"}, "ACTIVE")
	mustStatus(t, o.do(http.MethodPost, "/api/v1/users/"+u.ID, `{"profile":{"department":"Sales"}}`), http.StatusOK)
	if ev := findEvent(t, o, "user.account.update_profile"); ev["target"].([]any)[0].(map[string]any)["id"] != u.ID {
		t.Errorf("update_profile event %v", ev)
	}
	g := o.org.AddGroup("Sales", "")
	mustStatus(t, o.do(http.MethodPut, "/api/v1/groups/"+g.ID+"/users/"+u.ID, ""), http.StatusNoContent)
	mustStatus(t, o.do(http.MethodDelete, "/api/v1/groups/"+g.ID+"/users/"+u.ID, ""), http.StatusNoContent)
	for _, typ := range []string{"group.user_membership.add", "group.user_membership.remove"} {
		targets := findEvent(t, o, typ)["target"].([]any)
		if len(targets) != 2 || targets[0].(map[string]any)["id"] != u.ID || targets[1].(map[string]any)["id"] != g.ID {
			t.Errorf("%s targets %v", typ, targets)
		}
	}
	mustStatus(t, o.do(http.MethodDelete, "/api/v1/users/"+u.ID, ""), http.StatusNoContent)
	mustStatus(t, o.do(http.MethodDelete, "/api/v1/users/"+u.ID, ""), http.StatusNoContent)
	for _, typ := range []string{"user.lifecycle.delete.initiated", "user.lifecycle.delete.completed"} {
		findEvent(t, o, typ)
	}
	wantError(t, o.do(http.MethodDelete, "/api/v1/users/"+u.ID, ""), http.StatusNotFound, "E0000007", "Not found: Resource not found: "+u.ID+" (User)")
}
