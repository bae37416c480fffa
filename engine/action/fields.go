package action

import "github.com/oktaflow/oktaflow/storage"

// baseProfile is Okta's base user profile, for an account whose schema was
// never fetched. Refreshing the schema replaces it with the org's own list,
// custom attributes included.
var baseProfile = []storage.SchemaField{
	{Name: "login", Title: "Username", Type: "string", Required: true, Description: "usually the email address"},
	{Name: "firstName", Title: "First name", Type: "string", Required: true},
	{Name: "lastName", Title: "Last name", Type: "string", Required: true},
	{Name: "email", Title: "Primary email", Type: "string", Required: true},
	{Name: "middleName", Title: "Middle name", Type: "string"},
	{Name: "displayName", Title: "Display name", Type: "string"},
	{Name: "nickName", Title: "Nickname", Type: "string"},
	{Name: "secondEmail", Title: "Secondary email", Type: "string"},
	{Name: "mobilePhone", Title: "Mobile phone", Type: "string"},
	{Name: "primaryPhone", Title: "Primary phone", Type: "string"},
	{Name: "title", Title: "Title", Type: "string"},
	{Name: "department", Title: "Department", Type: "string"},
	{Name: "division", Title: "Division", Type: "string"},
	{Name: "organization", Title: "Organization", Type: "string"},
	{Name: "costCenter", Title: "Cost center", Type: "string"},
	{Name: "employeeNumber", Title: "Employee number", Type: "string"},
	{Name: "userType", Title: "User type", Type: "string"},
	{Name: "manager", Title: "Manager", Type: "string"},
	{Name: "managerId", Title: "Manager ID", Type: "string"},
	{Name: "city", Title: "City", Type: "string"},
	{Name: "state", Title: "State", Type: "string"},
	{Name: "countryCode", Title: "Country code", Type: "string"},
	{Name: "locale", Title: "Locale", Type: "string"},
	{Name: "timezone", Title: "Time zone", Type: "string"},
}

// profileFields turns a schema (or the base profile) into mappable fields,
// leaving out what Okta does not let an API client write.
func profileFields(schema storage.UserSchema) []Field {
	src := schema.Fields
	if len(src) == 0 {
		src = baseProfile
	}
	out := make([]Field, 0, len(src))
	for _, f := range src {
		if f.ReadOnly {
			continue
		}
		out = append(out, Field{Name: f.Name, Title: f.Title, Description: f.Description, Type: FieldType(f.Type),
			Required: f.Required, Custom: f.Custom, Enum: f.Enum, Items: FieldType(f.ItemsType)})
	}
	return out
}
