package action

import (
	"context"
	"net/http"

	"github.com/oktaflow/oktaflow/engine/internal/jsonpath"
	"github.com/oktaflow/oktaflow/storage"
)

// Conn is what a step's Run may reach: the client of the step's account (an
// Okta org or a Kissflow account, per the action's Traits().Connector), an
// HTTP client for http.request, and the event that started the run. The
// runner fills only what the action's connector needs; the others are nil.
type Conn struct {
	Okta     Okta
	Kissflow Kissflow
	HTTP     HTTPDoer
	Event    Event
	// Key is unique to this step of this run and the same on each of its
	// attempts (http.request sends it as Idempotency-Key); "" in a test.
	Key string
}

// HTTPDoer sends an HTTP request; *http.Client provides it. The engine's
// client carries the network policy (timeouts, which hosts may be dialled).
type HTTPDoer interface {
	Do(*http.Request) (*http.Response, error)
}

// Kissflow is what actions need of a Kissflow account; engine/kissflow's
// client provides it. Errors are the client's typed errors.
type Kissflow interface {
	// GetItem reads one item of a process: its fields by field id.
	GetItem(ctx context.Context, processID, itemID string) (map[string]any, error)
	// UpdateItem changes only the given fields of an item (a partial
	// update) and returns the item as Kissflow answers it.
	UpdateItem(ctx context.Context, processID, itemID string, fields map[string]any) (map[string]any, error)
	// ProcessFields lists a process's form fields.
	ProcessFields(ctx context.Context, processID string) ([]KissflowField, error)
}

// KissflowField is one form field of a Kissflow process.
type KissflowField struct {
	ID, Name, Type string
	Required       bool
}

// Event is the event that started a run, as a step sees it.
type Event struct {
	// Data is the decoded payload: what templates read as `trigger`.
	Data any
	// TriggerType is the integration's trigger type ("kissflow", "webhook", ...).
	TriggerType string
	// Item is the Kissflow item that completed, when the trigger is a
	// Kissflow process and the payload names the item; nil otherwise.
	Item *KissflowItem
	// RunID names the run the event started, with its integration
	// ("int_x/run-42"); "" in a test run.
	RunID string
}

// KissflowItem names one item of a Kissflow process.
type KissflowItem struct {
	ProcessID, ItemID string
}

// NewEvent describes the event data that trigger t produced. For a Kissflow
// trigger it names the item (the trigger's process, the payload's _id), so
// that kissflow.update_item writes back into it by default.
func NewEvent(t storage.Trigger, data any) Event {
	ev := Event{Data: data, TriggerType: t.Type}
	if t.Type != "kissflow" {
		return ev
	}
	process, _ := t.Config["process_id"].(string)
	id, _ := jsonpath.Lookup(data, "_id")
	if item, ok := id.(string); ok && item != "" && process != "" {
		ev.Item = &KissflowItem{ProcessID: process, ItemID: item}
	}
	return ev
}
