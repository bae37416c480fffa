package trigger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// MaxWebhookBody is the largest webhook body accepted.
const MaxWebhookBody = 1 << 20

// ParseWebhook turns a webhook body into events. The body is a JSON object
// (one event) or an array of objects (one event each). An Okta event hook
// delivery ({"eventType":"com.okta.event_hook","data":{"events":[...]}})
// gives one event per entry of data.events, deduped on each event's uuid.
// Otherwise events dedupe on the Idempotency-Key header (with the item's
// index for arrays), else on a hash of their content.
//
// Errors say what was wrong in words a caller can act on; they are sent
// back in the 400 answer.
func ParseWebhook(body []byte, idempotencyKey string) ([]Event, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, errors.New("the body is empty; send a JSON object or an array of objects")
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, fmt.Errorf("the body is not valid JSON: %v", err)
	}
	switch x := v.(type) {
	case map[string]any:
		if evs, ok := oktaHookEvents(x); ok {
			return evs, nil
		}
		return []Event{{Data: x, DedupeKey: webhookKey(idempotencyKey, -1, x)}}, nil
	case []any:
		if len(x) == 0 {
			return nil, errors.New("the array is empty; send at least one object")
		}
		out := make([]Event, 0, len(x))
		for i, item := range x {
			m, ok := item.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("item %d of the array is %s; each item must be a JSON object", i, jsonKind(item))
			}
			out = append(out, Event{Data: m, DedupeKey: webhookKey(idempotencyKey, i, m)})
		}
		return out, nil
	default:
		return nil, fmt.Errorf("the body is %s; send a JSON object or an array of objects", jsonKind(v))
	}
}

func webhookKey(idem string, index int, data map[string]any) string {
	switch {
	case idem != "" && index < 0:
		return "idem:" + idem
	case idem != "":
		return "idem:" + idem + "#" + strconv.Itoa(index)
	}
	return contentKey("body:", data)
}

// oktaHookEvents unpacks an Okta event hook delivery.
func oktaHookEvents(m map[string]any) ([]Event, bool) {
	if m["eventType"] != "com.okta.event_hook" {
		return nil, false
	}
	data, _ := m["data"].(map[string]any)
	list, _ := data["events"].([]any)
	var out []Event
	for _, item := range list {
		ev, ok := item.(map[string]any)
		if !ok {
			continue
		}
		key := contentKey("okta:", ev)
		if id, ok := ev["uuid"].(string); ok && id != "" {
			key = "okta:" + id
		}
		out = append(out, Event{Data: ev, DedupeKey: key})
	}
	return out, true
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
