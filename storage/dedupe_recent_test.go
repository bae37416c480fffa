package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketKeys counts the keys of an integration's dedupe tree and of the
// recent-keys journal.
func bucketKeys(t *testing.T, s *Store, integrationID string) (tree, recent int) {
	t.Helper()
	err := s.view(func(tx *bolt.Tx) error {
		if state := tx.Bucket(bucketTriggers).Bucket([]byte(integrationID)); state != nil {
			if d := state.Bucket(bucketDedupe); d != nil {
				tree = d.Stats().KeyN
			}
		}
		recent = tx.Bucket(bucketDedupeRecent).Stats().KeyN
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree, recent
}

func setMergeAt(t *testing.T, n int) {
	t.Helper()
	old, oldChunk := recentMergeAt, recentMergeChunk
	recentMergeAt, recentMergeChunk = n, max(n/4, 1)
	t.Cleanup(func() { recentMergeAt, recentMergeChunk = old, oldChunk })
}

func mustDuplicates(t *testing.T, s *Store, integrationID string, evs []NewEvent, wantRuns []RunID) {
	t.Helper()
	res, err := s.EnqueueEvents(integrationID, evs, EnqueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if !r.Duplicate {
			t.Fatalf("event %d (%s) replayed: %+v", i, evs[i].DedupeKey, r)
		}
		if wantRuns != nil && r.RunID != wantRuns[i] {
			t.Fatalf("event %d: duplicate of run %d, want %d", i, r.RunID, wantRuns[i])
		}
	}
}

func runIDs(res []Enqueued) []RunID {
	ids := make([]RunID, len(res))
	for i, r := range res {
		ids[i] = r.RunID
	}
	return ids
}

// A new event's key is written to the small recent-keys journal, not to the
// integration's dedupe tree, whose random leaves cost a page each (the
// pages a commit writes are what its fsync pays for): ingest writes no
// dedupe-tree page until a merge moves a batch of keys in key order.
func TestNewKeysGoToTheJournalNotTheTree(t *testing.T) {
	setMergeAt(t, 1000)
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	if _, err := s.EnqueueEvents(in.ID, keyed("k", 0, 10), EnqueueOptions{}); err != nil {
		t.Fatal(err)
	}
	tree, recent := bucketKeys(t, s, in.ID)
	if tree != 0 || recent != 10 {
		t.Fatalf("tree %d keys, journal %d; want 0 and 10", tree, recent)
	}
}

// The journal is the keys' durable record until they are merged: after a
// restart (and after a crash: the file as it was at the last commit) they
// are still known, with the run each produced.
func TestJournaledKeysSurviveARestartAndACrash(t *testing.T) {
	setMergeAt(t, 1000)
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	evs := keyed("k", 0, 5)
	res, err := s.EnqueueEvents(in.ID, evs, EnqueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	crashed := filepath.Join(t.TempDir(), "crashed.db")
	if err := copyFile(s.Path(), crashed); err != nil { // the file while open: no Close ran
		t.Fatal(err)
	}
	if err := copyFile(KeyPath(s.Path()), KeyPath(crashed)); err != nil {
		t.Fatal(err)
	}
	s = crash(t, s)
	mustDuplicates(t, s, in.ID, evs, runIDs(res))

	c, err := Open(crashed, Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mustDuplicates(t, c, in.ID, evs, runIDs(res))
	if seen, err := c.Seen(in.ID, "k3"); err != nil || !seen {
		t.Fatalf("Seen(k3) = %v, %v after a crash", seen, err)
	}
}

// Past recentMergeAt keys the journal is merged into the tree, in key
// order, in one transaction of its own; every key stays known through it.
func TestTheJournalIsMergedIntoTheTree(t *testing.T) {
	setMergeAt(t, 64)
	s, clock := openTest(t)
	in := newIntegration(t, s, true)
	var all []NewEvent
	var runs []RunID
	for i := range 20 {
		evs := keyed("k", i*10, 10)
		res, err := s.EnqueueEvents(in.ID, evs, EnqueueOptions{})
		if err != nil {
			t.Fatal(err)
		}
		all, runs = append(all, evs...), append(runs, runIDs(res)...)
		clock.Add(time.Second)
	}
	waitUntil(t, func() bool { return s.WriteStats().RecentKeys < 64 }) // the round under way ends
	tree, recent := bucketKeys(t, s, in.ID)
	if tree+recent != 200 || recent >= 64 || tree < 200-64 {
		t.Fatalf("tree %d keys, journal %d: the journal was not merged", tree, recent)
	}
	mustDuplicates(t, s, in.ID, all, runs)
	path := s.Path()
	s.Close()
	s, err := Open(path, Options{Getenv: func(string) string { return "" }, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustDuplicates(t, s, in.ID, all, runs)
	// The age index has every merged key at the time it was first seen, so
	// pruning forgets them by age as before.
	if n, err := s.PruneDedupe(clock.Now().Add(time.Hour)); err != nil || n != 200 {
		t.Fatalf("pruned %d, %v; want all 200", n, err)
	}
	if tree, recent := bucketKeys(t, s, in.ID); tree != 0 || recent != 0 {
		t.Fatalf("after pruning: tree %d, journal %d", tree, recent)
	}
}

// A key of the journal that an event presents again after dedupeRefresh
// has its last-seen time refreshed in the journal, and pruning keeps it.
func TestAJournaledKeyIsRefreshedAndPrunedByAge(t *testing.T) {
	setMergeAt(t, 1000)
	s, clock := openTest(t)
	in := newIntegration(t, s, true)
	old, fresh := keyed("old", 0, 1), keyed("fresh", 0, 1)
	if _, err := s.EnqueueEvents(in.ID, append(old, fresh...), EnqueueOptions{}); err != nil {
		t.Fatal(err)
	}
	clock.Add(2 * dedupeRefresh)
	mustDuplicates(t, s, in.ID, fresh, nil) // refreshed
	cutoff := clock.Now().Add(-dedupeRefresh)
	if n, err := s.PruneDedupe(cutoff); err != nil || n != 1 {
		t.Fatalf("pruned %d, %v; want the one not refreshed", n, err)
	}
	mustDuplicates(t, s, in.ID, fresh, nil)
	res, err := s.EnqueueEvents(in.ID, old, EnqueueOptions{})
	if err != nil || res[0].Duplicate {
		t.Fatalf("the pruned key is still known: %+v, %v", res, err)
	}
}

// A commit the disk refuses leaves no key remembered: the journal's memory
// follows commits only, so the event sent again is accepted.
func TestARefusedCommitRemembersNoKey(t *testing.T) {
	setMergeAt(t, 1000)
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	restore := injectWriteFault(t, s)
	evs := keyed("k", 0, 3)
	if _, err := s.EnqueueEvents(in.ID, evs, EnqueueOptions{}); !errors.Is(err, ErrWriteFailed) {
		t.Fatalf("got %v, want a refused write", err)
	}
	restore()
	if seen, _ := s.Seen(in.ID, "k1"); seen {
		t.Fatal("a key of a refused commit is remembered")
	}
	res, err := s.EnqueueEvents(in.ID, evs, EnqueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Duplicate || r.RunID == 0 {
			t.Fatalf("event %d after the refused commit: %+v", i, r)
		}
	}
}

// Two events with one key in one transaction: the second is the first's
// duplicate, though the first is not committed yet when it is checked.
func TestTheSameKeyTwiceInOneCommit(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	evs := []NewEvent{{Payload: json.RawMessage(`{"a":1}`), DedupeKey: "same"}, {Payload: json.RawMessage(`{"a":2}`), DedupeKey: "same"}}
	res, err := s.EnqueueEvents(in.ID, evs, EnqueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Duplicate || !res[1].Duplicate || res[1].RunID != res[0].RunID || !res[1].PayloadDiffers {
		t.Fatalf("got %+v", res)
	}
}

// Deleting an integration takes its journaled keys with it.
func TestDeletingAnIntegrationDropsItsJournaledKeys(t *testing.T) {
	setMergeAt(t, 1000)
	s, _ := openTest(t)
	a, b := newIntegration(t, s, true), newIntegration(t, s, true)
	if _, err := s.EnqueueEvents(a.ID, keyed("k", 0, 4), EnqueueOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnqueueEvents(b.ID, keyed("k", 0, 2), EnqueueOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteIntegration(a.ID); err != nil {
		t.Fatal(err)
	}
	if _, recent := bucketKeys(t, s, b.ID); recent != 2 {
		t.Fatalf("journal holds %d keys, want b's 2", recent)
	}
	if seen, _ := s.Seen(a.ID, "k1"); seen {
		t.Fatal("a deleted integration's key is still known")
	}
	mustDuplicates(t, s, b.ID, keyed("k", 0, 2), nil)
}

// A journal record that cannot be read is reported and left where it is;
// it does not stop the store from opening or the others from merging.
func TestADamagedJournalRecordIsReported(t *testing.T) {
	setMergeAt(t, 1000)
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	if _, err := s.EnqueueEvents(in.ID, keyed("k", 0, 3), EnqueueOptions{}); err != nil {
		t.Fatal(err)
	}
	path := s.Path()
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketDedupeRecent).Put(be64(999), []byte{0xff}) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err = Open(path, Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	bad := s.Problems()
	if len(bad) != 1 || bad[0].Bucket != string(bucketDedupeRecent) || bad[0].Key != "999" {
		t.Fatalf("problems: %+v", bad)
	}
	mustDuplicates(t, s, in.ID, keyed("k", 0, 3), nil)
	if n, err := s.PruneDedupe(time.Time{}); err != nil || n != 0 {
		t.Fatalf("prune: %d, %v", n, err)
	}
	if _, recent := bucketKeys(t, s, in.ID); recent != 1 {
		t.Fatalf("journal holds %d records after the merge, want the damaged one", recent)
	}
}

func TestRecentRecordRoundTrips(t *testing.T) {
	for _, e := range []dedupeEntry{{Run: 7, Seen: time.Unix(5, 0).UTC()}, {Run: 1 << 40, Seen: time.Unix(0, 1).UTC(), Hash: [16]byte{1, 2}, HasHash: true}} {
		raw := encodeRecent("int_abc", "key:"+fmt.Sprint(e.Run), e)
		in, key, got, err := decodeRecent(raw)
		if err != nil || in != "int_abc" || key != "key:"+fmt.Sprint(e.Run) || got != e {
			t.Fatalf("got %q %q %+v %v, want %+v", in, key, got, err, e)
		}
	}
	for _, bad := range [][]byte{nil, {1}, {1, 200, 'a'}, append(encodeRecent("i", "k", dedupeEntry{}), 0)} {
		if _, _, _, err := decodeRecent(bad); err == nil {
			t.Fatalf("%x decoded", bad)
		}
	}
}

// A merge that fails is counted and said (MergeProblem, which /healthz
// shows) until one works; its keys stay journaled and known.
func TestAFailingMergeIsSaidAndLosesNoKey(t *testing.T) {
	setMergeAt(t, 4)
	var fail atomic.Bool
	fail.Store(true)
	testHookMerge = func() error {
		if fail.Load() {
			return errors.New("no space left on device")
		}
		return nil
	}
	t.Cleanup(func() { testHookMerge = nil })
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	if _, err := s.EnqueueEvents(in.ID, keyed("k", 0, 10), EnqueueOptions{}); err != nil {
		t.Fatal(err)
	}
	// The merge is the writer's chore after that commit, after the call
	// has its answer.
	waitUntil(t, func() bool { return s.WriteStats().MergeFailures == 1 })
	if err := s.MergeProblem(); err == nil || !strings.Contains(err.Error(), "no space left") {
		t.Fatalf("a failed merge is said as %v", err)
	}
	mustDuplicates(t, s, in.ID, keyed("k", 0, 10), nil)
	fail.Store(false)
	if _, err := s.EnqueueEvents(in.ID, keyed("n", 0, 4), EnqueueOptions{}); err != nil { // 14 keys: the next round
		t.Fatal(err)
	}
	waitUntil(t, func() bool { return s.MergeProblem() == nil && s.WriteStats().RecentKeys == 0 })
	if tree, recent := bucketKeys(t, s, in.ID); tree != 14 || recent != 0 {
		t.Fatalf("tree %d, journal %d", tree, recent)
	}
	if f := s.WriteStats().MergeFailures; f != 1 {
		t.Fatalf("%d merge failures, want 1 (not one per commit)", f)
	}
	mustDuplicates(t, s, in.ID, append(keyed("k", 0, 10), keyed("n", 0, 4)...), nil)
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("not within 10 s")
		}
	}
}
