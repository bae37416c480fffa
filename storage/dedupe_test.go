package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func keyed(prefix string, from, n int) []NewEvent {
	evs := make([]NewEvent, n)
	for i := range evs {
		evs[i] = NewEvent{Payload: json.RawMessage(fmt.Sprintf(`{"row":%d}`, from+i)), DedupeKey: fmt.Sprint(prefix, from+i)}
	}
	return evs
}

// A feed larger than the old count-bounded window (100,000 keys) must still
// know its first rows: on the old store they were evicted and replayed.
func TestAFeedLargerThanAnyWindowNeverReplays(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	const rows = 100_500
	cur := "file@" + fmt.Sprint(rows)
	if _, err := s.EnqueueEvents(in.ID, keyed("row-", 0, rows), EnqueueOptions{Baseline: true, Cursor: &cur}); err != nil {
		t.Fatal(err)
	}
	// The file is read again from its start (a new cursor scheme, a reset):
	// nothing of it fires, the one new row does.
	res, err := s.EnqueueEvents(in.ID, keyed("row-", 0, rows+1), EnqueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res[:rows] {
		if !r.Duplicate {
			t.Fatalf("row %d of %d replayed", i, rows)
		}
	}
	if res[rows].Duplicate || res[rows].RunID == 0 {
		t.Fatalf("the new row: %+v", res[rows])
	}
	if counts, _ := s.RunCounts(); counts[RunQueued] != 1 {
		t.Fatalf("queued %d, want 1", counts[RunQueued])
	}
}

func TestABigBatchIsCommittedInChunksAndARepollAfterACrashDedupes(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	n := 3*MaxEventsPerCommit + 7
	evs := keyed("k", 0, n)
	old := "c0"
	if err := s.SetCursor(in.ID, old); err != nil {
		t.Fatal(err)
	}
	// The process dies while the third chunk commits.
	crashed := errors.New("power cut")
	testHookEnqueueChunk = func(i int) error {
		if i == 2 {
			return crashed
		}
		return nil
	}
	next := "c1"
	_, err := s.EnqueueEvents(in.ID, evs, EnqueueOptions{Cursor: &next})
	testHookEnqueueChunk = nil
	if !errors.Is(err, crashed) {
		t.Fatalf("got %v", err)
	}
	s = crash(t, s)
	if c, _ := s.Cursor(in.ID); c != old {
		t.Fatalf("the cursor moved with a partial batch: %q", c)
	}
	if counts, _ := s.RunCounts(); counts[RunQueued] != 2*MaxEventsPerCommit {
		t.Fatalf("committed before the crash: %d runs, want two whole chunks", counts[RunQueued])
	}
	// The re-poll from the old cursor presents everything again.
	res, err := s.EnqueueEvents(in.ID, evs, EnqueueOptions{Cursor: &next})
	if err != nil {
		t.Fatal(err)
	}
	dups := 0
	for _, r := range res {
		if r.Duplicate {
			dups++
		}
	}
	if dups != 2*MaxEventsPerCommit {
		t.Fatalf("re-poll: %d duplicates, want %d", dups, 2*MaxEventsPerCommit)
	}
	if counts, _ := s.RunCounts(); counts[RunQueued] != n {
		t.Fatalf("after the re-poll: %d runs for %d events", counts[RunQueued], n)
	}
	if c, _ := s.Cursor(in.ID); c != next {
		t.Fatalf("cursor %q", c)
	}
}

func TestDedupeKeysArePrunedByAgeAndRefreshedWhenSeen(t *testing.T) {
	s, clock := openTest(t)
	in := newIntegration(t, s, true)
	enqueue(t, s, in.ID, "kept", "dropped")
	for range 4 { // a feed that presents "kept" every 100 days
		clock.Add(100 * 24 * time.Hour)
		if got := enqueue(t, s, in.ID, "kept"); got[0] == 0 {
			t.Fatal("kept must dedupe")
		}
	}
	if _, err := s.Prune(clock.Now().Add(-DefaultRetention)); err != nil {
		t.Fatal(err)
	}
	if seen, _ := s.Seen(in.ID, "kept"); !seen {
		t.Fatal("a key its feed keeps presenting was forgotten")
	}
	if seen, _ := s.Seen(in.ID, "dropped"); seen {
		t.Fatal("a key unseen for 400 days is kept past the retention")
	}
	// Only keys past the retention go: a key seen a day ago stays.
	enqueue(t, s, in.ID, "fresh")
	clock.Add(24 * time.Hour)
	if n, _ := s.PruneDedupe(clock.Now().Add(-DefaultDedupeRetention)); n != 0 {
		t.Fatalf("pruned %d fresh keys", n)
	}
}

func TestDuplicateWithAnotherPayloadIsFlagged(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	first, _ := s.EnqueueEvents(in.ID, []NewEvent{{Payload: json.RawMessage(`{"a":1}`), DedupeKey: "idem:x"}}, EnqueueOptions{})
	same, _ := s.EnqueueEvents(in.ID, []NewEvent{{Payload: json.RawMessage(`{"a":1}`), DedupeKey: "idem:x"}}, EnqueueOptions{})
	other, _ := s.EnqueueEvents(in.ID, []NewEvent{{Payload: json.RawMessage(`{"a":2}`), DedupeKey: "idem:x"}}, EnqueueOptions{})
	if !same[0].Duplicate || same[0].PayloadDiffers || same[0].RunID != first[0].RunID {
		t.Fatalf("same payload: %+v", same[0])
	}
	if !other[0].Duplicate || !other[0].PayloadDiffers || other[0].RunID != first[0].RunID {
		t.Fatalf("another payload under the same key: %+v", other[0])
	}
}

func TestOnlyDuplicatesWriteNothing(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	cur := "c"
	if _, err := s.EnqueueEvents(in.ID, keyed("k", 0, 50), EnqueueOptions{Cursor: &cur}); err != nil {
		t.Fatal(err)
	}
	before := s.db.Stats()
	if _, err := s.EnqueueEvents(in.ID, keyed("k", 0, 50), EnqueueOptions{Cursor: &cur}); err != nil {
		t.Fatal(err)
	}
	after := s.db.Stats()
	if after.TxStats.GetWrite() != before.TxStats.GetWrite() {
		t.Fatalf("a re-poll of duplicates wrote %d pages", after.TxStats.GetWrite()-before.TxStats.GetWrite())
	}
}

// A file written by schema 1 (count-ordered dedupe, 8-byte entries) keeps
// every key through the migration.
func TestMigrationKeepsSchema1DedupeKeys(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	ids := enqueue(t, s, in.ID, "a", "b")
	err := s.db.Update(func(tx *bolt.Tx) error {
		state := tx.Bucket(bucketTriggers).Bucket([]byte(in.ID))
		if err := state.DeleteBucket(bucketDedupe); err != nil {
			return err
		}
		if err := state.DeleteBucket(bucketDedupeAge); err != nil {
			return err
		}
		keys, _ := state.CreateBucket(bucketDedupe)
		order, _ := state.CreateBucket([]byte("dedupe_order"))
		for i, k := range []string{"a", "b"} {
			keys.Put([]byte(k), runKey(ids[i]))
			order.Put(be64(uint64(i+1)), []byte(k))
		}
		state.Put([]byte("dedupe_count"), be64(2))
		if err := tx.DeleteBucket(bucketDedupeRecent); err != nil { // schema 9's
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, be64(1))
	})
	if err != nil {
		t.Fatal(err)
	}
	s = crash(t, s)
	got := enqueue(t, s, in.ID, "a", "b", "c")
	if got[0] != ids[0] || got[1] != ids[1] || got[2] == 0 || got[2] == ids[1] {
		t.Fatalf("after migration: %v (a, b were runs %v)", got, ids)
	}
	if err := s.drainRecent(); err != nil { // c: into the tree and its age index
		t.Fatal(err)
	}
	if err := s.db.View(func(tx *bolt.Tx) error {
		state := tx.Bucket(bucketTriggers).Bucket([]byte(in.ID))
		if state.Bucket([]byte("dedupe_order")) != nil || state.Get([]byte("dedupe_count")) != nil {
			return errors.New("schema 1 leftovers remain")
		}
		if n := state.Bucket(bucketDedupeAge).Stats().KeyN; n != 3 {
			return fmt.Errorf("age index holds %d keys, want 3", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// While a huge batch is committed, another integration's webhook gets its
// own commit in between the chunks instead of waiting for the whole batch.
func TestOtherWritesInterleaveWithAHugeBatch(t *testing.T) {
	s, _ := openTest(t)
	big := newIntegration(t, s, true)
	small := newIntegration(t, s, true)
	testHookEnqueueChunk = func(i int) error {
		if i == 2 { // between two of the batch's transactions: another write goes in
			if _, err := s.EnqueueEvents(small.ID, keyed("s", 0, 1), EnqueueOptions{}); err != nil {
				t.Error(err)
			}
		}
		return nil
	}
	t.Cleanup(func() { testHookEnqueueChunk = nil })
	res, err := s.EnqueueEvents(big.ID, keyed("b", 0, 4*MaxEventsPerCommit), EnqueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	testHookEnqueueChunk = nil
	first, last := res[0].RunID, res[len(res)-1].RunID
	if got, _ := s.ListRuns(RunQuery{IntegrationID: small.ID}); len(got) != 1 || got[0].ID <= first || got[0].ID >= last {
		t.Fatalf("the other integration's run %v is not between the batch's runs %d..%d", got, first, last)
	}
}
