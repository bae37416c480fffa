package storage

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Recent keys. A new dedupe key is random (a content hash, an Okta uuid),
// so putting it in its integration's dedupe tree rewrites a leaf and a
// branch no other key of the commit shares: two of the ~5 pages an event
// costs, scattered over the file, which is what a commit's fsync pays for.
// Instead a new key is appended to one small journal:
//
//	dedupe_recent: be64(seq) → integration id, key, entry
//
// whose appends share one leaf, and kept in memory (recentKeys) for lookup.
// Once recentMergeAt keys are waiting, the writer merges them into the
// trees and age indexes (mergeIfDue), in key order, so that keys landing on
// one leaf share its rewrite: 0.4–1.0 pages a key, written together,
// against 2 scattered ones (BenchmarkMergeRecent).
//
// Invariants:
//   - a key is in exactly one of the journal and its dedupe tree; the
//     journal record and the tree entry change in the same transaction;
//   - the memory index holds exactly the committed journal: the changes a
//     write transaction makes are kept aside (the overlay) and applied by
//     its commit handler, so a rolled-back transaction leaves nothing;
//   - only the writer changes either: readers outside it (enqueuePrecheck,
//     Seen) may miss a key committed a moment ago, never see one that was
//     not committed, so their "not seen" is re-checked by the write;
//   - Open rebuilds the index from the journal, so a crash loses nothing:
//     the journal is as durable as the runs it was committed with.
var bucketDedupeRecent = []byte("dedupe_recent")

// recentMergeAt is how many journaled keys start a merge round, and
// recentMergeChunk how many one merge transaction moves (variables for
// tests). A bigger round shares more leaves (BenchmarkMergeRecent); the
// memory index costs ~200 bytes a key.
var (
	recentMergeAt    = 4096
	recentMergeChunk = 1024
)

type recentID struct{ integration, key string }

type recentEntry struct {
	seq   uint64 // the journal record's key
	entry dedupeEntry
}

// recentKeys is the memory index of the journal, and the open write
// transaction's changes to it.
type recentKeys struct {
	mu    sync.RWMutex
	byKey map[recentID]recentEntry // committed

	// The overlay: the open write transaction's changes. Only the writer
	// goroutine touches it; begin resets it at every write transaction.
	added map[recentID]recentEntry
	gone  map[recentID]struct{} // merged into the tree or dropped
	// round: the seqs the merge round under way has still to move, in key
	// order; retryAt: after a failed merge, the journal size that starts
	// the next round (both writer only).
	round   []uint64
	retryAt int
	// failures and lastErr (nil after a merge that worked) tell the
	// metrics and /healthz that merges fail.
	failures atomic.Uint64
	lastErr  atomic.Pointer[error]
}

// begin starts the overlay of a write transaction and has its commit apply it.
func (r *recentKeys) begin(tx *bolt.Tx) {
	clear(r.added)
	clear(r.gone)
	tx.OnCommit(r.apply)
}

func (r *recentKeys) apply() {
	if len(r.added) == 0 && len(r.gone) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byKey == nil {
		r.byKey = map[recentID]recentEntry{}
	}
	for id := range r.gone {
		delete(r.byKey, id)
	}
	for id, e := range r.added {
		r.byKey[id] = e
	}
	clear(r.added)
	clear(r.gone)
}

// lookupCommitted is the committed index alone: for readers outside the writer.
func (r *recentKeys) lookupCommitted(integrationID, key string) (recentEntry, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, ok := r.byKey[recentID{integrationID, key}]
	return e, ok
}

// lookup is the index as the open write transaction sees it (writer only).
// Not found: the tree has the answer (a key merged in this transaction is
// in the tree by now).
func (r *recentKeys) lookup(id recentID) (e recentEntry, ok bool) {
	if e, ok := r.added[id]; ok {
		return e, true
	}
	if _, gone := r.gone[id]; gone {
		return recentEntry{}, false
	}
	e, ok = r.byKey[id] // the writer is the only one that changes byKey
	return e, ok
}

func (r *recentKeys) put(id recentID, e recentEntry) {
	if r.added == nil {
		r.added, r.gone = map[recentID]recentEntry{}, map[recentID]struct{}{}
	}
	delete(r.gone, id)
	r.added[id] = e
}

func (r *recentKeys) drop(id recentID) {
	if r.added == nil {
		r.added, r.gone = map[recentID]recentEntry{}, map[recentID]struct{}{}
	}
	delete(r.added, id)
	r.gone[id] = struct{}{}
}

// size is how many keys wait in the journal (committed).
func (r *recentKeys) size() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.byKey)
}

// load rebuilds the index from the journal (Open). A record that cannot be
// read is reported (Problems) and left in place.
func (s *Store) loadRecent() error {
	return s.view(func(tx *bolt.Tx) error {
		idx := map[recentID]recentEntry{}
		err := tx.Bucket(bucketDedupeRecent).ForEach(func(k, v []byte) error {
			seq := binary.BigEndian.Uint64(k)
			in, key, e, err := decodeRecent(v)
			if err != nil {
				s.bad.add(&RecordError{Bucket: string(bucketDedupeRecent), Key: strconv.FormatUint(seq, 10), Err: err})
				return nil
			}
			idx[recentID{in, key}] = recentEntry{seq: seq, entry: e}
			return nil
		})
		s.recent.mu.Lock()
		s.recent.byKey = idx
		s.recent.mu.Unlock()
		return err
	})
}

