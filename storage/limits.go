package storage

// Bounds on write transactions. bbolt has one writer at a time, so a
// transaction that rewrites thousands of records holds up every other
// integration's webhooks, polls and run transitions for as long as it takes.
// Every write that can grow with outside input is cut into transactions of
// at most these sizes; the reasons each cut is safe are written beside the
// code that makes it (EnqueueEvents, SetEnabled, RecoverInterrupted).
const (
	// MaxEventsPerCommit is the most events EnqueueEvents commits in one
	// transaction. A call with more is committed in chunks of this many,
	// each atomic with its dedupe keys; the cursor goes with the last chunk.
	// A webhook request of at most this many items is therefore all-or-
	// nothing; the listener's item limit should not exceed it.
	MaxEventsPerCommit = 1000
	// MaxBytesPerCommit bounds the event payload bytes in one transaction
	// (a chunk closes early when its payloads reach it).
	MaxBytesPerCommit = 4 << 20
)

// maxRunsPerTx bounds the runs one maintenance transaction rewrites
// (cancelling a switched-OFF integration's backlog, recovering orphans).
const maxRunsPerTx = 1000
