package engine

import (
	"context"
	"sync"
	"time"

	"github.com/oktaflow/oktaflow/storage"
)

// EventKind says what an Event is about.
type EventKind int

// Event kinds.
const (
	// RunChanged: a run was created or changed state (Run is set).
	RunChanged EventKind = iota + 1
	// IntegrationChanged: an integration was saved, switched or deleted (IntegrationID is set).
	IntegrationChanged
	// AccountChanged: an account was added, verified, refreshed or removed.
	AccountChanged
	// RateLimitWait: requests to an Okta bucket wait until Until (zero: the wait is over).
	RateLimitWait
	// TriggerProblem: a trigger poll skipped items (Message says which).
	TriggerProblem
	// Lagged: this subscriber fell behind and lost events; reload what is shown.
	Lagged
	// TriggerHealthChanged: a trigger's poll started failing, failed again,
	// recovered or skipped items (Health is set; Message is its last error).
	TriggerHealthChanged
	// StoreHealthChanged: the engine's writes to its database started
	// failing (Message is the error) or work again (Message is "").
	StoreHealthChanged
)

// Event is one change the engine reports.
type Event struct {
	Kind          EventKind
	At            time.Time
	Run           *storage.Run // RunChanged
	IntegrationID string
	AccountID     string
	Bucket        string         // RateLimitWait: the Okta rate-limit bucket
	Until         time.Time      // RateLimitWait
	Health        *TriggerHealth // TriggerHealthChanged
	Message       string
}

// subscriberBuffer is how many events a subscriber may fall behind by
// before it starts losing them.
const subscriberBuffer = 256

// bus fans events out to subscribers. publish never blocks: a full
// subscriber drops the event and gets a Lagged event as soon as it has room.
type bus struct {
	mu   sync.Mutex
	subs map[*subscriber]struct{}
}

type subscriber struct {
	ch     chan Event
	lagged bool
}

func newBus() *bus { return &bus{subs: map[*subscriber]struct{}{}} }

// Subscribe returns a channel of engine events that is closed when ctx ends.
func (b *bus) Subscribe(ctx context.Context) <-chan Event {
	s := &subscriber{ch: make(chan Event, subscriberBuffer)}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	go func() {
		<-ctx.Done()
		b.mu.Lock()
		delete(b.subs, s)
		close(s.ch)
		b.mu.Unlock()
	}()
	return s.ch
}

func (b *bus) publish(ev Event) {
	if ev.At.IsZero() {
		ev.At = time.Now()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		if s.lagged {
			select {
			case s.ch <- Event{Kind: Lagged, At: ev.At}:
				s.lagged = false
			default:
				continue
			}
		}
		select {
		case s.ch <- ev:
		default:
			s.lagged = true
		}
	}
}

// subscribers counts the live subscriptions (for tests and the status bar).
func (b *bus) subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}
