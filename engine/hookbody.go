package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/oktaflow/oktaflow/storage"
)

// Limits of one webhook request. They are documented in the README's
// operations section; a caller over one gets an answer naming it.
const (
	// MaxHookBody is the largest webhook body accepted, in bytes.
	MaxHookBody = 1 << 20
	// MaxHookItems is the most events one webhook request may carry (array
	// items, or the events of an Okta event hook delivery). It is the
	// store's bound on one commit: a request is all or nothing, and its
	// transaction is short, so a large batch never holds up other
	// integrations' webhooks.
	MaxHookItems = storage.MaxEventsPerCommit
	// MaxIdempotencyKey is the longest Idempotency-Key header accepted, in bytes.
	MaxIdempotencyKey = 255
)

// hookEvent is one event of a webhook body: its payload exactly as it will
// be stored (compact JSON, object keys sorted, numbers digit for digit) and
// its dedupe key.
type hookEvent struct {
	Payload json.RawMessage
	Key     string
	// Idem marks a key taken from the caller's Idempotency-Key: a duplicate
	// must then carry the same payload, or the caller reused the key.
	Idem bool
}

// hookError is a webhook body the engine refuses: Status is the HTTP answer.
type hookError struct {
	Status int
	Msg    string
}

func (e *hookError) Error() string { return e.Msg }

func badHook(format string, args ...any) *hookError {
	return &hookError{Status: http.StatusBadRequest, Msg: fmt.Sprintf(format, args...)}
}

// parseHook turns a webhook body into events. The body is one JSON object
// (one event) or an array of objects (one event each). An Okta event hook
// delivery ({"eventType":"com.okta.event_hook","data":{"events":[...]}})
// gives one event per entry of data.events, deduped on each event's uuid.
// Other events dedupe on the Idempotency-Key, else on a hash of their
// content.
//
// Dedupe keys are built so that no two kinds can meet: "idem:K" for a
// single object sent with key K, "idem#i:K" for item i of an array (a
// client's own key "K#0" gives "idem:K#0", never item 0 of batch K),
// "okta:uuid" and "content:body:hash" (see contentKey). Numbers are kept as the caller wrote them
// (json.Number), so a 20-digit id is not rounded through float64.
func parseHook(body []byte, idemKey string) ([]hookEvent, error) {
	if len(idemKey) > MaxIdempotencyKey {
		return nil, badHook("the Idempotency-Key header is %d bytes; send at most %d", len(idemKey), MaxIdempotencyKey)
	}
	if !utf8.Valid(body) {
		return nil, badHook("the body is not valid UTF-8 (first bad byte at offset %d); send JSON encoded as UTF-8", firstInvalidUTF8(body))
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, badHook("the body is empty; send a JSON object or an array of objects")
	}
	v, err := decodeExact(body)
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case map[string]any:
		if x["eventType"] == "com.okta.event_hook" {
			return oktaHookEvents(x)
		}
		ev, err := objectEvent(x, idemKey, -1)
		if err != nil {
			return nil, err
		}
		return []hookEvent{ev}, nil
	case []any:
		if len(x) == 0 {
			return nil, badHook("the array is empty; send at least one object")
		}
		if len(x) > MaxHookItems {
			return nil, tooManyItems(len(x))
		}
		out := make([]hookEvent, 0, len(x))
		for i, item := range x {
			m, ok := item.(map[string]any)
			if !ok {
				return nil, badHook("item %d of the array is %s; each item must be a JSON object", i, jsonKind(item))
			}
			ev, err := objectEvent(m, idemKey, i)
			if err != nil {
				return nil, err
			}
			out = append(out, ev)
		}
		return out, nil
	default:
		return nil, badHook("the body is %s; send a JSON object or an array of objects", jsonKind(v))
	}
}

func tooManyItems(n int) *hookError {
	return &hookError{Status: http.StatusRequestEntityTooLarge,
		Msg: fmt.Sprintf("the body holds %d events; the limit is %d per request: split it into several requests", n, MaxHookItems)}
}

// decodeExact decodes one JSON value, keeping numbers exact and refusing
// anything after it.
func decodeExact(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, badHook("the body is not valid JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, badHook("the body is not valid JSON: there is more after the JSON value (at byte %d); send one object or one array", dec.InputOffset())
	}
	return v, nil
}

// objectEvent makes the event of an object; index is its place in an
// array (-1: the object is the whole body).
func objectEvent(m map[string]any, idemKey string, index int) (hookEvent, error) {
	raw, err := json.Marshal(m)
	if err != nil {
		return hookEvent{}, badHook("the body cannot be stored: %v", err)
	}
	ev := hookEvent{Payload: raw}
	switch {
	case idemKey != "" && index < 0:
		ev.Key, ev.Idem = "idem:"+idemKey, true
	case idemKey != "":
		ev.Key, ev.Idem = "idem#"+strconv.Itoa(index)+":"+idemKey, true
	default:
		ev.Key = contentKey("body:", raw)
	}
	return ev, nil
}

// oktaHookEvents unpacks an Okta event hook delivery: one event per entry
// of data.events. A delivery without events is refused: Okta never sends
// one, so it is a caller's mistake worth telling.
func oktaHookEvents(m map[string]any) ([]hookEvent, error) {
	data, _ := m["data"].(map[string]any)
	list, ok := data["events"].([]any)
	if !ok || len(list) == 0 {
		return nil, badHook("the Okta event hook delivery has no events: data.events must be a non-empty array of event objects")
	}
	if len(list) > MaxHookItems {
		return nil, tooManyItems(len(list))
	}
	out := make([]hookEvent, 0, len(list))
	for i, item := range list {
		ev, ok := item.(map[string]any)
		if !ok {
			return nil, badHook("data.events[%d] is %s; each event must be a JSON object", i, jsonKind(item))
		}
		raw, err := json.Marshal(ev)
		if err != nil {
			return nil, badHook("data.events[%d] cannot be stored: %v", i, err)
		}
		key := contentKey("okta:", raw)
		if id, ok := ev["uuid"].(string); ok && id != "" {
			key = "okta:" + id
		}
		out = append(out, hookEvent{Payload: raw, Key: key})
	}
	return out, nil
}

// contentKey is a dedupe key for data without an id: a hash of its
// canonical JSON (object keys sorted), so equal data gives equal keys. It
// is a storage content key, kept only for storage.ContentKeyRetention: it
// absorbs retries, not a legitimate repeat months later.
func contentKey(prefix string, raw []byte) string {
	sum := sha256.Sum256(raw)
	return storage.ContentKeyPrefix + prefix + hex.EncodeToString(sum[:16])
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
