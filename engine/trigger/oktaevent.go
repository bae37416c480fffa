package trigger

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// LogSource reads an Okta org's System Log. The engine provides one per
// account, on top of the paced Okta client.
type LogSource interface {
	// Poll returns the events after cursor (a polling next link), or since
	// the given time when cursor is empty, that match filter; and the cursor
	// to store.
	Poll(ctx context.Context, cursor string, since time.Time, filter string) (events []map[string]any, next string, err error)
	// Latest returns the newest event that matches filter within the last
	// days, or an error saying there is none.
	Latest(ctx context.Context, filter string) (map[string]any, error)
}

// oktaEvent fires for System Log events of the chosen types. Its cursor is
// the polling next link; each event dedupes on its uuid.
type oktaEvent struct {
	src    LogSource
	filter string
}

func newOktaEvent(c Config, src LogSource) *oktaEvent {
	spec, _ := Lookup(OktaEvent)
	return &oktaEvent{src: src, filter: EventFilter(c.List(spec, "event_types"), c.String(spec, "filter"))}
}

// EventFilter builds a System Log filter for event types and an optional
// extra filter: eventType eq "a" or eventType eq "b", and (extra).
func EventFilter(types []string, extra string) string {
	parts := make([]string, len(types))
	for i, t := range types {
		parts[i] = "eventType eq " + strconv.Quote(t)
	}
	f := strings.Join(parts, " or ")
	if extra = strings.TrimSpace(extra); extra != "" {
		if len(parts) > 1 {
			f = "(" + f + ")"
		}
		f += " and (" + extra + ")"
	}
	return f
}

func (o *oktaEvent) Poll(ctx context.Context, cursor string, start time.Time) (Batch, error) {
	events, next, err := o.src.Poll(ctx, cursor, start, o.filter)
	if err != nil {
		return Batch{}, err
	}
	b := Batch{Cursor: next}
	for _, ev := range events {
		id, ok := ev["uuid"].(string)
		if !ok || id == "" {
			b.Problems = append(b.Problems, problemf(ReasonSkippedItem, "an Okta System Log event has no uuid"))
			continue
		}
		b.Events = append(b.Events, Event{Data: ev, DedupeKey: "okta:" + id})
	}
	if b.Cursor == "" {
		return Batch{}, errors.New("Okta System Log: the answer had no next link to continue from")
	}
	return b, nil
}

func (o *oktaEvent) Sample(ctx context.Context) (Event, error) {
	ev, err := o.src.Latest(ctx, o.filter)
	if err != nil {
		return Event{}, err
	}
	id, _ := ev["uuid"].(string)
	if id == "" {
		return Event{}, fmt.Errorf("Okta System Log: the latest event has no uuid")
	}
	return Event{Data: ev, DedupeKey: "okta:" + id}, nil
}
