package storage

import (
	"errors"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// A queued run whose record no longer decodes must not hold its
// integration's queue for good: claiming it fails with an error naming
// the record, and it leaves the due index in the same commit, so the runs
// behind it start and the scheduler does not claim it again and again.
// The record itself stays (listed as damaged; a backup brings it back).
func TestADamagedQueuedRunLeavesTheQueue(t *testing.T) {
	s, clock := openTest(t)
	in := newIntegration(t, s, true)
	ids := enqueue(t, s, in.ID, "a", "b")
	rawUpdate(s, func(tx *bolt.Tx) error { return tx.Bucket(bucketRuns).Put(runKey(ids[0]), []byte(`{"id":1,"state":`)) })

	_, err := s.StartRun(ids[0])
	var re *RecordError
	if !errors.As(err, &re) || re.Bucket != "runs" || !strings.Contains(err.Error(), ids[0].String()) {
		t.Fatalf("claiming the damaged run: %v", err)
	}
	due, err := s.DueByIntegration(clock.Now(), 10, func(string) int { return 10 })
	if err != nil || len(due) != 1 || due[0].ID != ids[1] {
		t.Fatalf("due after the damaged claim: %+v %v", due, err)
	}
	if _, err := s.StartRun(ids[1]); err != nil {
		t.Fatalf("the run behind it: %v", err)
	}
	if _, problems, _ := s.ListRunsChecked(RunQuery{IntegrationID: in.ID}); len(problems) != 1 || problems[0].Key != ids[0].String() {
		t.Fatalf("the damaged run is still listed as damaged: %+v", problems)
	}
}
