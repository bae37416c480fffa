package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Bucket names. Only this package knows them.
var (
	bucketMeta         = []byte("meta")
	bucketAccounts     = []byte("accounts")            // account id → accountRecord
	bucketAccountNames = []byte("account_names")       // lower(name) → account id
	bucketSchemas      = []byte("schemas")             // account id → UserSchema
	bucketIntegrations = []byte("integrations")        // integration id → integrationRecord
	bucketTriggers     = []byte("triggers")            // integration id → nested bucket (cursor, dedupe)
	bucketRuns         = []byte("runs")                // be64(run id) → Run
	bucketRunsByInt    = []byte("runs_by_integration") // integration id | 0 | be64(run id) → nil; schema ≤ 7 only
	bucketRunsByState  = []byte("runs_by_state")
	bucketRunsByIntSt  = []byte("runs_by_integration_state")
	bucketRunsDue      = []byte("runs_due")                // be64(due unix ns) | be64(run id) → nil; schema ≤ 6 only
	bucketRunsDueByInt = []byte("runs_due_by_integration") // integration id | 0 | be64(due) | be64(run id) → nil
	bucketRunCounts    = []byte("run_counts")
	bucketAudit        = []byte("audit") // be64(seq) → AuditEntry
)

var keySchemaVersion = []byte("schema_version")

// migrations[i] moves the schema from version i to i+1. Each runs in its own
// transaction together with the version bump, so a crash mid-way leaves the
// file at the last complete version. Append only; never edit a released step.
var migrations = []func(tx *bolt.Tx) error{
	// 0 → 1: the initial layout.
	func(tx *bolt.Tx) error {
		for _, name := range [][]byte{
			bucketAccounts, bucketAccountNames, bucketSchemas, bucketIntegrations, bucketTriggers,
			bucketRuns, bucketRunsByInt, bucketRunsByState, bucketRunsByIntSt, bucketRunsDue,
			bucketRunCounts, bucketAudit,
		} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	},
	// 1 → 2: dedupe keys kept by age instead of by count. Each entry gains
	// its last-seen time (the time of this migration: nothing older is
	// known), an age index is built, and the count-ordered index of schema
	// 1 is dropped. Nothing is forgotten by the move.
	func(tx *bolt.Tx) error { return migrateDedupeByAge(tx, time.Now().UTC()) },
	// 2 → 3: pending runs indexed by integration and due time, built from
	// the due index, so that dispatch skips an integration's backlog with
	// one seek.
	migrateDueByIntegration,
	// 3 → 4: sandbox accounts say so (Account.Sandbox) instead of being
	// recognised by their kind or by the Kissflow sandbox's account id.
	migrateSandboxFlag,
	// 4 → 5: per-integration run counters for list screens (run_stats.go),
	// built from the runs of the last day and the latest of each.
	migrateRunStats,
	// 5 → 6: trigger health in a bucket of its own (health.go).
	migrateHealthBucket,
	// 6 → 7: one due index: runs_due (all pending runs by due time) goes;
	// DueRuns and NextDueAfter read runs_due_by_integration, which holds
	// the same keys under each integration's id. Every new run, every
	// start and every finish wrote both; now one (3 pages fewer a commit).
	func(tx *bolt.Tx) error {
		if tx.Bucket(bucketRunsDue) == nil {
			return nil
		}
		return tx.DeleteBucket(bucketRunsDue)
	},
	// 7 → 8: runs_by_integration goes: an integration's runs are read
	// from runs_by_integration_state, its ranges of each state merged
	// (integrationRuns). Every new run wrote a key into both; now one (a
	// tree fewer, about 3 pages fewer, for each commit that creates runs).
	func(tx *bolt.Tx) error {
		if tx.Bucket(bucketRunsByInt) == nil {
			return nil
		}
		return tx.DeleteBucket(bucketRunsByInt)
	},
	// 8 → 9: new dedupe keys are journaled in dedupe_recent and merged into
	// their trees in batches (dedupe_recent.go): about 2 random pages fewer
	// a new event. The trees keep every key they hold.
	func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketDedupeRecent)
		return err
	},
}

