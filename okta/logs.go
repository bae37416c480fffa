package okta

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// LogEvent is one System Log event. Like User it decodes without loss: the fields below are
// the ones triggers read, everything else (authenticationContext, securityContext, request,
// ...) is kept in Extra and re-encoded unchanged.
type LogEvent struct {
	UUID            string
	Published       *time.Time
	EventType       string // e.g. user.lifecycle.create
	Version         string
	Severity        string // DEBUG, INFO, WARN, ERROR
	LegacyEventType string
	DisplayMessage  string
	Actor           *LogActor
	Client          *LogClient
	Outcome         *LogOutcome
	Target          []LogTarget
	Transaction     *LogTransaction
	DebugContext    map[string]any

	Extra map[string]json.RawMessage
	wire  wire
}

// LogActor is who acted.
type LogActor struct {
	ID          string         `json:"id,omitempty"`
	Type        string         `json:"type,omitempty"`
	AlternateID string         `json:"alternateId,omitempty"`
	DisplayName string         `json:"displayName,omitempty"`
	DetailEntry map[string]any `json:"detailEntry,omitempty"`
}

// LogTarget is what was acted on.
type LogTarget struct {
	ID            string         `json:"id,omitempty"`
	Type          string         `json:"type,omitempty"`
	AlternateID   string         `json:"alternateId,omitempty"`
	DisplayName   string         `json:"displayName,omitempty"`
	DetailEntry   map[string]any `json:"detailEntry,omitempty"`
	ChangeDetails map[string]any `json:"changeDetails,omitempty"`
}

// LogClient is where the request came from.
type LogClient struct {
	ID                  string         `json:"id,omitempty"`
	IPAddress           string         `json:"ipAddress,omitempty"`
	Zone                string         `json:"zone,omitempty"`
	Device              string         `json:"device,omitempty"`
	UserAgent           map[string]any `json:"userAgent,omitempty"`
	GeographicalContext map[string]any `json:"geographicalContext,omitempty"`
}

// LogOutcome is the result: SUCCESS, FAILURE, SKIPPED, ALLOW, DENY, ...
type LogOutcome struct {
	Result string `json:"result,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// LogTransaction groups the events of one request.
type LogTransaction struct {
	Type   string         `json:"type,omitempty"`
	ID     string         `json:"id,omitempty"`
	Detail map[string]any `json:"detail,omitempty"`
}

func (e *LogEvent) fields() []jsonField {
	return []jsonField{
		{"uuid", &e.UUID}, {"published", &e.Published}, {"eventType", &e.EventType},
		{"version", &e.Version}, {"severity", &e.Severity}, {"legacyEventType", &e.LegacyEventType},
		{"displayMessage", &e.DisplayMessage}, {"actor", &e.Actor}, {"client", &e.Client},
		{"outcome", &e.Outcome}, {"target", &e.Target}, {"transaction", &e.Transaction},
		{"debugContext", &e.DebugContext},
	}
}

// UnmarshalJSON decodes an event without losing any key.
func (e *LogEvent) UnmarshalJSON(data []byte) error {
	*e = LogEvent{}
	w, err := decodeObject(data, e.fields(), &e.Extra)
	e.wire = w
	return err
}

// MarshalJSON encodes the event; an unchanged decoded event encodes to what Okta sent.
func (e LogEvent) MarshalJSON() ([]byte, error) { return encodeObject(e.wire, e.fields(), e.Extra) }

// LogPoller reads the System Log the way Okta asks pollers to: the first request gives
// since (and sortOrder=ASCENDING, no until, which makes it a polling query whose answers
// always carry a next link); every later request is exactly the next link of the previous
// answer. The cursor to persist is that next link.
type LogPoller struct {
	c        *Client
	since    time.Time
	filter   string
	limit    int
	maxPages int
}

// LogPollerOptions configures a LogPoller.
type LogPollerOptions struct {
	Since    time.Time // where the first poll starts (Okta keeps 90 days)
	Filter   string    // optional SCIM filter, e.g. `eventType sw "user.lifecycle"`
	Limit    int       // events per page, 1–1000 (default 1000)
	MaxPages int       // pages per Poll at most (default 10); the rest comes with the next Poll
}

// NewLogPoller returns a poller over this client's org.
func (c *Client) NewLogPoller(o LogPollerOptions) *LogPoller {
	p := &LogPoller{c: c, since: o.Since, filter: o.Filter, limit: o.Limit, maxPages: o.MaxPages}
	if p.limit <= 0 || p.limit > 1000 {
		p.limit = 1000
	}
	if p.maxPages <= 0 {
		p.maxPages = 10
	}
	return p
}

// Poll reads the events after cursor ("" starts at Since) and returns them with the cursor to
// persist. It reads pages until one is empty (nothing new yet) or MaxPages were read. The
// returned cursor is the last next link; if Okta sent none, the last page's URL, so that a
// poll never moves backwards (events seen again are deduplicated by uuid upstream). On error
// nothing is returned: keep the old cursor and poll again later. A cursor is only followed if
// it points at this org's /api/v1/logs.
func (p *LogPoller) Poll(ctx context.Context, cursor string) ([]*LogEvent, string, error) {
	r, err := p.first(cursor)
	if err != nil {
		return nil, "", err
	}
	var events []*LogEvent
	for range p.maxPages {
		var page []*LogEvent
		resp, err := p.c.call(ctx, r, &page)
		if err != nil {
			return nil, "", err
		}
		events = append(events, page...)
		next := nextLink(resp.header)
		if next == "" {
			u, _ := p.c.target(r)
			return events, u.String(), nil
		}
		if r, err = p.request(next); err != nil {
			return nil, "", err
		}
		if len(page) == 0 {
			break
		}
	}
	return events, r.link, nil
}

// first builds the first request: the persisted cursor, or a polling query from since.
func (p *LogPoller) first(cursor string) (*request, error) {
	if cursor != "" {
		return p.request(cursor)
	}
	q := url.Values{
		"since":     {p.since.UTC().Format("2006-01-02T15:04:05.000Z")},
		"sortOrder": {"ASCENDING"},
		"limit":     {strconv.Itoa(p.limit)},
	}
	if p.filter != "" {
		q.Set("filter", p.filter)
	}
	return &request{method: http.MethodGet, path: "/api/v1/logs", query: q}, nil
}

// request checks that a cursor belongs to this org's System Log before following it.
func (p *LogPoller) request(link string) (*request, error) {
	u, err := url.Parse(link)
	if err != nil || !u.IsAbs() {
		return nil, fmt.Errorf("okta: the System Log cursor is not a URL; reset the trigger's position")
	}
	if !p.c.sameOrigin(u) || u.Path != "/api/v1/logs" {
		return nil, fmt.Errorf("okta: the System Log cursor points at %s://%s%s, not %s/api/v1/logs; reset the trigger's position",
			u.Scheme, u.Host, u.Path, p.c.orgURL)
	}
	return &request{method: http.MethodGet, link: link}, nil
}
