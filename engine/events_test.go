package engine

import (
	"context"
	"testing"
	"time"
)

func TestBusNeverBlocksAndReportsLag(t *testing.T) {
	b := newBus()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	slow := b.Subscribe(ctx)

	done := make(chan struct{})
	go func() {
		for range subscriberBuffer + 50 { // more than the subscriber can hold
			b.publish(Event{Kind: IntegrationChanged, IntegrationID: "x"})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("publish blocked on a subscriber that does not read")
	}
	for range subscriberBuffer {
		<-slow
	}
	b.publish(Event{Kind: RunChanged})
	if ev := <-slow; ev.Kind != Lagged {
		t.Fatalf("after overflow the slow subscriber gets %v, want Lagged", ev.Kind)
	}
	if ev := <-slow; ev.Kind != RunChanged {
		t.Fatalf("then the new event, got %v", ev.Kind)
	}
	cancel()
	for range slow { // closed after cancel
	}
	deadline := time.Now().Add(5 * time.Second)
	for b.subscribers() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := b.subscribers(); n != 0 {
		t.Fatalf("%d subscribers left after cancel", n)
	}
}
