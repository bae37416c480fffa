package action

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/oktaflow/oktaflow/engine/mapping"
	"github.com/oktaflow/oktaflow/storage"
)

// Types from the schema: a step's value is converted to its field's type
// before the action runs, so that "3" (a literal, or text a template
// built) on an integer attribute is sent as 3, and a value that cannot be
// converted is an error at once: at save for a literal (CheckLiteral), at
// preview and run for a template (ConvertInput).
//
// The rules, by field type:
//   - string: text as it is; a number or boolean as its text (a large id
//     keeps every digit); a list or object is refused.
//   - integer: a whole number, or text that is one ("42", " 42 "); beyond
//     int64, or with a fraction, refused.
//   - number: a number, or text that is one ("3.5", "1e3").
//   - boolean: true/false, or the text true, false, yes, no, 1, 0 (any case).
//   - array: a list; text that is a JSON list; other text is split at
//     commas ("a, b" → ["a", "b"]); each item converted to the items' type.
//   - object: an object, or text that is a JSON object.
//   - any: unchanged.
//
// A field with an enum (from the schema) must also hold one of its values.

// TypeError is a value that does not fit its field's type.
type TypeError struct {
	Want  FieldType
	Value any
	Why   string // why not, when more than the types
}

func (e *TypeError) Error() string {
	msg := fmt.Sprintf("want %s, got %s", typeName(e.Want), describe(e.Value))
	if e.Why != "" {
		msg += " (" + e.Why + ")"
	}
	return msg
}

func typeName(t FieldType) string {
	switch t {
	case TypeInteger:
		return "a whole number"
	case TypeNumber:
		return "a number"
	case TypeBoolean:
		return "true or false"
	case TypeArray:
		return "a list"
	case TypeObject:
		return "a JSON object"
	}
	return "text"
}

func describe(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 40 {
			x = x[:40] + "…"
		}
		return strconv.Quote(x)
	case nil:
		return "nothing"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return mapping.Format(v)
}

// Convert turns v into f's type, or says why it cannot.
func Convert(f Field, v any) (any, error) {
	out, err := convertTo(f.Type, f.Items, v)
	if err != nil {
		return nil, err
	}
	if len(f.Enum) > 0 && f.Type != TypeArray {
		if s := mapping.Format(out); !slices.Contains(f.Enum, s) {
			return nil, &TypeError{Want: f.Type, Value: v, Why: "one of " + strings.Join(f.Enum, ", ")}
		}
	}
	return out, nil
}

func convertTo(t, items FieldType, v any) (any, error) {
	switch t {
	case TypeString:
		switch x := v.(type) {
		case string:
			return x, nil
		case []any, map[string]any, nil:
			return nil, &TypeError{Want: t, Value: v}
		}
		return mapping.Format(v), nil
	case TypeInteger:
		return toInteger(v)
	case TypeNumber:
		return toNumber(v)
	case TypeBoolean:
		return toBoolean(v)
	case TypeArray:
		return toArray(items, v)
	case TypeObject:
		return toObject(v)
	}
	return v, nil
}

func toInteger(v any) (any, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
			return int64(x), nil
		}
		return nil, &TypeError{Want: TypeInteger, Value: v, Why: "it has a fraction"}
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, nil
		}
		return nil, &TypeError{Want: TypeInteger, Value: v, Why: "beyond the 64-bit whole numbers Okta stores"}
	case string:
		s := strings.TrimSpace(x)
		n, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			return n, nil
		}
		if f, ferr := strconv.ParseFloat(s, 64); ferr == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int64(f), nil // "3.0", "1e3"
		}
		return nil, &TypeError{Want: TypeInteger, Value: v}
	}
	return nil, &TypeError{Want: TypeInteger, Value: v}
}

func toNumber(v any) (any, error) {
	switch x := v.(type) {
	case int64, float64, json.Number:
		return x, nil
	case int:
		return int64(x), nil
	case string:
		s := strings.TrimSpace(x)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f, nil
		}
	}
	return nil, &TypeError{Want: TypeNumber, Value: v}
}

func toBoolean(v any) (any, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "yes", "1":
			return true, nil
		case "false", "no", "0":
			return false, nil
		}
	case int64:
		if x == 0 || x == 1 {
			return x == 1, nil
		}
	}
	return nil, &TypeError{Want: TypeBoolean, Value: v}
}

