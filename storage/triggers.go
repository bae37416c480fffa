package storage

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
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
	// PayloadDiffers: a duplicate whose payload differs from the one its key
	// first came with (a client reusing an Idempotency-Key for new data).
	// Known for keys recorded since schema 2; false when it cannot be told.
	PayloadDiffers bool
}

// EnqueueOptions qualify EnqueueEvents.
type EnqueueOptions struct {
	// Cursor, when set, is stored as the trigger's new cursor in the same
	// transaction as the (last) events: a crash before the commit re-polls
	// from the old cursor and dedupes, a crash after it loses nothing.
	Cursor *string
	// AllowOff accepts events while the integration is OFF (manual runs).
	AllowOff bool
	// Baseline records the events' dedupe keys and the cursor but creates no
	// runs: the first poll after switching ON marks what already exists as
	// seen, so that only data arriving from then on fires.
	Baseline bool
}

// EnqueueEvents turns trigger events into queued runs, skipping events whose
// dedupe key was seen before, and stores the new cursor. It refuses with
// ErrIntegrationOff when the integration is OFF. The results are in the
// order of events (none for a Baseline).
//
// Up to MaxEventsPerCommit events (and MaxBytesPerCommit of payload) are
// one transaction: all or nothing, with their dedupe keys and the cursor.
// A larger call is committed in chunks of that size, in order, the cursor
// with the last, so no single transaction holds the writer for long and
// other integrations' writes go in between. If a chunk fails, the chunks
// before it stay committed and the error says how many events that was;
// calling again with the same events is safe, because the committed ones
// come back as duplicates (events without a dedupe key excepted). A caller
// that answers "accepted" must do so only when EnqueueEvents returned nil.
//
// Duplicates that need no write (the common case of a re-poll) are answered
// from a read transaction; a call that only meets duplicates and does not
// move the cursor writes nothing.
func (s *Store) EnqueueEvents(integrationID string, events []NewEvent, opts EnqueueOptions) ([]Enqueued, error) {
	out := make([]Enqueued, len(events))
	todo, cursorSame, trigger, err := s.enqueuePrecheck(integrationID, events, opts, out)
	if err != nil {
		return nil, err
	}
	prep, err := prepareEvents(integrationID, trigger, events, todo, opts)
	if err != nil {
		return nil, err
	}
	chunks := chunkEvents(events, todo)
	if len(chunks) == 0 && opts.Cursor != nil && !cursorSame {
		chunks = [][]int{nil} // the cursor alone moves
	}
	committed := 0
	for i, chunk := range chunks {
		last := i == len(chunks)-1
		var err error
		if testHookEnqueueChunk != nil {
			err = testHookEnqueueChunk(i) // between transactions: the writer is free
		}
		if err == nil {
			err = s.updateSized(len(chunk), chunkBytes(events, chunk), func(tx *bolt.Tx) error {
				return s.enqueueChunk(tx, integrationID, events, prep, chunk, opts, last, out)
			})
		}
		if err != nil {
			if committed > 0 {
				return nil, fmt.Errorf("%d of %d events were stored before this failure (sending them again is safe: they dedupe): %w", committed, len(todo), err)
			}
			return nil, err
		}
		committed += len(chunk)
	}
	if opts.Baseline {
		return out[:0], nil
	}
	return out, nil
}

// testHookEnqueueChunk, set by tests, runs before the i-th chunk of a call
// is committed (outside any transaction) and can fail it.
var testHookEnqueueChunk func(i int) error

// enqueuePrecheck checks the integration and answers, without writing, the
// events whose key was seen recently enough to need no refresh. It returns
// the indexes of the events left to write, and whether the stored cursor
// already equals opts.Cursor.
func (s *Store) enqueuePrecheck(integrationID string, events []NewEvent, opts EnqueueOptions, out []Enqueued) (todo []int, cursorSame bool, trigger string, err error) {
	now := s.now().UTC()
	in, err := s.IntegrationBrief(integrationID) // the cache: the write re-checks in its transaction
	if err != nil {
		return nil, false, "", err
	}
	if err := accepts(in.Name, in.Enabled, opts); err != nil {
		return nil, false, "", err
	}
	err = s.view(func(tx *bolt.Tx) error {
		todo = todo[:0]
		var keys *bolt.Bucket
		state := tx.Bucket(bucketTriggers).Bucket([]byte(integrationID))
		if state != nil {
			keys = state.Bucket(bucketDedupe)
			if opts.Cursor != nil {
				cur := state.Get(keyCursor)
				cursorSame = cur != nil && string(cur) == *opts.Cursor
			}
		}
		for i, ev := range events {
			if ev.DedupeKey != "" {
				if e, ok := s.seenCommitted(keys, integrationID, ev.DedupeKey); ok && !e.stale(now) {
					out[i] = duplicateOf(e, ev)
					continue
				}
			}
			todo = append(todo, i)
		}
		return nil
	})
	return todo, cursorSame, in.Trigger, err
}

// preparedEvent is what an event's write needs that can be computed before
// the write transaction, outside the one writer: its payload hash and its
// run's JSON but for id and time.
type preparedEvent struct {
	hash    [16]byte
	hasHash bool
	run     newRunJSON
}

