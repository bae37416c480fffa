package okta_test

import (
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
// answer 429 after the first window.
const (
	benchUsers   = 1000
	benchWorkers = 10
	benchLimit   = 200
	benchWindow  = 2 * time.Second
)

func BenchmarkCreateUsersPaced(b *testing.B) {
	var rate, total429, late429 float64
	runs := 0
	for b.Loop() {
		r, t, l := createPaced(b)
		rate, total429, late429 = rate+r, total429+float64(t), late429+float64(l)
		runs++
	}
	n := float64(runs)
	bound := float64(benchLimit) / benchWindow.Seconds()
	b.ReportMetric(rate/n, "users/s")
	b.ReportMetric(rate/n/bound, "ratio-to-bound")
	b.ReportMetric(total429/n, "429s")
	b.ReportMetric(late429/n, "429s-after-first-window")
}

// createPaced creates benchUsers users on a fresh simulator and returns users per second,
// the 429s answered, and the 429s answered after the first window had ended.
func createPaced(b *testing.B) (usersPerSec float64, total, afterFirst int) {
	s := oktatest.NewServer(oktatest.Options{Seed: 42, RateLimit: benchLimit, RateWindow: benchWindow})
	defer s.Close()
	c, err := okta.NewClient(s.URL, s.Token, okta.WithAllowHTTPLoopback(), okta.WithMaxConcurrency(benchWorkers))
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
	start := time.Now()
	// The simulator's first window ends on the first whole second at or after start+window.
	firstEnd := start.Add(benchWindow).Truncate(time.Second).Add(time.Second)
	atFirstEnd := make(chan int, 1)
	timer := time.AfterFunc(time.Until(firstEnd), func() { atFirstEnd <- count429() })
	defer timer.Stop()

	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range benchWorkers {
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
	for i := range benchUsers {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	total = count429()
	select {
	case n := <-atFirstEnd:
		afterFirst = total - n
	default:
		afterFirst = total // finished inside the first window
	}
	return benchUsers / elapsed.Seconds(), total, afterFirst
}
