package action

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// sandbox starts a simulated org and a client for it.
func sandbox(t *testing.T, opts oktatest.Options) (*oktatest.Server, *okta.Client) {
	t.Helper()
	srv := oktatest.NewServer(opts)
	t.Cleanup(srv.Close)
	c, err := okta.NewClient(srv.URL, srv.Token, okta.WithAllowHTTPLoopback(), okta.WithRetryBackoff(time.Millisecond, 10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func adaFields() map[string]any {
	return map[string]any{"login": "ada@acme.com", "email": "ada@acme.com", "firstName": "Ada", "lastName": "Lovelace", "department": ""}
}

func run(t *testing.T, c *okta.Client, id string, fields, options map[string]any) (map[string]any, error) {
	t.Helper()
	a, ok := Lookup(id)
	if !ok {
		t.Fatalf("no action %s", id)
	}
	return a.Run(context.Background(), Conn{Okta: c}, Input{Fields: fields, Options: options})
}

func TestAddUserCreatesThenAdopts(t *testing.T) {
	srv, c := sandbox(t, oktatest.Options{})
	out, err := run(t, c, "okta.add_user", adaFields(), map[string]any{"activate": true})
	if err != nil {
		t.Fatal(err)
	}
	if out["outcome"] != "created" || out["status"] != "PROVISIONED" {
		t.Fatalf("first run: outcome %v status %v", out["outcome"], out["status"])
	}
	if _, has := out["_links"]; has {
		t.Fatal("output keeps _links")
	}
	profile := out["profile"].(map[string]any)
	if profile["login"] != "ada@acme.com" {
		t.Fatalf("profile %v", profile)
	}
	if _, sent := srv.UserByLogin("ada@acme.com"); !sent {
		t.Fatal("user not in the org")
	}
	// a second run (a retry, a duplicate event) adopts the user
	again, err := run(t, c, "okta.add_user", adaFields(), nil)
	if err != nil || again["outcome"] != "already_existed" || again["id"] != out["id"] {
		t.Fatalf("second run: %v %v", again["outcome"], err)
	}
	if n := len(srv.Users()); n != 2 { // the admin who owns the token, and Ada
		t.Fatalf("%d users in the org, want 2", n)
	}
}

func TestAddUserAdoptsAfterCreateRace(t *testing.T) {
	// Someone else creates the user just before our create (between a
	// delivery and its retry, say): Okta answers E0000001 already exists and we adopt.
	srv, c := sandbox(t, oktatest.Options{})
	racy := &raceAPI{Okta: c, beforeCreate: func() {
		srv.AddUser(map[string]any{"login": "ada@acme.com", "email": "ada@acme.com", "firstName": "Ada", "lastName": "Lovelace"}, "ACTIVE")
	}}
	a, _ := Lookup("okta.add_user")
	out, err := a.Run(context.Background(), Conn{Okta: racy}, Input{Fields: adaFields()})
	if err != nil || out["outcome"] != "already_existed" || out["status"] != "ACTIVE" {
		t.Fatalf("race: %v %v", out, err)
	}
}

type raceAPI struct {
	Okta
	beforeCreate func()
}

func (r *raceAPI) CreateUser(ctx context.Context, req okta.CreateUserRequest) (*okta.User, error) {
	r.beforeCreate()
	return r.Okta.CreateUser(ctx, req)
}

func TestAddUserValidationErrorIsOktas(t *testing.T) {
	_, c := sandbox(t, oktatest.Options{})
	f := adaFields()
	f["favouriteColour"] = "blue"
	_, err := run(t, c, "okta.add_user", f, nil)
	var apiErr *okta.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "E0000001" || !strings.Contains(err.Error(), "favouriteColour") {
		t.Fatalf("got %v", err)
	}
	if _, err := run(t, c, "okta.add_user", map[string]any{"firstName": "x"}, nil); !IsPermanent(err) {
		t.Fatalf("no login: %v", err)
	}
}

func TestAddUserWithPasswordAndGroups(t *testing.T) {
	srv, c := sandbox(t, oktatest.Options{})
	g := srv.AddGroup("Engineering", "")
	f := adaFields()
	f["password"] = "Tr0ub4dor&3xyz"
	f["groupIds"] = []any{g.ID}
	out, err := run(t, c, "okta.add_user", f, map[string]any{"activate": true})
	if err != nil || out["status"] != "ACTIVE" {
		t.Fatalf("%v %v", out["status"], err)
	}
	u, _ := srv.UserByLogin("ada@acme.com")
	if !u.HasPassword || len(u.GroupIDs) != 1 || u.GroupIDs[0] != g.ID {
		t.Fatalf("state %+v", u)
	}
	if strings.Contains(strings.ToLower(jsonOf(out)), "tr0ub4dor") {
		t.Fatal("the output echoes the password")
	}
}

func TestGetUser(t *testing.T) {
	srv, c := sandbox(t, oktatest.Options{})
	ada := srv.AddUser(map[string]any{"login": "ada@acme.com", "email": "ada.l@mail.com", "firstName": "Ada", "lastName": "Lovelace"}, "ACTIVE")
	srv.AddUser(map[string]any{"login": "john1@acme.com", "email": "john1@acme.com", "firstName": "John", "lastName": "Smith"}, "ACTIVE")
	srv.AddUser(map[string]any{"login": "john2@acme.com", "email": "john2@acme.com", "firstName": "John", "lastName": "Smith"}, "SUSPENDED")

	for name, fields := range map[string]map[string]any{
		"by id":    {"id": ada.ID},
		"by login": {"login": "ada@acme.com"},
		"by email": {"login": "ada.l@mail.com"},
		"by name":  {"firstName": "ada", "lastName": "LOVELACE"},
	} {
		out, err := run(t, c, "okta.get_user", fields, nil)
		if err != nil || out["id"] != ada.ID || out["outcome"] != "found" {
			t.Errorf("%s: %v %v", name, out["id"], err)
		}
	}
	_, err := run(t, c, "okta.get_user", map[string]any{"firstName": "John", "lastName": "Smith"}, nil)
	var ae *Error
	if !errors.As(err, &ae) || ae.Code != "ambiguous" || !strings.Contains(err.Error(), "john1@acme.com") || !strings.Contains(err.Error(), "john2@acme.com") {
		t.Fatalf("ambiguous: %v", err)
	}
	out, err := run(t, c, "okta.get_user", map[string]any{"firstName": "John", "lastName": "Smith"}, map[string]any{"match": "first"})
	if err != nil || out["outcome"] != "found" {
		t.Fatalf("match first: %v", err)
	}
	_, err = run(t, c, "okta.get_user", map[string]any{"firstName": "Grace", "lastName": "Hopper"}, nil)
	if !errors.As(err, &ae) || ae.Code != "not_found" || !strings.Contains(err.Error(), "Grace Hopper") {
		t.Fatalf("not found: %v", err)
	}
	_, err = run(t, c, "okta.get_user", map[string]any{"login": "nobody@acme.com"}, nil)
	if !errors.As(err, &ae) || ae.Code != "not_found" {
		t.Fatalf("login not found: %v", err)
	}
}

func TestDeactivateUser(t *testing.T) {
	srv, c := sandbox(t, oktatest.Options{})
	srv.AddUser(map[string]any{"login": "ada@acme.com", "email": "ada@acme.com", "firstName": "Ada", "lastName": "Lovelace"}, "ACTIVE")
	out, err := run(t, c, "okta.deactivate_user", map[string]any{"login": "ada@acme.com"}, nil)
	if err != nil || out["outcome"] != "deactivated" || out["status"] != "DEPROVISIONED" {
		t.Fatalf("deactivate: %v %v", out, err)
	}
	posts := srv.RequestCount("/api/v1/users", 200)
	again, err := run(t, c, "okta.deactivate_user", map[string]any{"firstName": "Ada", "lastName": "Lovelace"}, nil)
	if err != nil || again["outcome"] != "already_deprovisioned" {
		t.Fatalf("again: %v %v", again, err)
	}
	if srv.RequestCount("/api/v1/users", 200) != posts+1 { // the name search only, no deactivate call
		t.Fatalf("a deprovisioned user was deactivated again (requests %d → %d)", posts, srv.RequestCount("/api/v1/users", 200))
	}
}

func TestFieldsAndChecks(t *testing.T) {
	add, _ := Lookup("okta.add_user")
	schema := storage.UserSchema{Fields: []storage.SchemaField{
		{Name: "login", Required: true, Type: "string"}, {Name: "costCenter", Custom: true, Type: "string"},
		{Name: "id", ReadOnly: true},
	}}
	var names []string
	for _, f := range add.Fields(schema) {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "login,costCenter,password,groupIds" {
		t.Fatalf("fields %v", names)
	}
	if got := RequiredFields(add, schema); len(got) != 1 || got[0] != "login" {
		t.Fatalf("required %v", got)
	}
	if got := SecretFields(add); len(got) != 1 || got[0] != "password" {
		t.Fatalf("secret %v", got)
	}
	if got := RequiredFields(add, storage.UserSchema{}); strings.Join(got, ",") != "login,firstName,lastName,email" {
		t.Fatalf("base required %v", got)
	}
	get, _ := Lookup("okta.get_user")
	if err := get.Check([]string{"firstName"}, nil); err == nil || !strings.Contains(err.Error(), "both firstName and lastName") {
		t.Fatalf("half a name: %v", err)
	}
	if err := get.Check(nil, nil); err == nil {
		t.Fatal("no finder accepted")
	}
	if err := get.Check([]string{"login"}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestDescribeMatchesWhatRunSends(t *testing.T) {
	add, _ := Lookup("okta.add_user")
	req := add.Describe(Input{Fields: map[string]any{"login": "ada+x@acme.com", "email": "ada@acme.com", "department": "", "groupIds": "00g1, 00g2"}, Options: map[string]any{"activate": false}})
	calls := strings.Join(req.Calls, "\n")
	if !strings.HasPrefix(calls, "POST /api/v1/users?activate=false\n") || !strings.Contains(calls, "if the login exists: GET /api/v1/users/ada+x@acme.com") {
		t.Fatalf("calls: %s", calls)
	}
	body := jsonOf(req.Body)
	if !strings.Contains(body, `"groupIds":["00g1","00g2"]`) || strings.Contains(body, "department") {
		t.Fatalf("body %s (empty attributes are not sent; group ids are a list)", body)
	}
	off, _ := Lookup("okta.deactivate_user")
	calls = strings.Join(off.Describe(Input{Fields: map[string]any{"firstName": "Ada", "lastName": "Lovelace"}, Options: map[string]any{"sendEmail": true}}).Calls, "\n")
	if !strings.Contains(calls, `profile.firstName eq "Ada" and profile.lastName eq "Lovelace"`) || !strings.Contains(calls, "deactivate?sendEmail=true") {
		t.Fatalf("deactivate: %s", calls)
	}
	get, _ := Lookup("okta.get_user")
	if got := strings.Join(get.Describe(Input{Fields: map[string]any{"id": "00u1"}}).Calls, "\n"); got != "GET /api/v1/users/00u1" {
		t.Fatalf("get by id: %s", got)
	}
}
