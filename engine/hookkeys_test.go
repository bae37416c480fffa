package engine

import (
	"testing"

	"github.com/oktaflow/oktaflow/storage"
)

// A webhook event without an Idempotency-Key or an event id dedupes on its
// content, with the store's short retention for content keys (a rehire
// who leaves again months later sends the same body and must run); an
// event with a key or an id keeps the long one.
func TestWebhookContentKeysAreShortLived(t *testing.T) {
	for _, tc := range []struct {
		body, idem string
		content    bool
	}{
		{`{"email":"ada@acme.com","event":"leaver"}`, "", true},
		{`[{"email":"a@acme.com"},{"email":"b@acme.com"}]`, "", true},
		{`{"eventType":"com.okta.event_hook","data":{"events":[{"eventType":"user.lifecycle.create"}]}}`, "", true}, // an Okta event without its uuid
		{`{"email":"ada@acme.com"}`, "req-1", false},
		{`[{"email":"a@acme.com"}]`, "req-2", false},
		{`{"eventType":"com.okta.event_hook","data":{"events":[{"uuid":"u-1","eventType":"user.lifecycle.create"}]}}`, "", false},
	} {
		evs, err := parseHook([]byte(tc.body), tc.idem)
		if err != nil {
			t.Fatalf("%s: %v", tc.body, err)
		}
		for _, ev := range evs {
			if storage.IsContentKey(ev.Key) != tc.content {
				t.Errorf("%s (key %q): key %q, content key %v; want %v", tc.body, tc.idem, ev.Key, !tc.content, tc.content)
			}
		}
	}
}
