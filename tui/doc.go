// Package tui holds oktaflow's Bubble Tea screens: a root router, one file
// per screen, one KeyMap and one Styles per program. It reaches Okta and the
// store only through the engine, by tea.Cmd closures; Update does no I/O.
//
// The screens arrive with issue 4; see ../shared/DESIGN.md (TUI).
package tui