// encodeRecent is a journal record: uvarint-prefixed integration id and
// key, then the entry as the tree stores it.
func encodeRecent(integrationID, key string, e dedupeEntry) []byte {
	b := make([]byte, 0, 2*binary.MaxVarintLen16+len(integrationID)+len(key)+dedupeEntrySize)
	b = binary.AppendUvarint(b, uint64(len(integrationID)))
	b = append(b, integrationID...)
	b = binary.AppendUvarint(b, uint64(len(key)))
	b = append(b, key...)
	return append(b, e.encode()...)
}

var errRecentShape = errors.New("not a dedupe journal record")

func decodeRecent(v []byte) (integrationID, key string, e dedupeEntry, err error) {
	field := func() (string, bool) {
		n, w := binary.Uvarint(v)
		if w <= 0 || n > uint64(len(v)-w) {
			return "", false
		}
		f := string(v[w : w+int(n)])
		v = v[w+int(n):]
		return f, true
	}
	var ok bool
	if integrationID, ok = field(); !ok || integrationID == "" {
		return "", "", e, errRecentShape
	}
	if key, ok = field(); !ok {
		return "", "", e, errRecentShape
	}
	if len(v) == 8 { // decodeDedupe's pre-schema-2 shape is never journaled
		return "", "", e, errRecentShape
	}
	if e, ok = decodeDedupe(v); !ok {
		return "", "", e, errRecentShape
	}
	return integrationID, key, e, nil
}

// dedupeKeys is one integration's dedupe set inside a write transaction:
// the journal (through the writer's overlay) and the tree.
type dedupeKeys struct {
	s           *Store
	journal     *bolt.Bucket
	tree        dedupeSet
	integration string
}

func (s *Store) openDedupeKeys(tx *bolt.Tx, state *bolt.Bucket, integrationID string) (dedupeKeys, error) {
	tree, err := openDedupe(state)
	if err != nil {
		return dedupeKeys{}, err
	}
	j := tx.Bucket(bucketDedupeRecent)
	j.FillPercent = appendFill
	return dedupeKeys{s: s, journal: j, tree: tree, integration: integrationID}, nil
}

func (d dedupeKeys) get(key string) (dedupeEntry, bool) {
	if e, ok := d.s.recent.lookup(recentID{d.integration, key}); ok {
		return e.entry, true
	}
	return d.tree.get(key)
}

// add records a key no event carried before (get said so) in the journal.
func (d dedupeKeys) add(key string, e dedupeEntry) error {
	seq, err := d.journal.NextSequence()
	if err != nil {
		return err
	}
	return d.record(key, recentEntry{seq: seq, entry: e})
}

func (d dedupeKeys) record(key string, e recentEntry) error {
	if err := d.journal.Put(be64(e.seq), encodeRecent(d.integration, key, e.entry)); err != nil {
		return err
	}
	d.s.recent.put(recentID{d.integration, key}, e)
	return nil
}

// touch refreshes a duplicate's last-seen time when it is stale, where the
// key is: its journal record, or the tree.
func (d dedupeKeys) touch(key string, e dedupeEntry, now time.Time) error {
	if !e.stale(now) {
		return nil
	}
	id := recentID{d.integration, key}
	if r, ok := d.s.recent.lookup(id); ok {
		r.entry.Seen = now
		return d.record(key, r)
	}
	return d.tree.touch(key, e, now)
}

// mergeRecent moves the journal records at seqs, whose keys are in order,
// into their integrations' trees and age indexes, and returns how many it
// moved. A record gone since seqs were chosen (its integration deleted) is
// skipped, one rewritten (a refresh) moves as it is now; records of an
// integration whose trigger state is gone are dropped; records that
// cannot be read stay (loadRecent reported them).
func (s *Store) mergeRecent(tx *bolt.Tx, seqs []uint64) (int, error) {
	j := tx.Bucket(bucketDedupeRecent)
	triggers := tx.Bucket(bucketTriggers)
	// The age entries go in after the keys, in their own (time) order: the
	// age indexes are append-only trees of full pages (appendFill), which
	// keys put in out of order would split into part-full ones.
	type agePut struct {
		index *bolt.Bucket
		key   []byte
	}
	var ages []agePut
	var tree dedupeSet
	var treeOf string
	moved := 0
	for _, seq := range seqs {
		v := j.Get(be64(seq))
		if v == nil {
			continue
		}
		in, key, e, err := decodeRecent(v)
		if err != nil {
			continue
		}
		if err := j.Delete(be64(seq)); err != nil {
			return 0, err
		}
		s.recent.drop(recentID{in, key})
		moved++
		state := triggers.Bucket([]byte(in))
		if state == nil {
			continue // the integration was deleted
		}
		if treeOf != in {
			if tree, err = openDedupe(state); err != nil {
				return 0, err
			}
			treeOf = in
		}
		age := tree.ageIndex(key)
		if prev, ok := tree.get(key); ok { // not by the invariant; the newer stays if so
			if !prev.Seen.Before(e.Seen) {
				continue
			}
			if err := age.Delete(ageKey(prev.Seen, []byte(key))); err != nil {
				return 0, err
			}
		}
		if err := tree.keys.Put([]byte(key), e.encode()); err != nil {
			return 0, err
		}
		ages = append(ages, agePut{age, ageKey(e.Seen, []byte(key))})
	}
	slices.SortFunc(ages, func(a, b agePut) int { return bytes.Compare(a.key, b.key) })
	for _, a := range ages {
		if err := a.index.Put(a.key, nil); err != nil {
			return 0, err
		}
	}
	return moved, nil
}

