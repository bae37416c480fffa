package oktatest

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var (
	userIDPattern = regexp.MustCompile(`^00u[0-9A-Za-z]{17}$`)
	timePattern   = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$`)
)

func TestCreateStatusTable(t *testing.T) {
	cases := []struct {
		name, query, credentials string
		status                   string
		hasPassword              bool
	}{
		{"no activate, no password", "", "", "PROVISIONED", false},
		{"activate=true, no password", "?activate=true", "", "PROVISIONED", false},
		{"empty password object counts as none", "", `,"credentials":{"password":{}}`, "PROVISIONED", false},
		{"activate=false", "?activate=false", "", "STAGED", false},
		{"activate=false with password", "?activate=false", `,"credentials":{"password":{"value":"Abcd1234!"}}`, "STAGED", true},
		{"with password", "", `,"credentials":{"password":{"value":"Abcd1234!"}}`, "ACTIVE", true},
		{"recovery question only", "", `,"credentials":{"recovery_question":{"question":"q?","answer":"a"}}`, "PROVISIONED", false},
		{"hashed password", "", `,"credentials":{"password":{"hash":{"algorithm":"SHA-512","salt":"eA==","saltOrder":"PREFIX","value":"eA=="}}}`, "ACTIVE", true},
		{"federated", "?provider=true", `,"credentials":{"provider":{"type":"FEDERATION","name":"FEDERATION"}}`, "ACTIVE", false},
		{"federated staged", "?provider=true&activate=false", `,"credentials":{"provider":{"type":"FEDERATION","name":"FEDERATION"}}`, "STAGED", false},
		{"expired at once", "?nextLogin=changePassword", `,"credentials":{"password":{"value":"Abcd1234!"}}`, "PASSWORD_EXPIRED", true},
	}
	o := newTestOrg(t, Options{})
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			login := "user" + string(rune('a'+i)) + "@example.com"
			body := `{"profile":{"firstName":"F","lastName":"L","email":"` + login + `","login":"` + login + `"}` + c.credentials + `}`
			r := o.do(http.MethodPost, "/api/v1/users"+c.query, body)
			mustStatus(t, r, http.StatusOK)
			u := r.object(t)
			if u["status"] != c.status {
				t.Errorf("status %v, want %s", u["status"], c.status)
			}
			_, has := u["credentials"].(map[string]any)["password"]
			if has != c.hasPassword {
				t.Errorf("credentials.password present %v, want %v", has, c.hasPassword)
			}
			st, _ := o.org.UserByLogin(strings.ToUpper(login))
			if st.Status != c.status || st.HasPassword != c.hasPassword {
				t.Errorf("UserByLogin = %+v", st)
			}
		})
	}
}

func TestCreateExpiredPasswordNeedsActivationAndPassword(t *testing.T) {
	o := newTestOrg(t, Options{})
	wantError(t, o.do(http.MethodPost, "/api/v1/users?nextLogin=changePassword&activate=false",
		`{"profile":{`+person("Ann", "Lee")+`},"credentials":{"password":{"value":"Abcd1234!"}}}`),
		http.StatusBadRequest, "E0000125", "Could not create user. To create a user and expire their password immediately, `activate` must be true.")
	wantError(t, o.do(http.MethodPost, "/api/v1/users?nextLogin=changePassword", `{"profile":{`+person("Ann", "Lee")+`}}`),
		http.StatusBadRequest, "E0000124", "Could not create user. To create a user and expire their password immediately, a password must be specified.")
	if _, found := o.org.UserByLogin("ann.lee@example.com"); found {
		t.Error("a refused create created the user")
	}
}

// TestUserShape checks the JSON of a created user against the recorded
// shape (TestAccResourceOktaUser_updateCredentials #0).
func TestUserShape(t *testing.T) {
	o := newTestOrg(t, Options{})
	r := o.do(http.MethodPost, "/api/v1/users",
		`{"profile":{`+person("Ann", "Lee")+`,"postalAddress":null},"credentials":{"password":{"value":"Sup3r-Secret!"},"recovery_question":{"question":"Why?","answer":"Because"}}}`)
	mustStatus(t, r, http.StatusOK)
	if strings.Contains(string(r.body), "Sup3r-Secret!") || strings.Contains(string(r.body), "Because") {
		t.Fatal("a secret is echoed in the response")
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	u := r.object(t)
	wantKeys := []string{"_links", "activated", "created", "credentials", "id", "lastLogin", "lastUpdated", "passwordChanged", "profile", "realmId", "status", "statusChanged", "type"}
	if got := keys(u); !slices.Equal(got, wantKeys) {
		t.Errorf("keys %v, want %v", got, wantKeys)
	}
	if !userIDPattern.MatchString(u["id"].(string)) {
		t.Errorf("id %v is not 00u + 17 characters", u["id"])
	}
	for _, k := range []string{"created", "activated", "statusChanged", "lastUpdated", "passwordChanged"} {
		if s, _ := u[k].(string); !timePattern.MatchString(s) {
			t.Errorf("%s = %v, want YYYY-MM-DDTHH:mm:ss.000Z", k, u[k])
		}
	}
	if u["lastLogin"] != nil {
		t.Errorf("lastLogin = %v, want null", u["lastLogin"])
	}
	p := u["profile"].(map[string]any)
	if got := keys(p); !slices.Equal(got, []string{"email", "firstName", "lastName", "login", "mobilePhone", "secondEmail"}) {
		t.Errorf("profile keys %v (a null postalAddress is dropped, mobilePhone and secondEmail are null)", got)
	}
	if p["mobilePhone"] != nil || p["secondEmail"] != nil {
		t.Errorf("mobilePhone/secondEmail = %v/%v, want null", p["mobilePhone"], p["secondEmail"])
	}
	cred := u["credentials"].(map[string]any)
	if got := keys(cred); !slices.Equal(got, []string{"password", "provider", "recovery_question"}) {
		t.Errorf("credentials keys %v", got)
	}
	if pw := cred["password"].(map[string]any); len(pw) != 0 {
		t.Errorf("password = %v, want {}", pw)
	}
	if prov := cred["provider"].(map[string]any); prov["type"] != "OKTA" || prov["name"] != "OKTA" {
		t.Errorf("provider = %v", prov)
	}
	wantLinks := []string{"changePassword", "changeRecoveryQuestion", "deactivate", "expirePassword", "forgotPassword",
		"resetFactors", "resetPassword", "schema", "self", "suspend", "type"}
	if got := keys(u["_links"].(map[string]any)); !slices.Equal(got, wantLinks) {
		t.Errorf("_links %v, want %v", got, wantLinks)
	}
	self := u["_links"].(map[string]any)["self"].(map[string]any)["href"]
	if self != o.srv.URL+"/api/v1/users/"+u["id"].(string) {
		t.Errorf("self href %v is not on the request's host", self)
	}
}

func TestLinksByStatus(t *testing.T) {
	o := newTestOrg(t, Options{})
	staged := o.createUser("?activate=false", person("Sam", "Staged"))
	id := staged["id"].(string)
	linkNames := func() []string {
		return keys(o.do(http.MethodGet, "/api/v1/users/"+id, "").object(t)["_links"].(map[string]any))
	}
	steps := []struct {
		op   string
		want []string
	}{
		{"", []string{"activate", "resetFactors", "schema", "self", "type"}},
		{"activate", []string{"deactivate", "reactivate", "resetFactors", "resetPassword", "schema", "self", "suspend", "type"}},
		{"deactivate", []string{"activate", "delete", "resetFactors", "schema", "self", "type"}},
	}
	for _, s := range steps {
		if s.op != "" {
			mustStatus(t, o.do(http.MethodPost, "/api/v1/users/"+id+"/lifecycle/"+s.op, ""), http.StatusOK)
		}
		if got := linkNames(); !slices.Equal(got, s.want) {
			t.Errorf("after %q: _links %v, want %v", s.op, got, s.want)
		}
	}
}

func TestCreateValidation(t *testing.T) {
	o := newTestOrg(t, Options{CustomAttrs: []Attribute{
		{Name: "costCode", Type: "string", Enum: []string{"A1", "B2"}},
		{Name: "level", Type: "integer"},
		{Name: "badges", Type: "array"},
	}})
	o.createUser("", person("Ann", "Lee"))
	long := strings.Repeat("x", 51)
	cases := []struct {
		name, body, summary string
		causes              []string
	}{
		{"everything missing", `{"profile":{"crap":"bad"}}`, "Api validation failed: login", []string{
			"login: The field cannot be left blank", "firstName: The field cannot be left blank",
			"lastName: The field cannot be left blank", "email: The field cannot be left blank",
			"login: Username must be in the form of an email address"}},
		{"no profile", `{}`, "Api validation failed: login", []string{
			"login: The field cannot be left blank", "firstName: The field cannot be left blank",
			"lastName: The field cannot be left blank", "email: The field cannot be left blank",
			"login: Username must be in the form of an email address"}},
		{"login and email not emails", `{"profile":{"firstName":"A","lastName":"B","email":"nope","login":"nope-login"}}`,
			"Api validation failed: login", []string{"login: Username must be in the form of an email address", "email: Does not match required pattern"}},
		{"first name too long", `{"profile":{"firstName":"` + long + `","lastName":"B","email":"ab@example.com","login":"ab@example.com"}}`,
			"Api validation failed: firstName", []string{"firstName: The field cannot be longer than 50 characters"}},
		{"base attribute of the wrong type", `{"profile":{"firstName":"A","lastName":"B","email":"ab@example.com","login":"ab@example.com","city":7}}`,
			"Api validation failed: city", []string{"city: The field must be a string"}},
		{"undefined properties", `{"profile":{"firstName":"A","lastName":"B","email":"ab@example.com","login":"ab@example.com","zeta":1,"notValid":"x"}}`,
			"Api validation failed: newUser", []string{"Property name 'notValid' is not defined in profile", "Property name 'zeta' is not defined in profile"}},
		{"custom attribute of the wrong type", `{"profile":{"firstName":"A","lastName":"B","email":"ab@example.com","login":"ab@example.com","level":1.5}}`,
			"Api validation failed: level", []string{"level: The field must be of type integer"}},
		{"custom attribute outside its enum", `{"profile":{"firstName":"A","lastName":"B","email":"ab@example.com","login":"ab@example.com","costCode":"Z9"}}`,
			"Api validation failed: costCode", []string{"costCode: Does not match one of the enumerated values"}},
		{"array attribute given a string", `{"profile":{"firstName":"A","lastName":"B","email":"ab@example.com","login":"ab@example.com","badges":"gold"}}`,
			"Api validation failed: badges", []string{"badges: The field must be an array"}},
		{"login taken, in another case", `{"profile":{"firstName":"A","lastName":"B","email":"x@example.com","login":"ANN.LEE@example.com"}}`,
			"Api validation failed: login", []string{"login: An object with this field already exists in the current organization"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantError(t, o.do(http.MethodPost, "/api/v1/users", c.body), http.StatusBadRequest, "E0000001", c.summary, c.causes...)
		})
	}
	for _, body := range []string{`{"profile":`, ``, `[1,2]`, `{"profile":"x"}`} {
		wantError(t, o.do(http.MethodPost, "/api/v1/users", body), http.StatusBadRequest, "E0000003", "The request body was not well-formed.")
	}
	if n := len(o.org.Users()); n != 2 {
		t.Errorf("%d users after refused creates, want the admin and Ann", n)
	}
	ok := o.createUser("", person("Bo", "Ek")+`,"level":3,"costCode":"A1","badges":["gold"]`)
	if p := ok["profile"].(map[string]any); p["level"] != float64(3) || p["costCode"] != "A1" {
		t.Errorf("custom attributes not kept: %v", p)
	}
}

func TestCreateInGroups(t *testing.T) {
	o := newTestOrg(t, Options{})
	g := o.org.AddGroup("Sales", "")
	u := o.do(http.MethodPost, "/api/v1/users", `{"profile":{`+person("Ann", "Lee")+`},"groupIds":["`+g.ID+`"]}`)
	mustStatus(t, u, http.StatusOK)
	st, _ := o.org.UserByLogin("ann.lee@example.com")
	if !slices.Equal(st.GroupIDs, []string{g.ID}) {
		t.Errorf("GroupIDs %v, want [%s]", st.GroupIDs, g.ID)
	}
	ids := make([]string, 21)
	for i := range ids {
		ids[i] = `"` + g.ID + `"`
	}
	wantError(t, o.do(http.MethodPost, "/api/v1/users", `{"profile":{`+person("Bo", "Ek")+`},"groupIds":[`+strings.Join(ids, ",")+`]}`),
		http.StatusBadRequest, "E0000093", "Target count limit exceeded", "The number of group targets is too large")
	wantError(t, o.do(http.MethodPost, "/api/v1/users", `{"profile":{`+person("Bo", "Ek")+`},"groupIds":["00gnope"]}`),
		http.StatusBadRequest, "E0000001", "Api validation failed: groupIds", "groupIds: The group 00gnope does not exist")
}

func TestGetUser(t *testing.T) {
	o := newTestOrg(t, Options{})
	u := o.createUser("", `"firstName":"Tim","lastName":"O'Neil","email":"tim+ops/x@example.com","login":"tim+ops@example.com"`)
	id := u["id"].(string)
	for _, key := range []string{id, url.PathEscape("tim+ops@example.com"), "TIM%2BOPS@EXAMPLE.COM", "tim+ops"} {
		r := o.do(http.MethodGet, "/api/v1/users/"+key, "")
		mustStatus(t, r, http.StatusOK)
		if got := r.object(t)["id"]; got != id {
			t.Errorf("GET /users/%s = %v, want %s", key, got, id)
		}
	}
	wantError(t, o.do(http.MethodGet, "/api/v1/users/00unknown0000000000", ""), http.StatusNotFound, "E0000007",
		"Not found: Resource not found: 00unknown0000000000 (User)")
	wantError(t, o.do(http.MethodGet, "/api/v1/users/nobody@example.com", ""), http.StatusNotFound, "E0000007",
		"Not found: Resource not found: nobody@example.com (User)")
	// A login holding "/" is reached by id only, as in Okta.
	slash := o.createUser("", `"firstName":"S","lastName":"L","email":"s@example.com","login":"s/l@example.com"`)
	mustStatus(t, o.do(http.MethodGet, "/api/v1/users/"+url.PathEscape("s/l@example.com"), ""), http.StatusNotFound)
	mustStatus(t, o.do(http.MethodGet, "/api/v1/users/"+slash["id"].(string), ""), http.StatusOK)
	// A login short name that two users share is ambiguous, so not found.
	o.createUser("", `"firstName":"A","lastName":"B","email":"tim@other.example","login":"tim+ops@other.example"`)
	mustStatus(t, o.do(http.MethodGet, "/api/v1/users/tim+ops", ""), http.StatusNotFound)
}

func TestUpdateUser(t *testing.T) {
	o := newTestOrg(t, Options{})
	u := o.createUser("", person("Ann", "Lee")+`,"city":"Oslo"`)
	id := u["id"].(string)
	// POST is a partial update: city changes, the rest stays; null removes.
	r := o.do(http.MethodPost, "/api/v1/users/"+id, `{"profile":{"city":"Bergen","title":"CTO"}}`)
	mustStatus(t, r, http.StatusOK)
	if p := r.object(t)["profile"].(map[string]any); p["city"] != "Bergen" || p["firstName"] != "Ann" || p["title"] != "CTO" {
		t.Errorf("partial update gave %v", p)
	}
	r = o.do(http.MethodPost, "/api/v1/users/"+id, `{"profile":{"title":null}}`)
	if _, has := r.object(t)["profile"].(map[string]any)["title"]; has {
		t.Error("a null did not remove title")
	}
	// PUT replaces the whole profile, so required attributes must be there.
	wantError(t, o.do(http.MethodPut, "/api/v1/users/"+id, `{"profile":{"city":"Oslo"}}`), http.StatusBadRequest, "E0000001",
		"Api validation failed: login", "login: The field cannot be left blank", "firstName: The field cannot be left blank",
		"lastName: The field cannot be left blank", "email: The field cannot be left blank",
		"login: Username must be in the form of an email address")
	r = o.do(http.MethodPut, "/api/v1/users/"+id, `{"profile":{"firstName":"Ann","lastName":"Lee","email":"ann@new.example","login":"ann@new.example"}}`)
	mustStatus(t, r, http.StatusOK)
	if p := r.object(t)["profile"].(map[string]any); p["city"] != nil || p["login"] != "ann@new.example" {
		t.Errorf("replace gave %v", p)
	}
	if _, found := o.org.UserByLogin("ann.lee@example.com"); found {
		t.Error("the old login still finds the user")
	}
	if st, _ := o.org.UserByLogin("ANN@new.example"); st.ID != id {
		t.Error("the new login does not find the user")
	}
	// A password-only PUT moves passwordChanged, not lastUpdated.
	before := o.do(http.MethodGet, "/api/v1/users/"+id, "").object(t)
	o.advance(5e9)
	after := o.do(http.MethodPut, "/api/v1/users/"+id, `{"credentials":{"password":{"value":"N3w-Passw0rd"}}}`).object(t)
	if after["lastUpdated"] != before["lastUpdated"] || after["passwordChanged"] == before["passwordChanged"] {
		t.Errorf("password PUT: lastUpdated %v→%v, passwordChanged %v→%v", before["lastUpdated"], after["lastUpdated"], before["passwordChanged"], after["passwordChanged"])
	}
}

func TestCredentials(t *testing.T) {
	o := newTestOrg(t, Options{})
	u := o.do(http.MethodPost, "/api/v1/users", `{"profile":{`+person("Ann", "Lee")+`},"credentials":{"password":{"value":"Old-Passw0rd"}}}`).object(t)
	id := u["id"].(string)
	wantError(t, o.do(http.MethodPost, "/api/v1/users/"+id+"/credentials/change_password",
		`{"oldPassword":{"value":"wrong"},"newPassword":{"value":"New-Passw0rd"}}`),
		http.StatusForbidden, "E0000014", "Update of credentials failed", "oldPassword: The credentials provided were incorrect.")
	r := o.do(http.MethodPost, "/api/v1/users/"+id+"/credentials/change_password",
		`{"oldPassword":{"value":"Old-Passw0rd"},"newPassword":{"value":"New-Passw0rd"}}`)
	mustStatus(t, r, http.StatusOK)
	if got := keys(r.object(t)); !slices.Equal(got, []string{"password", "provider"}) {
		t.Errorf("credentials keys %v", got)
	}
	r = o.do(http.MethodPost, "/api/v1/users/"+id+"/credentials/change_recovery_question",
		`{"password":{"value":"New-Passw0rd"},"recovery_question":{"question":"Pet?","answer":"Rex"}}`)
	mustStatus(t, r, http.StatusOK)
	if q := r.object(t)["recovery_question"].(map[string]any)["question"]; q != "Pet?" {
		t.Errorf("question %v", q)
	}
	wantError(t, o.do(http.MethodPost, "/api/v1/users/"+id+"/credentials/change_recovery_question",
		`{"password":{"value":"Old-Passw0rd"},"recovery_question":{"question":"Pet?","answer":"Rex"}}`),
		http.StatusForbidden, "E0000014", "Update of credentials failed", "password: The credentials provided were incorrect.")
}

// TestPartialUpdateValidates checks POST /api/v1/users/{id} validates the
// merged profile like a create, and changes nothing when refused.
func TestPartialUpdateValidates(t *testing.T) {
	o := newTestOrg(t, Options{CustomAttrs: []Attribute{{Name: "employeeLevel", Type: "integer"}}})
	id := o.createUser("", person("Ann", "Lee"))["id"].(string)
	o.createUser("", person("Bob", "Kay"))
	post := func(body string) response { return o.do(http.MethodPost, "/api/v1/users/"+id, body) }
	wantError(t, post(`{"profile":{"nickName2":"x"}}`), http.StatusBadRequest, "E0000001", "Api validation failed: user",
		"Property name 'nickName2' is not defined in profile")
	wantError(t, post(`{"profile":{"email":"not-an-email"}}`), http.StatusBadRequest, "E0000001", "Api validation failed: email",
		"email: Does not match required pattern")
	wantError(t, post(`{"profile":{"login":"bob.kay@example.com"}}`), http.StatusBadRequest, "E0000001", "Api validation failed: login",
		"login: An object with this field already exists in the current organization")
	wantError(t, post(`{"profile":{"employeeLevel":"high"}}`), http.StatusBadRequest, "E0000001", "Api validation failed: employeeLevel",
		"employeeLevel: The field must be of type integer")
	wantError(t, post(`{"profile":{"lastName":null}}`), http.StatusBadRequest, "E0000001", "Api validation failed: lastName",
		"lastName: The field cannot be left blank")
	if st, _ := o.org.UserByLogin("ann.lee@example.com"); st.Profile["lastName"] != "Lee" || len(st.Profile) != 4 {
		t.Errorf("a refused update changed the profile: %v", st.Profile)
	}
	r := post(`{"profile":{"employeeLevel":3,"department":"Sales"}}`)
	mustStatus(t, r, http.StatusOK)
	if p := r.object(t)["profile"].(map[string]any); p["employeeLevel"] != 3.0 || p["department"] != "Sales" || p["firstName"] != "Ann" {
		t.Errorf("profile %v", p)
	}
	wantError(t, o.do(http.MethodPost, "/api/v1/users/00unobody", `{"profile":{"city":"x"}}`), http.StatusNotFound, "E0000007",
		"Not found: Resource not found: 00unobody (User)")
	mustStatus(t, o.do(http.MethodPost, "/api/v1/users/"+id+"/lifecycle/deactivate", ""), http.StatusOK)
	wantError(t, post(`{"profile":{"city":"x"}}`), http.StatusForbidden, "E0000038", "This operation is not allowed in the user's current status.")
}