// prepareEvents prepares the events at todo (the others are not written).
// A payload that is not valid JSON fails the call here, before anything is
// written.
func prepareEvents(integrationID, trigger string, events []NewEvent, todo []int, opts EnqueueOptions) ([]preparedEvent, error) {
	prep := make([]preparedEvent, len(events))
	for _, i := range todo {
		ev, p := events[i], &prep[i]
		if len(ev.Payload) > 0 {
			p.hash, p.hasHash = payloadHash(ev.Payload), true
		}
		if opts.Baseline {
			continue
		}
		var err error
		if p.run, err = prepareNewRun(integrationID, trigger, ev); err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
	}
	return prep, nil
}

func accepts(name string, enabled bool, opts EnqueueOptions) error {
	if !enabled && !opts.AllowOff {
		return fmt.Errorf("integration %q: %w; switch it ON first", name, ErrIntegrationOff)
	}
	return nil
}

func duplicateOf(e dedupeEntry, ev NewEvent) Enqueued {
	return Enqueued{RunID: e.Run, Duplicate: true, PayloadDiffers: e.HasHash && len(ev.Payload) > 0 && e.Hash != payloadHash(ev.Payload)}
}

// chunkEvents cuts the indexes in todo into runs of at most
// MaxEventsPerCommit events and about MaxBytesPerCommit payload bytes.
func chunkEvents(events []NewEvent, todo []int) [][]int {
	var chunks [][]int
	var cur []int
	size := 0
	for _, i := range todo {
		if len(cur) > 0 && (len(cur) >= MaxEventsPerCommit || size+len(events[i].Payload) > MaxBytesPerCommit) {
			chunks = append(chunks, cur)
			cur, size = nil, 0
		}
		cur = append(cur, i)
		size += len(events[i].Payload)
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	return chunks
}

func chunkBytes(events []NewEvent, idx []int) int {
	n := 0
	for _, i := range idx {
		n += len(events[i].Payload)
	}
	return n
}

// enqueueChunk writes the events at idx (and the cursor when last) in tx.
// It may run more than once (a group commit re-runs a failed group one by
// one), so it sets every out[i] it owns on each run and keeps no other state.
func (s *Store) enqueueChunk(tx *bolt.Tx, integrationID string, events []NewEvent, prep []preparedEvent, idx []int, opts EnqueueOptions, last bool, out []Enqueued) error {
	in, err := s.integrationHead(tx, integrationID)
	if err != nil {
		return err
	}
	if err := accepts(in.Name, in.Enabled, opts); err != nil {
		return err
	}
	state, err := tx.Bucket(bucketTriggers).CreateBucketIfNotExists([]byte(integrationID))
	if err != nil {
		return err
	}
	dd, err := s.openDedupeKeys(tx, state, integrationID)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	runs := tx.Bucket(bucketRuns)
	for _, i := range idx {
		ev, p := events[i], prep[i]
		entry := dedupeEntry{Seen: now, Hash: p.hash, HasHash: p.hasHash}
		if ev.DedupeKey != "" {
			if prev, ok := dd.get(ev.DedupeKey); ok {
				out[i] = duplicateOf(prev, ev)
				if err := dd.touch(ev.DedupeKey, prev, now); err != nil {
					return err
				}
				continue
			}
		}
		if opts.Baseline {
			if ev.DedupeKey != "" {
				if err := dd.add(ev.DedupeKey, entry); err != nil {
					return err
				}
			}
			continue
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
		var raw []byte
		if p.run.trigger == r.Trigger { // else the trigger changed since prepareEvents
			raw, err = p.run.encode(r.ID, now, r.Manual)
		} else {
			raw, err = json.Marshal(r)
		}
		if err != nil {
			return err
		}
		if err := s.putRunEncoded(tx, nil, r, raw); err != nil {
			return err
		}
		if ev.DedupeKey != "" {
			entry.Run = r.ID
			if err := dd.add(ev.DedupeKey, entry); err != nil {
				return err
			}
		}
		out[i] = Enqueued{RunID: r.ID}
	}
	if last && opts.Cursor != nil {
		return state.Put(keyCursor, []byte(*opts.Cursor))
	}
	return nil
}

// Cursor returns an integration's trigger cursor ("" before its first poll
// after being switched ON).
func (s *Store) Cursor(integrationID string) (string, error) {
	var cur string
	err := s.view(func(tx *bolt.Tx) error {
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
	return s.update(func(tx *bolt.Tx) error {
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
	err := s.view(func(tx *bolt.Tx) error {
		var keys *bolt.Bucket
		if state := tx.Bucket(bucketTriggers).Bucket([]byte(integrationID)); state != nil {
			keys = state.Bucket(bucketDedupe)
		}
		_, seen = s.seenCommitted(keys, integrationID, key)
		return nil
	})
	return seen, err
}

// seenCommitted looks a key up outside the writer: the committed journal,
// then tree (nil: none yet). A key committed a moment ago may be missed (see
// dedupe_recent.go); one not committed is never found.
func (s *Store) seenCommitted(tree *bolt.Bucket, integrationID, key string) (dedupeEntry, bool) {
	if r, ok := s.recent.lookupCommitted(integrationID, key); ok {
		return r.entry, true
	}
	if tree == nil {
		return dedupeEntry{}, false
	}
	v := tree.Get([]byte(key))
	if v == nil {
		return dedupeEntry{}, false
	}
	e, ok := decodeDedupe(v)
	if !ok {
		return dedupeEntry{}, true // damaged: still seen (see dedupeSet.get)
	}
	return e, true
}

func resetCursor(tx *bolt.Tx, integrationID string) error {
	if state := tx.Bucket(bucketTriggers).Bucket([]byte(integrationID)); state != nil {
		return state.Delete(keyCursor)
	}
	return nil
}
