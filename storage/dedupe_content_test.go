package storage

import (
	"testing"
	"time"
)

// Keys made from a webhook body's content (no Idempotency-Key, no event
// id) are remembered for ContentKeyRetention only: a sender's retry within
// it is a duplicate, the same body months later (a rehire who leaves
// again) is a new event. Keys that name an event (an Idempotency-Key, an
// id, a feed's row) keep the long retention.
func TestContentKeysHaveAShortRetention(t *testing.T) {
	s, clock := openTest(t)
	in := newIntegration(t, s, true)
	body := ContentKeyPrefix + "body:0123456789abcdef"
	keys := []string{body, "idem:K1", "csv:row-1"}
	enqueue := func() []Enqueued {
		t.Helper()
		evs := make([]NewEvent, len(keys))
		for i, k := range keys {
			evs[i] = NewEvent{DedupeKey: k, Payload: []byte(`{"email":"a@acme.com"}`)}
		}
		out, err := s.EnqueueEvents(in.ID, evs, EnqueueOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	enqueue()
	clock.Add(ContentKeyRetention / 2)
	if _, err := s.Prune(clock.Now().Add(-DefaultRetention)); err != nil {
		t.Fatal(err)
	}
	for i, e := range enqueue() {
		if !e.Duplicate {
			t.Fatalf("%s within the retention: not a duplicate", keys[i])
		}
	}
	clock.Add(ContentKeyRetention + time.Hour)
	if _, err := s.Prune(clock.Now().Add(-DefaultRetention)); err != nil {
		t.Fatal(err)
	}
	got := enqueue()
	if got[0].Duplicate {
		t.Fatal("the same webhook body long after is still a duplicate")
	}
	if !got[1].Duplicate || !got[2].Duplicate {
		t.Fatalf("keys naming an event were forgotten: %+v", got)
	}
	if !IsContentKey(body) || IsContentKey("idem:K1") || IsContentKey("csv:row-1") {
		t.Fatal("IsContentKey")
	}
}
