package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Run stats: what the home screen shows of each integration (runs today,
// failed today, running now, the latest run) kept as counters, so that
// reading them costs a few keys of one bucket per integration instead of a
// walk over its runs' index keys and a run record read from a random page
// of the file (which, memory-mapped, stays resident: at 100 integrations
// and 100,000 runs that walk made the first frame's database pages 36 MB).
//
// Bucket run_stats, keys under integration id | 0x00:
//
//	'c' | be64(quarter)  → be64 runs created in that quarter hour
//	'f' | be64(quarter)  → be64 of those, runs failed now
//	'r'                  → be64 runs running now
//	'l'                  → the latest run: be64 id | state | 0x00 | be64 created ns | be64 updated ns
//
// A quarter is a Unix time / 900 s: every real time zone's midnight falls
// on one, so "since local midnight" is a sum of whole quarters. Counters
// are kept for statsWindow back from an integration's newest run; a since
// older than that, or off the quarter grid, is counted from the index as
// before (exact, at the old cost). putRun, the one writer of runs, keeps
// the counters in the same transaction as the run; deleteRuns and
// DeleteIntegration remove what they remove.
var bucketRunStats = []byte("run_stats")

const (
	statsQuarter = 15 * time.Minute
	// statsWindow reaches the midnight of any time zone (at most 24 h back,
	// 25 on the day clocks go back) with room to spare.
	statsWindow = 27 * time.Hour
)

func quarterOf(t time.Time) uint64 {
	return uint64(max(t.Unix(), 0)) / uint64(statsQuarter/time.Second)
}

func statsPrefix(integrationID string) []byte { return compositeKey([]byte(integrationID), nil) }

func statsKey(integrationID string, kind byte, quarter ...uint64) []byte {
	k := append(statsPrefix(integrationID), kind)
	for _, q := range quarter {
		k = binary.BigEndian.AppendUint64(k, q)
	}
	return k
}

func addCounter(b *bolt.Bucket, key []byte, delta int64) error {
	var n int64
	if raw := b.Get(key); len(raw) == 8 {
		n = int64(binary.BigEndian.Uint64(raw))
	} else if delta < 0 {
		return nil // counted before the window, or before counters: nothing to take back
	}
	if n += delta; n <= 0 {
		return b.Delete(key)
	}
	return b.Put(key, be64(uint64(n)))
}

// RunBrief is what a list shows of a run: which, in what state, when.
type RunBrief struct {
	ID        RunID
	State     RunState
	CreatedAt time.Time
	UpdatedAt time.Time
}

func encodeBrief(r Run) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(r.ID))
	b = append(append(b, r.State...), 0)
	b = binary.BigEndian.AppendUint64(b, uint64(max(r.CreatedAt.UnixNano(), 0)))
	return binary.BigEndian.AppendUint64(b, uint64(max(r.UpdatedAt.UnixNano(), 0)))
}

func decodeBrief(v []byte) (RunBrief, bool) {
	if len(v) < 8+1+16 {
		return RunBrief{}, false
	}
	i := bytes.IndexByte(v[8:], 0)
	if i < 0 || len(v) != 8+i+1+16 {
		return RunBrief{}, false
	}
	rest := v[8+i+1:]
	return RunBrief{
		ID:        RunID(binary.BigEndian.Uint64(v)),
		State:     RunState(v[8 : 8+i]),
		CreatedAt: time.Unix(0, int64(binary.BigEndian.Uint64(rest))).UTC(),
		UpdatedAt: time.Unix(0, int64(binary.BigEndian.Uint64(rest[8:]))).UTC(),
	}, true
}

// countRun moves the counters of r's integration from old (nil: a new
// run) to r.
func countRun(tx *bolt.Tx, old *Run, r Run) error {
	b := tx.Bucket(bucketRunStats)
	id, q := r.IntegrationID, quarterOf(r.CreatedAt)
	var steps []struct {
		key   []byte
		delta int64
	}
	add := func(key []byte, d int64) {
		steps = append(steps, struct {
			key   []byte
			delta int64
		}{key, d})
	}
	if old == nil {
		created := statsKey(id, 'c', q)
		add(created, 1)
		// The first run of a quarter prunes what the window left behind;
		// the quarter's later runs find nothing more to prune (reads start
		// at the window anyway), so they skip the two seeks.
		if b.Get(created) == nil {
			if err := pruneStats(b, id, q); err != nil {
				return err
			}
		}
	}
	wasFailed, wasRunning := old != nil && old.State == RunFailed, old != nil && old.State == RunRunning
	if f := r.State == RunFailed; f != wasFailed {
		add(statsKey(id, 'f', q), sign(f))
	}
	if run := r.State == RunRunning; run != wasRunning {
		add(statsKey(id, 'r'), sign(run))
	}
	for _, s := range steps {
		if err := addCounter(b, s.key, s.delta); err != nil {
			return err
		}
	}
	last := statsKey(id, 'l')
	if cur, ok := decodeBrief(b.Get(last)); !ok || r.ID >= cur.ID {
		return b.Put(last, encodeBrief(r))
	}
	return nil
}

// sign is +1 for a state entered, -1 for one left.
func sign(entered bool) int64 {
	if entered {
		return 1
	}
	return -1
}

