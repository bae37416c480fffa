package trigger

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/engine/kissflow/kissflowtest"
)

// skewedProcess is a process of 50 items on a simulated Kissflow whose
// clock is skew behind ours (ahead when negative), and a poller of it.
func skewedProcess(t *testing.T, skew time.Duration, opts kissflowtest.Options) (*kissflowtest.Server, *simClock, Poller, time.Time) {
	t.Helper()
	ours := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	kf := &simClock{t: ours.Add(-skew)}
	s, _ := bigProcess(t, 50, opts, kf)
	p, err := NewPoller(Kissflow, simKissflowConfig(s.URL, 100), fastDeps())
	if err != nil {
		t.Fatal(err)
	}
	return s, kf, p, ours
}

// An item created and completed between two polls fires whatever the
// difference between Kissflow's clock and ours: it was not in the list at
// the last poll, so it completed after the start.
func TestKissflowNewItemFiresWhateverTheClockSkew(t *testing.T) {
	for _, skew := range []time.Duration{2 * time.Minute, time.Hour, -time.Hour} {
		for _, order := range []string{kissflowtest.NewestFirst, kissflowtest.OldestFirst} {
			s, kf, p, start := skewedProcess(t, skew, kissflowtest.Options{Order: order})
			ctx := context.Background()
			b, err := p.Poll(ctx, "", start)
			if err != nil {
				t.Fatal(err)
			}
			kf.add(time.Minute)
			fresh, _ := s.Account.AddItem("Onboarding", kissflowtest.InProgress, map[string]any{"First_Name": "New", "Email": "n@acme.com"}, time.Time{})
			s.Account.Complete("Onboarding", fresh.ID)
			b, err = p.Poll(ctx, b.Cursor, start)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(keys(b.Events), "kissflow:"+fresh.ID) {
				t.Errorf("skew %v, %s: the item completed after the start did not fire: %v %v", skew, order, keys(b.Events), b.Problems)
			}
		}
	}
}

// An item seen open and then completed fires whatever the clocks say,
// also when its completion time must be looked up and the lookup waits
// for a later poll (carried over in the cursor).
func TestKissflowOpenItemFiresAfterADeferredLookupWhateverTheSkew(t *testing.T) {
	defer func(n int) { kissflowLookupsPerPoll = n }(kissflowLookupsPerPoll)
	kissflowLookupsPerPoll = 1
	s, kf, p, start := skewedProcess(t, time.Hour, kissflowtest.Options{ListOmitsCompletedAt: true})
	ctx := context.Background()
	b, err := p.Poll(ctx, "", start)
	if err != nil {
		t.Fatal(err)
	}
	items, err := s.Account.Items("Onboarding")
	if err != nil {
		t.Fatal(err)
	}
	var open []string
	for _, it := range items {
		if it.Status == kissflowtest.InProgress && len(open) < 3 {
			open = append(open, it.ID)
		}
	}
	kf.add(time.Minute)
	for _, id := range open {
		if _, err := s.Account.Complete("Onboarding", id); err != nil {
			t.Fatal(err)
		}
	}
	fired := map[string]bool{}
	for range 6 {
		if b, err = p.Poll(ctx, b.Cursor, start); err != nil {
			t.Fatal(err)
		}
		for _, k := range keys(b.Events) {
			fired[k] = true
		}
	}
	for _, id := range open {
		if !fired["kissflow:"+id] {
			t.Errorf("item %s, seen open and completed after the start, did not fire (Kissflow's clock an hour behind): %v", id, keysOf(fired))
		}
	}
}

// An item completed between the switch ON and the first poll, on a
// Kissflow clock two minutes behind ours, fires: completion times are
// compared with the start less clockMargin.
func TestKissflowItemCompletedBeforeTheFirstPollFiresOnASkewedClock(t *testing.T) {
	s, kf, p, start := skewedProcess(t, 2*time.Minute, kissflowtest.Options{})
	kf.add(30 * time.Second) // ours: 09:00:30; Kissflow: 08:58:30
	done, _ := s.Account.AddItem("Onboarding", kissflowtest.Completed, map[string]any{"Email": "d@acme.com"}, time.Time{})
	b, err := p.Poll(context.Background(), "", start)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(keys(b.Events), "kissflow:"+done.ID) {
		t.Fatalf("completed after the start on a skewed clock: %v", keys(b.Events))
	}
}
