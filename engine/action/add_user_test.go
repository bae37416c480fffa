package action

import (
	"context"
	"slices"
	"testing"

	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// callLog records which user calls an action made, in order.
type callLog struct {
	Okta
	calls []string
}

func (l *callLog) GetUser(ctx context.Context, idOrLogin string) (*okta.User, error) {
	l.calls = append(l.calls, "GetUser")
	return l.Okta.GetUser(ctx, idOrLogin)
}

func (l *callLog) CreateUser(ctx context.Context, req okta.CreateUserRequest) (*okta.User, error) {
	l.calls = append(l.calls, "CreateUser")
	return l.Okta.CreateUser(ctx, req)
}

// A new user costs one round trip: the create, with no lookup before it.
func TestAddUserNewUserIsOneCall(t *testing.T) {
	srv, c := sandbox(t, oktatest.Options{})
	log := &callLog{Okta: c}
	a, _ := Lookup("okta.add_user")
	out, err := a.Run(context.Background(), Conn{Okta: log}, Input{Fields: adaFields()})
	if err != nil || out["outcome"] != "created" {
		t.Fatalf("%v %v", out, err)
	}
	if !slices.Equal(log.calls, []string{"CreateUser"}) {
		t.Fatalf("calls %v, want one CreateUser", log.calls)
	}
	total := 0
	for _, n := range srv.RequestCounts() {
		total += n
	}
	if total != 1 {
		t.Fatalf("the org answered %d requests (%v), want 1", total, srv.RequestCounts())
	}
}

// A login that exists: the create is refused with E0000001, the lookup
// adopts that user, and the org still holds one user with that login.
func TestAddUserExistingLoginAdoptsAfterCreate(t *testing.T) {
	srv, c := sandbox(t, oktatest.Options{})
	had := srv.AddUser(map[string]any{"login": "ada@acme.com", "email": "ada@acme.com", "firstName": "Ada", "lastName": "Lovelace"}, "ACTIVE")
	log := &callLog{Okta: c}
	a, _ := Lookup("okta.add_user")
	out, err := a.Run(context.Background(), Conn{Okta: log}, Input{Fields: adaFields()})
	if err != nil || out["outcome"] != "already_existed" || out["id"] != had.ID || out["status"] != "ACTIVE" {
		t.Fatalf("%v %v", out, err)
	}
	if !slices.Equal(log.calls, []string{"CreateUser", "GetUser"}) {
		t.Fatalf("calls %v, want CreateUser then GetUser", log.calls)
	}
	n := 0
	for _, u := range srv.Users() {
		if u.Login == "ada@acme.com" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d users with the login, want 1", n)
	}
}
