package storage

import (
	"errors"
	"os"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// After a memory fault in a write (the file cut short under a live
// store), bbolt may keep a lock the fault interrupted: every later read,
// write and Close would wait on it for good, and with them webhooks and
// /healthz. The store latches the fault instead: from then on each call
// answers at once with the same damaged-file error, and Close returns
// without waiting on bbolt.
func TestAfterAMemoryFaultTheStoreAnswersAtOnce(t *testing.T) {
	path, in := filled(t, 3000)
	s, err := reopen(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	within := func(what string, op func() error) error {
		t.Helper()
		done := make(chan error, 1)
		go func() { done <- op() }()
		select {
		case err := <-done:
			return err
		case <-time.After(5 * time.Second):
			t.Fatalf("%s after the fault did not return: the store waits on a lock the fault left", what)
			return nil
		}
	}
	_, err = s.EnqueueEvents(in.ID, keyed("after", 0, 1), EnqueueOptions{})
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("the write that met the fault: %v", err)
	}
	for range 3 {
		err := within("a write", func() error { _, err := s.EnqueueEvents(in.ID, keyed("later", 0, 1), EnqueueOptions{}); return err })
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("a later write: %v", err)
		}
	}
	err = within("a read", func() error { _, err := s.ListRuns(RunQuery{IntegrationID: in.ID, Limit: 10}); return err })
	if !errors.Is(err, ErrCorrupt) || !errors.Is(s.Damaged(), ErrCorrupt) {
		t.Fatalf("a read: %v; Damaged() %v", err, s.Damaged())
	}
	if err := within("Close", s.Close); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Close: %v", err)
	}
}

// A panic that is not a memory fault (here a bug: a write to a bucket that
// does not exist) fails its own call only: bbolt's rollback ran, and the
// store goes on working.
func TestAPanicInAWriteDoesNotLatchTheStore(t *testing.T) {
	s, _ := openTest(t)
	err := s.update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("nope")).Put([]byte("k"), []byte("v")) })
	if err == nil {
		t.Fatal("the panicking write succeeded")
	}
	if s.Damaged() != nil {
		t.Fatalf("a bug's panic latched the store: %v", s.Damaged())
	}
	if _, err := s.Integrations(); err != nil {
		t.Fatalf("the store after the panic: %v", err)
	}
	newIntegration(t, s, true)
}
