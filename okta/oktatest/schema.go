package oktatest

import (
	"slices"
	"time"
)

// schema is the default user type's profile schema: the fixed base
// properties and the org's custom ones, in the order they were added.
type schema struct {
	Created     time.Time    `json:"created"`
	LastUpdated time.Time    `json:"lastUpdated"`
	Custom      []customProp `json:"custom"`
}

// customProp is one custom attribute, kept as Okta answers it (normalized
// by normalizeCustom).
type customProp struct {
	Name string `json:"name"`
	Def  object `json:"def"`
}

// baseAttr is one base profile property as the recorded schemas show it.
type baseAttr struct {
	name, title, format  string
	required             bool
	minLength, maxLength int
	selfAction           string // permissions: what the user may do with it
}

// baseAttrs are the base properties of the recorded schemas, in their order.
var baseAttrs = []baseAttr{
	{"login", "Username", "", true, 5, 100, "READ_ONLY"},
	{"firstName", "First name", "", true, 1, 50, "READ_WRITE"},
	{"lastName", "Last name", "", true, 1, 50, "READ_WRITE"},
	{"middleName", "Middle name", "", false, 0, 0, "READ_ONLY"},
	{"honorificPrefix", "Honorific prefix", "", false, 0, 0, "READ_ONLY"},
	{"honorificSuffix", "Honorific suffix", "", false, 0, 0, "READ_ONLY"},
	{"email", "Primary email", "email", true, 0, 0, "READ_WRITE"},
	{"title", "Title", "", false, 0, 0, "READ_ONLY"},
	{"displayName", "Display name", "", false, 0, 0, "READ_ONLY"},
	{"nickName", "Nickname", "", false, 0, 0, "READ_ONLY"},
	{"profileUrl", "Profile Url", "uri", false, 0, 0, "READ_ONLY"},
	{"secondEmail", "Secondary email", "email", false, 0, 0, "READ_WRITE"},
	{"mobilePhone", "Mobile phone", "", false, 0, 100, "READ_WRITE"},
	{"primaryPhone", "Primary phone", "", false, 0, 100, "HIDE"},
	{"streetAddress", "Street address", "", false, 0, 0, "HIDE"},
	{"city", "City", "", false, 0, 0, "HIDE"},
	{"state", "State", "", false, 0, 0, "HIDE"},
	{"zipCode", "Zip code", "", false, 0, 0, "HIDE"},
	{"countryCode", "Country code", "country-code", false, 0, 0, "HIDE"},
	{"postalAddress", "Postal Address", "", false, 0, 0, "HIDE"},
	{"preferredLanguage", "Preferred language", "language-code", false, 0, 0, "READ_ONLY"},
	{"locale", "Locale", "locale", false, 0, 0, "READ_ONLY"},
	{"timezone", "Time zone", "timezone", false, 0, 0, "READ_ONLY"},
	{"userType", "User type", "", false, 0, 0, "READ_ONLY"},
	{"employeeNumber", "Employee number", "", false, 0, 0, "READ_ONLY"},
	{"costCenter", "Cost center", "", false, 0, 0, "READ_ONLY"},
	{"organization", "Organization", "", false, 0, 0, "READ_ONLY"},
	{"division", "Division", "", false, 0, 0, "READ_ONLY"},
	{"department", "Department", "", false, 0, 0, "READ_ONLY"},
	{"managerId", "ManagerId", "", false, 0, 0, "READ_ONLY"},
	{"manager", "Manager", "", false, 0, 0, "READ_ONLY"},
}

// baseRequired are the base properties a user must have.
var baseRequired = []string{"login", "firstName", "lastName", "email"}

// baseProperty returns the base property called name.
func baseProperty(name string) (baseAttr, bool) {
	i := slices.IndexFunc(baseAttrs, func(a baseAttr) bool { return a.name == name })
	if i < 0 {
		return baseAttr{}, false
	}
	return baseAttrs[i], true
}

// render is the base property's schema object.
func (a baseAttr) render(master bool) object {
	p := object{{"title", a.title}, {"type", "string"}}
	if a.required {
		p = append(p, member{"required", true})
	}
	if a.format != "" {
		p = append(p, member{"format", a.format})
	}
	p = append(p, member{"mutability", "READ_WRITE"}, member{"scope", "NONE"})
	if a.minLength > 0 {
		p = append(p, member{"minLength", a.minLength})
	}
	if a.maxLength > 0 {
		p = append(p, member{"maxLength", a.maxLength})
	}
	p = append(p, member{"permissions", []object{{{"principal", "SELF"}, {"action", a.selfAction}}}})
	if master {
		p = append(p, member{"master", object{{"type", "PROFILE_MASTER"}}})
	}
	return p
}

