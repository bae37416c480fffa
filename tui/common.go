package tui

import (
	"context"

	"github.com/oktaflow/oktaflow/engine"
)

// Role is what a program's user may do.
type Role int

// Roles.
const (
	// Admin can do everything.
	Admin Role = iota
	// Viewer can browse integrations, runs and accounts, and change nothing.
	Viewer
)

// Common is what every screen of one program shares: one per local run,
// one per SSH session. The UI reaches Okta and the store only through the
// engine, from tea.Cmd closures.
type Common struct {
	Ctx    context.Context
	Engine *engine.Engine
	Styles *Styles
	Keys   KeyMap
	Role   Role
	Who    string // for the audit log: local:alice, ssh:SHA256:… comment
	// HookBase is the webhook listener's base URL ("" when it is off).
	HookBase string
	// Width and Height are the body's size (inside header, status bar and footer).
	Width, Height int
}

// CanEdit reports whether this user may change things; when not, the
// reason to show.
func (c *Common) CanEdit() (bool, string) {
	if c.Role == Viewer {
		return false, "read-only: your SSH key has the viewer role"
	}
	return true, ""
}
