package storage

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// checkDueIndexes compares the due index with the runs it points to.
func checkDueIndexes(t *testing.T, s *Store) {
	t.Helper()
	err := s.db.View(func(tx *bolt.Tx) error {
		want := map[string]bool{}
		err := tx.Bucket(bucketRuns).ForEach(func(k, v []byte) error {
			r, err := decodeRun(k, v)
			if err != nil {
				return err
			}
			if r.State.pending() {
				want[string(dueByIntKey(r.IntegrationID, r.NextDue, r.ID))] = true
			}
			return nil
		})
		if err != nil {
			return err
		}
		n := 0
		err = tx.Bucket(bucketRunsDueByInt).ForEach(func(k, _ []byte) error {
			n++
			if !want[string(k)] {
				return fmt.Errorf("stale key %q in the due-by-integration index", k)
			}
			return nil
		})
		if n != len(want) {
			return fmt.Errorf("the due index holds %d keys for %d pending runs", n, len(want))
		}
		if tx.Bucket(bucketRunsDue) != nil {
			return errors.New("the global due index of schema 6 is still there")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDueByIntegrationSkipsAFullIntegrationsBacklog(t *testing.T) {
	s, clock := openTest(t)
	busy := newIntegration(t, s, true)
	quiet := newIntegration(t, s, true)
	later := newIntegration(t, s, true)
	if _, err := s.EnqueueEvents(busy.ID, keyed("b", 0, 3000), EnqueueOptions{}); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Second)
	q := enqueue(t, s, quiet.ID, "q1", "q2")
	l := enqueue(t, s, later.ID, "l1")
	if _, err := s.StartRun(l[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RetryRun(l[0], clock.Now().Add(time.Hour), &StepError{Message: "503"}); err != nil {
		t.Fatal(err)
	}
	checkDueIndexes(t, s)

	asked := map[string]int{}
	room := func(full string) func(string) int {
		return func(id string) int {
			asked[id]++
			if id == full {
				return 0
			}
			return 10
		}
	}
	got, err := s.DueByIntegration(clock.Now(), 50, room(busy.ID))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != q[0] || got[1].ID != q[1] || got[0].IntegrationID != quiet.ID {
		t.Fatalf("with the busy integration full: %+v", got)
	}
	if asked[busy.ID] != 1 || asked[quiet.ID] != 1 || asked[later.ID] != 1 {
		t.Fatalf("room asked %v: once per integration with pending runs", asked)
	}
	// With room everywhere: the oldest due first, each integration capped by its room, the total by limit.
	got, _ = s.DueByIntegration(clock.Now(), 12, func(string) int { return 10 })
	if len(got) != 12 || got[0].IntegrationID != busy.ID || got[9].IntegrationID != busy.ID || got[10].ID != q[0] {
		t.Fatalf("room 10 each, limit 12: %+v", got)
	}
	clock.Add(2 * time.Hour)
	got, _ = s.DueByIntegration(clock.Now(), 0, room(busy.ID))
	if len(got) != 3 || got[2].ID != l[0] {
		t.Fatalf("the retry is due now: %+v", got)
	}
	// Transitions keep the index exact.
	if _, err := s.StartRun(q[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FinishRun(q[0], Outcome{State: RunSucceeded}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetEnabled(busy.ID, false, time.Time{}); err != nil {
		t.Fatal(err)
	}
	checkDueIndexes(t, s)
	got, _ = s.DueByIntegration(clock.Now(), 0, func(string) int { return 100 })
	if len(got) != 2 {
		t.Fatalf("after OFF and a finish: %+v", got)
	}
}

func TestMigrationBuildsTheDueByIntegrationIndex(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	ids := enqueue(t, s, in.ID, "a", "b")
	err := s.db.Update(func(tx *bolt.Tx) error { // back to schema 2: the global due index only
		due, err := tx.CreateBucket(bucketRunsDue)
		if err != nil {
			return err
		}
		for _, id := range ids {
			r, err := s.getRun(tx, id)
			if err != nil {
				return err
			}
			if err := due.Put(dueKey(r.NextDue, r.ID), nil); err != nil {
				return err
			}
		}
		if err := tx.DeleteBucket(bucketRunsDueByInt); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, be64(2))
	})
	if err != nil {
		t.Fatal(err)
	}
	s = crash(t, s)
	checkDueIndexes(t, s)
	got, _ := s.DueByIntegration(s.now(), 0, func(string) int { return 5 })
	if len(got) != 2 || got[0].ID != ids[0] {
		t.Fatalf("after migration: %+v", got)
	}
}

func TestFinishRunWithStepIsOneCommit(t *testing.T) {
	s, clock := openTest(t)
	in := twoStepIntegration(t, s)
	id := enqueue(t, s, in.ID, "a")[0]
	if _, err := s.StartRun(id); err != nil {
		t.Fatal(err)
	}
	s.SaveStep(id, StepResult{StepID: "find", Succeeded: true})
	before := s.WriteStats().Commits
	r, err := s.FinishRunWithStep(id, StepResult{StepID: "create", Succeeded: true, Output: []byte(`{"id":"00u1"}`)}, Outcome{State: RunSucceeded})
	if err != nil || r.State != RunSucceeded || len(r.Steps) != 2 || string(r.Steps[1].Output) != `{"id":"00u1"}` {
		t.Fatalf("finish with step: %+v %v", r, err)
	}
	if n := s.WriteStats().Commits - before; n != 1 {
		t.Fatalf("checkpoint and finish took %d commits", n)
	}
	stored, _ := s.Run(id)
	if stored.State != RunSucceeded || len(stored.Steps) != 2 || stored.FinishedAt.IsZero() {
		t.Fatalf("stored: %+v", stored)
	}
	// Every outcome, each with its step.
	for _, o := range []Outcome{
		{State: RunFailed, Cause: &StepError{Message: "E0000001"}},
		{State: RunRetrying, Due: clock.Now().Add(time.Minute), Cause: &StepError{Message: "503"}},
		{State: RunWaiting, Due: clock.Now().Add(time.Minute), Cause: &StepError{Message: "429"}},
	} {
		id := enqueue(t, s, in.ID, string(o.State))[0]
		started, _ := s.StartRun(id)
		r, err := s.FinishRunWithStep(id, StepResult{StepID: "find", Error: o.Cause}, o)
		if err != nil || r.State != o.State || len(r.Steps) != 1 || r.Error != o.Cause {
			t.Fatalf("%s: %+v %v", o.State, r, err)
		}
		if o.State == RunWaiting && r.Attempt != started.Attempt-1 {
			t.Fatalf("a wait gives its attempt back: %d → %d", started.Attempt, r.Attempt)
		}
	}
	if _, err := s.FinishRun(id, Outcome{State: RunQueued}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("finish as queued: %v", err)
	}
	checkDueIndexes(t, s)
}

// DueRuns and NextDueAfter read the due index kept under each integration
// (schema 7) and answer as the global one did: every pending run due by
// now, oldest due first (ties by id), the keep filter before the limit;
// the first due time after now.
func TestDueRunsMergeTheIntegrations(t *testing.T) {
	s, clock := openTest(t)
	var ins []Integration
	for i := range 4 {
		in, err := s.CreateIntegration(Integration{Name: fmt.Sprint("due", i), Trigger: Trigger{Type: "webhook"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetEnabled(in.ID, true, time.Time{}); err != nil {
			t.Fatal(err)
		}
		ins = append(ins, in)
	}
	base := clock.Now()
	type pend struct {
		id  RunID
		due time.Time
	}
	var all []pend
	for i := range 40 {
		clock.Add(time.Duration(i%3) * time.Millisecond) // some share a due time
		in := ins[(i*7)%len(ins)]
		id := enqueue(t, s, in.ID, fmt.Sprint("d", i))[0]
		due := clock.Now()
		if i%4 == 1 { // retried for later
			if _, err := s.StartRun(id); err != nil {
				t.Fatal(err)
			}
			due = base.Add(time.Duration(i) * time.Second)
			if _, err := s.RetryRun(id, due, &StepError{Message: "503"}); err != nil {
				t.Fatal(err)
			}
		}
		if i%9 == 4 { // finished: not pending
			if _, err := s.StartRun(id); err != nil {
				t.Fatal(err)
			}
			if _, err := s.SucceedRun(id); err != nil {
				t.Fatal(err)
			}
			continue
		}
		all = append(all, pend{id, due.UTC()})
	}
	checkDueIndexes(t, s)
	slices.SortFunc(all, func(a, b pend) int { return cmp.Or(a.due.Compare(b.due), cmp.Compare(a.id, b.id)) })
	for _, now := range []time.Time{base.Add(-time.Second), clock.Now(), base.Add(10 * time.Second), base.Add(time.Hour)} {
		for _, limit := range []int{1, 5, 100} {
			for name, keep := range map[string]func(RunID) bool{"all": nil, "odd": func(id RunID) bool { return id%2 == 1 }} {
				var want []RunID
				for _, p := range all {
					if !p.due.After(now) && (keep == nil || keep(p.id)) && len(want) < limit {
						want = append(want, p.id)
					}
				}
				runs, err := s.DueRuns(now, limit, keep)
				if err != nil {
					t.Fatal(err)
				}
				var got []RunID
				for _, r := range runs {
					got = append(got, r.ID)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("DueRuns(%v, %d, %s) = %v, want %v", now.Sub(base), limit, name, got, want)
				}
			}
		}
		var want time.Time
		for _, p := range all {
			if p.due.After(now) {
				want = p.due
				break
			}
		}
		got, ok, err := s.NextDueAfter(now)
		if err != nil || ok != !want.IsZero() || !got.Equal(want) {
			t.Fatalf("NextDueAfter(%v) = %v %v %v, want %v", now.Sub(base), got, ok, err, want)
		}
	}
}