func toArray(items FieldType, v any) (any, error) {
	var list []any
	switch x := v.(type) {
	case []any:
		list = x
	case []string:
		for _, s := range x {
			list = append(list, s)
		}
	case string:
		s := strings.TrimSpace(x)
		switch {
		case s == "":
			list = []any{}
		case strings.HasPrefix(s, "["):
			parsed, err := mapping.DecodeJSON([]byte(s))
			l, ok := parsed.([]any)
			if err != nil || !ok {
				return nil, &TypeError{Want: TypeArray, Value: v, Why: "it starts like a JSON list but is not one"}
			}
			list = l
		default:
			for _, part := range strings.Split(s, ",") {
				if part = strings.TrimSpace(part); part != "" {
					list = append(list, part)
				}
			}
		}
	case nil, map[string]any:
		return nil, &TypeError{Want: TypeArray, Value: v}
	default:
		list = []any{x}
	}
	if items == TypeAny || items == "" {
		return list, nil
	}
	out := make([]any, len(list))
	for i, e := range list {
		c, err := convertTo(items, TypeAny, e)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i+1, err)
		}
		out[i] = c
	}
	return out, nil
}

func toObject(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		return x, nil
	case string:
		if strings.TrimSpace(x) == "" {
			return nil, nil
		}
		m, err := mapping.DecodeJSONObject([]byte(x))
		if err == nil {
			return m, nil
		}
		return nil, &TypeError{Want: TypeObject, Value: v, Why: err.Error()}
	}
	return nil, &TypeError{Want: TypeObject, Value: v}
}

// fieldSpecs indexes an action's fields by name.
func fieldSpecs(a Action, schema storage.UserSchema) map[string]Field {
	specs := map[string]Field{}
	for _, f := range a.Fields(schema) {
		specs[f.Name] = f
	}
	return specs
}

// ConvertInput converts a step's resolved fields to the action's field
// types (fields it does not list, such as a Kissflow item's own, are left
// as they are). An empty text is left empty: it means "not set". Every
// field that cannot be converted is reported, each a *mapping.FieldError
// wrapping a *TypeError, sorted by field name.
func ConvertInput(a Action, schema storage.UserSchema, input map[string]any) (map[string]any, error) {
	specs := fieldSpecs(a, schema)
	out := make(map[string]any, len(input))
	var errs []error
	for _, name := range sortedNames(input) {
		v := input[name]
		f, ok := specs[name]
		if s, isText := v.(string); !ok || (isText && s == "") {
			out[name] = v
			continue
		}
		c, err := Convert(f, v)
		if err != nil {
			errs = append(errs, &mapping.FieldError{Field: name, Err: err})
			continue
		}
		out[name] = c
	}
	return out, errors.Join(errs...)
}

// CheckLiteral says whether a literal mapping (no {{ }}) fits its field's
// type; saving calls it, so that "3x" on an integer attribute is refused at
// once rather than at the first run.
// An action may check its literals further (literalChecker).
func CheckLiteral(a Action, schema storage.UserSchema, name, src string) error {
	f, ok := fieldSpecs(a, schema)[name]
	if !ok || src == "" {
		return nil
	}
	if _, err := Convert(f, src); err != nil {
		return err
	}
	if lc, ok := a.(literalChecker); ok {
		return lc.checkLiteral(name, src)
	}
	return nil
}

// literalChecker is an action with checks of literal mappings beyond their
// type (http.request: no credential in the plain headers).
type literalChecker interface {
	checkLiteral(name, src string) error
}

// MissingRequired lists the required fields whose resolved value is empty
// (the preview's check before a real test), each a *mapping.FieldError.
func MissingRequired(a Action, schema storage.UserSchema, input map[string]any) error {
	var errs []error
	for _, name := range RequiredFields(a, schema) {
		v, mapped := input[name]
		if s, isText := v.(string); mapped && (v == nil || (isText && strings.TrimSpace(s) == "")) {
			errs = append(errs, &mapping.FieldError{Field: name, Err: errors.New("required, but empty for this event")})
		}
	}
	sort.SliceStable(errs, func(i, j int) bool {
		return errs[i].(*mapping.FieldError).Field < errs[j].(*mapping.FieldError).Field
	})
	return errors.Join(errs...)
}
