// Package console is oktaflow's SSH admin console: one always-on process
// (oktaflow serve) that a team reaches with `ssh -p 23234 host`.
//
// Each SSH session with a terminal gets its own Bubble Tea program (its own
// size, colour profile and styles) over the one shared engine; a session
// without a terminal runs a CLI command (`ssh host runs --json`). Access is
// by public key only, from an admin keys file and an optional viewer keys
// file (authorized_keys lines). A user's role is decided from the key the
// session actually authenticated with, re-checked in a middleware: the
// public-key callback also sees keys that were only offered.
package console
