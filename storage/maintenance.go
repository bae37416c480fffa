package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
		err := s.view(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketRuns).Cursor()
			k, v := c.Seek(runKey(from))
			for ; k != nil && len(victims) < pruneBatch; k, v = c.Next() {
				r, err := decodeRun(k, v)
				if s.skip(err, nil) {
					from = RunID(binary.BigEndian.Uint64(k)) + 1
					continue // kept: what it is cannot be told
				}
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
			if err := s.updateSized(len(victims), 0, func(tx *bolt.Tx) error { return s.deleteRuns(tx, victims) }); err != nil {
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
		if errors.Is(err, ErrNotFound) || s.skip(err, nil) || (err == nil && !r.State.Final()) {
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
		if err := uncountRun(tx, r); err != nil {
			return err
		}
	}
	return nil
}

// Backup writes a consistent copy of the live database to w (a hot backup:
// other work goes on meanwhile). Secrets stay sealed; restoring needs the
// same key.
//
// The copy is taken from one read transaction into a temporary file beside
// the database, then streamed to w: a slow w (an SSH client) must not keep
// the read transaction open, because bbolt cannot grow its memory map while
// one is, and every writer would wait for the download.
func (s *Store) Backup(w io.Writer) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(s.path), filepath.Base(s.path)+".backup-*")
	if err != nil {
		return 0, fmt.Errorf("backup: make a temporary copy beside %s: %w", s.path, err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	err = s.view(func(tx *bolt.Tx) error {
		_, err := tx.WriteTo(tmp)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("backup: copy %s: %w", s.path, err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	return io.Copy(w, tmp)
}

// Compact rewrites the database at path into a fresh file without free pages
// and swaps it in. It needs the file to itself: run it while oktaflow is
// stopped. It returns the sizes before and after.
//
// A damaged file is refused (or its damage reported) like at Open: compact
// copies what it reads, so it is no repair.
func Compact(path string) (before, after int64, err error) {
	_, statErr := os.Stat(KeyPath(path))
	if err := preflight(path, statErr == nil); err != nil {
		return 0, 0, err
	}
	g := &Store{path: path}
	err = g.guard(func() error {
		before, after, err = compact(path)
		return err
	})
	return before, after, err
}

func compact(path string) (before, after int64, err error) {
	src, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 1500 * time.Millisecond, ReadOnly: true})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return 0, 0, fmt.Errorf("%w; compact needs the file to itself", &lockedError{path: path})
	}
	if err != nil {
		return 0, 0, openError(path, err)
	}
	defer src.Close()
	tmp := path + ".compact"
	os.Remove(tmp)
	dst, err := bolt.Open(tmp, 0o600, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("create %s: %w", tmp, err)
	}
	if err := compactGuarded(dst, src, path); err != nil {
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

// compactGuarded copies src into dst, turning a panic on a damaged page
// into an error (the temporary copy is then removed by the caller).
func compactGuarded(dst, src *bolt.DB, path string) error {
	return (&Store{path: path}).guard(func() error { return bolt.Compact(dst, src, 64<<20) })
}

// Check reads the whole file and returns every problem found: pages that
// cannot be read, records that do not decode, and what bbolt's own
// consistency check reports (unreachable or doubly used pages, ...).
//
// Every page is first read here, in this goroutine under guard, because
// bbolt's checker runs in a goroutine of its own where a damaged page would
// panic out of reach and end the process.
func (s *Store) Check() error {
	var errs []error
	err := s.view(func(tx *bolt.Tx) error {
		if err := tx.ForEach(func(name []byte, b *bolt.Bucket) error { return walkBucket(b) }); err != nil {
			return err
		}
		errs = append(errs, s.checkRecords(tx)...)
		for e := range tx.Check() {
			errs = append(errs, e)
		}
		return nil
	})
	return errors.Join(append(errs, err)...)
}

// walkBucket visits every key of b and of its nested buckets.
func walkBucket(b *bolt.Bucket) error {
	return b.ForEach(func(k, v []byte) error {
		if v == nil {
			if nb := b.Bucket(k); nb != nil {
				return walkBucket(nb)
			}
		}
		return nil
	})
}

// checkRecords decodes every record the store reads back.
func (s *Store) checkRecords(tx *bolt.Tx) []error {
	var errs []error
	note := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	tx.Bucket(bucketAccounts).ForEach(func(k, _ []byte) error {
		_, err := s.getAccount(tx, string(k))
		note(err)
		return nil
	})
	tx.Bucket(bucketIntegrations).ForEach(func(k, _ []byte) error {
		_, err := s.getIntegration(tx, string(k))
		note(err)
		return nil
	})
	tx.Bucket(bucketRuns).ForEach(func(k, v []byte) error {
		_, err := decodeRun(k, v)
		note(err)
		return nil
	})
	return errs
}
