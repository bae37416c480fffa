package trigger

import (
	"strings"
	"testing"
)

func TestParseWebhook(t *testing.T) {
	evs, err := ParseWebhook([]byte(`{"email":"ada@acme.com","n":1}`), "")
	if err != nil || len(evs) != 1 || evs[0].Data["email"] != "ada@acme.com" || !strings.HasPrefix(evs[0].DedupeKey, "body:") {
		t.Fatalf("object: %+v %v", evs, err)
	}
	same, _ := ParseWebhook([]byte(` {"n":1, "email":"ada@acme.com"} `), "")
	if same[0].DedupeKey != evs[0].DedupeKey {
		t.Fatal("the same content must give the same key, whatever the key order")
	}
	arr, err := ParseWebhook([]byte(`[{"a":1},{"a":2}]`), "req-7")
	if err != nil || len(arr) != 2 || arr[0].DedupeKey != "idem:req-7#0" || arr[1].DedupeKey != "idem:req-7#1" {
		t.Fatalf("array: %+v %v", arr, err)
	}
	one, _ := ParseWebhook([]byte(`{"a":1}`), "req-8")
	if one[0].DedupeKey != "idem:req-8" {
		t.Fatalf("idempotency key: %q", one[0].DedupeKey)
	}
	hook, err := ParseWebhook([]byte(`{"eventType":"com.okta.event_hook","data":{"events":[{"uuid":"u-1","eventType":"user.lifecycle.create"},{"uuid":"u-2"}]}}`), "")
	if err != nil || len(hook) != 2 || hook[0].DedupeKey != "okta:u-1" || hook[0].Data["eventType"] != "user.lifecycle.create" {
		t.Fatalf("okta hook: %+v %v", hook, err)
	}
	for body, want := range map[string]string{
		``:            "the body is empty",
		`{"a":`:       "not valid JSON",
		`"hello"`:     "the body is a string",
		`[]`:          "the array is empty",
		`[{"a":1},3]`: "item 1 of the array is a number",
		`{"a":1} {}`:  "not valid JSON",
		`null`:        "the body is null",
	} {
		if _, err := ParseWebhook([]byte(body), ""); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseWebhook(%q) = %v, want %q", body, err, want)
		}
	}
}

func FuzzParseWebhook(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `[{"a":1},{"b":[1,2]}]`, `[]`, `null`, `{"eventType":"com.okta.event_hook","data":{"events":[{"uuid":"x"}]}}`, `{"a":1e400}`} {
		f.Add([]byte(s), "")
	}
	f.Fuzz(func(t *testing.T, body []byte, idem string) {
		evs, err := ParseWebhook(body, idem)
		if err != nil {
			return
		}
		for _, ev := range evs {
			if ev.Data == nil || ev.DedupeKey == "" {
				t.Fatalf("event without data or key: %+v", ev)
			}
		}
	})
}
