package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// seedRuns fills a store with n runs over 10 integrations, every third one
// succeeded, in batches (one transaction per 1000 events).
func seedRuns(b *testing.B, n int) (*Store, []Integration) {
	b.Helper()
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{Getenv: func(string) string { return "" }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	var ins []Integration
	for i := range 10 {
		in, err := s.CreateIntegration(Integration{Name: fmt.Sprint("int", i), Trigger: Trigger{Type: "webhook"}})
		if err != nil {
			b.Fatal(err)
		}
		s.SetEnabled(in.ID, true, time.Time{})
		ins = append(ins, in)
	}
	payload := json.RawMessage(`{"first_name":"Ada","last_name":"Lovelace","email":"ada@acme.com"}`)
	for done := 0; done < n; {
		batch := make([]NewEvent, 0, 1000)
		for j := 0; j < 1000 && done+j < n; j++ {
			batch = append(batch, NewEvent{Payload: payload, DedupeKey: fmt.Sprint("k", done+j)})
		}
		if _, err := s.EnqueueEvents(ins[(done/1000)%len(ins)].ID, batch, EnqueueOptions{}); err != nil {
			b.Fatal(err)
		}
		done += len(batch)
	}
	return s, ins
}

// BenchmarkListRunsPage reads one 50-run page, newest first, from 100,000
// runs: all runs, by integration, and by state. Its cost grows with the
// page, not with the runs stored.
func BenchmarkListRunsPage(b *testing.B) {
	s, ins := seedRuns(b, 100_000)
	for name, q := range map[string]RunQuery{
		"all":         {Limit: 50},
		"integration": {IntegrationID: ins[3].ID, Limit: 50},
		"state":       {State: RunQueued, Limit: 50},
		"deep-page":   {Before: 1000, Limit: 50},
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				page, err := s.ListRuns(q)
				if err != nil || len(page) != 50 {
					b.Fatalf("%d runs, %v", len(page), err)
				}
			}
		})
	}
}

