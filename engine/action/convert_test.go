package action

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/engine/mapping"
	"github.com/oktaflow/oktaflow/storage"
)

func TestConvert(t *testing.T) {
	for _, tc := range []struct {
		f    Field
		in   any
		want any
	}{
		{Field{Type: TypeInteger}, "3", int64(3)},
		{Field{Type: TypeInteger}, " 42 ", int64(42)},
		{Field{Type: TypeInteger}, float64(7), int64(7)},
		{Field{Type: TypeInteger}, "1e3", int64(1000)},
		{Field{Type: TypeNumber}, "3.5", 3.5},
		{Field{Type: TypeNumber}, "12", int64(12)},
		{Field{Type: TypeNumber}, json.Number("123456789012345678901234567890"), json.Number("123456789012345678901234567890")},
		{Field{Type: TypeBoolean}, "Yes", true},
		{Field{Type: TypeBoolean}, "false", false},
		{Field{Type: TypeBoolean}, int64(1), true},
		{Field{Type: TypeString}, int64(9007199254740993), "9007199254740993"},
		{Field{Type: TypeString}, json.Number("123456789012345678901234567890"), "123456789012345678901234567890"},
		{Field{Type: TypeString}, true, "true"},
		{Field{Type: TypeArray}, "a, b,,c", []any{"a", "b", "c"}},
		{Field{Type: TypeArray}, `["x", 2]`, []any{"x", int64(2)}},
		{Field{Type: TypeArray, Items: TypeInteger}, "1, 2", []any{int64(1), int64(2)}},
		{Field{Type: TypeArray}, "solo", []any{"solo"}},
		{Field{Type: TypeObject}, `{"a": 1}`, map[string]any{"a": int64(1)}},
		{Field{Type: TypeString, Enum: []string{"junior", "senior"}}, "senior", "senior"},
		{Field{Type: TypeInteger, Enum: []string{"1", "2"}}, "2", int64(2)},
	} {
		got, err := Convert(tc.f, tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Convert(%s, %#v) = %#v, %v; want %#v", tc.f.Type, tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		f  Field
		in any
	}{
		{Field{Type: TypeInteger}, "3x"},
		{Field{Type: TypeInteger}, 3.5},
		{Field{Type: TypeInteger}, json.Number("123456789012345678901234567890")},
		{Field{Type: TypeInteger}, true},
		{Field{Type: TypeNumber}, "three"},
		{Field{Type: TypeBoolean}, "maybe"},
		{Field{Type: TypeString}, []any{"a"}},
		{Field{Type: TypeArray}, `[1, 2`},
		{Field{Type: TypeArray, Items: TypeInteger}, "1, two"},
		{Field{Type: TypeObject}, "nope"},
		{Field{Type: TypeString, Enum: []string{"junior", "senior"}}, "boss"},
	} {
		if got, err := Convert(tc.f, tc.in); err == nil {
			t.Errorf("Convert(%s, %#v) = %#v; want an error", tc.f.Type, tc.in, got)
		}
	}
}

func TestConvertInputNamesEachField(t *testing.T) {
	schema := storage.UserSchema{Fields: []storage.SchemaField{
		{Name: "login", Type: "string", Required: true}, {Name: "level", Type: "integer", Custom: true},
		{Name: "remote", Type: "boolean", Custom: true}, {Name: "tags", Type: "array", ItemsType: "string", Custom: true},
	}}
	add, _ := Lookup("okta.add_user")
	out, err := ConvertInput(add, schema, map[string]any{"login": "a@b.c", "level": "3", "remote": "yes", "tags": "a,b", "groupIds": "00g1, 00g2"})
	if err != nil || out["level"] != int64(3) || out["remote"] != true || !reflect.DeepEqual(out["tags"], []any{"a", "b"}) ||
		!reflect.DeepEqual(out["groupIds"], []any{"00g1", "00g2"}) {
		t.Fatalf("converted %#v, %v", out, err)
	}
	_, err = ConvertInput(add, schema, map[string]any{"login": "a@b.c", "level": "high", "remote": "perhaps"})
	var fe *mapping.FieldError
	var te *TypeError
	if !errors.As(err, &fe) || !errors.As(err, &te) || !strings.Contains(err.Error(), "level: want a whole number") ||
		!strings.Contains(err.Error(), "remote: want true or false") {
		t.Fatalf("errors: %v", err)
	}
	if err := CheckLiteral(add, schema, "level", "3"); err != nil {
		t.Fatalf("3 on an integer: %v", err)
	}
	if err := CheckLiteral(add, schema, "level", "3x"); err == nil {
		t.Fatal("3x on an integer passed")
	}
	err = MissingRequired(add, schema, map[string]any{"login": " "})
	if !errors.As(err, &fe) || fe.Field != "login" {
		t.Fatalf("required: %v", err)
	}
}
