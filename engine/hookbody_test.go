package engine

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/oktaflow/oktaflow/storage"
)

func TestParseHook(t *testing.T) {
	evs, err := parseHook([]byte(`{"email":"ada@acme.com","n":1}`), "")
	if err != nil || len(evs) != 1 || !strings.HasPrefix(evs[0].Key, storage.ContentKeyPrefix+"body:") || evs[0].Idem {
		t.Fatalf("object: %+v %v", evs, err)
	}
	same, _ := parseHook([]byte(` {"n":1, "email":"ada@acme.com"} `), "")
	if same[0].Key != evs[0].Key || string(same[0].Payload) != string(evs[0].Payload) {
		t.Fatal("the same content must give the same key and payload, whatever the key order")
	}
	arr, err := parseHook([]byte(`[{"a":1},{"a":2}]`), "req-7")
	if err != nil || len(arr) != 2 || arr[0].Key != "idem#0:req-7" || arr[1].Key != "idem#1:req-7" || !arr[1].Idem {
		t.Fatalf("array: %+v %v", arr, err)
	}
	if one, _ := parseHook([]byte(`{"a":1}`), "req-8"); one[0].Key != "idem:req-8" {
		t.Fatalf("idempotency key: %q", one[0].Key)
	}
	hook, err := parseHook([]byte(`{"eventType":"com.okta.event_hook","data":{"events":[{"uuid":"u-1","eventType":"user.lifecycle.create"},{"uuid":"u-2"}]}}`), "")
	if err != nil || len(hook) != 2 || hook[0].Key != "okta:u-1" || !strings.Contains(string(hook[0].Payload), "user.lifecycle.create") {
		t.Fatalf("okta hook: %+v %v", hook, err)
	}
	big, _ := parseHook([]byte(`{"id":98765432109876543210,"x":1.50}`), "")
	if string(big[0].Payload) != `{"id":98765432109876543210,"x":1.50}` {
		t.Fatalf("numbers not kept: %s", big[0].Payload)
	}
	for body, want := range map[string]string{
		``:                                    "the body is empty",
		`{"a":`:                               "not valid JSON",
		`"hello"`:                             "the body is a string",
		`[]`:                                  "the array is empty",
		`[{"a":1},3]`:                         "item 1 of the array is a number",
		`{"a":1} {}`:                          "more after the JSON value",
		`null`:                                "the body is null",
		"{\"a\":\"\xff\"}":                    "not valid UTF-8 (first bad byte at offset 6)",
		`{"eventType":"com.okta.event_hook"}`: "has no events",
		`{"eventType":"com.okta.event_hook","data":{"events":{}}}`: "has no events",
	} {
		if _, err := parseHook([]byte(body), ""); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseHook(%q) = %v, want %q", body, err, want)
		}
	}
}

func FuzzParseHook(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `[{"a":1},{"b":[1,2]}]`, `[]`, `null`, `{"eventType":"com.okta.event_hook","data":{"events":[{"uuid":"x"}]}}`, `{"a":1e400}`, "{\"a\":\"\xc3\"}"} {
		f.Add([]byte(s), "")
	}
	f.Add([]byte(`[{"a":1}]`), "k#0")
	f.Fuzz(func(t *testing.T, body []byte, idem string) {
		evs, err := parseHook(body, idem)
		if err != nil {
			return
		}
		if !utf8.Valid(body) || len(evs) == 0 || len(evs) > MaxHookItems {
			t.Fatalf("accepted %d events of %q", len(evs), body)
		}
		keys := map[string]bool{}
		for _, ev := range evs {
			var m map[string]any
			dec := json.NewDecoder(bytes.NewReader(ev.Payload))
			dec.UseNumber()
			if ev.Key == "" || dec.Decode(&m) != nil || m == nil {
				t.Fatalf("event without an object payload or a key: %+v", ev)
			}
			if ev.Idem && keys[ev.Key] {
				t.Fatalf("two items share the key %q", ev.Key)
			}
			keys[ev.Key] = true
		}
	})
}
