package okta_test

import (
	"cmp"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// Paced creates against a simulator allowing 200 requests per 2 s window: how close the
// client gets to the bound (limit ÷ window = 100 users/s) and whether the org ever has to
// answer 429 after the first window, with the simulator answering at once and with a
// 100 ms round trip (about what a real org takes). At 100 ms the bound needs 10 requests in
// flight, so that run uses 20 workers and a concurrency cap of 20: the pacer, not the
// worker count, must be what holds the rate.
const (
	benchUsers  = 1000
	benchLimit  = 200
	benchWindow = 2 * time.Second
)

type pacedRun struct {
	latency time.Duration
	workers int
	users   int
	limit   int           // 0: benchLimit
	window  time.Duration // 0: benchWindow
}

func BenchmarkCreateUsersPaced(b *testing.B) {
	for _, r := range []struct {
		name string
		run  pacedRun
	}{
		{"rtt=0", pacedRun{latency: 0, workers: 10, users: benchUsers}},
		{"rtt=100ms", pacedRun{latency: 100 * time.Millisecond, workers: 20, users: benchUsers}},
	} {
		b.Run(r.name, func(b *testing.B) {
			var rate, total429, late429, rtt float64
			runs := 0
			for b.Loop() {
				res := createPaced(b, r.run)
				rate, total429, late429, rtt = rate+res.usersPerSec, total429+float64(res.total429), late429+float64(res.after429), rtt+res.rtt.Seconds()*1000
				runs++
			}
			n := float64(runs)
			bound := float64(benchLimit) / benchWindow.Seconds()
			b.ReportMetric(rate/n, "users/s")
			b.ReportMetric(rate/n/bound, "ratio-to-bound")
			b.ReportMetric(total429/n, "429s")
			b.ReportMetric(late429/n, "429s-after-first-window")
			b.ReportMetric(rtt/n, "rtt-ms")
		})
	}
}

// A batch that fits in the window's budget is sent as fast as the workers go, not spread
// over the window: 50 users by 10 workers at a 100 ms round trip, against Okta's common
// 600 requests / 60 s, take a probe and 5 round trips (spread evenly, they took 5 s).
func BenchmarkCreateUsersBurst(b *testing.B) {
	var secs, total429 float64
	runs := 0
	for b.Loop() {
		res := createPaced(b, pacedRun{latency: 100 * time.Millisecond, workers: 10, users: 50, limit: 600, window: time.Minute})
		secs += res.elapsed.Seconds()
		total429 += float64(res.total429)
		runs++
	}
	b.ReportMetric(secs/float64(runs), "batch-s")
	b.ReportMetric(secs/float64(runs)/0.1, "round-trips")
	b.ReportMetric(total429/float64(runs), "429s")
}

type pacedResult struct {
	usersPerSec        float64
	elapsed            time.Duration
	total429, after429 int
	rtt                time.Duration
}

// createPaced creates run.users users on a fresh simulator and returns users per second,
// the 429s answered, those answered after the first window had ended, and the client's
// measured round trip.
func createPaced(b *testing.B, run pacedRun) pacedResult {
	limit, window := cmp.Or(run.limit, benchLimit), cmp.Or(run.window, benchWindow)
	s := oktatest.NewServer(oktatest.Options{Seed: 42, RateLimit: limit, RateWindow: window, Latency: run.latency})
	defer s.Close()
	c, err := okta.NewClient(s.URL, s.Token, okta.WithAllowHTTPLoopback(), okta.WithMaxConcurrency(run.workers))
	if err != nil {
		b.Fatal(err)
	}
	count429 := func() int {
		n := 0
		for k, v := range s.RequestCounts() {
			if k.Status == 429 {
				n += v
			}
		}
		return n
	}
	// Start just after a whole second: the simulator's first window (it ends on the first
	// whole second at or after its first request + window) is then the longest it can be,
	// the worst case, instead of a length that varies by up to a second between runs.
	now := time.Now()
	time.Sleep(now.Truncate(time.Second).Add(time.Second + 5*time.Millisecond).Sub(now))
	start := time.Now()
	// The simulator's first window ends on the first whole second at or after start+window.
	firstEnd := start.Add(window).Truncate(time.Second).Add(time.Second)
	atFirstEnd := make(chan int, 1)
	timer := time.AfterFunc(time.Until(firstEnd), func() { atFirstEnd <- count429() })
	defer timer.Stop()

	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range run.workers {
		wg.Go(func() {
			for i := range jobs {
				login := fmt.Sprintf("bench.user%d@example.com", i)
				_, err := c.CreateUser(context.Background(), okta.CreateUserRequest{Activate: true,
					Profile: map[string]any{"login": login, "email": login, "firstName": "Bench", "lastName": fmt.Sprint("User", i)}})
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
				}
			}
		})
	}
	for i := range run.users {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	res := pacedResult{usersPerSec: float64(run.users) / elapsed.Seconds(), elapsed: elapsed, total429: count429(), rtt: c.Pace().RoundTrip}
	select {
	case n := <-atFirstEnd:
		res.after429 = res.total429 - n
	default:
		res.after429 = res.total429 // finished inside the first window
	}
	return res
}
