package okta

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
)

// UserSchema is the default user schema (GET /api/v1/meta/schemas/user/default), parsed into
// the profile attributes a mapping screen needs. The document itself is kept: MarshalJSON
// returns it as received, and Raw gives it to callers that need more than Fields.
type UserSchema struct {
	ID          string
	Name        string
	Title       string
	Description string
	Fields      []SchemaField // base attributes first, then custom ones, each in document order
	raw         json.RawMessage
}

// SchemaField is one profile attribute.
type SchemaField struct {
	Name        string
	Title       string
	Description string
	Type        string // string, boolean, integer, number, array
	ItemsType   string // element type of an array
	Required    bool   // required:true on the attribute, or listed in its definition's required
	Enum        []any  // allowed values (of the elements, for an array)
	OneOf       []SchemaChoice
	MinLength   *int
	MaxLength   *int
	Format      string // email, uri, country-code, ...
	Pattern     string
	Mutability  string // READ_WRITE, READ_ONLY, IMMUTABLE, WRITE_ONLY
	Scope       string // NONE, SELF
	Custom      bool   // from definitions.custom (or any definition but base)
}

// SchemaChoice is one oneOf entry: an allowed value and its display title.
type SchemaChoice struct {
	Const any    `json:"const"`
	Title string `json:"title"`
}

// GetUserSchema fetches and parses the default user schema.
func (c *Client) GetUserSchema(ctx context.Context) (*UserSchema, error) {
	s := new(UserSchema)
	_, err := c.call(ctx, &request{method: http.MethodGet, path: "/api/v1/meta/schemas/user/default"}, s)
	return result(s, err)
}

// Raw returns the schema document as received.
func (s *UserSchema) Raw() json.RawMessage { return s.raw }

// Field returns the attribute called name.
func (s *UserSchema) Field(name string) (SchemaField, bool) {
	i := slices.IndexFunc(s.Fields, func(f SchemaField) bool { return f.Name == name })
	if i < 0 {
		return SchemaField{}, false
	}
	return s.Fields[i], true
}

// MarshalJSON returns the document as received.
func (s UserSchema) MarshalJSON() ([]byte, error) {
	if s.raw == nil {
		return []byte("null"), nil
	}
	return s.raw, nil
}

// UnmarshalJSON parses a user schema document and keeps it.
func (s *UserSchema) UnmarshalJSON(data []byte) error {
	var doc struct {
		ID          string          `json:"id"`
		Name        string          `json:"name"`
		Title       string          `json:"title"`
		Description string          `json:"description"`
		Definitions json.RawMessage `json:"definitions"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return err
	}
	*s = UserSchema{ID: doc.ID, Name: doc.Name, Title: doc.Title, Description: doc.Description,
		raw: bytes.Clone(data)}
	if len(doc.Definitions) == 0 || string(doc.Definitions) == "null" {
		return nil
	}
	var defs map[string]json.RawMessage
	w, err := decodeObject(doc.Definitions, nil, &defs)
	if err != nil {
		return err
	}
	order := slices.Clone(w.order)
	slices.SortStableFunc(order, func(a, b string) int { return defRank(a) - defRank(b) })
	for _, name := range order {
		fields, err := parseDefinition(defs[name], name != "base")
		if err != nil {
			return err
		}
		s.Fields = append(s.Fields, fields...)
	}
	return nil
}

// defRank orders definitions: base, custom, then the rest as in the document.
func defRank(name string) int {
	switch name {
	case "base":
		return 0
	case "custom":
		return 1
	}
	return 2
}

// schemaAttr is the part of a UserSchemaAttribute that SchemaField shows. Lengths are read
// as numbers so that 5.0 is as good as 5.
type schemaAttr struct {
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Type        string         `json:"type"`
	Required    bool           `json:"required"`
	Enum        []any          `json:"enum"`
	OneOf       []SchemaChoice `json:"oneOf"`
	MinLength   *float64       `json:"minLength"`
	MaxLength   *float64       `json:"maxLength"`
	Format      string         `json:"format"`
	Pattern     string         `json:"pattern"`
	Mutability  string         `json:"mutability"`
	Scope       string         `json:"scope"`
	Items       *struct {
		Type  string         `json:"type"`
		Enum  []any          `json:"enum"`
		OneOf []SchemaChoice `json:"oneOf"`
	} `json:"items"`
}

// parseDefinition reads one definition's properties in document order.
func parseDefinition(raw json.RawMessage, custom bool) ([]SchemaField, error) {
	var def struct {
		Properties json.RawMessage `json:"properties"`
		Required   []string        `json:"required"`
	}
	if err := json.Unmarshal(raw, &def); err != nil || len(def.Properties) == 0 || string(def.Properties) == "null" {
		return nil, err
	}
	var props map[string]json.RawMessage
	w, err := decodeObject(def.Properties, nil, &props)
	if err != nil {
		return nil, err
	}
	fields := make([]SchemaField, 0, len(w.order))
	for _, name := range w.order {
		f := SchemaField{Name: name, Custom: custom, Required: slices.Contains(def.Required, name)}
		var a schemaAttr
		if json.Unmarshal(props[name], &a) == nil {
			f.fill(a)
		}
		fields = append(fields, f)
	}
	return fields, nil
}

func (f *SchemaField) fill(a schemaAttr) {
	f.Title, f.Description, f.Type = a.Title, a.Description, a.Type
	f.Required = f.Required || a.Required
	f.Enum, f.OneOf = a.Enum, a.OneOf
	f.Format, f.Pattern, f.Mutability, f.Scope = a.Format, a.Pattern, a.Mutability, a.Scope
	f.MinLength, f.MaxLength = intPtr(a.MinLength), intPtr(a.MaxLength)
	if a.Items != nil {
		f.ItemsType = a.Items.Type
		if f.Enum == nil {
			f.Enum = a.Items.Enum
		}
		if f.OneOf == nil {
			f.OneOf = a.Items.OneOf
		}
	}
}

func intPtr(v *float64) *int {
	if v == nil {
		return nil
	}
	n := int(*v)
	return &n
}
