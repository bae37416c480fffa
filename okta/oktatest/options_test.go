package oktatest

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseAttributes(t *testing.T) {
	got, err := ParseAttributes(" division2:string, employeeLevel:integer:required,badges:array ")
	if err != nil {
		t.Fatal(err)
	}
	want := []Attribute{
		{Name: "division2", Type: "string"},
		{Name: "employeeLevel", Type: "integer", Required: true},
		{Name: "badges", Type: "array"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}
	if attrs, err := ParseAttributes(""); err != nil || attrs != nil {
		t.Errorf("empty spec: %v %v", attrs, err)
	}
	for spec, msg := range map[string]string{
		"costCenter":          "want name:type",
		"cost:string:yes":     "may only be \"required\"",
		"cost:date":           `unknown type "date" (want string, integer, number, boolean, array)`,
		"9lives:string":       "must start with a letter",
		"email:string":        "email is a base profile attribute",
		"costCenter:string":   "costCenter is a base profile attribute",
		"a:string,a:integer":  "a is listed twice",
		"a:string,,b:integer": "want name:type",
	} {
		_, err := ParseAttributes(spec)
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseAttributes(%q) = %v, want an error containing %q", spec, err, msg)
		}
	}
}

func TestSeedUsers(t *testing.T) {
	org := NewOrg(Options{SeedUsers: 60, Seed: 11})
	users := org.Users()
	if len(users) != 61 {
		t.Fatalf("%d users, want the admin and 60", len(users))
	}
	seen := map[string]bool{}
	for _, u := range users[1:] {
		first, last := u.Profile["firstName"].(string), u.Profile["lastName"].(string)
		prefix := strings.ToLower(first + "." + last)
		if u.Status != "ACTIVE" || !u.HasPassword || !strings.HasPrefix(u.Login, prefix) || !strings.HasSuffix(u.Login, "@example.com") {
			t.Errorf("seeded user %+v", u)
		}
		if seen[u.Login] {
			t.Errorf("login %s twice", u.Login)
		}
		seen[u.Login] = true
	}
	again := NewOrg(Options{SeedUsers: 60, Seed: 11}).Users()
	for i := range users {
		if users[i].Login != again[i].Login {
			t.Fatalf("seed 11 gave %s then %s", users[i].Login, again[i].Login)
		}
	}
}

func TestNewOrgRefusesBadAttributes(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "department is a base profile attribute") {
			t.Errorf("NewOrg with a base attribute as custom: %v", r)
		}
	}()
	NewOrg(Options{CustomAttrs: []Attribute{{Name: "department", Type: "string"}}})
}

func TestAddUserPanicsOnMisuse(t *testing.T) {
	org := NewOrg(Options{})
	org.AddUser(map[string]any{"login": "x@example.com"}, "")
	for name, f := range map[string]func(){
		"login taken":    func() { org.AddUser(map[string]any{"login": "X@example.com"}, "") },
		"no login":       func() { org.AddUser(map[string]any{"firstName": "X"}, "") },
		"unknown status": func() { org.AddUser(map[string]any{"login": "y@example.com"}, "ASLEEP") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: AddUser did not panic", name)
				}
			}()
			f()
		}()
	}
	if u, _ := org.UserByLogin("x@example.com"); u.Status != "ACTIVE" || u.Profile["firstName"] != "X" || u.Profile["email"] != "x@example.com" {
		t.Errorf("AddUser defaults: %+v", u)
	}
}