// migrateSandboxFlag sets "sandbox" on the accounts that are simulators:
// kind sandbox (the Okta sandbox org), and the Kissflow accounts the
// Kissflow sandbox made, which until now were told apart by plain http
// being allowed and an account id starting with "AcSandbox" (no real
// Kissflow account id does). Only that key of each record changes: the
// sealed secrets stay as they are, bound to the same account id.
func migrateSandboxFlag(tx *bolt.Tx) error {
	b := tx.Bucket(bucketAccounts)
	type updated struct{ key, value []byte }
	var changes []updated
	err := b.ForEach(func(k, v []byte) error {
		var rec map[string]json.RawMessage
		var head struct {
			Kind              string `json:"kind"`
			AllowHTTP         bool   `json:"allowHttp"`
			KissflowAccountID string `json:"kissflowAccountId"`
		}
		if json.Unmarshal(v, &rec) != nil || json.Unmarshal(v, &head) != nil {
			return nil // a damaged record stays as it is; reading it names it (recordErr)
		}
		kissflowSandbox := head.Kind == AccountKissflow && head.AllowHTTP && strings.HasPrefix(head.KissflowAccountID, "AcSandbox")
		if head.Kind != AccountSandbox && !kissflowSandbox {
			return nil
		}
		rec["sandbox"] = json.RawMessage("true")
		raw, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		changes = append(changes, updated{slices.Clone(k), raw})
		return nil
	})
	if err != nil {
		return err
	}
	for _, c := range changes { // collect, then write: no Put while iterating
		if err := b.Put(c.key, c.value); err != nil {
			return err
		}
	}
	return nil
}

func migrateDueByIntegration(tx *bolt.Tx) error {
	idx, err := tx.CreateBucketIfNotExists(bucketRunsDueByInt)
	if err != nil {
		return err
	}
	runs := tx.Bucket(bucketRuns)
	due := tx.Bucket(bucketRunsDue)
	if due == nil {
		return nil
	}
	return due.ForEach(func(k, _ []byte) error {
		id := RunID(binary.BigEndian.Uint64(k[8:]))
		r, err := decodeRun(runKey(id), runs.Get(runKey(id)))
		if err != nil {
			return nil // unreadable: not dispatched, Problems names it when read
		}
		return idx.Put(dueByIntKey(r.IntegrationID, r.NextDue, r.ID), nil)
	})
}

func migrateDedupeByAge(tx *bolt.Tx, now time.Time) error {
	triggers := tx.Bucket(bucketTriggers)
	var ids [][]byte
	if err := triggers.ForEachBucket(func(id []byte) error { ids = append(ids, bytes.Clone(id)); return nil }); err != nil {
		return err
	}
	for _, id := range ids {
		state := triggers.Bucket(id)
		if state.Bucket([]byte("dedupe_order")) != nil {
			if err := state.DeleteBucket([]byte("dedupe_order")); err != nil {
				return err
			}
		}
		if err := state.Delete([]byte("dedupe_count")); err != nil {
			return err
		}
		keys := state.Bucket(bucketDedupe)
		if keys == nil {
			continue
		}
		dd, err := openDedupe(state)
		if err != nil {
			return err
		}
		type kv struct{ k, v []byte }
		var all []kv
		if err := keys.ForEach(func(k, v []byte) error { all = append(all, kv{bytes.Clone(k), bytes.Clone(v)}); return nil }); err != nil {
			return err
		}
		for _, e := range all {
			entry, ok := decodeDedupe(e.v)
			if !ok {
				entry = dedupeEntry{} // unreadable: kept as seen, run unknown
			}
			if len(e.v) == 8 || !ok {
				entry.Seen = now
			}
			if err := dd.put(string(e.k), entry, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// SchemaVersion is the layout version this build writes.
func SchemaVersion() int { return len(migrations) }

func (s *Store) migrate() error {
	for {
		var done bool
		err := s.updateNow(func(tx *bolt.Tx) error {
			meta, err := tx.CreateBucketIfNotExists(bucketMeta)
			if err != nil {
				return err
			}
			v := 0
			if raw := meta.Get(keySchemaVersion); raw != nil {
				v = int(binary.BigEndian.Uint64(raw))
			}
			if v > len(migrations) {
				return fmt.Errorf("%w (schema %d, this build knows %d): upgrade oktaflow", ErrNewerSchema, v, len(migrations))
			}
			if v == len(migrations) {
				done = true
				return nil
			}
			if err := migrations[v](tx); err != nil {
				return fmt.Errorf("migrate database schema %d→%d: %w", v, v+1, err)
			}
			return meta.Put(keySchemaVersion, be64(uint64(v+1)))
		})
		if err != nil || done {
			return err
		}
	}
}

func be64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

// compositeKey joins parts with a 0x00 separator; ids and states never hold 0x00.
func compositeKey(parts ...[]byte) []byte {
	n := len(parts)
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n)
	for i, p := range parts {
		if i > 0 {
			out = append(out, 0)
		}
		out = append(out, p...)
	}
	return out
}