// mergeOrder is the committed journal's records in key order (their seqs):
// the order a merge moves them in, so that keys landing on one leaf of a
// tree share its rewrite.
func (r *recentKeys) mergeOrder() []uint64 {
	r.mu.RLock()
	ids := make([]recentID, 0, len(r.byKey))
	for id := range r.byKey {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b recentID) int {
		return cmp.Or(cmp.Compare(a.integration, b.integration), cmp.Compare(a.key, b.key))
	})
	seqs := make([]uint64, len(ids))
	for i, id := range ids {
		seqs[i] = r.byKey[id].seq
	}
	r.mu.RUnlock()
	return seqs
}

// dropRecent removes an integration's journaled keys (deleting it).
func (s *Store) dropRecent(tx *bolt.Tx, integrationID string) error {
	j := tx.Bucket(bucketDedupeRecent)
	var seqs [][]byte
	var ids []recentID
	err := j.ForEach(func(k, v []byte) error {
		if in, key, _, err := decodeRecent(v); err == nil && in == integrationID {
			seqs, ids = append(seqs, bytes.Clone(k)), append(ids, recentID{in, key})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, k := range seqs {
		if err := j.Delete(k); err != nil {
			return err
		}
		s.recent.drop(ids[i])
	}
	return nil
}

// drainRecent merges the whole journal, in transactions of recentMergeChunk
// keys (PruneDedupe: the age indexes then hold every key).
func (s *Store) drainRecent() error {
	for {
		order := s.recent.mergeOrder()
		if len(order) == 0 {
			return nil
		}
		seqs, moved := order, 0
		for len(seqs) > 0 {
			chunk := seqs[:min(len(seqs), recentMergeChunk)]
			seqs = seqs[len(chunk):]
			err := s.updateSized(len(chunk), 0, func(tx *bolt.Tx) error {
				n, err := s.mergeRecent(tx, chunk)
				moved += n
				return err
			})
			if err != nil {
				return fmt.Errorf("merge the recent dedupe keys: %w", err)
			}
		}
		// Nothing moved and nothing left meanwhile (the writer's own merge
		// rounds move keys too): the index names records the journal lacks,
		// never so by the invariants, but it must not loop.
		if left := s.recent.size(); moved == 0 && left >= len(order) {
			return fmt.Errorf("merge the recent dedupe keys: %d keys of the memory index are not in the journal", left)
		}
	}
}

// mergeIfDue is the writer's chore after each commit (writer.chore). Once
// recentMergeAt keys wait, a round starts: those keys in key order, merged
// recentMergeChunk at a time, one transaction a chore, so that the writer
// serves other writes between them (and goes on at once when none wait).
// A round's keys share leaves as one
// merge of them all would; a chunk holds the writer ~20 ms (a tree of
// 200,000 keys). A chunk that fails is not retried in this round; its keys
// wait for the next, which starts once another recentMergeAt keys have come.
func (s *Store) mergeIfDue(run func(fn func(*bolt.Tx) error, events int) error) (more bool) {
	r := &s.recent
	if len(r.round) == 0 {
		n := r.size()
		if n < recentMergeAt || n < r.retryAt {
			return false
		}
		r.round = r.mergeOrder()
	}
	chunk := r.round[:min(len(r.round), recentMergeChunk)]
	r.round = r.round[len(chunk):]
	err := run(func(tx *bolt.Tx) error {
		if testHookMerge != nil {
			if err := testHookMerge(); err != nil {
				return err
			}
		}
		_, err := s.mergeRecent(tx, chunk)
		return err
	}, len(chunk))
	r.retryAt = 0
	if err != nil {
		r.round, r.retryAt = nil, r.size()+recentMergeAt
		r.failures.Add(1)
		r.lastErr.Store(&err)
		return false
	}
	r.lastErr.Store(nil)
	return len(r.round) > 0
}

// testHookMerge, set by tests, can fail the writer's merge transactions.
var testHookMerge func() error

// MergeProblem is why the last merge of recent dedupe keys failed, nil once
// one succeeds: the keys stay in the journal (nothing is lost), but it
// grows until a merge works again. /healthz shows it.
func (s *Store) MergeProblem() error {
	if p := s.recent.lastErr.Load(); p != nil {
		return fmt.Errorf("moving recent dedupe keys into their trees failed: %w", *p)
	}
	return nil
}
