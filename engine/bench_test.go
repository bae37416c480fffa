package engine

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// BenchmarkWebhookIngest measures durable webhook ingest: each 202 comes
// after the event's run is committed (fsync) to the store. The engine is
// not started, so only ingest is measured.
func BenchmarkWebhookIngest(b *testing.B) {
	for _, senders := range []int{1, 8} {
		b.Run(fmt.Sprintf("senders=%d", senders), func(b *testing.B) {
			h := newHarness(b, oktatest.Options{})
			in := h.importOn(onboarding)
			url := h.http.URL + "/hooks/" + in.ID
			var seq atomic.Int64
			b.SetParallelism(senders)
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					n := seq.Add(1)
					body := fmt.Appendf(nil, `{"first_name":"A","last_name":"B%d","email":"u%d@acme.com"}`, n, n)
					req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
					req.Header.Set("Authorization", "Bearer change-me-0123456789")
					req.Header.Set("Content-Type", "application/json")
					resp, err := http.DefaultClient.Do(req)
					if err != nil || resp.StatusCode != http.StatusAccepted {
						b.Errorf("POST: %v %v", resp, err)
						return
					}
					resp.Body.Close()
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
		})
	}
}

// BenchmarkProvisioning sends N webhook events and waits until the N users
// exist in a simulated org whose buckets allow 200 requests per 2 s. Each
// user costs one GET (lookup, its own bucket) and one POST (create), so the
// bound is 100 users/s; it reports the ratio to that bound, the 429s the
// org answered, and the event-to-done latency percentiles.
func BenchmarkProvisioning(b *testing.B) {
	const n, limit, window = 600, 200, 2 * time.Second
	for range b.N {
		h := newHarness(b, oktatest.Options{RateLimit: limit, RateWindow: window})
		in := h.importOn(onboarding)
		if err := h.e.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		for i := range n {
			body := fmt.Appendf(nil, `{"first_name":"Bench","last_name":"U%d","email":"bench%d@acme.com"}`, i, i)
			req, _ := http.NewRequest(http.MethodPost, h.http.URL+"/hooks/"+in.ID, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer change-me-0123456789")
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != http.StatusAccepted {
				b.Fatalf("POST: %v %v", resp, err)
			}
			resp.Body.Close()
		}
		for {
			counts, _ := h.store.RunCounts()
			if counts[storage.RunSucceeded]+counts[storage.RunFailed] == n {
				if counts[storage.RunFailed] > 0 {
					b.Fatalf("runs failed: %v", counts)
				}
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		elapsed := time.Since(start)
		var lat []time.Duration
		for before := storage.RunID(0); ; {
			page, _ := h.store.ListRuns(storage.RunQuery{Before: before, Limit: 500})
			if len(page) == 0 {
				break
			}
			for _, r := range page {
				lat = append(lat, r.FinishedAt.Sub(r.CreatedAt))
			}
			before = page[len(page)-1].ID
		}
		slices.Sort(lat)
		too := 0
		for k, c := range h.sim.RequestCounts() {
			if k.Status == http.StatusTooManyRequests {
				too += c
			}
		}
		usersPerSec := float64(n) / elapsed.Seconds()
		bound := float64(limit) / window.Seconds()
		b.ReportMetric(usersPerSec, "users/s")
		b.ReportMetric(usersPerSec/bound, "ratio-to-bound")
		b.ReportMetric(float64(too), "429s")
		b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Milliseconds()), "p99-ms")
		h.cleanup()
	}
}
