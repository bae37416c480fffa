package engine

import (
	"path/filepath"
	"strings"

	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/storage"
)

// StarterSample is an example event of a trigger, shaped as the trigger
// delivers its events, for "sample first" when no real event can be had
// yet (Sample fetches a real one): a completed Kissflow item with the
// sandbox process's form fields, an Okta System Log event of the trigger's
// first event type, a CSV row with the columns of the trigger's file (nil
// while the file cannot be read), a JSON object for a webhook, manual or
// http_poll trigger. The values are made up; the keys are what mapping
// suggestions need. nil for an unknown type.
func (e *Engine) StarterSample(t storage.Trigger) map[string]any {
	switch t.Type {
	case trigger.Kissflow:
		return kissflowStarter()
	case trigger.OktaEvent:
		spec, _ := trigger.Lookup(trigger.OktaEvent)
		eventType := "user.lifecycle.create"
		if types := triggerConfig(t).List(spec, "event_types"); len(types) > 0 {
			eventType = types[0]
		}
		return oktaEventStarter(eventType)
	case trigger.CSV:
		return e.csvStarter(t)
	case trigger.Webhook, trigger.Manual, trigger.HTTPPoll:
		return map[string]any{
			"id": "1001", "first_name": "Maya", "last_name": "Johnson", "email": "maya.johnson@example.com",
			"department": "Engineering", "title": "Software Engineer", "manager_email": "ethan.brooks@example.com",
		}
	}
	return nil
}

// kissflowStarter is a Completed item of the sandbox's process, with the
// system fields Kissflow sends.
func kissflowStarter() map[string]any {
	item := map[string]any{
		"_id": "Pk0000000001", "_status": "Completed",
		"_created_at": "2026-01-05T09:00:00Z", "_modified_at": "2026-01-05T09:30:00Z", "_completed_at": "2026-01-05T09:30:00Z",
		"_created_by": map[string]any{"_id": "Us001", "Name": "Sandbox Admin"},
	}
	values := map[string]string{"First_Name": "Maya", "Last_Name": "Johnson", "Email": "maya.johnson@example.com", "Department": "Engineering"}
	for _, f := range kissflowSandboxFields {
		item[f.ID] = values[f.ID] // "" for the fields a run fills in (Okta_User_ID)
	}
	return item
}

// displayMessages are Okta's for the common user lifecycle events.
var displayMessages = map[string]string{
	"user.lifecycle.create": "Create Okta user", "user.lifecycle.activate": "Activate Okta user",
	"user.lifecycle.deactivate": "Deactivate Okta user", "user.lifecycle.reactivate": "Reactivate Okta user",
	"user.lifecycle.suspend": "Suspend Okta user", "user.lifecycle.unsuspend": "Unsuspend Okta user",
	"user.lifecycle.delete.initiated": "Delete Okta user", "user.account.update_profile": "Update user profile for Okta",
	"group.user_membership.add": "Add user to group membership", "group.user_membership.remove": "Remove user from group membership",
}

// oktaEventStarter is a System Log event as Okta sends it (the keys of
// SPEC LogEvent), acting on one user.
func oktaEventStarter(eventType string) map[string]any {
	return map[string]any{
		"uuid": "f3a5c1b2-0000-4000-8000-000000000001", "published": "2026-01-05T09:30:00.000Z",
		"eventType": eventType, "version": "0", "severity": "INFO",
		"displayMessage": displayMessages[eventType],
		"actor":          map[string]any{"id": "00u0admin0000000001", "type": "User", "alternateId": "admin@example.com", "displayName": "Sandbox Admin"},
		"outcome":        map[string]any{"result": "SUCCESS"},
		"target":         []any{map[string]any{"id": "00u0maya00000000001", "type": "User", "alternateId": "maya.johnson@example.com", "displayName": "Maya Johnson"}},
		"client":         map[string]any{"ipAddress": "203.0.113.7"},
	}
}

// csvStarter is a row of the trigger's file as the CSV trigger delivers
// it: each column of its header, with _file and _line.
func (e *Engine) csvStarter(t storage.Trigger) map[string]any {
	path, _ := t.Config["path"].(string)
	delimiter, _ := t.Config["delimiter"].(string)
	encoding, _ := t.Config["encoding"].(string)
	cols, err := e.CSVColumns(path, delimiter, encoding)
	if err != nil {
		return nil
	}
	row := make(map[string]any, len(cols)+2)
	for _, c := range cols {
		row[c] = exampleValue(c)
	}
	file := filepath.Base(path)
	if full, err := e.feedPath(strings.TrimSpace(path)); err == nil && !strings.EqualFold(filepath.Ext(full), ".csv") {
		file = "export.csv" // a folder: one of its files
	}
	row["_file"], row["_line"] = file, float64(2)
	return row
}

// exampleValue is a made-up value for a column, from its name.
func exampleValue(column string) string {
	n := strings.ToLower(strings.NewReplacer("_", "", "-", "", " ", "").Replace(column))
	switch {
	case strings.Contains(n, "mail"):
		return "maya.johnson@example.com"
	case strings.Contains(n, "first") || n == "givenname":
		return "Maya"
	case strings.Contains(n, "last") || strings.Contains(n, "surname") || n == "familyname":
		return "Johnson"
	case strings.Contains(n, "dept") || strings.Contains(n, "department"):
		return "Engineering"
	case strings.HasSuffix(n, "id") || strings.Contains(n, "number"):
		return "1001"
	}
	return "example"
}
