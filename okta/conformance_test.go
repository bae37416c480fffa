package okta_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/okta"
)

// sameJSON compares two JSON documents as values (key order aside, numbers exact).
func sameJSON(a, b []byte) bool {
	var x, y any
	da, db := json.NewDecoder(strings.NewReader(string(a))), json.NewDecoder(strings.NewReader(string(b)))
	da.UseNumber()
	db.UseNumber()
	if da.Decode(&x) != nil || db.Decode(&y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// roundTrip decodes body into a new T and checks that encoding it gives the same JSON.
func roundTrip[T any](t *testing.T, where, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("%s: decoding into %T: %v", where, v, err)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: encoding %T: %v", where, v, err)
	}
	if !sameJSON([]byte(body), out) {
		t.Fatalf("%s: %T lost data\nrecorded: %s\n     got: %s", where, v, body, out)
	}
	return v
}

// Every recorded response the client has a type for decodes into it and encodes back to the
// same JSON: users (single and in lists), groups, the user schema, error bodies (the real
// 429 included), and lifecycle answers ({} or empty).
func TestConformanceDecodeWithoutLoss(t *testing.T) {
	counts := map[string]int{}
	for _, f := range okta.LoadFixtures(t) {
		for i, in := range f.Interactions {
			where := fmt.Sprintf("%s #%d %s %s", f.Name, i, in.Request.Method, in.Request.URL)
			u, err := url.Parse(in.Request.URL)
			if err != nil {
				t.Fatal(err)
			}
			body, status, path := in.Response.Body, in.Response.Status, u.Path
			segs := strings.Split(strings.Trim(path, "/"), "/")
			switch {
			case status >= 400:
				e := roundTrip[okta.APIError](t, where, body)
				if e.Code == "" || e.Summary == "" || e.ErrorID == "" || e.Causes == nil {
					t.Errorf("%s: error body decoded as %+v", where, e)
				}
				counts["error "+e.Code]++
			case strings.Contains(path, "/lifecycle/"):
				if body != "" && body != "{}" {
					t.Errorf("%s: lifecycle answer %q", where, body)
				}
				counts["lifecycle"]++
			case path == "/api/v1/users" && in.Request.Method == "GET":
				users := roundTrip[[]*okta.User](t, where, body)
				for _, usr := range users {
					if usr.ID == "" || usr.Status == "" || usr.Link("self") == "" {
						t.Errorf("%s: listed user %+v", where, usr)
					}
				}
				counts["user list"]++
				counts["listed user"] += len(users)
			case len(segs) >= 3 && segs[2] == "users" && len(segs) <= 4 && in.Request.Method != "DELETE" && status == 200:
				usr := roundTrip[okta.User](t, where, body)
				if usr.ID == "" || usr.Status == "" || usr.Login() == "" || usr.Created == nil {
					t.Errorf("%s: user %+v", where, usr)
				}
				counts["user"]++
			case len(segs) == 5 && segs[4] == "groups":
				groups := roundTrip[[]*okta.Group](t, where, body)
				for _, g := range groups {
					if g.ID == "" || g.Name() == "" {
						t.Errorf("%s: group %+v", where, g)
					}
				}
				counts["group list"]++
			case strings.HasPrefix(path, "/api/v1/meta/schemas/user/"):
				s := roundTrip[okta.UserSchema](t, where, body)
				login, ok := s.Field("login")
				if !ok || !login.Required || login.Custom || len(s.Fields) < 20 {
					t.Errorf("%s: schema parsed into %d fields, login %+v", where, len(s.Fields), login)
				}
				for _, fl := range s.Fields {
					if fl.Custom && fl.Type == "" {
						t.Errorf("%s: custom field %+v has no type", where, fl)
					}
				}
				counts["schema"]++
			default:
				counts["no client type"]++
			}
		}
	}
	t.Logf("decoded without loss: %v", counts)
	for _, kind := range []string{"user", "user list", "listed user", "schema", "group list", "lifecycle", "error E0000047", "error E0000007", "error E0000001", "error E0000038"} {
		if counts[kind] == 0 {
			t.Errorf("no recorded %s was checked", kind)
		}
	}
}
