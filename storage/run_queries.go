package storage

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// RunQuery selects a page of runs, newest first.
type RunQuery struct {
	IntegrationID string   // "" for all integrations
	State         RunState // "" for all states
	Before        RunID    // only runs older than this; 0 starts at the newest
	Limit         int      // page size; 0 means 50
}

// ListRuns returns one page of runs, newest first. A run that cannot be
// read is left out (see ListRunsChecked and Problems).
func (s *Store) ListRuns(q RunQuery) ([]Run, error) {
	out, _, err := s.ListRunsChecked(q)
	return out, err
}

// ListRunsChecked returns one page of runs, newest first, and the runs it
// had to leave out because they cannot be read. It walks the index that
// matches the query backwards from Before, so its cost grows with the page,
// not with the number of runs stored. The next page starts Before the last
// run returned.
func (s *Store) ListRunsChecked(q RunQuery) ([]Run, []RecordProblem, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	before := uint64(q.Before)
	if before == 0 {
		before = math.MaxUint64
	}
	var bucket, prefix []byte
	switch {
	case q.IntegrationID != "" && q.State != "":
		bucket, prefix = bucketRunsByIntSt, compositeKey([]byte(q.IntegrationID), []byte(q.State), nil)
	case q.State != "":
		bucket, prefix = bucketRunsByState, compositeKey([]byte(q.State), nil)
	}
	var out []Run
	var bad []RecordProblem
	err := s.view(func(tx *bolt.Tx) error {
		out, bad = out[:0], bad[:0]
		if bucket == nil && q.IntegrationID != "" {
			var err error
			integrationRuns(tx, q.IntegrationID, before, func(id RunID) bool {
				r, e := s.getRun(tx, id)
				if s.skip(e, &bad) || errors.Is(e, ErrNotFound) {
					return true
				}
				if e != nil {
					err = e
					return false
				}
				out = append(out, r)
				return len(out) < q.Limit
			})
			return err
		}
		if bucket == nil {
			c := tx.Bucket(bucketRuns).Cursor()
			for k, v := seekBefore(c, be64(before)); k != nil && len(out) < q.Limit; k, v = c.Prev() {
				r, err := decodeRun(k, v)
				if s.skip(err, &bad) {
					continue
				}
				if err != nil {
					return err
				}
				out = append(out, r)
			}
			return nil
		}
		c := tx.Bucket(bucket).Cursor()
		for k, _ := seekBefore(c, append(bytes.Clone(prefix), be64(before)...)); k != nil && hasPrefix(k, prefix) && len(out) < q.Limit; k, _ = c.Prev() {
			r, err := s.getRun(tx, idFromIndexKey(k))
			if s.skip(err, &bad) || errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	return out, bad, err
}

// DueRuns returns up to limit pending runs whose due time has come, oldest
// due first. keep, when set, selects runs by id before the limit applies
// (it reads only index keys), so a filtered caller is never starved by runs
// it would skip.
//
// The due index is kept under each integration (runs_due_by_integration):
// DueRuns merges the integrations' ranges, one cursor each.
func (s *Store) DueRuns(now time.Time, limit int, keep func(RunID) bool) ([]Run, error) {
	var out []Run
	nowKey := dueKey(now, math.MaxUint64)
	err := s.view(func(tx *bolt.Tx) error {
		out = out[:0]
		b := tx.Bucket(bucketRunsDueByInt)
		// One cursor per integration with runs due, on its oldest due key.
		type head struct {
			c      *bolt.Cursor
			prefix []byte
			key    []byte // the cursor's key: prefix | be64(due) | be64(id)
		}
		var heads []*head
		scan := b.Cursor()
		for k, _ := scan.First(); k != nil; {
			sep := bytes.IndexByte(k, 0)
			if sep < 0 || len(k) != sep+1+16 {
				k, _ = scan.Next() // not a key of ours: step over it
				continue
			}
			prefix := bytes.Clone(k[:sep+1])
			if bytes.Compare(k[sep+1:], nowKey) <= 0 {
				c := b.Cursor()
				first, _ := c.Seek(k)
				heads = append(heads, &head{c: c, prefix: prefix, key: first})
			}
			k, _ = scan.Seek(append(prefix[:sep:sep], 1)) // the next integration
		}
		for len(out) < limit && len(heads) > 0 {
			// The oldest due of all heads (ties by run id, as the global
			// index ordered them).
			min := 0
			for i, h := range heads[1:] {
				if dueOrder(h.key[len(h.prefix):], heads[min].key[len(heads[min].prefix):]) < 0 {
					min = i + 1
				}
			}
			h := heads[min]
			id := RunID(binary.BigEndian.Uint64(h.key[len(h.key)-8:]))
			if k, _ := h.c.Next(); k != nil && hasPrefix(k, h.prefix) && len(k) == len(h.prefix)+16 && bytes.Compare(k[len(h.prefix):], nowKey) <= 0 {
				h.key = k
			} else {
				heads = slices.Delete(heads, min, min+1)
			}
			if keep != nil && !keep(id) {
				continue
			}
			r, err := s.getRun(tx, id)
			if s.skip(err, nil) {
				continue
			}
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// dueOrder orders two due keys (be64(due) | be64(id)): by due, then id.
func dueOrder(a, b []byte) int { return bytes.Compare(a, b) }

// DueRef is a pending run's place in the due index: enough to claim it
// with StartRun, without decoding it.
type DueRef struct {
	ID            RunID
	IntegrationID string
	Due           time.Time
}

// DueByIntegration returns pending runs due by now, oldest due first: from
// each integration at most room(integrationID) of its oldest-due runs (room
// ≤ 0 skips the integration without reading its runs: one at its
// concurrency, say), and at most limit in all (limit ≤ 0: no limit).
//
// It reads index keys only (no run is decoded) and makes one seek per
// integration that has pending runs, so its cost grows with those
// integrations and with what it returns, never with the backlog. room is
// called inside a read transaction and must not call the store.
func (s *Store) DueByIntegration(now time.Time, limit int, room func(integrationID string) int) ([]DueRef, error) {
	var out []DueRef
	nowKey := dueKey(now, math.MaxUint64)
	err := s.view(func(tx *bolt.Tx) error {
		out = out[:0]
		c := tx.Bucket(bucketRunsDueByInt).Cursor()
		for k, _ := c.First(); k != nil; {
			sep := bytes.IndexByte(k, 0)
			if sep < 0 || len(k) != sep+1+16 {
				k, _ = c.Next() // not a key of ours: step over it
				continue
			}
			id := string(k[:sep])
			prefix := bytes.Clone(k[:sep+1])
			n := room(id)
			for ; n > 0 && k != nil && hasPrefix(k, prefix) && bytes.Compare(k[sep+1:], nowKey) <= 0; k, _ = c.Next() {
				out = append(out, DueRef{
					ID:            RunID(binary.BigEndian.Uint64(k[len(k)-8:])),
					IntegrationID: id,
					Due:           time.Unix(0, int64(binary.BigEndian.Uint64(k[sep+1:]))).UTC(),
				})
				n--
			}
			// On to the next integration: ids hold no 0x00 or 0x01, so
			// every key of this one sorts before id|0x01.
			next := append(prefix[:sep:sep], 1)
			k, _ = c.Seek(next)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b DueRef) int { return cmp.Or(a.Due.Compare(b.Due), cmp.Compare(a.ID, b.ID)) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

// NextDueAfter reports when the first pending run due after now is due (ok
// false when none is): the scheduler's alarm. Runs already due are not
// counted: they are started when a slot frees, not by polling.
//
// It makes two seeks per integration that has pending runs (see DueRuns).
func (s *Store) NextDueAfter(now time.Time) (due time.Time, ok bool, err error) {
	after := dueKey(now, math.MaxUint64)
	err = s.view(func(tx *bolt.Tx) error {
		due, ok = time.Time{}, false
		var best []byte
		c := tx.Bucket(bucketRunsDueByInt).Cursor()
		for k, _ := c.First(); k != nil; {
			sep := bytes.IndexByte(k, 0)
			if sep < 0 || len(k) != sep+1+16 {
				k, _ = c.Next()
				continue
			}
			prefix := bytes.Clone(k[:sep+1])
			if next, _ := c.Seek(append(prefix, after...)); next != nil && hasPrefix(next, prefix) && len(next) == len(prefix)+16 {
				if d := next[len(prefix):]; best == nil || dueOrder(d, best) < 0 {
					best = bytes.Clone(d)
				}
			}
			k, _ = c.Seek(append(prefix[:sep:sep], 1))
		}
		if best != nil {
			due, ok = time.Unix(0, int64(binary.BigEndian.Uint64(best[:8]))).UTC(), true
		}
		return nil
	})
	return due, ok, err
}

func (s *Store) idsInState(st RunState) ([]RunID, error) {
	var ids []RunID
	prefix := compositeKey([]byte(st), nil)
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketRunsByState).Cursor()
		for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
			ids = append(ids, idFromIndexKey(k))
		}
		return nil
	})
	return ids, err
}

// seekBefore positions c on the last key strictly below key.
func seekBefore(c *bolt.Cursor, key []byte) ([]byte, []byte) {
	k, _ := c.Seek(key)
	if k == nil {
		return c.Last()
	}
	return c.Prev()
}

// decodeRun decodes a stored run. Numbers in its maps (a step's input)
// decode as json.Number, so they keep every digit.
func decodeRun(k, v []byte) (Run, error) {
	var r Run
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	err := dec.Decode(&r)
	if err == nil {
		if _, tail := dec.Token(); tail != io.EOF { // json.Unmarshal refuses data after the value too
			err = errors.New("data after the run's JSON")
		}
	}
	if err != nil {
		return Run{}, recordErr(bucketRuns, strconv.FormatUint(binary.BigEndian.Uint64(k), 10), err)
	}
	return r, nil
}

func hasPrefix(k, prefix []byte) bool { return bytes.HasPrefix(k, prefix) }

// idFromIndexKey reads the run id that ends every run index key.
func idFromIndexKey(k []byte) RunID { return RunID(binary.BigEndian.Uint64(k[len(k)-8:])) }

// integrationRuns visits the ids of an integration's runs below before,
// newest first, until visit returns false. runs_by_integration_state
// holds them in one range per state (integration | 0 | state | 0 |
// be64(id)); they are merged here, one cursor a state, so the cost follows
// the runs visited and the states present (at most seven), not the
// integration's history.
func integrationRuns(tx *bolt.Tx, integrationID string, before uint64, visit func(RunID) bool) {
	type head struct {
		c      *bolt.Cursor
		prefix []byte
		id     RunID
	}
	var heads []*head
	for _, prefix := range stateRanges(tx.Bucket(bucketRunsByIntSt), integrationID) {
		c := tx.Bucket(bucketRunsByIntSt).Cursor()
		if k, _ := seekBefore(c, append(bytes.Clone(prefix), be64(before)...)); isIndexKey(k, prefix) {
			heads = append(heads, &head{c: c, prefix: prefix, id: idFromIndexKey(k)})
		}
	}
	for len(heads) > 0 {
		top := 0
		for i, h := range heads {
			if h.id > heads[top].id {
				top = i
			}
		}
		h := heads[top]
		id := h.id
		if k, _ := h.c.Prev(); isIndexKey(k, h.prefix) {
			h.id = idFromIndexKey(k)
		} else {
			heads = slices.Delete(heads, top, top+1)
		}
		if !visit(id) {
			return
		}
	}
}

// stateRanges returns the prefixes (integration | 0 | state | 0) of the
// states an integration has runs in, in runs_by_integration_state: one
// seek a state.
func stateRanges(b *bolt.Bucket, integrationID string) [][]byte {
	var out [][]byte
	head := compositeKey([]byte(integrationID), nil)
	c := b.Cursor()
	for k, _ := c.Seek(head); k != nil && hasPrefix(k, head); {
		sep := bytes.IndexByte(k[len(head):], 0)
		if sep < 0 {
			k, _ = c.Next() // not a key of ours: step over it
			continue
		}
		prefix := bytes.Clone(k[:len(head)+sep+1])
		out = append(out, prefix)
		k, _ = c.Seek(append(prefix[:len(prefix)-1:len(prefix)-1], 1)) // the next state
	}
	return out
}

// isIndexKey reports whether k is a run's key in the range prefix.
func isIndexKey(k, prefix []byte) bool {
	return k != nil && hasPrefix(k, prefix) && len(k) == len(prefix)+8
}
