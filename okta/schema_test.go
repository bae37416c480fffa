package okta

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

const schemaDoc = `{"id":"https://acme.okta.com/meta/schemas/user/default","$schema":"http://json-schema.org/draft-04/schema#",
"name":"user","title":"User","description":"Okta user profile template",
"definitions":{
 "custom":{"id":"#custom","type":"object","required":["costCenter"],"properties":{
   "costCenter":{"title":"Cost center","type":"string","minLength":2.0,"pattern":"[A-Z]+","mutability":"READ_WRITE","scope":"NONE"},
   "level":{"title":"Level","type":"integer","enum":[1,2,3],"oneOf":[{"const":1,"title":"Junior"},{"const":2,"title":"Mid"},{"const":3,"title":"Senior"}]},
   "tags":{"title":"Tags","type":"array","items":{"type":"string","enum":["a","b"],"oneOf":[{"const":"a","title":"A"},{"const":"b","title":"B"}]},"unique":"UNIQUE_VALIDATED"}}},
 "base":{"id":"#base","type":"object","required":["login","firstName"],"properties":{
   "login":{"title":"Username","type":"string","required":true,"minLength":5,"maxLength":100},
   "firstName":{"title":"First name","type":"string","minLength":1,"maxLength":50},
   "email":{"title":"Primary email","type":"string","required":true,"format":"email","description":"Where mail goes"},
   "nickName":{"title":"Nickname","type":"string","mutability":"READ_ONLY"}}}},
"type":"object","properties":{"profile":{"allOf":[{"$ref":"#/definitions/custom"},{"$ref":"#/definitions/base"}]}}}`

func TestGetUserSchema(t *testing.T) {
	c, _, _ := scripted(t, []exchange{{method: "GET", path: "/api/v1/meta/schemas/user/default", resp: schemaDoc}})
	s, err := c.GetUserSchema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range s.Fields {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, ","); got != "login,firstName,email,nickName,costCenter,level,tags" {
		t.Fatalf("field order %s; want base first, each in document order", got)
	}
	login, _ := s.Field("login")
	first, _ := s.Field("firstName")
	email, _ := s.Field("email")
	nick, _ := s.Field("nickName")
	cc, _ := s.Field("costCenter")
	level, _ := s.Field("level")
	tags, _ := s.Field("tags")
	switch {
	case !login.Required || login.Custom || *login.MinLength != 5 || *login.MaxLength != 100 || login.Title != "Username":
		t.Errorf("login %+v", login)
	case !first.Required: // only in definitions.base.required
		t.Errorf("firstName not required: %+v", first)
	case !email.Required || email.Format != "email" || email.Description != "Where mail goes":
		t.Errorf("email %+v", email)
	case nick.Required || nick.Mutability != "READ_ONLY" || nick.MinLength != nil:
		t.Errorf("nickName %+v", nick)
	case !cc.Custom || !cc.Required || *cc.MinLength != 2 || cc.Pattern != "[A-Z]+" || cc.Scope != "NONE":
		t.Errorf("costCenter %+v", cc)
	case level.Type != "integer" || len(level.Enum) != 3 || len(level.OneOf) != 3 || level.OneOf[2].Title != "Senior" || level.OneOf[2].Const != 3.0:
		t.Errorf("level %+v", level)
	case tags.Type != "array" || tags.ItemsType != "string" || len(tags.Enum) != 2 || tags.OneOf[1].Title != "B" || tags.Required:
		t.Errorf("tags %+v", tags)
	}
	if _, ok := s.Field("nope"); ok {
		t.Error("Field found a missing attribute")
	}
	if s.ID != "https://acme.okta.com/meta/schemas/user/default" || s.Name != "user" || s.Title != "User" {
		t.Errorf("schema header %+v", s)
	}
	out, _ := json.Marshal(s)
	assertSameJSON(t, schemaDoc, string(out))
	assertSameJSON(t, schemaDoc, string(s.Raw()))
}

func TestUserSchemaOddDocuments(t *testing.T) {
	for _, doc := range []string{`{}`, `{"definitions":null}`, `{"definitions":{"base":{"properties":null}}}`, `{"definitions":{"base":{"properties":{"x":7}}}}`} {
		var s UserSchema
		if err := json.Unmarshal([]byte(doc), &s); err != nil {
			t.Errorf("%s: %v", doc, err)
		}
	}
	var s UserSchema
	if err := json.Unmarshal([]byte(`{"definitions":{"base":{"properties":{"x":7}}}}`), &s); err != nil || len(s.Fields) != 1 || s.Fields[0].Name != "x" {
		t.Errorf("an attribute of an odd shape is dropped: %+v", s.Fields)
	}
	if err := json.Unmarshal([]byte(`[1]`), &s); err == nil {
		t.Error("a non-object schema decoded")
	}
}
