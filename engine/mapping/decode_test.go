package mapping

import (
	"encoding/json"
	"testing"
)

func TestDecodeJSONKeepsNumbersExact(t *testing.T) {
	v, err := DecodeJSON([]byte(`{"id": 9007199254740993, "big": 123456789012345678901234567890, "n": 3, "f": 1.5, "e": 1e3, "neg": -42, "list": [18446744073709551615, 2]}`))
	if err != nil {
		t.Fatal(err)
	}
	m := v.(map[string]any)
	if m["id"] != int64(9007199254740993) || m["n"] != int64(3) || m["neg"] != int64(-42) {
		t.Fatalf("whole numbers: %#v %#v %#v", m["id"], m["n"], m["neg"])
	}
	if m["big"] != json.Number("123456789012345678901234567890") || m["list"].([]any)[0] != json.Number("18446744073709551615") {
		t.Fatalf("beyond int64: %#v", m["big"])
	}
	if m["f"] != 1.5 || m["e"] != float64(1000) {
		t.Fatalf("fractions: %#v %#v", m["f"], m["e"])
	}
	back, _ := json.Marshal(m)
	if string(back) != `{"big":123456789012345678901234567890,"e":1000,"f":1.5,"id":9007199254740993,"list":[18446744073709551615,2],"n":3,"neg":-42}` {
		t.Fatalf("re-encoded: %s", back)
	}
	// A template reading a large id writes its digits.
	tpl, _ := Parse("user-{{ trigger.id }}-{{ trigger.big }}")
	got, err := tpl.Eval(Env{Trigger: m})
	if err != nil || got != "user-9007199254740993-123456789012345678901234567890" {
		t.Fatalf("template: %v, %v", got, err)
	}
	if _, err := DecodeJSON([]byte(`{"a":1} {"b":2}`)); err == nil {
		t.Fatal("trailing data accepted")
	}
	if _, err := DecodeJSONObject([]byte(`[1]`)); err == nil {
		t.Fatal("an array accepted as an object")
	}
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"a": 1}`, `[1, 2.5, 1e400, -0, 18446744073709551616]`, `"x"`, `{"a":{"b":[null,true]}}`, `1 2`, `{`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		v, err := DecodeJSON([]byte(src))
		if err != nil {
			return
		}
		// What decodes re-encodes, and decodes again to the same value.
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("re-encode %q: %v", src, err)
		}
		again, err := DecodeJSON(raw)
		if err != nil {
			t.Fatalf("decode %s again: %v", raw, err)
		}
		if b, _ := json.Marshal(again); string(b) != string(raw) {
			t.Fatalf("not stable: %s → %s", raw, b)
		}
	})
}
