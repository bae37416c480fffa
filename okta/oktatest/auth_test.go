package oktatest

import (
	"net/http"
	"strings"
	"testing"
)

func TestAuth(t *testing.T) {
	o := newTestOrg(t, Options{Token: "s3cret"})
	cases := []struct {
		name, auth string
		status     int
		code, sum  string
	}{
		{"no header", "", http.StatusForbidden, "E0000005", "Invalid session"},
		{"token without scheme", "s3cret", http.StatusForbidden, "E0000005", "Invalid session"},
		{"wrong token", "SSWS nope", http.StatusUnauthorized, "E0000011", "Invalid token provided"},
		{"scheme without token", "SSWS", http.StatusForbidden, "E0000005", "Invalid session"},
		{"other token case", "SSWS S3CRET", http.StatusUnauthorized, "E0000011", "Invalid token provided"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := o.doAuth(http.MethodGet, "/api/v1/users/me", "", c.auth)
			wantError(t, r, c.status, c.code, c.sum)
			if got := r.header.Get("WWW-Authenticate"); (c.status == http.StatusUnauthorized) != (got == "SSWS") {
				t.Errorf("WWW-Authenticate %q on a %d", got, c.status)
			}
		})
	}
	r := o.doAuth(http.MethodGet, "/api/v1/users/me", "", "SSWS s3cret")
	mustStatus(t, r, http.StatusOK)
	// The API token is no access token: Bearer is OAuth, answered as
	// Okta's resource server does (see oauth_test.go).
	r = o.doAuth(http.MethodGet, "/api/v1/users/me", "", "Bearer s3cret")
	if mustStatus(t, r, http.StatusUnauthorized); !strings.Contains(r.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("Bearer with the API token: WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
	}
}

func TestMeIsTheTokenOwner(t *testing.T) {
	o := newTestOrg(t, Options{AdminLogin: "jane.admin@acme.example"})
	me := o.do(http.MethodGet, "/api/v1/users/me", "").object(t)
	p := me["profile"].(map[string]any)
	if p["login"] != "jane.admin@acme.example" || p["firstName"] != "Jane" || p["lastName"] != "Admin" || me["status"] != "ACTIVE" {
		t.Fatalf("me = %v", me)
	}
	if _, ok := me["_links"].(map[string]any)["deactivate"]; !ok {
		t.Errorf("me carries the full _links of a single user, got %v", me["_links"])
	}
	roles := o.do(http.MethodGet, "/api/v1/users/me/roles", "").list(t)
	if len(roles) != 1 || roles[0].(map[string]any)["type"] != "SUPER_ADMIN" {
		t.Errorf("the admin's roles = %v, want one SUPER_ADMIN", roles)
	}
	// Deactivating the admin revokes the token, as in Okta.
	mustStatus(t, o.do(http.MethodPost, "/api/v1/users/"+me["id"].(string)+"/lifecycle/deactivate", ""), http.StatusOK)
	wantError(t, o.do(http.MethodGet, "/api/v1/users/me", ""), http.StatusUnauthorized, "E0000011", "Invalid token provided")
}

func TestTokenNeverLeaks(t *testing.T) {
	const token = "00aTOKENxyz-never-print"
	var infos []RequestInfo
	o := newTestOrg(t, Options{Token: token, OnRequest: func(i RequestInfo) { infos = append(infos, i) }})
	o.do(http.MethodGet, "/api/v1/users/me", "")
	o.doAuth(http.MethodGet, "/api/v1/users/me", "", "SSWS wrong")
	o.do(http.MethodPost, "/api/v1/users", `{"profile":{`+person("Ann", "Lee")+`}}`)
	logs := o.do(http.MethodGet, "/api/v1/logs", "")
	if len(infos) != 4 {
		t.Fatalf("OnRequest called %d times for 4 requests", len(infos))
	}
	for _, i := range infos {
		if i.Bucket == "" || i.RequestID == "" || i.Method == "" || i.Path == "" {
			t.Errorf("incomplete RequestInfo %+v", i)
		}
	}
	var saved stringsBuilder
	if err := o.org.Save(&saved); err != nil {
		t.Fatal(err)
	}
	for where, text := range map[string]string{"log": string(logs.body), "saved org": saved.String()} {
		if containsFold(text, token) {
			t.Errorf("the token appears in the %s", where)
		}
	}
}
