package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

func newIntegration(t *testing.T, s *Store, on bool) Integration {
	t.Helper()
	in, err := s.CreateIntegration(Integration{Name: "Onboard", Trigger: Trigger{Type: "webhook"}, Steps: []Step{{ID: "create", Action: "okta.add_user"}}})
	if err != nil {
		t.Fatal(err)
	}
	if on {
		if _, err := s.SetEnabled(in.ID, true, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	return in
}

func enqueue(t *testing.T, s *Store, integrationID string, keys ...string) []RunID {
	t.Helper()
	var evs []NewEvent
	for _, k := range keys {
		evs = append(evs, NewEvent{Payload: json.RawMessage(fmt.Sprintf(`{"key":%q}`, k)), DedupeKey: k})
	}
	res, err := s.EnqueueEvents(integrationID, evs, EnqueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []RunID
	for _, r := range res {
		ids = append(ids, r.RunID)
	}
	return ids
}

func TestEnqueueRefusedWhileOffAndDedupes(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, false)
	if _, err := s.EnqueueEvents(in.ID, []NewEvent{{Payload: json.RawMessage(`{}`)}}, EnqueueOptions{}); !errors.Is(err, ErrIntegrationOff) {
		t.Fatalf("while OFF: %v", err)
	}
	manual, err := s.EnqueueEvents(in.ID, []NewEvent{{Payload: json.RawMessage(`{}`)}}, EnqueueOptions{AllowOff: true})
	if err != nil || len(manual) != 1 {
		t.Fatalf("manual while OFF: %v %v", manual, err)
	}
	if _, err := s.SetEnabled(in.ID, true, time.Time{}); err != nil {
		t.Fatal(err)
	}
	cur := "page-2"
	res, err := s.EnqueueEvents(in.ID, []NewEvent{
		{Payload: json.RawMessage(`{"n":1}`), DedupeKey: "a"},
		{Payload: json.RawMessage(`{"n":2}`), DedupeKey: "b"},
		{Payload: json.RawMessage(`{"n":1}`), DedupeKey: "a"}, // the same event twice in one page
	}, EnqueueOptions{Cursor: &cur})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Duplicate || res[1].Duplicate || !res[2].Duplicate || res[2].RunID != res[0].RunID {
		t.Fatalf("dedupe within a page: %+v", res)
	}
	again, err := s.EnqueueEvents(in.ID, []NewEvent{{Payload: json.RawMessage(`{"n":2}`), DedupeKey: "b"}}, EnqueueOptions{})
	if err != nil || !again[0].Duplicate || again[0].RunID != res[1].RunID {
		t.Fatalf("re-poll dedupe: %+v %v", again, err)
	}
	if got, _ := s.Cursor(in.ID); got != "page-2" {
		t.Fatalf("cursor %q", got)
	}
	counts, _ := s.RunCounts()
	if counts[RunQueued] != 3 {
		t.Fatalf("queued count %d, want 3 (manual + a + b)", counts[RunQueued])
	}
}

func TestEnqueueIsAtomicWithCursor(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	cur := "old"
	if err := s.SetCursor(in.ID, cur); err != nil {
		t.Fatal(err)
	}
	// An event for an integration that vanished fails the whole batch: no run, no cursor move.
	next := "new"
	if _, err := s.EnqueueEvents("int_missing", []NewEvent{{Payload: json.RawMessage(`{}`)}}, EnqueueOptions{Cursor: &next}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing integration: %v", err)
	}
	if got, _ := s.Cursor(in.ID); got != "old" {
		t.Fatalf("cursor moved to %q", got)
	}
}

func TestSwitchOnResetsCursorAndOffCancelsPending(t *testing.T) {
	s, clock := openTest(t)
	in := newIntegration(t, s, true)
	ids := enqueue(t, s, in.ID, "a", "b", "c")
	if _, err := s.StartRun(ids[0]); err != nil {
		t.Fatal(err)
	}
	cur := "cursor-1"
	if err := s.SetCursor(in.ID, cur); err != nil {
		t.Fatal(err)
	}
	n, err := s.SetEnabled(in.ID, false, time.Time{})
	if err != nil || n != 2 {
		t.Fatalf("OFF cancelled %d (%v), want 2", n, err)
	}
	for i, want := range []RunState{RunRunning, RunCancelled, RunCancelled} {
		if r, _ := s.Run(ids[i]); r.State != want {
			t.Fatalf("run %d is %s, want %s", ids[i], r.State, want)
		}
	}
	clock.Add(time.Hour)
	if _, err := s.SetEnabled(in.ID, true, time.Time{}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Integration(in.ID)
	if !got.EnabledAt.Equal(clock.Now()) {
		t.Fatalf("EnabledAt %v, want now %v", got.EnabledAt, clock.Now())
	}
	if c, _ := s.Cursor(in.ID); c != "" {
		t.Fatalf("cursor survived a switch ON: %q", c)
	}
	if seen, _ := s.Seen(in.ID, "a"); !seen {
		t.Fatal("dedupe keys must survive a switch OFF/ON")
	}
}

func TestRunLifecycle(t *testing.T) {
	s, clock := openTest(t)
	in := newIntegration(t, s, true)
	id := enqueue(t, s, in.ID, "k")[0]

	r, err := s.StartRun(id)
	if err != nil || r.State != RunRunning || r.Attempt != 1 {
		t.Fatalf("start: %+v %v", r, err)
	}
	if _, err := s.StartRun(id); !errors.Is(err, ErrBadState) {
		t.Fatalf("double claim: %v", err)
	}
	if err := s.SaveStep(id, StepResult{StepID: "find", Succeeded: true, Output: json.RawMessage(`{"id":"00u1"}`)}); err != nil {
		t.Fatal(err)
	}
	// a 429: waiting, attempt given back, due at the reset
	reset := clock.Now().Add(40 * time.Second)
	r, err = s.WaitRun(id, reset, &StepError{Message: "rate limited", Code: "E0000047"})
	if err != nil || r.State != RunWaiting || r.Attempt != 0 {
		t.Fatalf("wait: %+v %v", r, err)
	}
	if due, _ := s.DueRuns(clock.Now(), 10, nil); len(due) != 0 {
		t.Fatalf("a waiting run is due before its reset: %v", due)
	}
	clock.Add(41 * time.Second)
	if due, _ := s.DueRuns(clock.Now(), 10, nil); len(due) != 1 || due[0].ID != id {
		t.Fatalf("due after reset: %v", due)
	}
	r, _ = s.StartRun(id)
	if r.Attempt != 1 {
		t.Fatalf("attempt after a wait: %d, want 1", r.Attempt)
	}
	r, err = s.RetryRun(id, clock.Now().Add(2*time.Second), &StepError{Message: "okta 500", Status: 500})
	if err != nil || r.State != RunRetrying {
		t.Fatalf("retry: %+v %v", r, err)
	}
	if next, ok, _ := s.NextDueAfter(clock.Now()); !ok || !next.Equal(clock.Now().Add(2*time.Second)) {
		t.Fatalf("NextDue %v %v", next, ok)
	}
	clock.Add(2 * time.Second)
	if _, err := s.StartRun(id); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveStep(id, StepResult{StepID: "create", Error: &StepError{Message: "bad"}}); err != nil {
		t.Fatal(err)
	}
	r, err = s.FailRun(id, &StepError{Message: "validation", Code: "E0000001"})
	if err != nil || r.State != RunFailed || r.FinishedAt.IsZero() {
		t.Fatalf("fail: %+v %v", r, err)
	}
	if _, err := s.SucceedRun(id); !errors.Is(err, ErrBadState) {
		t.Fatalf("finish twice: %v", err)
	}
	r, err = s.RequeueRun(id)
	if err != nil || r.State != RunQueued || r.Attempt != 0 || len(r.Steps) != 1 || r.Steps[0].StepID != "find" {
		t.Fatalf("requeue keeps succeeded steps only: %+v %v", r, err)
	}
	counts, _ := s.RunCounts()
	if counts[RunQueued] != 1 || counts[RunFailed] != 0 || counts[RunRunning] != 0 {
		t.Fatalf("counts drifted: %v", counts)
	}
}

func TestRecoverOrphans(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	ids := enqueue(t, s, in.ID, "a", "b", "c")
	for _, id := range ids[:2] {
		if _, err := s.StartRun(id); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SaveStep(ids[0], StepResult{StepID: "create", Succeeded: true}); err != nil {
		t.Fatal(err)
	}
	path := s.Path()
	s.Close() // a crash: two runs left running

	s2, err := Open(path, Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	n, err := s2.RecoverOrphans()
	if err != nil || n != 2 {
		t.Fatalf("recovered %d (%v), want 2", n, err)
	}
	r, _ := s2.Run(ids[0])
	if r.State != RunQueued || len(r.Steps) != 1 || !r.Steps[0].Succeeded {
		t.Fatalf("orphan keeps its checkpoint: %+v", r)
	}
	due, _ := s2.DueRuns(time.Now().Add(time.Hour), 10, nil)
	if len(due) != 3 {
		t.Fatalf("due after recovery: %d, want 3", len(due))
	}
	if n, _ := s2.RecoverOrphans(); n != 0 {
		t.Fatalf("second recovery found %d", n)
	}
}

func TestListRunsPages(t *testing.T) {
	s, _ := openTest(t)
	a := newIntegration(t, s, true)
	b := newIntegration(t, s, true)
	var aIDs []RunID
	for i := range 25 {
		aIDs = append(aIDs, enqueue(t, s, a.ID, fmt.Sprint("a", i))...)
		enqueue(t, s, b.ID, fmt.Sprint("b", i))
	}
	for _, id := range aIDs[:10] {
		if _, err := s.StartRun(id); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SucceedRun(id); err != nil {
			t.Fatal(err)
		}
	}
	collect := func(q RunQuery) []RunID {
		var out []RunID
		for {
			page, err := s.ListRuns(q)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				return out
			}
			for _, r := range page {
				if len(out) > 0 && r.ID >= out[len(out)-1] {
					t.Fatalf("not newest first: %d after %d", r.ID, out[len(out)-1])
				}
				out = append(out, r.ID)
			}
			q.Before = page[len(page)-1].ID
		}
	}
	if got := collect(RunQuery{Limit: 7}); len(got) != 50 {
		t.Fatalf("all runs: %d", len(got))
	}
	if got := collect(RunQuery{IntegrationID: a.ID, Limit: 4}); len(got) != 25 || got[0] != aIDs[24] {
		t.Fatalf("by integration: %v", got)
	}
	if got := collect(RunQuery{State: RunSucceeded, Limit: 3}); len(got) != 10 || got[0] != aIDs[9] {
		t.Fatalf("by state: %v", got)
	}
	if got := collect(RunQuery{IntegrationID: b.ID, State: RunSucceeded}); len(got) != 0 {
		t.Fatalf("b succeeded: %v", got)
	}
	if got := collect(RunQuery{IntegrationID: a.ID, State: RunQueued, Limit: 100}); len(got) != 15 {
		t.Fatalf("a queued: %d", len(got))
	}
}

func TestPruneKeepsRecentAndPending(t *testing.T) {
	s, clock := openTest(t)
	in := newIntegration(t, s, true)
	old := enqueue(t, s, in.ID, "o1", "o2", "o3")
	for _, id := range old[:2] {
		s.StartRun(id)
		s.SucceedRun(id)
	}
	clock.Add(40 * 24 * time.Hour)
	recent := enqueue(t, s, in.ID, "r1")
	s.StartRun(recent[0])
	s.FailRun(recent[0], &StepError{Message: "x"})

	n, err := s.Prune(clock.Now().Add(-DefaultRetention))
	if err != nil || n != 2 {
		t.Fatalf("pruned %d (%v), want 2", n, err)
	}
	if _, err := s.Run(old[0]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("old run survived: %v", err)
	}
	if r, err := s.Run(old[2]); err != nil || r.State != RunQueued {
		t.Fatalf("pending old run must stay: %+v %v", r, err)
	}
	counts, _ := s.RunCounts()
	if counts[RunSucceeded] != 0 || counts[RunQueued] != 1 || counts[RunFailed] != 1 {
		t.Fatalf("counts after prune: %v", counts)
	}
	if got, _ := s.ListRuns(RunQuery{IntegrationID: in.ID}); len(got) != 2 {
		t.Fatalf("index still lists pruned runs: %d", len(got))
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestBackupAndCompact(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	for i := range 200 {
		enqueue(t, s, in.ID, fmt.Sprint(i))
	}
	var buf bytes.Buffer
	if _, err := s.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "backup.db")
	if err := writeFile(copyPath, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	key := KeyPath(s.Path())
	if err := copyFile(key, KeyPath(copyPath)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Compact(s.Path()); !errors.Is(err, ErrLocked) {
		t.Fatalf("compact while open: %v", err)
	}
	before, after, err := Compact(copyPath)
	if err != nil || before == 0 || after == 0 {
		t.Fatalf("compact: %d→%d %v", before, after, err)
	}
	b, err := Open(copyPath, Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if got, _ := b.RunCounts(); got[RunQueued] != 200 {
		t.Fatalf("backup lost runs: %v", got)
	}
	if err := b.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestAudit(t *testing.T) {
	s, _ := openTest(t)
	for i := range 5 {
		if _, err := s.AddAudit(AuditEntry{Who: "alice", Action: "integration.enable", Target: fmt.Sprint("int_", i)}); err != nil {
			t.Fatal(err)
		}
	}
	page, err := s.Audit(0, 3)
	if err != nil || len(page) != 3 || page[0].Target != "int_4" {
		t.Fatalf("audit page: %+v %v", page, err)
	}
	rest, _ := s.Audit(page[2].Seq, 10)
	if len(rest) != 2 || rest[1].Target != "int_0" {
		t.Fatalf("audit rest: %+v", rest)
	}
}

func TestBaselineMarksSeenWithoutRuns(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	cur := "v1"
	res, err := s.EnqueueEvents(in.ID, []NewEvent{{DedupeKey: "row-1"}, {DedupeKey: "row-2"}}, EnqueueOptions{Baseline: true, Cursor: &cur})
	if err != nil || len(res) != 0 {
		t.Fatalf("baseline: %v %v", res, err)
	}
	if counts, _ := s.RunCounts(); counts[RunQueued] != 0 {
		t.Fatalf("baseline created runs: %v", counts)
	}
	got := enqueue(t, s, in.ID, "row-2", "row-3")
	if got[0] != 0 || got[1] == 0 {
		t.Fatalf("after baseline: %v (row-2 must be a duplicate of the baseline)", got)
	}
	if c, _ := s.Cursor(in.ID); c != "v1" {
		t.Fatalf("cursor %q", c)
	}
}

func TestIntegrationStats(t *testing.T) {
	s, clock := openTest(t)
	a := newIntegration(t, s, true)
	b := newIntegration(t, s, true)
	old := enqueue(t, s, a.ID, "o1", "o2")
	s.StartRun(old[0])
	s.FailRun(old[0], &StepError{Message: "x"})
	clock.Add(24 * time.Hour)
	midnight := clock.Now()
	clock.Add(time.Hour)
	today := enqueue(t, s, a.ID, "t1", "t2", "t3")
	enqueue(t, s, b.ID, "b1")
	s.StartRun(today[0])
	s.FailRun(today[0], &StepError{Message: "x"})
	s.StartRun(today[1])

	st, err := s.IntegrationStats(a.ID, midnight)
	if err != nil {
		t.Fatal(err)
	}
	if st.Since != 3 || st.FailedSince != 1 || st.Running != 1 || st.Last == nil || st.Last.ID != today[2] {
		t.Fatalf("stats %+v (last %+v)", st, st.Last)
	}
	if st, _ := s.IntegrationStats(a.ID, midnight.Add(-48*time.Hour)); st.Since != 5 || st.FailedSince != 2 {
		t.Fatalf("all time: %+v", st)
	}
	if st, _ := s.IntegrationStats("int_none", midnight); st.Since != 0 || st.Last != nil {
		t.Fatalf("unknown integration: %+v", st)
	}
}

func TestDueRunsFilterAppliesBeforeTheLimit(t *testing.T) {
	s, clock := openTest(t)
	in := newIntegration(t, s, true)
	var keys []string
	for i := range 30 {
		keys = append(keys, fmt.Sprint("k", i))
	}
	ids := enqueue(t, s, in.ID, keys...)
	want := ids[len(ids)-1] // the newest, behind 29 older due runs
	due, err := s.DueRuns(clock.Now(), 5, func(id RunID) bool { return id == want })
	if err != nil || len(due) != 1 || due[0].ID != want {
		t.Fatalf("filtered due runs: %v %v", due, err)
	}
	if _, ok, _ := s.NextDueAfter(clock.Now()); ok {
		t.Fatal("runs already due must not set the alarm")
	}
}
