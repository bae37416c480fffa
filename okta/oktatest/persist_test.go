package oktatest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

func TestSaveAndLoad(t *testing.T) {
	o := newTestOrg(t, Options{Token: "tok-1", SeedUsers: 2, Seed: 9, CustomAttrs: []Attribute{{Name: "tier", Type: "string", Enum: []string{"a", "b"}}}})
	u := o.do(http.MethodPost, "/api/v1/users", `{"profile":{`+person("Ann", "Lee")+`,"tier":"a","nickName":"Annie"},"credentials":{"password":{"value":"Saved-Passw0rd"},"recovery_question":{"question":"Q?","answer":"A"}}}`).object(t)
	g := o.org.AddGroup("Ops", "On call")
	o.do(http.MethodPut, "/api/v1/groups/"+g.ID+"/users/"+u["id"].(string), "")
	o.do(http.MethodPost, "/api/v1/meta/schemas/user/default", `{"definitions":{"custom":{"properties":{"badge":{"title":"Badge","type":"array","items":{"type":"string"}}}}}}`)
	staged := o.org.AddUser(map[string]any{"login": "s@example.com"}, "STAGED")

	var buf bytes.Buffer
	if err := o.org.Save(&buf); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"tok-1", "Saved-Passw0rd"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("the saved org contains %q", secret)
		}
	}
	loaded, err := LoadOrg(bytes.NewReader(buf.Bytes()), Options{Token: "tok-2"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(o.org.Users(), loaded.Users()) {
		t.Errorf("users differ:\n%+v\n%+v", o.org.Users(), loaded.Users())
	}
	if !reflect.DeepEqual(o.org.Groups(), loaded.Groups()) {
		t.Errorf("groups differ:\n%+v\n%+v", o.org.Groups(), loaded.Groups())
	}
	loaded.now = o.clock.now // LoadOrg runs on the real clock; compare on the test's
	srv := httptest.NewServer(loaded)
	defer srv.Close()
	l := &testOrg{t: t, org: loaded, srv: srv, clock: o.clock}
	// Same documents over the same host: schema, users, log.
	for _, path := range []string{"/api/v1/meta/schemas/user/default", "/api/v1/users/" + u["id"].(string), "/api/v1/logs?since=2026-03-01T00:00:00Z"} {
		a := o.do(http.MethodGet, path, "")
		b := l.do(http.MethodGet, path, "")
		mustStatus(t, b, http.StatusOK)
		if strings.ReplaceAll(string(a.body), o.srv.URL, "") != strings.ReplaceAll(string(b.body), srv.URL, "") {
			t.Errorf("GET %s differs after reload:\n%s\n%s", path, a.body, b.body)
		}
	}
	// The password still works, the new token too, the old one not.
	mustStatus(t, l.do(http.MethodPost, "/api/v1/users/"+u["id"].(string)+"/credentials/change_password",
		`{"oldPassword":{"value":"Saved-Passw0rd"},"newPassword":{"value":"Next-Passw0rd"}}`), http.StatusOK)
	mustStatus(t, l.doAuth(http.MethodGet, "/api/v1/users/me", "", "SSWS tok-1"), http.StatusUnauthorized)
	// New objects get fresh ids.
	n := l.createUser("", person("New", "One"))
	for _, st := range o.org.Users() {
		if st.ID == n["id"] {
			t.Errorf("a new user after reload reuses id %s", st.ID)
		}
	}
	if got, _ := loaded.UserByLogin(staged.Login); got.Status != "STAGED" {
		t.Errorf("staged user came back %s", got.Status)
	}
}

func TestLoadOrgRejectsBadInput(t *testing.T) {
	for name, in := range map[string]string{
		"not JSON":         "{",
		"future version":   `{"version":99}`,
		"no admin":         `{"version":1,"org":{"adminId":"00ux"},"users":[]}`,
		"user twice":       `{"version":1,"org":{"adminId":"00ua"},"users":[{"id":"00ua","profile":{"login":"a@x.io"}},{"id":"00ua","profile":{"login":"b@x.io"}}]}`,
		"user w/o login":   `{"version":1,"org":{"adminId":"00ua"},"users":[{"id":"00ua","profile":{}}]}`,
		"group without id": `{"version":1,"org":{"adminId":"00ua"},"users":[{"id":"00ua","profile":{"login":"a@x.io"}}],"groups":[{"name":"x"}]}`,
	} {
		if _, err := LoadOrg(strings.NewReader(in), Options{}); err == nil {
			t.Errorf("%s: LoadOrg accepted %s", name, in)
		} else if !strings.HasPrefix(err.Error(), "oktatest: ") {
			t.Errorf("%s: error %q does not say where it comes from", name, err)
		}
	}
}
