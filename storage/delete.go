package storage

import (
	"bytes"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Deleting an integration is two things of very different size: its record
// (and its first pending runs), and its trigger state, whose dedupe set may
// hold hundreds of thousands of keys. Done in one transaction, the second
// would hold bbolt's one write lock for as long as it takes, stalling every
// other integration's webhooks, polls and runs. So:
//
//  1. one bounded transaction deletes the record, cancels the first
//     maxRunsPerTx pending runs, and moves the trigger bucket whole
//     (bbolt's MoveBucket: a pointer, whatever its size) under
//     deleting/<id>. From this commit on, the integration is gone for
//     every reader, and the keys no longer sit where dedupe or prune look;
//  2. the remaining pending runs are cancelled in bounded transactions
//     (StartRun cancels any that a worker reaches first);
//  3. deleting/<id> is emptied in transactions of at most maxPurgePerTx
//     keys, then removed.
//
// A crash after 1 leaves deleting/<id> behind, and nothing else sees it:
// Open finishes the purge (resumeDeletes), and pending runs are cancelled
// as they come due. Integration ids are never reused, so a purge can never
// touch a newer integration's state.

// bucketDeleting holds the trigger state of deleted integrations until it
// is purged: integration id → its trigger bucket, moved here whole.
var bucketDeleting = []byte("deleting")

// maxPurgePerTx bounds the keys (and emptied buckets) one purge
// transaction deletes.
const maxPurgePerTx = 10_000

// DeleteIntegration removes an integration and its trigger state, and
// cancels its pending runs, all in bounded transactions (see above). The
// integration is gone from the first commit on. Finished runs stay for
// history until pruned.
func (s *Store) DeleteIntegration(id string) error {
	rest, err := s.hideIntegration(id)
	if err != nil {
		return err
	}
	s.forgetHealth(id)
	if len(rest) > 0 {
		if _, err := s.cancelInChunks(rest, "integration deleted"); err != nil {
			return err
		}
	}
	return s.purgeDeleted(id)
}

// hideIntegration is the first commit of a delete: the record goes, the
// first pending runs are cancelled, the trigger state moves to deleting/.
// It returns the pending runs left to cancel.
func (s *Store) hideIntegration(id string) (rest []RunID, err error) {
	err = s.updateSized(maxRunsPerTx, 0, func(tx *bolt.Tx) error {
		rest = nil
		// A record that cannot be read can still be deleted: that is the
		// way out of a damaged integration short of a restore.
		if _, err := s.getIntegration(tx, id); err != nil && !errors.Is(err, ErrCorrupt) {
			return err
		}
		ids := pendingIDs(tx, id)
		first := ids[:min(len(ids), maxRunsPerTx)]
		rest = ids[len(first):]
		if _, err := s.cancelRuns(tx, first, "integration deleted"); err != nil {
			return err
		}
		triggers := tx.Bucket(bucketTriggers)
		if triggers.Bucket([]byte(id)) != nil {
			trash, err := tx.CreateBucketIfNotExists(bucketDeleting)
			if err != nil {
				return err
			}
			if err := triggers.MoveBucket([]byte(id), trash); err != nil {
				return fmt.Errorf("move the trigger state of integration %q aside: %w", id, err)
			}
		}
		if err := s.dropRecent(tx, id); err != nil {
			return err
		}
		if err := dropStats(tx, id); err != nil {
			return err
		}
		if err := tx.Bucket(bucketHealth).Delete([]byte(id)); err != nil {
			return err
		}
		s.integrationsChanged(tx)
		return tx.Bucket(bucketIntegrations).Delete([]byte(id))
	})
	return rest, err
}

// purgeDeleted empties and removes deleting/<id>, at most maxPurgePerTx
// keys a transaction.
func (s *Store) purgeDeleted(id string) error {
	for done := false; !done; {
		err := s.updateSized(MaxEventsPerCommit, 0, func(tx *bolt.Tx) error {
			done = false
			trash := tx.Bucket(bucketDeleting)
			if trash == nil || trash.Bucket([]byte(id)) == nil {
				done = true
				return nil
			}
			b := trash.Bucket([]byte(id))
			if _, err := purgeSome(b, maxPurgePerTx); err != nil {
				return err
			}
			if isEmpty(b) {
				done = true
				return trash.DeleteBucket([]byte(id))
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("remove the trigger state of deleted integration %q: %w", id, err)
		}
	}
	return nil
}

// resumeDeletes finishes the purges a crash cut off (see above).
func (s *Store) resumeDeletes() error {
	var ids []string
	err := s.view(func(tx *bolt.Tx) error {
		trash := tx.Bucket(bucketDeleting)
		if trash == nil {
			return nil
		}
		return trash.ForEachBucket(func(k []byte) error {
			ids = append(ids, string(k))
			return nil
		})
	})
	for _, id := range ids {
		if err == nil {
			err = s.purgeDeleted(id)
		}
	}
	return err
}

// purgeSome deletes up to budget keys of b, depth first: a nested bucket
// is emptied, then deleted (one more of the budget). It returns how many
// it deleted. Keys are collected, then deleted (deleting while iterating
// can skip keys).
func purgeSome(b *bolt.Bucket, budget int) (int, error) {
	type entry struct {
		key    []byte
		nested bool
	}
	var todo []entry
	c := b.Cursor()
	for k, v := c.First(); k != nil && len(todo) < budget; k, v = c.Next() {
		// A nested bucket has a nil value; so may a key stored with none.
		todo = append(todo, entry{bytes.Clone(k), v == nil && b.Bucket(k) != nil})
	}
	done := 0
	for _, e := range todo {
		if done >= budget {
			break
		}
		if !e.nested {
			if err := b.Delete(e.key); err != nil {
				return done, err
			}
			done++
			continue
		}
		child := b.Bucket(e.key)
		n, err := purgeSome(child, budget-done)
		done += n
		if err != nil {
			return done, err
		}
		if !isEmpty(child) {
			break // the budget ran out inside it
		}
		if err := b.DeleteBucket(e.key); err != nil {
			return done, err
		}
		done++
	}
	return done, nil
}

func isEmpty(b *bolt.Bucket) bool {
	k, _ := b.Cursor().First()
	return k == nil
}
