package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Dedupe keys are kept by age, never by count. Each integration's trigger
// bucket holds
//
//	dedupe:     key → entry (run id, when last seen, payload hash)
//	dedupe_age: be64(last seen, unix ns) | key → nil
//	dedupe_age_content: the same, for content keys (below)
//
// A new key goes first to the recent-keys journal, which the writer merges
// into these buckets in rounds (dedupe_recent.go); lookups see both.
//
// A key is forgotten only when no event carrying it has arrived for the
// retention (DefaultDedupeRetention unless Options.DedupeRetention says
// otherwise), by Prune. Nothing evicts keys because there are many: a batch,
// a file or a feed of any size dedupes against every key it committed, so a
// re-poll after a crash, a file re-read from its start or a webhook retry
// never replays history.
//
// Content keys are the exception: a key made from an event's content
// because it carries no id (a webhook body sent without an
// Idempotency-Key) starts with ContentKeyPrefix and is remembered for
// ContentKeyRetention only, in an age index of its own (dedupe_age_content,
// so pruning it never walks the long one). It exists to absorb a sender's
// retries; kept for a year it would swallow a legitimate repeat (a rehire
// who leaves again months later sends the same body). Keys of feeds (CSV
// rows, polled items) are not content keys in this sense: a file re-read
// from its start must not replay.
//
// A duplicate refreshes its key's last-seen time when that is older than
// dedupeRefresh, so a source that presents the same rows at every poll (a
// CSV file that only grows, a full walk of a process) keeps their keys for
// as long as it keeps presenting them, at most one write per key per
// dedupeRefresh.
const (
	// DefaultDedupeRetention is how long a key no event has presented since
	// is remembered: far beyond any retry, re-poll or re-read of a feed, and
	// twelve times the retention of finished runs.
	DefaultDedupeRetention = 365 * 24 * time.Hour
	dedupeRefresh          = 24 * time.Hour
	// ContentKeyRetention is how long a content key is remembered: beyond
	// any sender's retries (Okta retries an event hook once; other senders
	// within hours), well short of a repeat months later.
	ContentKeyRetention = 72 * time.Hour
)

// ContentKeyPrefix starts the dedupe keys made from an event's content
// (see above); IsContentKey tells them.
const ContentKeyPrefix = "content:"

// IsContentKey reports whether a dedupe key was made from content.
func IsContentKey(key string) bool { return strings.HasPrefix(key, ContentKeyPrefix) }

var (
	keyCursor       = []byte("cursor")
	bucketDedupe    = []byte("dedupe")     // key → dedupeEntry
	bucketDedupeAge = []byte("dedupe_age") // be64(seen ns) | key → nil
	// bucketContentAge is dedupe_age for content keys.
	bucketContentAge = []byte("dedupe_age_content")
)

// dedupeEntry is what the store remembers of a key.
type dedupeEntry struct {
	Run     RunID     // the run it produced (0: part of a baseline)
	Seen    time.Time // when an event last carried it
	Hash    [16]byte  // truncated SHA-256 of the payload it first came with
	HasHash bool      // false for keys recorded before hashes were kept
}

const dedupeEntrySize = 8 + 8 + 16

func (e dedupeEntry) encode() []byte {
	b := make([]byte, 16, dedupeEntrySize)
	binary.BigEndian.PutUint64(b, uint64(e.Run))
	binary.BigEndian.PutUint64(b[8:], uint64(max(e.Seen.UnixNano(), 0)))
	if e.HasHash {
		b = append(b, e.Hash[:]...)
	}
	return b
}

// decodeDedupe reads an entry; ok is false for a value of an unknown shape.
// 8-byte values (a run id alone) were written before schema 2 and are
// converted by its migration; they are still read, as seen at time 0.
func decodeDedupe(v []byte) (e dedupeEntry, ok bool) {
	switch len(v) {
	case 8:
		e.Run = RunID(binary.BigEndian.Uint64(v))
	case 16, dedupeEntrySize:
		e.Run = RunID(binary.BigEndian.Uint64(v))
		e.Seen = time.Unix(0, int64(binary.BigEndian.Uint64(v[8:16]))).UTC()
		if len(v) == dedupeEntrySize {
			copy(e.Hash[:], v[16:])
			e.HasHash = true
		}
	default:
		return e, false
	}
	return e, true
}

func payloadHash(p []byte) (h [16]byte) {
	sum := sha256.Sum256(p)
	copy(h[:], sum[:16])
	return h
}

func ageKey(seen time.Time, key []byte) []byte {
	k := make([]byte, 8, 8+len(key))
	binary.BigEndian.PutUint64(k, uint64(max(seen.UnixNano(), 0)))
	return append(k, key...)
}

