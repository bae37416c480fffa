package tui

import "github.com/oktaflow/oktaflow/engine/trigger"

// starterSample is an event of the shape a trigger type delivers, for
// mapping before any real event exists: suggestions and the live value of
// a mapping need one. The real one replaces it (ctrl+l on the mapping and
// test screens loads the trigger's latest).
func starterSample(typ string) (map[string]any, bool) {
	switch typ {
	case trigger.Webhook, trigger.Manual:
		return map[string]any{"email": "ada@acme.com", "first_name": "Ada", "last_name": "Lovelace",
			"department": "Engineering", "manager_email": "grace@acme.com"}, true
	case trigger.Kissflow:
		return map[string]any{"_id": "Pk1a2b3c4d5e", "_status": "Completed", "_completed_at": "2026-12-01T09:30:00Z",
			"First_Name": "Ada", "Last_Name": "Lovelace", "Email": "ada@acme.com", "Department": "Engineering"}, true
	case trigger.OktaEvent:
		return map[string]any{"uuid": "7f3a9c2e-1b4d-11ef-9a7c-5b1e2f3a4b5c", "eventType": "user.lifecycle.create",
			"published": "2026-12-01T09:30:00.000Z", "displayMessage": "Create Okta user",
			"actor":   map[string]any{"id": "00u1admin", "type": "User", "alternateId": "admin@acme.com", "displayName": "Admin"},
			"target":  []any{map[string]any{"id": "00u1ada", "type": "User", "alternateId": "ada@acme.com", "displayName": "Ada Lovelace"}},
			"outcome": map[string]any{"result": "SUCCESS"}}, true
	case trigger.CSV:
		return map[string]any{"employee_id": "E1001", "first_name": "Ada", "last_name": "Lovelace",
			"email": "ada@acme.com", "department": "Engineering"}, true
	case trigger.HTTPPoll:
		return map[string]any{"id": "1001", "status": "approved", "email": "ada@acme.com", "name": "Ada Lovelace"}, true
	}
	return nil, false
}
