package storage

import (
	"math/rand/v2"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// statsBothWays reads an integration's stats from the counters and from
// the index walk.
func statsBothWays(t *testing.T, s *Store, id string, since time.Time) (fast, slow IntegrationStats) {
	t.Helper()
	err := s.view(func(tx *bolt.Tx) error {
		var ok bool
		if fast, ok = s.statsFromCounters(tx, id, since); !ok {
			t.Fatalf("since %v is not answered from the counters", since)
		}
		return s.statsFromIndex(tx, id, since, &slow)
	})
	if err != nil {
		t.Fatal(err)
	}
	return fast, slow
}

func sameStats(a, b IntegrationStats) bool {
	if a.Since != b.Since || a.FailedSince != b.FailedSince || a.Running != b.Running || (a.Last == nil) != (b.Last == nil) {
		return false
	}
	return a.Last == nil || *a.Last == *b.Last
}

// The counters say what the index walk says, through every transition:
// runs created over two days, started, failed, retried by hand, succeeded,
// cancelled, pruned; for since = any quarter hour of the last day.
func TestRunStatsMatchTheIndex(t *testing.T) {
	s, clock := openTest(t)
	a, b := newIntegration(t, s, true), newIntegration(t, s, true)
	rng := rand.New(rand.NewPCG(1, 2))
	var ids []RunID
	for step := range 600 {
		clock.Add(time.Duration(rng.IntN(8)) * time.Minute)
		in := a
		if rng.IntN(3) == 0 {
			in = b
		}
		switch op := rng.IntN(6); {
		case op <= 1 || len(ids) == 0:
			ids = append(ids, enqueue(t, s, in.ID, "")...)
		default:
			id := ids[rng.IntN(len(ids))]
			r, _ := s.Run(id)
			switch r.State {
			case RunQueued, RunRetrying:
				s.StartRun(id)
			case RunRunning:
				switch rng.IntN(3) {
				case 0:
					s.FailRun(id, &StepError{Message: "no"})
				case 1:
					s.SucceedRun(id)
				default:
					s.FinishRun(id, Outcome{State: RunRetrying, Due: clock.Now()})
				}
			case RunFailed:
				if rng.IntN(2) == 0 {
					s.RequeueRun(id)
				}
			}
		}
		if step == 400 { // prune what is older than a day
			if _, err := s.Prune(clock.Now().Add(-24 * time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if step%50 == 0 || step == 599 {
			for _, in := range []Integration{a, b} {
				for back := time.Duration(0); back < 24*time.Hour; back += 95 * time.Minute {
					since := clock.Now().Add(-back).Truncate(statsQuarter)
					if fast, slow := statsBothWays(t, s, in.ID, since); !sameStats(fast, slow) {
						t.Fatalf("step %d, since %v: counters %+v (last %+v), index %+v (last %+v)", step, since, fast, fast.Last, slow, slow.Last)
					}
				}
			}
		}
	}
}

// Off the quarter grid, or older than the window, the index answers; a
// deleted integration leaves no counters.
func TestRunStatsFallBackAndGoWithTheIntegration(t *testing.T) {
	s, clock := openTest(t)
	in := newIntegration(t, s, true)
	enqueue(t, s, in.ID, "a", "b")
	s.view(func(tx *bolt.Tx) error {
		if _, ok := s.statsFromCounters(tx, in.ID, clock.Now().Add(-7*time.Minute)); ok {
			t.Error("a since off the quarter grid was answered from the counters")
		}
		if _, ok := s.statsFromCounters(tx, in.ID, clock.Now().Add(-48*time.Hour).Truncate(statsQuarter)); ok {
			t.Error("a since older than the window was answered from the counters")
		}
		return nil
	})
	st, err := s.IntegrationStats(in.ID, clock.Now().Add(-7*time.Minute))
	if err != nil || st.Since != 2 {
		t.Fatalf("fallback: %+v %v", st, err)
	}
	if err := s.DeleteIntegration(in.ID); err != nil {
		t.Fatal(err)
	}
	s.view(func(tx *bolt.Tx) error {
		if n := tx.Bucket(bucketRunStats).Stats().KeyN; n != 0 {
			t.Errorf("%d counters left after the delete", n)
		}
		return nil
	})
}

// A database of schema 4 gets its counters built from its runs.
func TestRunStatsMigration(t *testing.T) {
	s, clock := openTest(t)
	in := newIntegration(t, s, true)
	ids := enqueue(t, s, in.ID, "a", "b", "c")
	s.StartRun(ids[0])
	s.FailRun(ids[0], &StepError{Message: "no"})
	s.StartRun(ids[1])
	since := clock.Now().Truncate(statsQuarter)
	_, want := statsBothWays(t, s, in.ID, since)
	// Back to schema 4: no counters.
	if err := s.updateNow(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketRunStats); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, be64(4))
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
	if fast, _ := statsBothWays(t, s2, in.ID, since); !sameStats(fast, want) || want.Since != 3 || want.FailedSince != 1 || want.Running != 1 {
		t.Fatalf("after the migration: %+v, want %+v", fast, want)
	}
}
