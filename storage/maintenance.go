package storage

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// DefaultRetention is how long finished runs are kept.
const DefaultRetention = 30 * 24 * time.Hour

// pruneBatch bounds each pruning transaction so that a large prune never
// holds the writer lock for long.
const pruneBatch = 1000

// Prune deletes finished runs that finished before cutoff, with their index
// entries, and returns how many went. Runs are visited oldest first and the
// walk stops at the first run created after cutoff (it cannot have finished
// before it), so the cost grows with what is pruned, not with what is kept.
//
// It also forgets dedupe keys no event has carried for the store's dedupe
// retention (see PruneDedupe), so that housekeeping needs one call.
func (s *Store) Prune(cutoff time.Time) (int, error) {
	if _, err := s.PruneDedupe(s.now().Add(-s.dedupeRetention)); err != nil {
		return 0, fmt.Errorf("prune dedupe keys: %w", err)
	}
	total := 0
	var from RunID
	for {
		var victims []Run
		var done bool
		err := s.db.View(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketRuns).Cursor()
			k, v := c.Seek(runKey(from))
			for ; k != nil && len(victims) < pruneBatch; k, v = c.Next() {
				r, err := decodeRun(v)
				if err != nil {
					return err
				}
				from = r.ID + 1
				if !r.CreatedAt.Before(cutoff) {
					done = true
					return nil
				}
				if r.State.Final() && r.FinishedAt.Before(cutoff) {
					victims = append(victims, r)
				}
			}
			done = done || k == nil
			return nil
		})
		if err != nil {
			return total, err
		}
		if len(victims) > 0 {
			if err := s.db.Update(func(tx *bolt.Tx) error { return s.deleteRuns(tx, victims) }); err != nil {
				return total, err
			}
			total += len(victims)
		}
		if done {
			return total, nil
		}
	}
}

// deleteRuns removes runs and their index entries. A run that changed since
// it was read (a user retried it) is left alone.
func (s *Store) deleteRuns(tx *bolt.Tx, runs []Run) error {
	for _, seen := range runs {
		r, err := s.getRun(tx, seen.ID)
		if errors.Is(err, ErrNotFound) || (err == nil && !r.State.Final()) {
			continue
		}
		if err != nil {
			return err
		}
		id := runKey(r.ID)
		for _, del := range []struct {
			bucket []byte
			key    []byte
		}{
			{bucketRuns, id},
			{bucketRunsByInt, compositeKey([]byte(r.IntegrationID), id)},
			{bucketRunsByState, compositeKey([]byte(r.State), id)},
			{bucketRunsByIntSt, compositeKey([]byte(r.IntegrationID), []byte(r.State), id)},
		} {
			if err := tx.Bucket(del.bucket).Delete(del.key); err != nil {
				return err
			}
		}
		if err := addCount(tx, r.State, -1); err != nil {
			return err
		}
	}
	return nil
}

// Backup writes a consistent copy of the live database to w (a hot backup:
// other work goes on meanwhile). Secrets stay sealed; restoring needs the
// same key.
func (s *Store) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// Compact rewrites the database at path into a fresh file without free pages
// and swaps it in. It needs the file to itself: run it while oktaflow is
// stopped. It returns the sizes before and after.
func Compact(path string) (before, after int64, err error) {
	src, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 1500 * time.Millisecond, ReadOnly: true})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return 0, 0, fmt.Errorf("%w; compact needs the file to itself", &lockedError{path: path})
	}
	if err != nil {
		return 0, 0, fmt.Errorf("open %s: %w", path, err)
	}
	defer src.Close()
	tmp := path + ".compact"
	os.Remove(tmp)
	dst, err := bolt.Open(tmp, 0o600, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("create %s: %w", tmp, err)
	}
	if err := bolt.Compact(dst, src, 64<<20); err != nil {
		dst.Close()
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact: %w", err)
	}
	if err := dst.Close(); err != nil {
		os.Remove(tmp)
		return 0, 0, err
	}
	if fi, err := os.Stat(path); err == nil {
		before = fi.Size()
	}
	if fi, err := os.Stat(tmp); err == nil {
		after = fi.Size()
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("replace %s: %w", path, err)
	}
	return before, after, nil
}

// Check runs bbolt's consistency check and returns every problem it found.
func (s *Store) Check() error {
	var errs []error
	err := s.db.View(func(tx *bolt.Tx) error {
		for e := range tx.Check() {
			errs = append(errs, e)
		}
		return nil
	})
	return errors.Join(append(errs, err)...)
}
