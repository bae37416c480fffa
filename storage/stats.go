package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"
)

// IntegrationStats summarises an integration's runs for a list screen.
type IntegrationStats struct {
	Since       int       // runs created at or after the given time
	FailedSince int       // of those, failed ones
	Running     int       // runs executing now
	Last        *RunBrief // the newest run, nil when none
}

// IntegrationStats counts an integration's runs since a time. A since on
// the quarter-hour grid within the last day (a local midnight) is read from
// counters (run_stats.go): a few keys. Any other walks index keys only (no
// run is decoded but the newest), and finds where "since" begins by binary
// search over run ids, which grow with creation time; so its cost follows
// the number of runs since then, not the history.
func (s *Store) IntegrationStats(integrationID string, since time.Time) (IntegrationStats, error) {
	var st IntegrationStats
	err := s.view(func(tx *bolt.Tx) error {
		var ok bool
		if st, ok = s.statsFromCounters(tx, integrationID, since); ok {
			return nil
		}
		return s.statsFromIndex(tx, integrationID, since, &st)
	})
	return st, err
}

// statsFromIndex counts from the run indexes (see IntegrationStats).
func (s *Store) statsFromIndex(tx *bolt.Tx, integrationID string, since time.Time, st *IntegrationStats) error {
	first, err := firstRunSince(tx, since)
	if err != nil {
		return err
	}
	byIntSt := tx.Bucket(bucketRunsByIntSt)
	for _, prefix := range stateRanges(byIntSt, integrationID) {
		st.Since += countFrom(byIntSt, prefix, first)
	}
	st.FailedSince = countFrom(byIntSt, compositeKey([]byte(integrationID), []byte(RunFailed), nil), first)
	st.Running = countFrom(byIntSt, compositeKey([]byte(integrationID), []byte(RunRunning), nil), 0)
	// The newest run that can be read (a damaged one is skipped).
	integrationRuns(tx, integrationID, ^uint64(0), func(id RunID) bool {
		r, e := s.getRun(tx, id)
		if s.skip(e, nil) || errors.Is(e, ErrNotFound) {
			return true
		}
		if e != nil {
			err = e
			return false
		}
		st.Last = &RunBrief{ID: r.ID, State: r.State, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
		return false
	})
	return err
}

// countFrom counts the keys under prefix whose run id is at least from.
func countFrom(b *bolt.Bucket, prefix []byte, from RunID) int {
	n := 0
	c := b.Cursor()
	for k, _ := c.Seek(append(bytes.Clone(prefix), be64(uint64(from))...)); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
		n++
	}
	return n
}

// firstRunSince returns the smallest run id created at or after t (an id
// past the newest when there is none).
func firstRunSince(tx *bolt.Tx, t time.Time) (RunID, error) {
	c := tx.Bucket(bucketRuns).Cursor()
	lastKey, _ := c.Last()
	if lastKey == nil {
		return 1, nil
	}
	lo, hi := uint64(1), binary.BigEndian.Uint64(lastKey)+1
	for lo < hi {
		mid := lo + (hi-lo)/2
		k, v := c.Seek(be64(mid))
		r, err := decodeRun(k, v)
		for k != nil && err != nil && errors.Is(err, ErrCorrupt) { // step over damaged runs
			k, v = c.Next()
			if k != nil {
				r, err = decodeRun(k, v)
			}
		}
		if k == nil {
			hi = mid
			continue
		}
		if err != nil {
			return 0, err
		}
		if r.CreatedAt.Before(t) {
			lo = uint64(r.ID) + 1
		} else {
			hi = mid
		}
	}
	return RunID(lo), nil
}
