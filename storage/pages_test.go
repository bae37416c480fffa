package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// webhookKey is the dedupe key the listener makes of a body sent without
// an Idempotency-Key (a content key: random over the key space).
func webhookKey(n int) string {
	sum := sha256.Sum256(strconv.AppendInt(nil, int64(n), 10))
	return ContentKeyPrefix + "body:" + hex.EncodeToString(sum[:])
}

// ingestPages commits groups of size events (one transaction each, as
// the group commit makes of size concurrent webhooks) into a store that
// already holds seed runs, and tells which pages each commit wrote.
func ingestPages(tb testing.TB, seed, size, commits int) (commitPages, int) {
	s, ins := seedWebhookRuns(tb, seed)
	payload := json.RawMessage(`{"email":"bench1@acme.com","first_name":"Bench","last_name":"U1"}`)
	sum := commitPages{byOwner: map[string]int{}}
	pm, data, err := readPageMap(s.path)
	if err != nil {
		tb.Fatal(err)
	}
	n := seed
	for range commits {
		evs := make([]NewEvent, size)
		for j := range evs {
			n++
			evs[j] = NewEvent{Payload: payload, DedupeKey: webhookKey(n)}
		}
		if _, err := s.EnqueueEvents(ins[0].ID, evs, EnqueueOptions{}); err != nil {
			tb.Fatal(err)
		}
		pm2, data2, err := readPageMap(s.path)
		if err != nil {
			tb.Fatal(err)
		}
		c := describeCommit(pm, data, pm2, data2)
		sum.total += c.total
		sum.grown += c.grown
		sum.stretches += c.stretches
		for o, k := range c.byOwner {
			sum.byOwner[o] += k
		}
		pm, data = pm2, data2
	}
	return sum, commits
}

// seedWebhookRuns is a store with one webhook integration ON and n runs
// of webhook events (content keys), committed 1000 a transaction.
func seedWebhookRuns(tb testing.TB, n int) (*Store, []Integration) {
	tb.Helper()
	s, err := Open(tb.TempDir()+"/pages.db", Options{Getenv: func(string) string { return "" }})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	in, err := s.CreateIntegration(Integration{Name: "hooks", Trigger: Trigger{Type: "webhook"}})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := s.SetEnabled(in.ID, true, time.Time{}); err != nil {
		tb.Fatal(err)
	}
	payload := json.RawMessage(`{"email":"bench1@acme.com","first_name":"Bench","last_name":"U1"}`)
	for done := 0; done < n; {
		batch := make([]NewEvent, 0, MaxEventsPerCommit)
		for j := 0; j < MaxEventsPerCommit && done+j < n; j++ {
			batch = append(batch, NewEvent{Payload: payload, DedupeKey: webhookKey(done + j + 1)})
		}
		if _, err := s.EnqueueEvents(in.ID, batch, EnqueueOptions{}); err != nil {
			tb.Fatal(err)
		}
		done += len(batch)
	}
	return s, []Integration{in}
}

// BenchmarkIngestPagesByBucket measures, for commits of 1 and of 8 new
// webhook events into a store of 20,000 runs, which pages a commit writes:
// pages, stretches of contiguous pages and pages past the high water mark
// per commit as metrics, and the pages by owning bucket in the log (-v).
func BenchmarkIngestPagesByBucket(b *testing.B) {
	for _, size := range []int{1, 8} {
		b.Run(fmt.Sprintf("events=%d", size), func(b *testing.B) {
			var sum commitPages
			var n int
			for b.Loop() {
				sum, n = ingestPages(b, 20_000, size, 50)
			}
			b.ReportMetric(float64(sum.total)/float64(n), "pages/commit")
			b.ReportMetric(float64(sum.stretches)/float64(n), "stretches/commit")
			b.ReportMetric(float64(sum.grown)/float64(n), "grown-pages/commit")
			b.Logf("by owner:\n%s", ownerTable(maps.Clone(sum.byOwner), n))
		})
	}
}

// TestAppendIndexesFillTheirPages: the run indexes and the dedupe age
// index, whose keys only grow at the end of their ranges, are built of full
// pages (appendFill), not of the half pages bbolt's default split leaves
// behind; fewer pages, and fewer levels, for each commit to rewrite.
func TestAppendIndexesFillTheirPages(t *testing.T) {
	s, ins := seedWebhookRuns(t, 3000)
	in := ins[0]
	// Ingest one event at a time too: a commit of one run appends one key.
	for i := range 2000 {
		if _, err := s.EnqueueEvents(in.ID, []NewEvent{{Payload: json.RawMessage(`{}`), DedupeKey: webhookKey(100_000 + i)}}, EnqueueOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		check := func(name string, b *bolt.Bucket, want float64) {
			st := b.Stats()
			fill := float64(st.LeafInuse) / float64(st.LeafPageN*s.db.Info().PageSize)
			if fill < want {
				t.Errorf("%s: leaves %.0f%% full (%d pages for %d keys), want ≥ %.0f%%", name, 100*fill, st.LeafPageN, st.KeyN, 100*want)
			}
		}
		for _, name := range [][]byte{bucketRunsByState, bucketRunsByIntSt, bucketRunsDueByInt} {
			check(string(name), tx.Bucket(name), 0.85)
		}
		// The age index is written by the merges of recent keys: in time
		// order within a chunk, but the chunks of a round (in key order)
		// interleave in time, so some puts land inside full leaves. Still
		// far from the half-full pages of bbolt's default split.
		state := tx.Bucket(bucketTriggers).Bucket([]byte(in.ID))
		check("dedupe_age_content", state.Bucket(bucketContentAge), 0.75)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
