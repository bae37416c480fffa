package scim

import (
	"reflect"
	"testing"
)

func TestMapResolver(t *testing.T) {
	r := MapResolver(map[string]any{
		"status":  "ACTIVE",
		"profile": map[string]any{"firstName": "John", "mobilePhone": nil, "tags": []any{"a", "b"}},
		"target": []any{
			map[string]any{"id": "00u1", "detail": map[string]any{"k": "v1"}},
			map[string]any{"id": nil},
			map[string]any{"type": "User"},
			"not an object",
		},
		"typed": []map[string]any{{"id": "t1"}, {"id": "t2"}},
		"empty": []any{},
	})
	tests := []struct {
		path   string
		want   any
		wantOK bool
	}{
		{"status", "ACTIVE", true},
		{"profile.firstName", "John", true},
		{"profile.mobilePhone", nil, true},
		{"profile.tags", []any{"a", "b"}, true},
		{"profile.city", nil, false},
		{"profile.firstName.x", nil, false},
		{"status.x", nil, false},
		{"nope", nil, false},
		{"target.id", []any{"00u1", nil}, true},
		{"target.type", []any{"User"}, true},
		{"target.detail.k", []any{"v1"}, true},
		{"target.alternateId", nil, false},
		{"typed.id", []any{"t1", "t2"}, true},
		{"empty.id", nil, false},
	}
	for _, tt := range tests {
		got, ok := r(tt.path)
		if ok != tt.wantOK || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("r(%q) = %#v, %v; want %#v, %v", tt.path, got, ok, tt.want, tt.wantOK)
		}
	}
}
