// Package storage is oktaflow's bbolt store: accounts, integrations, trigger
// cursors, dedupe keys and health, runs with per-step checkpoints, audit
// entries and cached user schemas.
//
// It speaks the domain: every operation is a typed method (EnqueueEvents,
// StartRun, SaveStep, FinishRun, RecoverInterrupted, Prune, ...), bucket
// names stay unexported, values are decoded inside the transaction that read
// them, and failures are the sentinel errors of errors.go wrapped with context.
//
// Invariants the rest of oktaflow relies on:
//   - One process owns the file (bbolt's flock). Open fails fast with
//     ErrLocked when another oktaflow holds it.
//   - Secrets (API tokens, OAuth private and DPoP keys, webhook secrets,
//     Kissflow keys, the secret fields of steps) are sealed with AES-256-GCM, each under a binding to its
//     record and field, before they reach a page; the file never holds one
//     in clear, and JSON forms mask them.
//   - Every write goes through one writer that commits at once when idle and
//     folds what arrives during a commit into the next transaction (group
//     commit, writer.go). A caller returns only after its change is synced;
//     one failing request never fails the others of its group.
//   - Every state change of a run is one short transaction, never with
//     network I/O inside, so a crash leaves each run in the last state that
//     was committed. Secondary indexes (runs by state, by integration and
//     state, by integration and due time) are written in the same
//     transaction as the run they point to (putRun is their only writer).
//   - No write transaction grows with outside input: big batches, backlogs
//     and recoveries are cut into bounded transactions (limits.go), each
//     correct on its own if a crash stops the rest.
//   - Dedupe keys are forgotten by age only, never by count (dedupe.go): a
//     batch or feed of any size never replays what it committed.
//   - An integration that is OFF keeps no pending runs except manual ones:
//     switching OFF cancels them, and a run that would retry, wait, start or
//     be recovered under an OFF integration is cancelled instead.
//   - A damaged file or record is an error naming it and the way out
//     (ErrCorrupt, faults.go), never a crash; listings skip what they cannot
//     read and Problems keeps it.
//   - Integrations and accounts are served from caches invalidated by every
//     commit that changes them (cache.go); callers get copies.
//
// It imports no other oktaflow package.
package storage
