package okta_test

import (
	"context"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// The calls the lifecycle actions make, against the simulator: a partial profile update
// changes only the keys sent; reset and expire password move the user the way Okta does.

func TestSimUpdateUserIsPartial(t *testing.T) {
	t.Parallel()
	s := newSim(t, oktatest.Options{RateLimit: bigBudget, CustomAttrs: []oktatest.Attribute{{Name: "level", Type: "integer"}}})
	c := simClient(t, s)
	ctx := context.Background()
	u := must(c.CreateUser(ctx, okta.CreateUserRequest{Profile: profile("Ada", "Lovelace", "department", "R&D", "title", "Countess"), Activate: true}))(t)

	got := must(c.UpdateUser(ctx, u.ID, map[string]any{"department": "Engines", "level": 3}))(t)
	if got.Profile["department"] != "Engines" || got.Profile["title"] != "Countess" || got.Profile["firstName"] != "Ada" {
		t.Fatalf("after a partial update: %v", got.Profile)
	}
	st, _ := s.UserByLogin("ada.lovelace@example.com")
	if st.Profile["title"] != "Countess" || st.Profile["level"] != float64(3) {
		t.Fatalf("org holds %v", st.Profile)
	}
	if _, err := c.UpdateUser(ctx, u.ID, map[string]any{"nope": "x"}); !okta.IsValidation(err) {
		t.Fatalf("unknown attribute: %v; want E0000001", err)
	}
	if _, err := c.UpdateUser(ctx, "00uMISSING", map[string]any{"title": "x"}); !okta.IsNotFound(err) {
		t.Fatalf("missing user: %v; want not found", err)
	}
	if _, err := c.UpdateUser(ctx, u.ID, nil); err == nil {
		t.Fatal("an empty update was sent")
	}
}

func TestSimResetAndExpirePassword(t *testing.T) {
	t.Parallel()
	s := newSim(t, oktatest.Options{RateLimit: bigBudget})
	c := simClient(t, s)
	ctx := context.Background()
	active := s.AddUser(map[string]any{"login": "ann@example.com"}, "ACTIVE")
	other := s.AddUser(map[string]any{"login": "bob@example.com"}, "ACTIVE")
	staged := s.AddUser(map[string]any{"login": "cid@example.com"}, "STAGED")

	reset := must(c.ResetPassword(ctx, active.ID, false))(t)
	if !strings.Contains(reset.URL, "/reset_password/") {
		t.Fatalf("ResetPassword(sendEmail=false) = %+v; want the reset link", reset)
	}
	if st, _ := s.UserByLogin("ann@example.com"); st.Status != "RECOVERY" {
		t.Fatalf("after reset: %s; want RECOVERY", st.Status)
	}
	emailed := must(c.ResetPassword(ctx, other.ID, true))(t)
	if emailed.URL != "" {
		t.Fatalf("ResetPassword(sendEmail=true) = %+v; the link goes by email only", emailed)
	}
	if _, err := c.ResetPassword(ctx, staged.ID, false); !okta.IsWrongState(err) {
		t.Fatalf("reset of a STAGED user: %v; want wrong state", err)
	}

	fresh := s.AddUser(map[string]any{"login": "dee@example.com"}, "ACTIVE")
	u := must(c.ExpirePassword(ctx, fresh.ID))(t)
	if u.Status != "PASSWORD_EXPIRED" || u.ID != fresh.ID {
		t.Fatalf("ExpirePassword = %s %s", u.ID, u.Status)
	}
	if _, err := c.ExpirePassword(ctx, staged.ID); !okta.IsWrongState(err) {
		t.Fatalf("expire of a STAGED user: %v; want wrong state", err)
	}
}

func TestSimDeleteUserTwice(t *testing.T) {
	t.Parallel()
	s := newSim(t, oktatest.Options{RateLimit: bigBudget})
	c := simClient(t, s)
	ctx := context.Background()
	u := s.AddUser(map[string]any{"login": "eve@example.com"}, "ACTIVE")
	if err := c.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if st, ok := s.UserByLogin("eve@example.com"); !ok || st.Status != "DEPROVISIONED" {
		t.Fatalf("the first delete of an active user deactivates it: %+v", st)
	}
	if err := c.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.UserByLogin("eve@example.com"); ok {
		t.Fatal("the second delete left the user")
	}
	if err := c.DeleteUser(ctx, u.ID); !okta.IsNotFound(err) {
		t.Fatalf("a third delete: %v; want not found", err)
	}
}
