// Package trigger knows what starts a run: the trigger types, the settings
// each needs (so the TUI can render their forms and import can check them),
// and how each finds new events.
//
// Pull triggers (kissflow, http_poll, csv, okta_event) implement Poller: the
// engine calls Poll with the stored cursor, and commits the events, their
// dedupe keys and the new cursor in one transaction (storage.EnqueueEvents),
// so that a crash re-polls and dedupes and nothing is lost. Push triggers
// (webhook, manual) receive events from the HTTP listener or a user.
//
// Semantics shared by all: switching ON starts from now (the integration's
// EnabledAt) unless a start time is given; data from before is not captured.
// Sample fetches one recent event without moving any cursor.
package trigger
