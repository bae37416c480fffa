package trigger

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/engine/kissflow"
	"github.com/oktaflow/oktaflow/engine/kissflow/kissflowtest"
)

// simClock is the simulated account's clock, moved by the test.
type simClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *simClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *simClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var onboardingFields = []kissflowtest.Field{
	{ID: "First_Name", Name: "First name", Type: "Text", Required: true},
	{ID: "Email", Name: "Email", Type: "Email", Required: true},
}

// bigProcess is a simulated account whose process holds n items created
// over the days before start, as a real process looks: the old ones done
// (Completed, every 10th Rejected), the 30 newest in progress, and two old
// ones still open (ids[3], deep in the list, and ids[1943]). It returns
// the ids in creation order.
func bigProcess(t *testing.T, n int, opts kissflowtest.Options, clock *simClock) (*kissflowtest.Server, []string) {
	t.Helper()
	opts.AccountID, opts.AccessKeyID, opts.AccessKeySecret, opts.Now, opts.RateLimit = "AcAcme", "key-id", "key-secret", clock.Now, -1
	s := kissflowtest.NewServer(opts)
	t.Cleanup(func() { s.Close() })
	s.Account.AddProcess("Onboarding", "Employee onboarding", onboardingFields)
	ids := make([]string, n)
	first := clock.Now().Add(-time.Duration(n) * time.Minute)
	for i := range n {
		status := kissflowtest.Completed
		switch {
		case i == 3 || i == 1943 || i >= n-30:
			status = kissflowtest.InProgress
		case i%10 == 0:
			status = kissflowtest.Rejected
		}
		it, err := s.Account.AddItem("Onboarding", status, map[string]any{"First_Name": fmt.Sprint("P", i), "Email": fmt.Sprintf("p%d@acme.com", i)}, first.Add(time.Duration(i)*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = it.ID
	}
	return s, ids
}

// fastDeps gives the trigger a client whose pacer lets everything through
// at once (the pacer has its own tests; here it would only slow them).
// fastDeps reach the test's simulator, on plain http on loopback, with no
// pacing to wait on.
func fastDeps() Deps {
	return Deps{KissflowInline: func(cfg kissflow.Config) (*kissflow.Client, error) {
		cfg.AllowHTTP = true
		return kissflow.New(cfg, kissflow.WithPacer(kissflow.NewPacer(1<<20, 1<<20)))
	}}
}

func simKissflowConfig(url string, pageSize int) Config {
	return Config{
		Values: map[string]any{"subdomain": "acme", "account_id": "AcAcme", "process_id": "Onboarding", "access_key_id": "key-id",
			"base_url": url + "/process/2/{account_id}", "page_size": float64(pageSize)},
		Secrets: map[string]string{"access_key_secret": "key-secret"},
	}
}

// An item deep in a process of 5,000 items completes: the trigger finds
// it, whichever way the API sorts the list, and a poll that follows reads
// only the pages that can have changed.
func TestKissflowFindsAnItemDeepInAProcessOf5000(t *testing.T) {
	for _, order := range []string{kissflowtest.NewestFirst, kissflowtest.OldestFirst} {
		for _, omit := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/omit_completed_at=%v", order, omit), func(t *testing.T) {
				clock := &simClock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
				s, ids := bigProcess(t, 5000, kissflowtest.Options{Order: order, ListOmitsCompletedAt: omit}, clock)
				start := clock.Now()
				p, err := NewPoller(Kissflow, simKissflowConfig(s.URL, 100), fastDeps())
				if err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				b, err := p.Poll(ctx, "", start)
				if err != nil {
					t.Fatal(err)
				}
				if len(b.Events) != 0 {
					t.Fatalf("items completed before the start fired: %v", keys(b.Events))
				}
				clock.add(time.Minute)
				deep := ids[3] // the oldest InProgress item: near the end of a newest-first list
				if _, err := s.Account.Complete("Onboarding", deep); err != nil {
					t.Fatal(err)
				}
				lists := s.Account.Stats().Lists
				b, err = p.Poll(ctx, b.Cursor, start)
				if err != nil {
					t.Fatal(err)
				}
				if got := strings.Join(keys(b.Events), ","); got != "kissflow:"+deep {
					t.Fatalf("the deep item: got %q", got)
				}
				if at, _ := b.Events[0].Data["_completed_at"].(string); at != "2026-11-30T09:01:00Z" {
					t.Fatalf("the event carries _completed_at (from the detail when the list lacks it): %v", b.Events[0].Data)
				}
				if n := s.Account.Stats().Lists - lists; n > 5 {
					t.Fatalf("the poll read %d pages; it should read only those that can have changed", n)
				}

				// A new item arrives and completes; another old one completes.
				clock.add(time.Minute)
				fresh, _ := s.Account.AddItem("Onboarding", kissflowtest.InProgress, map[string]any{"First_Name": "New"}, time.Time{})
				b, err = p.Poll(ctx, b.Cursor, start)
				if err != nil || len(b.Events) != 0 {
					t.Fatalf("an item in progress: %v %v", keys(b.Events), err)
				}
				clock.add(time.Minute)
				s.Account.Complete("Onboarding", fresh.ID)
				s.Account.Complete("Onboarding", ids[1943])
				b, err = p.Poll(ctx, b.Cursor, start)
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]bool{}
				for _, k := range keys(b.Events) {
					got[k] = true
				}
				if !got["kissflow:"+fresh.ID] || !got["kissflow:"+ids[1943]] {
					t.Fatalf("new and old completions: %v", keys(b.Events))
				}
			})
		}
	}
}

// Whatever the cursor says, a walk of every page at the slower cadence
// finds a completion that an incremental poll could not see (here: the
// list was reordered under the trigger's feet).
func TestKissflowFullWalkCatchesWhatMovedUnseen(t *testing.T) {
	clock := &simClock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	s, ids := bigProcess(t, 600, kissflowtest.Options{}, clock)
	start := clock.Now()
	cfg := simKissflowConfig(s.URL, 50)
	cfg.Values["full_walk_every"] = "1m"
	p, err := NewPoller(Kissflow, cfg, fastDeps())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b, _ := p.Poll(ctx, "", start)
	s.Account.SetListQuirks(kissflowtest.OldestFirst, false) // the API's order flips
	clock.add(2 * time.Minute)
	s.Account.Complete("Onboarding", ids[3])
	found := false
	for range 3 {
		var err error
		if b, err = p.Poll(ctx, b.Cursor, start); err != nil {
			t.Fatal(err)
		}
		found = found || strings.Contains(strings.Join(keys(b.Events), ","), ids[3])
		clock.add(2 * time.Minute)
	}
	if !found {
		t.Fatal("the completion was never found")
	}
}
