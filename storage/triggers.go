package storage

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// DedupeLimit bounds each integration's dedupe set: the oldest keys are
// forgotten first. It is far larger than any page a trigger fetches, so a
// re-poll after a crash always finds the keys it committed, and it holds the
// rows of a large HR export (about 60 bytes a key on disk).
const DedupeLimit = 100000

// dedupeLimit is DedupeLimit, lowered by tests.
var dedupeLimit uint64 = DedupeLimit

var (
	keyCursor      = []byte("cursor")
	keyDedupeCount = []byte("dedupe_count")
	bucketDedupe   = []byte("dedupe")       // dedupe key → be64(run id)
	bucketDedupeBy = []byte("dedupe_order") // be64(insertion seq) → dedupe key
)

// NewEvent is one trigger event to turn into a run.
type NewEvent struct {
	Payload   json.RawMessage
	DedupeKey string // "" never dedupes (a manual run)
}

// Enqueued says what became of one NewEvent.
type Enqueued struct {
	RunID     RunID
	Duplicate bool // the key was seen before; RunID is the run it produced then (0: part of a baseline)
}

// EnqueueOptions qualify EnqueueEvents.
type EnqueueOptions struct {
	// Cursor, when set, is stored as the trigger's new cursor in the same
	// transaction as the events: a crash before the commit re-polls from the
	// old cursor and dedupes, a crash after it loses nothing.
	Cursor *string
	// AllowOff accepts events while the integration is OFF (manual runs).
	AllowOff bool
	// Baseline records the events' dedupe keys and the cursor but creates no
	// runs: the first poll after switching ON marks what already exists as
	// seen, so that only data arriving from then on fires.
	Baseline bool
}

// EnqueueEvents turns trigger events into queued runs, skipping events whose
// dedupe key was already seen, and stores the new cursor, all in one
// transaction. It refuses with ErrIntegrationOff when the integration is OFF.
func (s *Store) EnqueueEvents(integrationID string, events []NewEvent, opts EnqueueOptions) ([]Enqueued, error) {
	out := make([]Enqueued, 0, len(events))
	err := s.db.Update(func(tx *bolt.Tx) error {
		out = out[:0]
		in, err := s.getIntegration(tx, integrationID)
		if err != nil {
			return err
		}
		if !in.Enabled && !opts.AllowOff {
			return fmt.Errorf("integration %q: %w; switch it ON first", in.Name, ErrIntegrationOff)
		}
		state, err := tx.Bucket(bucketTriggers).CreateBucketIfNotExists([]byte(integrationID))
		if err != nil {
			return err
		}
		dedupe, err := state.CreateBucketIfNotExists(bucketDedupe)
		if err != nil {
			return err
		}
		order, err := state.CreateBucketIfNotExists(bucketDedupeBy)
		if err != nil {
			return err
		}
		runs := tx.Bucket(bucketRuns)
		now := s.now().UTC()
		for _, ev := range events {
			if opts.Baseline {
				if ev.DedupeKey != "" && dedupe.Get([]byte(ev.DedupeKey)) == nil {
					if err := remember(state, dedupe, order, ev.DedupeKey, 0); err != nil {
						return err
					}
				}
				continue
			}
			if ev.DedupeKey != "" {
				if prev := dedupe.Get([]byte(ev.DedupeKey)); prev != nil {
					out = append(out, Enqueued{RunID: RunID(binary.BigEndian.Uint64(prev)), Duplicate: true})
					continue
				}
			}
			seq, err := runs.NextSequence()
			if err != nil {
				return err
			}
			r := Run{
				ID: RunID(seq), IntegrationID: integrationID, Trigger: in.Trigger.Type,
				Event: ev.Payload, DedupeKey: ev.DedupeKey, State: RunQueued,
				NextDue: now, CreatedAt: now, UpdatedAt: now, Manual: opts.AllowOff,
			}
			if err := s.putRun(tx, nil, r); err != nil {
				return err
			}
			if ev.DedupeKey != "" {
				if err := remember(state, dedupe, order, ev.DedupeKey, r.ID); err != nil {
					return err
				}
			}
			out = append(out, Enqueued{RunID: r.ID})
		}
		if opts.Cursor != nil {
			return state.Put(keyCursor, []byte(*opts.Cursor))
		}
		return nil
	})
	return out, err
}

// remember adds key to the dedupe set, remembering which run it produced
// (0 for a baseline key), and forgets the oldest keys past DedupeLimit. The
// order bucket is keyed by its own sequence, so age is insertion order.
func remember(state, dedupe, order *bolt.Bucket, key string, id RunID) error {
	if err := dedupe.Put([]byte(key), runKey(id)); err != nil {
		return err
	}
	seq, err := order.NextSequence()
	if err != nil {
		return err
	}
	if err := order.Put(be64(seq), []byte(key)); err != nil {
		return err
	}
	n := uint64(1)
	if raw := state.Get(keyDedupeCount); raw != nil {
		n += binary.BigEndian.Uint64(raw)
	}
	for n > dedupeLimit {
		c := order.Cursor()
		k, v := c.First()
		if k == nil {
			break
		}
		if err := dedupe.Delete(v); err != nil {
			return err
		}
		if err := c.Delete(); err != nil {
			return err
		}
		n--
	}
	return state.Put(keyDedupeCount, be64(n))
}

// Cursor returns an integration's trigger cursor ("" before its first poll
// after being switched ON).
func (s *Store) Cursor(integrationID string) (string, error) {
	var cur string
	err := s.db.View(func(tx *bolt.Tx) error {
		if state := tx.Bucket(bucketTriggers).Bucket([]byte(integrationID)); state != nil {
			cur = string(state.Get(keyCursor))
		}
		return nil
	})
	return cur, err
}

// SetCursor stores a trigger cursor on its own, for a poll that found no
// new events but moved on (an Okta System Log next link, say).
func (s *Store) SetCursor(integrationID, cursor string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketIntegrations).Get([]byte(integrationID)) == nil {
			return fmt.Errorf("integration %q: %w", integrationID, ErrNotFound)
		}
		state, err := tx.Bucket(bucketTriggers).CreateBucketIfNotExists([]byte(integrationID))
		if err != nil {
			return err
		}
		return state.Put(keyCursor, []byte(cursor))
	})
}

// Seen reports whether a dedupe key is in an integration's dedupe set.
func (s *Store) Seen(integrationID, key string) (bool, error) {
	var seen bool
	err := s.db.View(func(tx *bolt.Tx) error {
		if state := tx.Bucket(bucketTriggers).Bucket([]byte(integrationID)); state != nil {
			if d := state.Bucket(bucketDedupe); d != nil {
				seen = d.Get([]byte(key)) != nil
			}
		}
		return nil
	})
	return seen, err
}

func resetCursor(tx *bolt.Tx, integrationID string) error {
	if state := tx.Bucket(bucketTriggers).Bucket([]byte(integrationID)); state != nil {
		return state.Delete(keyCursor)
	}
	return nil
}
