package storage

import (
	"testing"

	bolt "go.etcd.io/bbolt"
)

// A schema-5 database keeps its trigger healths: they move from the
// trigger buckets to trigger_health, and read back the same.
func TestHealthMovesToItsOwnBucket(t *testing.T) {
	s, clock := openTest(t)
	in := newIntegration(t, s, true)
	h := TriggerHealth{State: HealthFailing, LastError: "403 E0000006", Failures: 3, LastErrorAt: clock.Now()}
	if _, err := s.SetTriggerHealth(in.ID, h); err != nil {
		t.Fatal(err)
	}
	// Back to schema 5: the health under the trigger bucket.
	if err := s.updateNow(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketHealth).Get([]byte(in.ID))
		state, err := tx.Bucket(bucketTriggers).CreateBucketIfNotExists([]byte(in.ID))
		if err != nil {
			return err
		}
		if err := state.Put(keyHealth, raw); err != nil {
			return err
		}
		if err := tx.DeleteBucket(bucketHealth); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, be64(5))
	}); err != nil {
		t.Fatal(err)
	}
	path := s.Path()
	s.Close()
	s2, err := Open(path, Options{Now: clock.Now, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.TriggerHealths()
	if err != nil || got[in.ID].LastError != h.LastError || got[in.ID].Failures != 3 {
		t.Fatalf("after the migration: %+v %v", got, err)
	}
	s2.view(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketTriggers).Bucket([]byte(in.ID)).Get(keyHealth) != nil {
			t.Error("the old copy stayed in the trigger bucket")
		}
		return nil
	})
}