// newSchema builds the schema with the custom attributes of Options.
func newSchema(t time.Time, attrs []Attribute, master bool) schema {
	s := schema{Created: t, LastUpdated: t}
	for _, a := range attrs {
		s.Custom = append(s.Custom, customProp{Name: a.Name, Def: attributeDef(a, master)})
	}
	return s
}

// attributeDef is the schema object of a custom attribute from Options.
func attributeDef(a Attribute, master bool) object {
	title := a.Title
	if title == "" {
		title = a.Name
	}
	p := object{{"title", title}}
	if a.Description != "" {
		p = append(p, member{"description", a.Description})
	}
	p = append(p, member{"type", a.Type})
	if a.Required {
		p = append(p, member{"required", true})
	}
	p = append(p, member{"mutability", "READ_WRITE"}, member{"scope", "NONE"})
	var enum, oneOf []any
	for _, v := range a.Enum {
		enum = append(enum, v)
		oneOf = append(oneOf, object{{"const", v}, {"title", v}})
	}
	switch {
	case a.Type == "array":
		items := object{{"type", "string"}}
		if enum != nil {
			items = append(items, member{"enum", enum}, member{"oneOf", oneOf})
		}
		p = append(p, member{"items", items})
	case enum != nil:
		p = append(p, member{"enum", enum}, member{"oneOf", oneOf})
	}
	p = append(p, member{"permissions", []object{{{"principal", "SELF"}, {"action", "READ_ONLY"}}}})
	if master {
		p = append(p, member{"master", object{{"type", "PROFILE_MASTER"}}})
	}
	return p
}

// customDef returns the custom property called name.
func (s *schema) customDef(name string) (object, bool) {
	for _, c := range s.Custom {
		if c.Name == name {
			return c.Def, true
		}
	}
	return nil, false
}

// render is the user schema document, shaped as recorded
// (test_get_user_schema, TestAccResourceOktaUserSchema_enum_string).
func (o *Org) renderSchema(base string) object {
	master := o.opts.Shape.SchemaMaster
	custom := object{{"id", "#custom"}, {"type", "object"}}
	props := object{}
	var required []string
	for _, c := range o.schema.Custom {
		props = append(props, member{c.Name, c.Def})
		if r, _ := c.Def.get("required"); r == true {
			required = append(required, c.Name)
		}
	}
	custom = append(custom, member{"properties", props})
	if len(props) > 0 {
		// Recorded: "required" is [] beside properties, and absent once
		// the last custom property is removed.
		custom = append(custom, member{"required", orEmpty(required)})
	}
	baseProps := object{}
	for _, a := range baseAttrs {
		baseProps = append(baseProps, member{a.name, a.render(master)})
	}
	schemaURL := base + "/api/v1/meta/schemas/user/" + o.meta.schemaID()
	return object{
		{"id", base + "/meta/schemas/user/default"},
		{"$schema", "http://json-schema.org/draft-04/schema#"},
		{"name", "user"},
		{"title", "User"},
		{"description", "Okta user profile template with default permission settings"},
		{"lastUpdated", timeJSON(o.schema.LastUpdated)},
		{"created", timeJSON(o.schema.Created)},
		{"definitions", object{
			{"custom", custom},
			{"base", object{{"id", "#base"}, {"type", "object"}, {"properties", baseProps}, {"required", baseRequired}}},
		}},
		{"type", "object"},
		{"properties", object{{"profile", object{{"allOf", []object{
			{{"$ref", "#/definitions/custom"}},
			{{"$ref", "#/definitions/base"}},
		}}}}}},
		{"_links", object{
			{"self", object{{"rel", "self"}, {"href", schemaURL}, {"method", "GET"}}},
			{"type", object{{"rel", "type"}, {"href", base + "/api/v1/meta/types/user/" + o.meta.TypeID}, {"method", "GET"}}},
		}},
	}
}

// orEmpty makes a nil slice encode as [] rather than null.
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
