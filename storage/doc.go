// Package storage is oktaflow's bbolt store: accounts, integrations, trigger
// cursors and dedupe sets, runs with per-step checkpoints, audit entries and
// cached user schemas.
//
// It speaks the domain: every operation is a typed method (EnqueueEvents,
// StartRun, SaveStep, FinishRun, RecoverOrphans, Prune, ...), bucket names
// stay unexported, values are decoded inside the transaction that read them,
// and failures are the sentinel errors of errors.go wrapped with context.
//
// Invariants the rest of oktaflow relies on:
//   - One process owns the file (bbolt's flock). Open fails fast with
//     ErrLocked when another oktaflow holds it.
//   - Secrets (API tokens, webhook secrets, Kissflow keys) are sealed with
//     AES-256-GCM before they reach a page; the file never holds one in clear.
//   - Every state change of a run is one short Update, never with network I/O
//     inside, so a crash leaves each run in the last state that was committed.
//   - Secondary indexes (runs by integration, by state, by due time) are
//     written in the same transaction as the run they point to.
//
// It imports no other oktaflow package.
package storage
