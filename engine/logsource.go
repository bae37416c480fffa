package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/okta"
)

// logSource reads an account's System Log through its paced client.
type logSource struct {
	client *okta.Client
}

func (e *Engine) logSource(account string) (trigger.LogSource, error) {
	cl, _, err := e.clients.get(account)
	if err != nil {
		return nil, err
	}
	return logSource{client: cl}, nil
}

func (s logSource) Poll(ctx context.Context, cursor string, since time.Time, filter string) ([]map[string]any, string, error) {
	p := s.client.NewLogPoller(okta.LogPollerOptions{Since: since, Filter: filter})
	events, next, err := p.Poll(ctx, cursor)
	if err != nil {
		return nil, "", err
	}
	out, err := eventMaps(events)
	return out, next, err
}

// latestWindow is how far back Latest looks for a sample event.
const latestWindow = 7 * 24 * time.Hour

func (s logSource) Latest(ctx context.Context, filter string) (map[string]any, error) {
	p := s.client.NewLogPoller(okta.LogPollerOptions{Since: time.Now().Add(-latestWindow), Filter: filter, MaxPages: 5})
	events, _, err := p.Poll(ctx, "")
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, fmt.Errorf("Okta logged no matching event in the last 7 days; cause one (create a test user), or paste a sample event")
	}
	out, err := eventMaps(events[len(events)-1:])
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

func eventMaps(events []*okta.LogEvent) ([]map[string]any, error) {
	out := make([]map[string]any, 0, len(events))
	for _, ev := range events {
		raw, err := json.Marshal(ev)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}
