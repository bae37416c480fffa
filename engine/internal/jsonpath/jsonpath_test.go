package jsonpath

import (
	"encoding/json"
	"testing"
)

func TestLookup(t *testing.T) {
	var v any
	json.Unmarshal([]byte(`{"data":{"items":[{"id":7},{"id":null}]},"name":"x","empty":null}`), &v)
	cases := []struct {
		path string
		want any
		ok   bool
	}{
		{"name", "x", true},
		{"data.items.0.id", float64(7), true},
		{"data.items.1.id", nil, false}, // present but null
		{"data.items.2.id", nil, false},
		{"data.items.x", nil, false},
		{"empty", nil, false},
		{"name.more", nil, false},
		{"missing", nil, false},
	}
	for _, c := range cases {
		got, ok := Lookup(v, c.path)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("Lookup(%q) = %v, %v; want %v, %v", c.path, got, ok, c.want, c.ok)
		}
	}
	if got, ok := Lookup(v, ""); !ok || got == nil {
		t.Error("the empty path is the value itself")
	}
}
