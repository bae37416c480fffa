package storage

import (
	"encoding/json"
	"fmt"
	"path/filepath"
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
