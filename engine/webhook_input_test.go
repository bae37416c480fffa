package engine

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/okta/oktatest"
)

const hookSecret = "change-me-0123456789"

// TestWebhookRefusesBadInputPrecisely: each kind of bad input gets its own
// status and a message that says what to change; nothing is queued.
func TestWebhookRefusesBadInputPrecisely(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	in := h.importOn(onboarding)
	many := "[" + strings.Repeat(`{"a":1},`, MaxHookItems) + `{"a":1}]`
	cases := []struct {
		name    string
		body    any
		headers []string
		status  int
		says    string
	}{
		{"invalid UTF-8", []byte("{\"first_name\":\"Ren\xe9\"}"), nil, 400, "not valid UTF-8"},
		{"okta hook without events", []byte(`{"eventType":"com.okta.event_hook","data":{"events":[]}}`), nil, 400, "no events"},
		{"okta hook with a bad event", []byte(`{"eventType":"com.okta.event_hook","data":{"events":[7]}}`), nil, 400, "data.events[0] is a number"},
		{"idempotency key too long", person(1), []string{"Idempotency-Key", strings.Repeat("k", MaxIdempotencyKey+1)}, 400, fmt.Sprintf("at most %d", MaxIdempotencyKey)},
		{"too many items", []byte(many), nil, 413, fmt.Sprintf("limit is %d", MaxHookItems)},
		{"too many bytes", []byte(`{"a":"` + strings.Repeat("x", MaxHookBody) + `"}`), nil, 413, "1 MiB limit"},
		{"trailing data", []byte(`{"a":1} {"b":2}`), nil, 400, "after the JSON value"},
	}
	for _, c := range cases {
		resp, a := h.post(in.ID, hookSecret, c.body, c.headers...)
		if resp.StatusCode != c.status || !strings.Contains(a.Error, c.says) {
			t.Errorf("%s: %d %q, want %d %q", c.name, resp.StatusCode, a.Error, c.status, c.says)
		}
	}
	if counts, _ := h.store.RunCounts(); len(nonZero(counts)) != 0 {
		t.Fatalf("bad input queued runs: %v", counts)
	}
	m := getBody(t, h.http.URL+"/metrics")
	for _, want := range []string{`oktaflow_webhook_answers_total{status="400"} 5`, `oktaflow_webhook_answers_total{status="413"} 2`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestWebhookBearerSchemeIsCaseInsensitive(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	in := h.importOn(onboarding)
	for _, scheme := range []string{"bearer", "BEARER", "Bearer"} {
		resp, a := h.post(in.ID, "", person(1), "Authorization", scheme+"  "+hookSecret)
		if resp.StatusCode != http.StatusAccepted {
			t.Errorf("%s: %d %+v", scheme, resp.StatusCode, a)
		}
	}
	if resp, _ := h.post(in.ID, "", person(1), "Authorization", "Basic "+hookSecret); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("another scheme: %d", resp.StatusCode)
	}
}

// TestWebhookUnauthenticatedIsClosed: a caller without the secret gets its
// answer and loses the connection, so it costs no keep-alive slot.
func TestWebhookUnauthenticatedIsClosed(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	in := h.importOn(onboarding)
	resp, _ := h.post(in.ID, "wrong", person(1))
	if resp.StatusCode != http.StatusUnauthorized || !resp.Close {
		t.Fatalf("status %d, close %v", resp.StatusCode, resp.Close)
	}
}

// TestWebhookKeepsExactNumbers: a large id survives ingest digit for digit.
func TestWebhookKeepsExactNumbers(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	in := h.importOn(onboarding)
	_, a := h.post(in.ID, hookSecret, []byte(`{"employee_id": 12345678901234567890123, "ratio": 0.1000000000000000055511151231257827}`))
	if len(a.Runs) != 1 {
		t.Fatalf("answer %+v", a)
	}
	r, _ := h.store.Run(a.Runs[0])
	for _, want := range []string{"12345678901234567890123", "0.1000000000000000055511151231257827"} {
		if !strings.Contains(string(r.Event), want) {
			t.Errorf("stored event %s lost %s", r.Event, want)
		}
	}
}

// TestIdempotencyKeyReuse: the same key with the same body is a duplicate;
// with another body it is refused (422) rather than silently dropped.
func TestIdempotencyKeyReuse(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	in := h.importOn(onboarding)
	if resp, a := h.post(in.ID, hookSecret, person(1), "Idempotency-Key", "req-1"); resp.StatusCode != 202 || a.Accepted != 1 {
		t.Fatalf("first: %d %+v", resp.StatusCode, a)
	}
	if resp, a := h.post(in.ID, hookSecret, person(1), "Idempotency-Key", "req-1"); resp.StatusCode != 202 || a.Duplicates != 1 {
		t.Fatalf("same body again: %d %+v", resp.StatusCode, a)
	}
	resp, a := h.post(in.ID, hookSecret, person(2), "Idempotency-Key", "req-1")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(a.Error, `Idempotency-Key "req-1" was used before with a different body`) {
		t.Fatalf("another body: %d %+v", resp.StatusCode, a)
	}
	// Arrays: item by item.
	h.post(in.ID, hookSecret, []any{person(3), person(4)}, "Idempotency-Key", "batch-1")
	resp, a = h.post(in.ID, hookSecret, []any{person(3), person(5)}, "Idempotency-Key", "batch-1")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(a.Error, "item 1") {
		t.Fatalf("array with a changed item: %d %+v", resp.StatusCode, a)
	}
}

// TestArrayItemKeysCannotCollideWithClientKeys: item 0 of a batch sent
// under key K and a single event sent under key "K#0" are different events.
func TestArrayItemKeysCannotCollideWithClientKeys(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	in := h.importOn(onboarding)
	if _, a := h.post(in.ID, hookSecret, person(1), "Idempotency-Key", "K#0"); a.Accepted != 1 {
		t.Fatalf("single: %+v", a)
	}
	if _, a := h.post(in.ID, hookSecret, []any{person(2), person(3)}, "Idempotency-Key", "K"); a.Accepted != 2 {
		t.Fatalf("batch: %+v (an item collided with the client's key K#0)", a)
	}
}

func nonZero[K comparable](m map[K]int) map[K]int {
	out := map[K]int{}
	for k, v := range m {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}
