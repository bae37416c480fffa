package storage

import (
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// feedWithKeys is an ON csv integration whose baseline recorded n dedupe
// keys.
func feedWithKeys(t *testing.T, s *Store, n int) Integration {
	t.Helper()
	in, err := s.CreateIntegration(Integration{Name: "feed", Trigger: Trigger{Type: "csv"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetEnabled(in.ID, true, time.Time{}); err != nil {
		t.Fatal(err)
	}
	evs := make([]NewEvent, n)
	for i := range evs {
		evs[i] = NewEvent{DedupeKey: fmt.Sprintf("csv:row-%08d", i)}
	}
	cur := "c"
	if _, err := s.EnqueueEvents(in.ID, evs, EnqueueOptions{Baseline: true, Cursor: &cur}); err != nil {
		t.Fatal(err)
	}
	return in
}

// leftovers counts what the store still holds of integration id's trigger
// state, in place or waiting to be purged.
func leftovers(t *testing.T, s *Store, id string) (inPlace bool, waiting int) {
	t.Helper()
	s.view(func(tx *bolt.Tx) error {
		inPlace = tx.Bucket(bucketTriggers).Bucket([]byte(id)) != nil
		if d := tx.Bucket(bucketDeleting); d != nil {
			waiting = d.Stats().KeyN
		}
		return nil
	})
	return inPlace, waiting
}

// Deleting an integration with a huge dedupe set holds the write lock for
// bounded transactions only: the integration goes first, its keys after in
// chunks of at most maxPurgePerTx.
func TestDeleteHugeDedupeInBoundedTransactions(t *testing.T) {
	s, _ := openTest(t)
	const n = 60_000
	in := feedWithKeys(t, s, n)
	before := s.WriteStats().Commits
	if err := s.DeleteIntegration(in.ID); err != nil {
		t.Fatal(err)
	}
	commits := s.WriteStats().Commits - before
	// n keys and n age entries, at most maxPurgePerTx a commit.
	if min := uint64(2 * n / maxPurgePerTx); commits < min {
		t.Errorf("deleted in %d commits, want at least %d (each at most %d keys)", commits, min, maxPurgePerTx)
	}
	if _, err := s.Integration(in.ID); err == nil {
		t.Fatal("the integration is still there")
	}
	if inPlace, waiting := leftovers(t, s, in.ID); inPlace || waiting != 0 {
		t.Fatalf("left behind: trigger bucket %v, %d keys waiting", inPlace, waiting)
	}
}

// A delete cut off after the integration went (a crash) is finished at the
// next start: the integration never shows again, its keys go.
func TestInterruptedDeleteResumesAtOpen(t *testing.T) {
	s, _ := openTest(t)
	in := feedWithKeys(t, s, 3*maxPurgePerTx)
	if _, err := s.hideIntegration(in.ID); err != nil { // the first commit of DeleteIntegration, then the crash
		t.Fatal(err)
	}
	if _, err := s.Integration(in.ID); err == nil {
		t.Fatal("the integration shows after its first commit")
	}
	if _, waiting := leftovers(t, s, in.ID); waiting == 0 {
		t.Fatal("nothing waits to be purged")
	}
	path := s.Path()
	s.Close()
	s2, err := Open(path, Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if inPlace, waiting := leftovers(t, s2, in.ID); inPlace || waiting != 0 {
		t.Fatalf("after the restart: trigger bucket %v, %d keys waiting", inPlace, waiting)
	}
	if list, _ := s2.Integrations(); len(list) != 0 {
		t.Fatalf("integrations after the restart: %+v", list)
	}
}
