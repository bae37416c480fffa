package oktatest

import (
	"net/http"
	"slices"
	"testing"
)

func TestSchemaDocument(t *testing.T) {
	o := newTestOrg(t, Options{CustomAttrs: []Attribute{
		{Name: "costCode", Type: "string", Title: "Cost center code", Description: "Finance code", Required: true},
		{Name: "tier", Type: "string", Enum: []string{"gold", "silver"}},
	}})
	r := o.do(http.MethodGet, "/api/v1/meta/schemas/user/default", "")
	mustStatus(t, r, http.StatusOK)
	doc := r.object(t)
	if got := keys(doc); !slices.Equal(got, []string{"$schema", "_links", "created", "definitions", "description", "id", "lastUpdated", "name", "properties", "title", "type"}) {
		t.Errorf("schema keys %v", got)
	}
	if doc["id"] != o.srv.URL+"/meta/schemas/user/default" {
		t.Errorf("id %v", doc["id"])
	}
	defs := doc["definitions"].(map[string]any)
	base := defs["base"].(map[string]any)
	if req := base["required"].([]any); len(req) != 4 {
		t.Errorf("base required %v", req)
	}
	if n := len(base["properties"].(map[string]any)); n != 31 {
		t.Errorf("%d base properties, want the 31 recorded", n)
	}
	login := base["properties"].(map[string]any)["login"].(map[string]any)
	if login["minLength"] != float64(5) || login["maxLength"] != float64(100) || login["required"] != true {
		t.Errorf("login property %v", login)
	}
	custom := defs["custom"].(map[string]any)
	cc := custom["properties"].(map[string]any)["costCode"].(map[string]any)
	if cc["title"] != "Cost center code" || cc["description"] != "Finance code" || cc["required"] != true || cc["type"] != "string" {
		t.Errorf("costCode %v", cc)
	}
	if req := custom["required"].([]any); len(req) != 1 || req[0] != "costCode" {
		t.Errorf("custom required %v", req)
	}
	tier := custom["properties"].(map[string]any)["tier"].(map[string]any)
	if len(tier["enum"].([]any)) != 2 || len(tier["oneOf"].([]any)) != 2 {
		t.Errorf("tier %v", tier)
	}
	// A required custom attribute must be given on create.
	wantError(t, o.do(http.MethodPost, "/api/v1/users", `{"profile":{`+person("A", "B")+`}}`), http.StatusBadRequest, "E0000001",
		"Api validation failed: costCode", "costCode: The field cannot be left blank")
	selfHref := doc["_links"].(map[string]any)["self"].(map[string]any)["href"].(string)
	mustStatus(t, o.do(http.MethodGet, selfHref[len(o.srv.URL):], ""), http.StatusOK)
	wantError(t, o.do(http.MethodGet, "/api/v1/meta/schemas/user/oscnope", ""), http.StatusNotFound, "E0000007", "Not found: Resource not found: oscnope (UserSchema)")
}

func TestSchemaUpdate(t *testing.T) {
	o := newTestOrg(t, Options{})
	// Recorded request of TestAccDataSourceOktaUser_read #0.
	r := o.do(http.MethodPost, "/api/v1/meta/schemas/user/default",
		`{"definitions":{"custom":{"id":"#custom","properties":{"array123":{"items":{"type":"string"},"master":{"type":"PROFILE_MASTER"},"permissions":[{"action":"READ_ONLY","principal":"SELF"}],"required":false,"scope":"NONE","title":"terraform acceptance test","type":"array"}},"type":"object"}}}`)
	mustStatus(t, r, http.StatusOK)
	prop := r.object(t)["definitions"].(map[string]any)["custom"].(map[string]any)["properties"].(map[string]any)["array123"].(map[string]any)
	if got := keys(prop); !slices.Equal(got, []string{"items", "mutability", "permissions", "scope", "title", "type"}) {
		t.Errorf("normalized property keys %v (required:false and master dropped, mutability added)", got)
	}
	u := o.createUser("", person("Ann", "Lee")+`,"array123":["x"]`)
	r = o.do(http.MethodPost, "/api/v1/meta/schemas/user/default", `{"definitions":{"custom":{"id":"#custom","properties":{"array123":null},"type":"object"}}}`)
	mustStatus(t, r, http.StatusOK)
	custom := r.object(t)["definitions"].(map[string]any)["custom"].(map[string]any)
	if _, has := custom["required"]; has || len(custom["properties"].(map[string]any)) != 0 {
		t.Errorf("after removing the last property: %v (recorded: no required key)", custom)
	}
	if _, has := o.do(http.MethodGet, "/api/v1/users/"+u["id"].(string), "").object(t)["profile"].(map[string]any)["array123"]; has {
		t.Error("a removed attribute is still in a profile")
	}
	wantError(t, o.do(http.MethodPost, "/api/v1/users", `{"profile":{`+person("Bo", "Ek")+`,"array123":["x"]}}`), http.StatusBadRequest,
		"E0000001", "Api validation failed: newUser", "Property name 'array123' is not defined in profile")
	for _, bad := range []string{
		`{"definitions":{"custom":{"properties":{"x":{"title":"X","type":"date"}}}}}`,
		`{"definitions":{"custom":{"properties":{"x":{"type":"string"}}}}}`,
		`{"definitions":{"custom":{"properties":{"login":{"title":"L","type":"string"}}}}}`,
	} {
		mustStatus(t, o.do(http.MethodPost, "/api/v1/meta/schemas/user/default", bad), http.StatusBadRequest)
	}
	wantError(t, o.do(http.MethodPost, "/api/v1/meta/schemas/user/default", `{"definitions":`), http.StatusBadRequest, "E0000003", "The request body was not well-formed.")

	master := newTestOrg(t, Options{Shape: Shape{SchemaMaster: true}})
	r = master.do(http.MethodPost, "/api/v1/meta/schemas/user/default",
		`{"definitions":{"custom":{"properties":{"t":{"title":"T","type":"string","master":{"type":"OKTA"}}}}}}`)
	prop = r.object(t)["definitions"].(map[string]any)["custom"].(map[string]any)["properties"].(map[string]any)["t"].(map[string]any)
	if m, _ := prop["master"].(map[string]any); m["type"] != "OKTA" {
		t.Errorf("a mid-2025 org keeps master: %v", prop)
	}
}
