package trigger

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/engine/kissflow/kissflowtest"
)

func smallProcess(t *testing.T, clock *simClock, opts kissflowtest.Options) *kissflowtest.Server {
	t.Helper()
	opts.AccountID, opts.AccessKeyID, opts.AccessKeySecret, opts.Now = "AcAcme", "key-id", "key-secret", clock.Now
	s := kissflowtest.NewServer(opts)
	t.Cleanup(func() { s.Close() })
	s.Account.AddProcess("Onboarding", "Employee onboarding", onboardingFields)
	return s
}

func TestKissflowPollsCompletedItemsFromStart(t *testing.T) {
	clock := &simClock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	s := smallProcess(t, clock, kissflowtest.Options{})
	add := func(status string, at time.Time) string {
		it, err := s.Account.AddItem("Onboarding", status, map[string]any{"Email": "x@acme.com"}, at)
		if err != nil {
			t.Fatal(err)
		}
		return it.ID
	}
	start := clock.Now()
	add(kissflowtest.Completed, start.Add(-clockMargin-time.Second)) // before ON, beyond the clock margin: not captured
	open := add(kissflowtest.InProgress, start.Add(-time.Hour))
	add(kissflowtest.Rejected, start.Add(-time.Minute))
	p, err := NewPoller(Kissflow, simKissflowConfig(s.URL, 2), fastDeps())
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Poll(context.Background(), "", start)
	if err != nil || len(b.Events) != 0 {
		t.Fatalf("first poll: %v %v", keys(b.Events), err)
	}
	// Two items complete in the same second, one of them created after ON.
	clock.add(5 * time.Minute)
	fresh := add(kissflowtest.InProgress, time.Time{})
	clock.add(time.Minute)
	s.Account.Complete("Onboarding", open)
	s.Account.Complete("Onboarding", fresh)
	b, err = p.Poll(context.Background(), b.Cursor, start)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(keys(b.Events), ","); !strings.Contains(got, open) || !strings.Contains(got, fresh) || len(b.Events) != 2 {
		t.Fatalf("completed since the start: %s", got)
	}
	ev, err := p.Sample(context.Background())
	if err != nil || ev.Data["_status"] != "Completed" || ev.Data["Email"] != "x@acme.com" {
		t.Fatalf("sample %v %v", ev, err)
	}
}

// An item created and completed between two polls (never seen open) fires
// by its _completed_at; the trigger never sends apply_preference other
// than false, so an admin's saved view cannot hide it.
func TestKissflowItemCompletedBetweenPollsAndSavedViews(t *testing.T) {
	clock := &simClock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	s := smallProcess(t, clock, kissflowtest.Options{SavedViewStatus: kissflowtest.InProgress, ListOmitsCompletedAt: true})
	p, err := NewPoller(Kissflow, simKissflowConfig(s.URL, 50), fastDeps())
	if err != nil {
		t.Fatal(err)
	}
	start := clock.Now()
	b, _ := p.Poll(context.Background(), "", start)
	clock.add(time.Minute)
	it, _ := s.Account.AddItem("Onboarding", kissflowtest.Draft, nil, time.Time{})
	s.Account.Complete("Onboarding", it.ID)
	b, err = p.Poll(context.Background(), b.Cursor, start)
	if err != nil || len(b.Events) != 1 || b.Events[0].Data["_completed_at"] != "2026-11-30T09:01:00Z" {
		t.Fatalf("completed unseen: %+v %v", b.Events, err)
	}
}

// A cursor stored by the earlier trigger (a time) still works: the next
// poll walks the list and fires what completed at or after it.
func TestKissflowOldCursor(t *testing.T) {
	clock := &simClock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	s := smallProcess(t, clock, kissflowtest.Options{})
	done, _ := s.Account.AddItem("Onboarding", kissflowtest.Completed, nil, clock.Now().Add(-time.Minute))
	p, _ := NewPoller(Kissflow, simKissflowConfig(s.URL, 50), fastDeps())
	b, err := p.Poll(context.Background(), "2026-11-30T08:59:00Z", clock.Now().Add(-time.Hour))
	if err != nil || strings.Join(keys(b.Events), ",") != "kissflow:"+done.ID || !strings.HasPrefix(b.Cursor, "{") {
		t.Fatalf("old cursor: %v %q %v", keys(b.Events), b.Cursor, err)
	}
}

func TestKissflowBadCredentialsSayWhatToCheck(t *testing.T) {
	clock := &simClock{t: time.Now()}
	s := smallProcess(t, clock, kissflowtest.Options{})
	cfg := simKissflowConfig(s.URL, 50)
	cfg.Secrets["access_key_secret"] = "wrong"
	p, err := NewPoller(Kissflow, cfg, fastDeps())
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Poll(context.Background(), "", time.Now())
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "check the access key") {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Fatalf("error shows the secret: %v", err)
	}
	s2 := smallProcess(t, clock, kissflowtest.Options{NotAdminOf: []string{"Onboarding"}})
	p, _ = NewPoller(Kissflow, simKissflowConfig(s2.URL, 50), fastDeps())
	if _, err = p.Poll(context.Background(), "", time.Now()); err == nil || !strings.Contains(err.Error(), "Process Admin role") {
		t.Fatalf("403: %v", err)
	}
}

// The trigger can use a Kissflow account instead of keys of its own.
func TestKissflowAccountSetting(t *testing.T) {
	if err := Validate(Kissflow, Config{Values: map[string]any{"account": "hr", "process_id": "Onboarding"}}); err != nil {
		t.Fatalf("an account replaces the keys: %v", err)
	}
	err := Validate(Kissflow, Config{Values: map[string]any{"process_id": "Onboarding"}})
	if err == nil || !strings.Contains(err.Error(), "or pick a Kissflow account") {
		t.Fatalf("neither: %v", err)
	}
	if _, err := NewPoller(Kissflow, Config{Values: map[string]any{"account": "hr", "process_id": "Onboarding"}}, Deps{}); err == nil {
		t.Fatal("an account needs the engine's connection")
	}
}

func keys(evs []Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.DedupeKey
	}
	return out
}

// Lookups of _completed_at are bounded per poll; the rest wait in the
// cursor for the next poll, never skipped.
func TestKissflowLookupsBeyondTheBoundWait(t *testing.T) {
	defer func(n int) { kissflowLookupsPerPoll = n }(kissflowLookupsPerPoll)
	kissflowLookupsPerPoll = 1
	clock := &simClock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	s := smallProcess(t, clock, kissflowtest.Options{ListOmitsCompletedAt: true})
	p, _ := NewPoller(Kissflow, simKissflowConfig(s.URL, 50), fastDeps())
	start := clock.Now()
	b, _ := p.Poll(context.Background(), "", start)
	clock.add(time.Minute)
	want := map[string]bool{}
	for range 3 {
		it, _ := s.Account.AddItem("Onboarding", kissflowtest.Completed, nil, time.Time{})
		want["kissflow:"+it.ID] = true
	}
	got := map[string]bool{}
	for i := 0; i < 5 && len(got) < 3; i++ {
		var err error
		if b, err = p.Poll(context.Background(), b.Cursor, start); err != nil {
			t.Fatal(err)
		}
		if len(got) < 2 && !b.More {
			t.Fatalf("poll %d: lookups wait, so More must be set", i)
		}
		for _, k := range keys(b.Events) {
			got[k] = true
		}
	}
	if len(got) != 3 || !got[keysOf(want)[0]] {
		t.Fatalf("every completion fires in the end: %v want %v", got, want)
	}
}

func keysOf(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
