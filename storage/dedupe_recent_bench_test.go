package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkMergeRecent is what moving one journal of recentMergeAt random
// keys (content hashes, as webhooks without an Idempotency-Key make) into a
// dedupe tree that already holds many costs: the writer's time (the merge
// holds it, so a webhook arriving then waits up to that long), its pages, and
// pages per key moved, beside the ~2 random pages a key cost when each was put
// in the tree by its own ingest commit.
//
//	go test ./storage -run X -bench MergeRecent -benchtime 5x
func BenchmarkMergeRecent(b *testing.B) {
	for _, treeKeys := range []int{20_000, 200_000} {
		b.Run(fmt.Sprintf("tree=%d", treeKeys), func(b *testing.B) {
			s, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{Getenv: func(string) string { return "" }})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			in, err := s.CreateIntegration(Integration{Name: "hooks", Trigger: Trigger{Type: "webhook"}})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.SetEnabled(in.ID, true, time.Time{}); err != nil {
				b.Fatal(err)
			}
			next := 0
			keys := func(n int) []NewEvent {
				evs := make([]NewEvent, n)
				for i := range evs {
					sum := sha256.Sum256(fmt.Append(nil, next))
					next++
					evs[i] = NewEvent{Payload: []byte(`{"n":1}`), DedupeKey: ContentKeyPrefix + hex.EncodeToString(sum[:])}
				}
				return evs
			}
			for done := 0; done < treeKeys; done += MaxEventsPerCommit {
				if _, err := s.EnqueueEvents(in.ID, keys(min(MaxEventsPerCommit, treeKeys-done)), EnqueueOptions{Baseline: true}); err != nil {
					b.Fatal(err)
				}
			}
			if err := s.drainRecent(); err != nil {
				b.Fatal(err)
			}
			var busy time.Duration
			var pages, moved int
			for b.Loop() {
				b.StopTimer()
				old := recentMergeAt
				recentMergeAt = 1 << 30 // no chore merge while the journal fills
				for n := 0; n < old; n += MaxEventsPerCommit {
					if _, err := s.EnqueueEvents(in.ID, keys(min(MaxEventsPerCommit, old-n)), EnqueueOptions{Baseline: true}); err != nil {
						b.Fatal(err)
					}
				}
				recentMergeAt = old
				before := s.WriteStats().Pages
				b.StartTimer()
				start := time.Now()
				var err error
				for seqs := s.recent.mergeOrder(); len(seqs) > 0; {
					chunk := seqs[:min(len(seqs), recentMergeChunk)]
					seqs = seqs[len(chunk):]
					if err = s.updateSized(len(chunk), 0, func(tx *bolt.Tx) error {
						n, err := s.mergeRecent(tx, chunk)
						moved += n
						return err
					}); err != nil {
						break
					}
				}
				busy += time.Since(start) // chunks run back to back here
				if err != nil {
					b.Fatal(err)
				}
				pages += int(s.WriteStats().Pages - before)
			}
			b.ReportMetric(float64(busy.Milliseconds())/float64(b.N), "ms/merge")
			b.ReportMetric(float64(pages)/float64(b.N), "pages/merge")
			b.ReportMetric(float64(pages)/float64(max(moved, 1)), "pages/key")
		})
	}
}
