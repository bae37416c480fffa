package storage

import (
	"fmt"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// An integration's runs, read from its state ranges merged, come newest
// first across every state, page by page, exactly as the runs are.
func TestRunsOfAnIntegrationMergeItsStates(t *testing.T) {
	s, _ := openTest(t)
	a, b := newIntegration(t, s, true), newIntegration(t, s, true)
	var want []RunID
	for i := range 40 {
		id := enqueue(t, s, a.ID, fmt.Sprint("a", i))[0]
		enqueue(t, s, b.ID, fmt.Sprint("b", i))
		want = append(want, id)
		switch i % 4 { // interleave the states: queued, running, succeeded, failed
		case 1:
			s.StartRun(id)
		case 2:
			s.StartRun(id)
			s.SucceedRun(id)
		case 3:
			s.StartRun(id)
			s.FailRun(id, &StepError{Message: "x"})
		}
	}
	slices.Reverse(want)
	for _, limit := range []int{1, 3, 7, 50} {
		var got []RunID
		q := RunQuery{IntegrationID: a.ID, Limit: limit}
		for {
			page, err := s.ListRuns(q)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, r := range page {
				if r.IntegrationID != a.ID {
					t.Fatalf("run %d of %s listed for %s", r.ID, r.IntegrationID, a.ID)
				}
				got = append(got, r.ID)
			}
			q.Before = page[len(page)-1].ID
		}
		if !slices.Equal(got, want) {
			t.Fatalf("limit %d: %v, want %v", limit, got, want)
		}
	}
	st, err := s.IntegrationStats(a.ID, time.Time{}.Add(time.Nanosecond))
	if err != nil || st.Since != 40 || st.FailedSince != 10 || st.Running != 10 || st.Last == nil || st.Last.ID != want[0] {
		t.Fatalf("stats %+v %v", st, err)
	}
}

// Schema 8: a file of schema 7 loses runs_by_integration, and lists and
// counts an integration's runs as before.
func TestMigrationDropsRunsByIntegration(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	ids := enqueue(t, s, in.ID, "a", "b", "c")
	s.StartRun(ids[1])
	err := s.db.Update(func(tx *bolt.Tx) error { // back to schema 7: the index as it was
		idx, err := tx.CreateBucket(bucketRunsByInt)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := idx.Put(compositeKey([]byte(in.ID), runKey(id)), nil); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, be64(7))
	})
	if err != nil {
		t.Fatal(err)
	}
	s = crash(t, s)
	s.view(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketRunsByInt) != nil {
			t.Error("runs_by_integration is still there")
		}
		return nil
	})
	got, err := s.ListRuns(RunQuery{IntegrationID: in.ID})
	if err != nil || len(got) != 3 || got[0].ID != ids[2] || got[2].ID != ids[0] {
		t.Fatalf("after the migration: %+v %v", got, err)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	if SchemaVersion() < 8 {
		t.Fatalf("schema %d", SchemaVersion())
	}
}
