package engine

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseDocumentErrors(t *testing.T) {
	for doc, want := range map[string]string{
		``:                            "the file is empty",
		`{"name": "x",}`:              "line 1, column 15",
		"{\n\"name\": 3}":             "line 2, column 10: name must be string, not number",
		`{"name": "x", "stepz": []}`:  `unknown field "stepz"`,
		`{"name": "x"} {"name": "y"}`: "more than one JSON document",
		`{"trigger": {"type": "webhook", "cfg": {}}}`: `unknown field "cfg"`,
	} {
		if _, err := ParseDocument([]byte(doc)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseDocument(%q) = %v, want %q", doc, err, want)
		}
	}
	doc, err := ParseDocument([]byte(onboarding))
	if err != nil || doc.Name != "Onboard new hires" || len(doc.Steps) != 1 || doc.Steps[0].Fields["login"] != "{{ trigger.email }}" {
		t.Fatalf("onboarding: %+v %v", doc, err)
	}
}

func FuzzParseDocument(f *testing.F) {
	f.Add([]byte(onboarding))
	f.Add([]byte(`{"name":"x","trigger":{"type":"csv","config":{"path":"/tmp"}},"steps":[]}`))
	f.Add([]byte(`{"name": 1}`))
	f.Add([]byte(`{"steps":[{"id":"a","fields":{"x":"{{"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := ParseDocument(data)
		if err != nil {
			return
		}
		// A parsed document survives export and import unchanged.
		raw, err := json.Marshal(doc)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		again, err := ParseDocument(raw)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", raw, err)
		}
		raw2, _ := json.Marshal(again)
		if string(raw) != string(raw2) {
			t.Fatalf("round trip changed the document:\n%s\n%s", raw, raw2)
		}
	})
}
