// Package engine runs integrations: triggers, field mapping, the run
// scheduler and its workers, the webhook HTTP handler and the event feed the
// TUI subscribes to. It is the only package that talks to Okta (through
// package okta) and to the store on the UI's behalf.
//
// The engine arrives with issue 3; see ../shared/DESIGN.md (Engine).
package engine