// dedupeSet is one integration's dedupe buckets inside a write transaction.
type dedupeSet struct{ keys, age, contentAge *bolt.Bucket }

func openDedupe(state *bolt.Bucket) (dedupeSet, error) {
	var d dedupeSet
	for _, b := range []struct {
		name []byte
		to   **bolt.Bucket
	}{{bucketDedupe, &d.keys}, {bucketDedupeAge, &d.age}, {bucketContentAge, &d.contentAge}} {
		bk, err := state.CreateBucketIfNotExists(b.name)
		if err != nil {
			return dedupeSet{}, err
		}
		*b.to = bk
	}
	d.age.FillPercent, d.contentAge.FillPercent = appendFill, appendFill // keys grow with time
	return d, nil
}

// ageIndex is the age index key belongs in.
func (d dedupeSet) ageIndex(key string) *bolt.Bucket {
	if IsContentKey(key) {
		return d.contentAge
	}
	return d.age
}

func (d dedupeSet) get(key string) (dedupeEntry, bool) {
	v := d.keys.Get([]byte(key))
	if v == nil {
		return dedupeEntry{}, false
	}
	e, ok := decodeDedupe(v)
	if !ok {
		// A damaged entry still says the key was seen: replaying is the
		// one thing a dedupe set must never cause.
		return dedupeEntry{}, true
	}
	return e, true
}

// put records e under key, moving its age index entry from old (when it had one).
func (d dedupeSet) put(key string, e dedupeEntry, old *dedupeEntry) error {
	age := d.ageIndex(key)
	if old != nil {
		if err := age.Delete(ageKey(old.Seen, []byte(key))); err != nil {
			return err
		}
	}
	if err := d.keys.Put([]byte(key), e.encode()); err != nil {
		return err
	}
	return age.Put(ageKey(e.Seen, []byte(key)), nil)
}

// touch refreshes a duplicate's last-seen time when it is stale.
func (d dedupeSet) touch(key string, e dedupeEntry, now time.Time) error {
	if now.Sub(e.Seen) < dedupeRefresh {
		return nil
	}
	old := e
	e.Seen = now
	return d.put(key, e, &old)
}

// stale reports whether a duplicate needs its last-seen time refreshed.
func (e dedupeEntry) stale(now time.Time) bool { return now.Sub(e.Seen) >= dedupeRefresh }

// pruneDedupeBatch bounds the keys one pruning transaction deletes.
const pruneDedupeBatch = 10_000

// PruneDedupe forgets dedupe keys that no event has carried since before
// cutoff, and content keys not carried for ContentKeyRetention (or since
// cutoff, if that is later), across all integrations, in bounded
// transactions. Prune calls it with now less the store's dedupe retention;
// it returns how many went.
func (s *Store) PruneDedupe(cutoff time.Time) (int, error) {
	if err := s.drainRecent(); err != nil { // the age indexes then hold every key
		return 0, err
	}
	contentCutoff := s.now().Add(-ContentKeyRetention)
	if cutoff.After(contentCutoff) {
		contentCutoff = cutoff
	}
	total := 0
	for _, index := range []struct {
		name   []byte
		cutoff time.Time
	}{{bucketDedupeAge, cutoff}, {bucketContentAge, contentCutoff}} {
		n, err := s.pruneAgeIndex(index.name, index.cutoff)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// pruneAgeIndex forgets the keys of one age index seen before cutoff.
func (s *Store) pruneAgeIndex(index []byte, cutoff time.Time) (int, error) {
	end := ageKey(cutoff, nil)
	total := 0
	for {
		n := 0
		err := s.updateSized(MaxEventsPerCommit, 0, func(tx *bolt.Tx) error {
			n = 0
			triggers := tx.Bucket(bucketTriggers)
			return triggers.ForEachBucket(func(id []byte) error {
				state := triggers.Bucket(id)
				keys, age := state.Bucket(bucketDedupe), state.Bucket(index)
				if keys == nil || age == nil {
					return nil
				}
				var victims [][]byte
				c := age.Cursor()
				for k, _ := c.First(); k != nil && bytes.Compare(k, end) < 0 && n+len(victims) < pruneDedupeBatch; k, _ = c.Next() {
					victims = append(victims, bytes.Clone(k))
				}
				for _, k := range victims {
					key := k[8:]
					// The key itself goes only if this age entry is its
					// current one (it may have been refreshed since).
					if e, ok := decodeDedupe(keys.Get(key)); ok && bytes.Equal(ageKey(e.Seen, key), k) {
						if err := keys.Delete(key); err != nil {
							return err
						}
					}
					if err := age.Delete(k); err != nil {
						return err
					}
				}
				n += len(victims)
				return nil
			})
		})
		total += n
		if err != nil || n < pruneDedupeBatch {
			return total, err
		}
	}
}