// BenchmarkEnqueueOne is the cost of accepting one event durably (one
// transaction with fsync).
func BenchmarkEnqueueOne(b *testing.B) {
	s, ins := seedRuns(b, 0)
	i := 0
	for b.Loop() {
		i++
		if _, err := s.EnqueueEvents(ins[0].ID, []NewEvent{{Payload: json.RawMessage(`{}`), DedupeKey: fmt.Sprint(i)}}, EnqueueOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIngest is durable ingest as a webhook does it: each call one
// event, returning only once its commit is synced, from 1 and from 16
// senders at once. events/s is what the store accepts; events/commit shows
// how many calls shared each fsync (group commit). Compare with
// BenchmarkDiskFsync, the disk's own rate of synced writes.
func BenchmarkIngest(b *testing.B) {
	for _, senders := range []int{1, 16} {
		b.Run(fmt.Sprintf("senders=%d", senders), func(b *testing.B) {
			s, ins := seedRuns(b, 0)
			before := s.WriteStats()
			payload := json.RawMessage(`{"first_name":"Ada","last_name":"Lovelace","email":"ada@acme.com"}`)
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start, cpu0 := time.Now(), processCPU()
			for w := range senders {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						key := fmt.Sprint("w", w, "-", i)
						if _, err := s.EnqueueEvents(ins[w%len(ins)].ID, []NewEvent{{Payload: payload, DedupeKey: key}}, EnqueueOptions{}); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			elapsed, cpu := time.Since(start), processCPU()-cpu0
			b.StopTimer()
			st := s.WriteStats()
			commits := float64(max(st.Commits-before.Commits, 1))
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
			b.ReportMetric(float64(st.Requests-before.Requests)/commits, "events/commit")
			b.ReportMetric(float64(st.Pages-before.Pages)/commits, "pages/commit")
			// CPU of the whole process (senders included) per event: unlike
			// events/s it hardly moves with the disk and the machine's load.
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/event")
		})
	}
}

// BenchmarkDiskFsync is the disk's own rate: write 100 bytes and fsync, in
// the same kind of folder as the database of BenchmarkIngest.
func BenchmarkDiskFsync(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "fsync"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 100)
	start := time.Now()
	for b.Loop() {
		if _, err := f.Write(buf); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "fsync/s")
}

// BenchmarkDueByIntegration asks for due runs while one integration, at its
// concurrency limit, has a backlog: the cost does not grow with it.
func BenchmarkDueByIntegration(b *testing.B) {
	for _, backlog := range []int{0, 100_000} {
		b.Run(fmt.Sprintf("backlog=%d", backlog), func(b *testing.B) {
			s, ins := seedRuns(b, 0)
			for done := 0; done < backlog; done += MaxEventsPerCommit {
				evs := make([]NewEvent, 0, MaxEventsPerCommit)
				for j := range MaxEventsPerCommit {
					evs = append(evs, NewEvent{Payload: json.RawMessage(`{}`), DedupeKey: fmt.Sprint("b", done+j)})
				}
				if _, err := s.EnqueueEvents(ins[0].ID, evs, EnqueueOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			for i := 1; i < len(ins); i++ {
				if _, err := s.EnqueueEvents(ins[i].ID, []NewEvent{{Payload: json.RawMessage(`{}`), DedupeKey: "x"}}, EnqueueOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			full := ins[0].ID
			now := time.Now().Add(time.Second)
			for b.Loop() {
				got, err := s.DueByIntegration(now, 64, func(id string) int {
					if id == full {
						return 0
					}
					return 4
				})
				if err != nil || len(got) != len(ins)-1 {
					b.Fatalf("%d due, %v", len(got), err)
				}
			}
		})
	}
}

// BenchmarkEnqueueFullChunk is the longest single ingest transaction: one
// chunk of MaxEventsPerCommit events of 1 KiB, the writer lock's longest
// hold for ingest (ms/commit).
func BenchmarkEnqueueFullChunk(b *testing.B) {
	s, ins := seedRuns(b, 0)
	payload := json.RawMessage(`{"pad":"` + strings.Repeat("x", 1000) + `"}`)
	n := 0
	start := time.Now()
	for b.Loop() {
		evs := make([]NewEvent, MaxEventsPerCommit)
		for j := range evs {
			n++
			evs[j] = NewEvent{Payload: payload, DedupeKey: fmt.Sprint(n)}
		}
		if _, err := s.EnqueueEvents(ins[0].ID, evs, EnqueueOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/commit")
}

// BenchmarkIntegrationRead is the per-event read of ingest and dispatch,
// served from the cache (a deep copy).
func BenchmarkIntegrationRead(b *testing.B) {
	s, ins := seedRuns(b, 0)
	for b.Loop() {
		if _, err := s.Integration(ins[3].ID); err != nil {
			b.Fatal(err)
		}
	}
}

// processCPU is this process's user + system time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEnqueueCPU is the CPU one event costs the writer, the disk left
// out (the database does not sync): single-event calls from 16 goroutines
// against a store of 20,000 runs, dedupe keys hashed like a webhook
// body's. ns/op is per event, and mostly the writer's: it is the serial
// part of ingest, which every other write waits behind.
func BenchmarkEnqueueCPU(b *testing.B) {
	s, ins := seedRuns(b, 20_000)
	s.db.NoSync = true
	payload := json.RawMessage(`{"email":"bench1@acme.com","first_name":"Bench","last_name":"U1"}`)
	var next atomic.Int64
	b.ResetTimer()
	cpu0 := processCPU()
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				sum := sha256.Sum256(strconv.AppendInt(nil, i, 10))
				key := ContentKeyPrefix + "body:" + hex.EncodeToString(sum[:16])
				if _, err := s.EnqueueEvents(ins[0].ID, []NewEvent{{Payload: payload, DedupeKey: key}}, EnqueueOptions{}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/event")
}
