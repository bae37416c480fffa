package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/storage"
)

// logSource reads an account's System Log through its paced client.
type logSource struct {
	client *okta.Client
	// sandbox: the org moves to a new loopback port at every start, so a
	// stored cursor (a next link) is re-pointed at the current port; the
	// org's log and its cursors survive the move.
	sandbox bool
}

func (e *Engine) logSource(account string) (trigger.LogSource, error) {
	cl, a, err := e.clients.get(account)
	if err != nil {
		return nil, err
	}
	return logSource{client: cl, sandbox: a.Kind == storage.AccountSandbox}, nil
}

// rebase points a sandbox cursor at the org's current address.
func (s logSource) rebase(cursor string) string {
	if !s.sandbox || cursor == "" {
		return cursor
	}
	u, err := url.Parse(cursor)
	org, oerr := url.Parse(s.client.OrgURL())
	if err != nil || oerr != nil {
		return cursor
	}
	u.Scheme, u.Host = org.Scheme, org.Host
	return u.String()
}

func (s logSource) Poll(ctx context.Context, cursor string, since time.Time, filter string) ([]map[string]any, string, error) {
	cursor = s.rebase(cursor)
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