// pruneStats drops an integration's quarter counters older than the
// window before q (its newest run's quarter): a few keys a day, at most.
func pruneStats(b *bolt.Bucket, integrationID string, q uint64) error {
	oldest := q - min(q, uint64(statsWindow/statsQuarter))
	for _, kind := range []byte{'c', 'f'} {
		from, end := statsKey(integrationID, kind), statsKey(integrationID, kind, oldest)
		var stale [][]byte
		c := b.Cursor()
		for k, _ := c.Seek(from); k != nil && bytes.Compare(k, end) < 0; k, _ = c.Next() {
			stale = append(stale, bytes.Clone(k))
		}
		for _, k := range stale {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
	}
	return nil
}

// uncountRun takes a deleted run out of the counters (deleteRuns: a pruned,
// finished run), and forgets it as the latest.
func uncountRun(tx *bolt.Tx, r Run) error {
	b := tx.Bucket(bucketRunStats)
	id, q := r.IntegrationID, quarterOf(r.CreatedAt)
	if err := addCounter(b, statsKey(id, 'c', q), -1); err != nil {
		return err
	}
	if r.State == RunFailed {
		if err := addCounter(b, statsKey(id, 'f', q), -1); err != nil {
			return err
		}
	}
	if cur, ok := decodeBrief(b.Get(statsKey(id, 'l'))); ok && cur.ID == r.ID {
		return b.Delete(statsKey(id, 'l'))
	}
	return nil
}

// dropStats removes a deleted integration's counters.
func dropStats(tx *bolt.Tx, integrationID string) error {
	b := tx.Bucket(bucketRunStats)
	prefix := statsPrefix(integrationID)
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// statsFromCounters answers IntegrationStats from the counters; ok is false
// when since is off the quarter grid or older than the window (then the
// index walk answers).
func (s *Store) statsFromCounters(tx *bolt.Tx, integrationID string, since time.Time) (IntegrationStats, bool) {
	var st IntegrationStats
	if since.Unix()%int64(statsQuarter/time.Second) != 0 || since.Before(s.now().Add(-statsWindow+statsQuarter)) {
		return st, false
	}
	b := tx.Bucket(bucketRunStats)
	from := quarterOf(since)
	sum := func(kind byte) int {
		n := 0
		prefix := statsKey(integrationID, kind)
		c := b.Cursor()
		for k, v := c.Seek(statsKey(integrationID, kind, from)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			n += int(binary.BigEndian.Uint64(v))
		}
		return n
	}
	st.Since, st.FailedSince = sum('c'), sum('f')
	if raw := b.Get(statsKey(integrationID, 'r')); len(raw) == 8 {
		st.Running = int(binary.BigEndian.Uint64(raw))
	}
	if last, ok := decodeBrief(b.Get(statsKey(integrationID, 'l'))); ok {
		st.Last = &last
	}
	return st, true
}

// migrateRunStats builds the counters from the runs: those created in the
// window back from the newest run, the running ones, and each
// integration's latest run (schema 4 → 5).
func migrateRunStats(tx *bolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(bucketRunStats); err != nil {
		return err
	}
	lastKey, lastVal := tx.Bucket(bucketRuns).Cursor().Last()
	if lastKey == nil {
		return nil // no runs: nothing to count
	}
	newest, err := decodeRun(lastKey, lastVal)
	if err != nil {
		newest.CreatedAt = time.Now() // damaged: count back from now
	}
	first, err := firstRunSince(tx, newest.CreatedAt.Add(-statsWindow))
	if err != nil {
		return err
	}
	c := tx.Bucket(bucketRuns).Cursor()
	for k, v := c.Seek(runKey(first)); k != nil; k, v = c.Next() {
		r, err := decodeRun(k, v)
		if errors.Is(err, ErrCorrupt) {
			continue // Problems names it; it counts nowhere
		}
		if err != nil {
			return err
		}
		if err := countRun(tx, nil, r); err != nil {
			return err
		}
	}
	// Older runs: still running ones, and each integration's latest.
	running := compositeKey([]byte(RunRunning), nil)
	rc := tx.Bucket(bucketRunsByState).Cursor()
	for k, _ := rc.Seek(running); k != nil && bytes.HasPrefix(k, running); k, _ = rc.Next() {
		if id := idFromIndexKey(k); id < first {
			if r, err := getRunTx(tx, id); err == nil {
				if err := addCounter(tx.Bucket(bucketRunStats), statsKey(r.IntegrationID, 'r'), 1); err != nil {
					return err
				}
			}
		}
	}
	// Each integration's newest readable run, from runs_by_integration_state
	// (there at every schema; runs_by_integration, which this step read
	// when it was written, goes at schema 8: the result is the same).
	return tx.Bucket(bucketIntegrations).ForEach(func(k, _ []byte) error {
		var err error
		integrationRuns(tx, string(k), ^uint64(0), func(id RunID) bool {
			r, e := getRunTx(tx, id)
			if e != nil {
				return true
			}
			b := tx.Bucket(bucketRunStats)
			if cur, ok := decodeBrief(b.Get(statsKey(r.IntegrationID, 'l'))); !ok || r.ID > cur.ID {
				err = b.Put(statsKey(r.IntegrationID, 'l'), encodeBrief(r))
			}
			return false
		})
		return err
	})
}

// getRunTx reads a run without a Store (migrations).
func getRunTx(tx *bolt.Tx, id RunID) (Run, error) {
	raw := tx.Bucket(bucketRuns).Get(runKey(id))
	if raw == nil {
		return Run{}, ErrNotFound
	}
	return decodeRun(runKey(id), raw)
}
