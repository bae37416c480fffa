// Package engine runs integrations: it polls triggers, turns events into
// durable runs, executes each run's Okta action steps within Okta's rate
// limits, serves webhooks, and tells every subscriber (each TUI program,
// each SSH session) what changed.
//
// The engine is the only way the UI reaches Okta (verify an account, refresh
// a schema, test a step) so that pacing, retries and redaction live in one
// place. Its invariants, written next to the code that keeps them:
//
//   - A run changes state in one short store transaction, never with network
//     I/O inside; a crash leaves it in its last committed state, and start-up
//     puts orphaned running runs back in the queue.
//   - Steps are checkpointed: a resumed run skips the steps that succeeded.
//     Okta actions are idempotent by design (lookup first, adopt an existing
//     user on "already exists", skip a deactivate of a deprovisioned user),
//     so a step cut off after Okta applied it is safe to run again.
//   - A 429 parks the run until the bucket resets without using an attempt;
//     transient failures back off (1 s·2ⁿ ±10 %, up to 5 min, 8 attempts);
//     validation and auth errors fail at once with Okta's error kept.
//   - A run write the store refuses (a full disk) is made again in process
//     until it commits; a step that acted on Okta is never left unrecorded
//     while the process lives (durably). A run that crashed the process on
//     the same step PoisonLimit starts in a row is failed, not run again.
//   - Nothing fails silently: a trigger that cannot poll, a store that
//     refuses writes, a connection dropped at the listener's cap all show
//     in /healthz, the metrics and the events.
//   - Events go to subscribers without ever blocking the engine: a slow
//     subscriber loses events and is told to reload.
package engine
